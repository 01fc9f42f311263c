package server

import (
	"math"
	"strings"
	"testing"
)

// Unit tests of the C parsers CONFIG SET emulates, with the results
// Redis 7.0.15 gives (checked through CONFIG SET and GET on redis-server;
// the differential tests in config_test.go run them there).

func TestMemtoull(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"05", 5, true}, {"1b", 1, true}, {"b", 0, true}, {"gb", 0, true},
		{"1k", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true}, {"2m", 2e6, true}, {"2mb", 2 << 20, true},
		{"3g", 3e9, true}, {"3Gb", 3 << 30, true}, {"1\x00x", 1, true}, {"1gb\x00x", 1 << 30, true},
		{"18446744073709551615", math.MaxUint64, true}, {"18446744073709551616", math.MaxUint64, true},
		{"17179869184gb", 0, true}, {"17179869185gb", 1 << 30, true}, // the unit's product wraps
		{"-0", 0, false}, {"+5", 0, false}, {" 5", 0, false}, {"5 ", 0, false}, {"0x10", 0, false},
		{"1.5gb", 0, false}, {"1kbb", 0, false}, {"1t", 0, false}, {strings.Repeat("1", 128), 0, false},
		{strings.Repeat("0", 127) + "7", 0, false}, {strings.Repeat("0", 127), 0, true},
	} {
		if got, ok := memtoull(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("memtoull(%q) = %d, %v, want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStrtoll(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		rest string
	}{
		{"", 0, ""}, {"12", 12, ""}, {"+12x", 12, "x"}, {"\t-5", -5, ""}, {" ", 0, " "}, {"+", 0, "+"}, {"x", 0, "x"},
		{"1\x00x", 1, ""}, {"99999999999999999999", math.MaxInt64, ""}, {"-99999999999999999999", math.MinInt64, ""},
		{"-9223372036854775808", math.MinInt64, ""}, {"9223372036854775808", math.MaxInt64, ""}, {"0x10", 0, "x10"},
	} {
		if got, rest := strtoll(tc.in); got != tc.want || rest != tc.rest {
			t.Errorf("strtoll(%q) = %d, %q, want %d, %q", tc.in, got, rest, tc.want, tc.rest)
		}
	}
}

func TestString2d(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"99.9", 99.9, true}, {".5", 0.5, true}, {"5.", 5, true}, {"1e1", 10, true}, {"1E+1", 10, true},
		{"0x10", 16, true}, {"0X.8", 0.5, true}, {"0x1p4", 16, true}, {"-0", math.Copysign(0, -1), true}, {"+5", 5, true},
		{"inf", math.Inf(1), true}, {"-INFINITY", math.Inf(-1), true}, {"4e-320", 4e-320, true}, {"0e-400", 0, true},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"nan", 0, false}, {"1e400", 0, false}, {"1e-400", 0, false},
		{"0x1p-2000", 0, false}, {"0x", 0, false}, {"1e", 0, false}, {"1e+", 0, false}, {".", 0, false}, {"infin", 0, false},
		{"1_0", 0, false}, {"0x1_0", 0, false}, {"1\x00", 0, false},
	} {
		got, ok := string2d(tc.in)
		if ok != tc.ok || ok && (got != tc.want || math.Signbit(got) != math.Signbit(tc.want)) {
			t.Errorf("string2d(%q) = %v, %v, want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseNotifyEvents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"KEA", "AKE"}, {"An", "A"}, {"g$lshzxetdmn", "Am"}, {"KEg\x00Q", "gKE"}, {"x", "x"}, {"nK", "nK"}, {"mE", "Em"},
	} {
		if got, _, ok := parseNotifyEvents(tc.in); !ok || got != tc.want {
			t.Errorf("parseNotifyEvents(%q) = %q, %v, want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, _, ok := parseNotifyEvents("KQ"); ok {
		t.Errorf("parseNotifyEvents(%q) accepted", "KQ")
	}
}

func TestExpandTemplate(t *testing.T) {
	vars := procTitleVars(6379, "127.0.0.1 ::1")
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"{title} {listen-addr} {server-mode}", " 127.0.0.1:6379 [cluster]", true}, {"{{x}}", "{x}}", true},
		{"}", "}", true}, {"{", "", false}, {"{port", "", false}, {"{PORT}", "", false}, {"a{unixsocket}b", "ab", true},
	} {
		if got, ok := expandTemplate(tc.in, vars); got != tc.want || ok != tc.ok {
			t.Errorf("expandTemplate(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParams: every parameter is well formed: its default parses to
// itself, and Redis 7.0.15's 173 visible parameters, 19 aliases and 6
// hidden parameters are there.
func TestParams(t *testing.T) {
	s, _ := startServer(t, Config{})
	visible, aliases, hiddens := 0, 0, 0
	for _, p := range params {
		switch {
		case p.flags&hidden != 0:
			hiddens++
		default:
			visible++
		}
		if p.alias != "" {
			aliases++
		}
		if p.name == "dir" || p.name == "replicaof" {
			continue // no parser: protected, immutable
		}
		if got, err := s.parseParam(p, p.def, p.def); err != "" || got != p.def {
			t.Errorf("%s: default %q parses to %q, %q", p.name, p.def, got, err)
		}
	}
	if visible != 173 || aliases != 19 || hiddens != 6 {
		t.Errorf("%d visible parameters, %d aliases, %d hidden; want 173, 19, 6", visible, aliases, hiddens)
	}
}

// FuzzConfigSet: CONFIG SET of any name and value never panics, and a
// value it accepts reads back in a form that parses to itself.
func FuzzConfigSet(f *testing.F) {
	for _, seed := range [][2]string{
		{"maxmemory", "1gb"}, {"maxmemory-clients", "5%"}, {"hz", "1000"}, {"save", "100 10"}, {"bind", "127.0.0.1"},
		{"client-output-buffer-limit", "normal 1gb 2mb 3"}, {"latency-tracking-info-percentiles", "0x10 1e1"},
		{"notify-keyspace-events", "KEA"}, {"shutdown-on-sigint", "save now"}, {"proc-title-template", "{port} {{"},
		{"oom-score-adj-values", "\t5 2 3"}, {"slave-priority", "-1"}, {"requirepass", "p\x00w"}, {"nosuch", "x"},
	} {
		f.Add(seed[0], seed[1])
	}
	s, _ := startServer(f, Config{})
	f.Fuzz(func(t *testing.T, name, value string) {
		e := lookupParam(name)
		msg := s.configSet([][]byte{[]byte(name), []byte(value)})
		if msg != "" || e == nil {
			return
		}
		got := s.paramValue(e.p)
		if again, err := s.parseParam(e.p, got, got); err != "" || again != got {
			t.Errorf("CONFIG SET %s %q reads back %q, which parses to %q, %q", name, value, got, again, err)
		}
		if e.p.name == "requirepass" || e.p.name == "timeout" || e.p.name == "maxclients" {
			s.configSet([][]byte{[]byte(e.p.name), []byte(e.p.def)})
		}
	})
}
