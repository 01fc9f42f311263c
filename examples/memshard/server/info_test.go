package server

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Differential tests of INFO: the same command stream goes to
// redis-server 7.0 and to memshard; the sections, the field names and
// their order must be Redis's, the values must have the shape of Redis's,
// and the values a known stream determines (command and error counts,
// keys) must be equal.

// infoSection is one "# Title" section of an INFO reply.
type infoSection struct {
	title  string
	fields []infoField
}

// parseInfo splits the raw INFO reply (a RESP2 bulk string) into sections.
func parseInfo(t *testing.T, raw []byte) []infoSection {
	t.Helper()
	hdr, body, ok := bytes.Cut(raw, []byte("\r\n"))
	if !ok || len(hdr) == 0 || hdr[0] != '$' {
		t.Fatalf("INFO reply %q is not a bulk string", raw)
	}
	var out []infoSection
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			out = append(out, infoSection{title: line[2:]})
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || len(out) == 0 {
				t.Fatalf("INFO line %q: not name:value in a section", line)
			}
			out[len(out)-1].fields = append(out[len(out)-1].fields, infoField{name, value})
		}
	}
	return out
}

func sectionTitles(secs []infoSection) []string {
	var out []string
	for _, s := range secs {
		out = append(out, s.title)
	}
	return out
}

func fieldNames(fields []infoField) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.name)
	}
	return out
}

// TestDiffInfo_Sections: every way of choosing sections selects the same
// sections, in the same order, as redis-server.
func TestDiffInfo_Sections(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, args := range [][]string{
		{}, {"default"}, {"DEFAULT"}, {"all"}, {"All"}, {"everything"}, {"server", "clients"}, {"SERVER"},
		{"server", "Server"}, {"nosuch"}, {"commandstats"}, {"latencystats"}, {"errorstats"}, {"modules"},
		{"module_list"}, {"everything", "server"}, {"default", "commandstats"}, {"keyspace", "server"},
		{"all", "nosuch"}, {"cpu", "cpu"}, {"nosuch", "stats"}, {"cluster", "persistence", "replication", "memory"},
	} {
		argv := append([]string{"INFO"}, args...)
		want := sectionTitles(parseInfo(t, rc.Do(argv...)))
		got := sectionTitles(parseInfo(t, mc.Do(argv...)))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q sections (-redis +memshard):\n%s", argv, diff)
		}
	}
}

// infoStream is a command stream with successes, rejections (arity,
// unknown command and subcommand, a transaction's arity error) and
// failures (WRONGTYPE, not an integer, NOPROTO, errors inside EXEC),
// on keys of one slot (memshard is a cluster node).
var infoStream = [][]string{
	{"PING"}, {"ECHO", "hi"}, {"SET", "{t}k", "v"}, {"GET", "{t}k"}, {"GET", "{t}nx"}, {"GET"},
	{"NOSUCH", "a"}, {"CLIENT"}, {"CLIENT", "FOO"}, {"CLIENT", "GETNAME"}, {"CLIENT", "GETNAME", "x"},
	{"CONFIG", "GET"}, {"CONFIG", "GET", "maxmemory"}, {"HELLO", "4"}, {"LPUSH", "{t}k", "x"},
	{"INCR", "{t}k"}, {"SET", "{t}n", "1"}, {"INCR", "{t}n"}, {"DEL", "{t}n", "{t}nx"},
	{"SET", "{t}e", "v", "EX", "1000"},
	{"MULTI"}, {"SET", "{t}a", "1"}, {"INCR", "{t}k"}, {"PING"}, {"GET"}, {"EXEC"},
	{"MULTI"}, {"SET", "{t}a", "1"}, {"INCR", "{t}k"}, {"LPUSH", "{t}k", "a"}, {"PING"}, {"ECHO", "x"}, {"EXEC"},
	{"EXEC"}, {"DISCARD"}, {"MULTI"}, {"MULTI"}, {"DISCARD"}, {"WATCH", "{t}k"}, {"UNWATCH"},
	{"MGET", "{t}a", "{t}b"}, {"RPUSH", "{t}l", "a", "b", "c"}, {"LRANGE", "{t}l", "0", "-1"},
	{"HSET", "{t}h", "f", "v"}, {"HGET", "{t}h", "f"}, {"SADD", "{t}s", "a"}, {"ZADD", "{t}z", "1", "a"},
	{"TYPE", "{t}k"}, {"TTL", "{t}k"}, {"EXISTS", "{t}k", "{t}nx"}, {"ZADD", "{t}z", "x", "a"},
}

// runInfoStream resets both servers' stats and sends them infoStream on
// c, the same protocol error on a second connection, and requests that
// AUTH refuses on a third, while a password is set; the replies must be
// equal.
func runInfoStream(t *testing.T, redisAddr, memAddr string, rc, mc *redisdiff.Conn) {
	t.Helper()
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("FLUSHALL")
		c.Do("CONFIG", "RESETSTAT")
	}
	for _, argv := range infoStream {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q = %q, redis-server replies %q", argv, got, want)
		}
	}
	// A protocol error counts as an ERR reply.
	want, _ := exchange(t, redisAddr, []byte("*1\r\n$-5\r\n"), false)
	got, _ := exchange(t, memAddr, []byte("*1\r\n$-5\r\n"), false)
	if !bytes.Equal(got, want) {
		t.Errorf("protocol error = %q, redis-server replies %q", got, want)
	}
	// NOAUTH rejects; a wrong password fails AUTH.
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("CONFIG", "SET", "requirepass", "pw")
	}
	ra, ma := dial(t, redisAddr), dial(t, memAddr)
	for _, argv := range [][]string{{"GET", "{t}k"}, {"PING"}, {"AUTH", "bad"}, {"AUTH", "pw"}, {"GET", "{t}k"}} {
		if want, got := ra.Do(argv...), ma.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q = %q, redis-server replies %q", argv, got, want)
		}
	}
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("CONFIG", "SET", "requirepass", "")
	}
}

// memshardOnly says whether a field is memshard's own, allowed after
// Redis's fields of its section.
func memshardOnly(name string) bool {
	return strings.HasPrefix(name, "memshard_") || strings.HasPrefix(name, "quorumlog_")
}

// freeText are fields whose values are text in both, with nothing to
// compare: the build, the platform, names.
var freeText = map[string]bool{
	"redis_git_sha1": true, "redis_build_id": true, "redis_mode": true, "os": true, "gcc_version": true,
	"executable": true, "config_file": true, "mem_allocator": true, "maxmemory_policy": true,
	"multiplexing_api": true, "atomicvar_api": true, "monotonic_clock": true,
}

// valueShapes classify a value by its format, first match wins.
var valueShapes = []struct {
	name string
	re   *regexp.Regexp
}{
	{"integer", regexp.MustCompile(`^-?\d+$`)},
	{"%.6f", regexp.MustCompile(`^\d+\.\d{6}$`)},
	{"%.3f", regexp.MustCompile(`^\d+\.\d{3}$`)},
	{"%.2f", regexp.MustCompile(`^-?\d+\.\d{2}$`)},
	{"%.2f%%", regexp.MustCompile(`^\d+\.\d{2}%$`)},
	{"human", regexp.MustCompile(`^(\d+B|\d+\.\d{2}[KMGTP])$`)},
	{"run id", regexp.MustCompile(`^[0-9a-f]{40}$`)},
	{"ok/err", regexp.MustCompile(`^(ok|err)$`)},
	{"k=v list", regexp.MustCompile(`^[a-z_0-9.]+=[^,=]*(,[a-z_0-9.]+=[^,=]*)*$`)},
	{"word", regexp.MustCompile(`^[a-z-]+$`)},
}

func shapeOf(v string) string {
	for _, s := range valueShapes {
		if s.re.MatchString(v) {
			return s.name
		}
	}
	return "other"
}

// sameShape reports whether got is formatted as want is; k=v lists must
// have the same keys, with values of the same shapes.
func sameShape(got, want string) bool {
	gs, ws := shapeOf(got), shapeOf(want)
	if gs != ws {
		return false
	}
	if ws != "k=v list" {
		return true
	}
	gp, wp := strings.Split(got, ","), strings.Split(want, ",")
	if len(gp) != len(wp) {
		return false
	}
	for i := range wp {
		gk, gv, _ := strings.Cut(gp[i], "=")
		wk, wv, _ := strings.Cut(wp[i], "=")
		if gk != wk || shapeOf(gv) != shapeOf(wv) {
			return false
		}
	}
	return true
}

// unorderedSections list their fields in Redis's command table (hash)
// order: compared as sets.
var unorderedSections = map[string]bool{"Commandstats": true, "Latencystats": true}

// TestDiffInfo_Fields: after the same stream, INFO everything has Redis's
// fields in Redis's order (memshard's own after them), with values shaped
// as Redis's.
func TestDiffInfo_Fields(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	runInfoStream(t, rs.Addr, addr, rc, mc)
	want, got := parseInfo(t, rc.Do("INFO", "everything")), parseInfo(t, mc.Do("INFO", "everything"))
	if diff := cmp.Diff(sectionTitles(want), sectionTitles(got)); diff != "" {
		t.Fatalf("sections (-redis +memshard):\n%s", diff)
	}
	for i, ws := range want {
		gs := got[i]
		wn, gn := fieldNames(ws.fields), fieldNames(gs.fields)
		if unorderedSections[ws.title] {
			slices.Sort(wn)
			slices.Sort(gn)
		} else {
			extra := len(gn)
			for extra > 0 && memshardOnly(gn[extra-1]) {
				extra--
			}
			gn = gn[:extra]
		}
		if diff := cmp.Diff(wn, gn); diff != "" {
			t.Errorf("section %s: field names (-redis +memshard):\n%s", ws.title, diff)
			continue
		}
		values := map[string]string{}
		for _, f := range gs.fields {
			values[f.name] = f.value
		}
		for _, f := range ws.fields {
			if !freeText[f.name] && !sameShape(values[f.name], f.value) {
				t.Errorf("section %s: %s:%s is not shaped as redis-server's %s:%s (%s)",
					ws.title, f.name, values[f.name], f.name, f.value, shapeOf(f.value))
			}
		}
	}
}

// cmdstatTimes are a cmdstat value's times, which differ by nature.
var cmdstatTimes = regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+,`)

// infoCounts are the fields a known stream determines: command and error
// counts, keys. Times are left out; latencystats only by shape.
func infoCounts(secs []infoSection) map[string]string {
	out := map[string]string{}
	for _, s := range secs {
		for _, f := range s.fields {
			switch {
			case strings.HasPrefix(f.name, "cmdstat_"):
				out[f.name] = cmdstatTimes.ReplaceAllString(f.value, "")
			case strings.HasPrefix(f.name, "errorstat_"):
				out[f.name] = f.value
			case strings.HasPrefix(f.name, "latency_percentiles_usec_"):
				out[f.name] = shapeOf(f.value)
			case dbField.MatchString(f.name):
				out[f.name], _, _ = strings.Cut(f.value, ",avg_ttl=")
			}
			switch f.name {
			case "total_commands_processed", "total_error_replies", "expired_keys", "evicted_keys",
				"keyspace_hits", "keyspace_misses", "blocked_clients", "role", "connected_slaves", "maxmemory", "loading", "aof_enabled",
				"rdb_bgsave_in_progress", "rdb_last_bgsave_status":
				out[f.name] = f.value
			}
		}
	}
	return out
}

var dbField = regexp.MustCompile(`^db\d+$`)

// TestDiffInfo_Counts: after the same stream, the counts are Redis's:
// calls, rejected and failed calls per command (subcommands apart),
// errors per prefix, commands processed, keyspace hits and misses, keys;
// then CONFIG RESETSTAT resets them as Redis's does, and they count again
// from there.
func TestDiffInfo_Counts(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	runInfoStream(t, rs.Addr, addr, rc, mc)
	want, got := infoCounts(parseInfo(t, rc.Do("INFO", "everything"))), infoCounts(parseInfo(t, mc.Do("INFO", "everything")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("INFO counts after the stream (-redis +memshard):\n%s", diff)
	}
	if got["cmdstat_get"] == "" || got["errorstat_WRONGTYPE"] == "" {
		t.Fatalf("the stream counted nothing: %v", got)
	}

	// A key expired by a read counts in expired_keys until CONFIG RESETSTAT.
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("SET", "{t}x", "v", "PX", "1")
		deadline := time.Now().Add(5 * time.Second)
		for string(c.Do("GET", "{t}x")) != "$-1\r\n" {
			if time.Now().After(deadline) {
				t.Fatal("a key set with PX 1 did not expire in 5 s")
			}
			time.Sleep(time.Millisecond)
		}
	}
	want, got = infoCounts(parseInfo(t, rc.Do("INFO", "stats"))), infoCounts(parseInfo(t, mc.Do("INFO", "stats")))
	if want["expired_keys"] != "1" || got["expired_keys"] != "1" {
		t.Errorf("expired_keys = %s, redis-server %s; want 1", got["expired_keys"], want["expired_keys"])
	}

	for _, c := range []*redisdiff.Conn{rc, mc} {
		if r := string(c.Do("CONFIG", "RESETSTAT")); r != "+OK\r\n" {
			t.Fatalf("CONFIG RESETSTAT = %q", r)
		}
	}
	want, got = infoCounts(parseInfo(t, rc.Do("INFO", "everything"))), infoCounts(parseInfo(t, mc.Do("INFO", "everything")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("INFO counts after CONFIG RESETSTAT (-redis +memshard):\n%s", diff)
	}
	if got["cmdstat_config|resetstat"] == "" || got["total_commands_processed"] != "1" || got["expired_keys"] != "0" ||
		got["keyspace_hits"] != "0" || got["keyspace_misses"] != "0" {
		t.Errorf("after CONFIG RESETSTAT: %v, want only config|resetstat's call", got)
	}

	// Hits and misses count again from the reset: reads of a live, a
	// missing, an expired and a wrong-type key; writes count nothing.
	for _, argv := range keyspaceStream {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q = %q, redis-server replies %q", argv, got, want)
		}
	}
	want, got = infoCounts(parseInfo(t, rc.Do("INFO", "stats"))), infoCounts(parseInfo(t, mc.Do("INFO", "stats")))
	for _, name := range []string{"keyspace_hits", "keyspace_misses"} {
		if got[name] != want[name] {
			t.Errorf("after CONFIG RESETSTAT and a stream: %s:%s, redis-server %s", name, got[name], want[name])
		}
	}
	if want["keyspace_hits"] != "9" || want["keyspace_misses"] != "6" {
		t.Errorf("redis-server counted keyspace_hits:%s keyspace_misses:%s, want 9 and 6 (the stream changed?)",
			want["keyspace_hits"], want["keyspace_misses"])
	}
}

// keyspaceStream reads and writes keys for keyspace_hits and
// keyspace_misses. {t}e is expired from the start (PXAT 1): GET finds it
// expired, or active expiry deleted it first, a miss either way.
// Hits: GET {t}k, EXISTS {t}k, TYPE {t}l, MGET {t}k, LRANGE {t}k
// (WRONGTYPE), SET ... GET, COPY's source, SUNIONSTORE's {t}s,
// ZRANGESTORE's {t}z. Misses: GET {t}none, GET {t}e, EXISTS {t}none,
// TTL {t}none, MGET {t}none, SUNIONSTORE's {t}none.
var keyspaceStream = [][]string{
	{"SET", "{t}k", "v"}, {"SET", "{t}e", "v", "PXAT", "1"}, {"RPUSH", "{t}l", "a"}, {"SADD", "{t}s", "a"},
	{"ZADD", "{t}z", "1", "a"}, {"INCR", "{t}n"}, {"APPEND", "{t}k", "w"}, {"SETNX", "{t}k", "x"},
	{"GET", "{t}k"}, {"GET", "{t}none"}, {"GET", "{t}e"}, {"EXISTS", "{t}k", "{t}none"}, {"TYPE", "{t}l"},
	{"TTL", "{t}none"}, {"MGET", "{t}k", "{t}none"}, {"LRANGE", "{t}k", "0", "-1"}, {"SET", "{t}k", "y", "GET"},
	{"COPY", "{t}k", "{t}c"}, {"SUNIONSTORE", "{t}u", "{t}s", "{t}none"}, {"ZRANGESTORE", "{t}r", "{t}z", "0", "-1"},
	{"DEL", "{t}k", "{t}none"}, {"RENAME", "{t}c", "{t}d"}, {"LPUSH", "{t}l", "b"},
}

// infoValue returns one field of INFO section from c.
func infoValue(t *testing.T, c *redisdiff.Conn, section, name string) string {
	t.Helper()
	for _, s := range parseInfo(t, c.Do("INFO", section)) {
		for _, f := range s.fields {
			if f.name == name {
				return f.value
			}
		}
	}
	t.Fatalf("INFO %s has no %s", section, name)
	return ""
}

// TestInfo_RedirectsCount: a redirection rejects the command and counts
// under its prefix, as redis-server 7.0.15 in cluster mode counts them
// (checked by hand with two cluster nodes: GET of another node's key gave
// errorstat_MOVED:count=1 and cmdstat_get rejected_calls=1).
func TestInfo_RedirectsCount(t *testing.T) {
	f := newFakeBackend()
	f.setTopology(Topology{Role: "slave", Self: Node{ID: "b", Addr: "127.0.0.1:2"}, Primary: Node{ID: "a", Addr: "10.0.0.1:7000"}, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	c := dial(t, addr)
	for _, argv := range [][]string{{"GET", "foo"}, {"GET", "foo"}, {"FLUSHALL"}, {"MULTI"}, {"SET", "foo", "1"}, {"EXEC"}} {
		c.Do(argv...)
	}
	for _, tc := range []struct{ section, name, want string }{
		{"errorstats", "errorstat_MOVED", "count=3"},
		{"errorstats", "errorstat_READONLY", "count=1"},
		{"errorstats", "errorstat_EXECABORT", "count=1"},
		{"commandstats", "cmdstat_get", "calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0"},
		{"commandstats", "cmdstat_set", "calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"},
		{"commandstats", "cmdstat_flushall", "calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"},
		{"stats", "total_error_replies", "5"},
		{"replication", "role", "slave"},
		{"replication", "master_host", "10.0.0.1"},
		{"replication", "master_replid", "a"},
	} {
		if got := infoValue(t, c, tc.section, tc.name); got != tc.want {
			t.Errorf("INFO %s: %s:%s, want %s", tc.section, tc.name, got, tc.want)
		}
	}
}

// TestInfo_Rates: the instantaneous rates follow a burst of commands
// within a sampling period or two, and the memory figures hang together.
func TestInfo_Rates(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	c.Send(bytes.Repeat([]byte("PING\r\n"), 500))
	for range 500 {
		c.Read()
	}
	// INFO counts the commands before it, not itself.
	if got := infoValue(t, c, "stats", "total_commands_processed"); got != "500" {
		t.Errorf("total_commands_processed = %s after 500 PINGs, want 500", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for infoValue(t, c, "stats", "instantaneous_ops_per_sec") == "0" {
		if time.Now().After(deadline) {
			t.Fatal("instantaneous_ops_per_sec still 0 5 s after 500 commands")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := infoValue(t, c, "stats", "instantaneous_input_kbps"); v == "0.00" {
		t.Errorf("instantaneous_input_kbps = %s after 3000 bytes", v)
	}
	num := func(section, name string) uint64 {
		n, err := strconv.ParseUint(infoValue(t, c, section, name), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	if used, peak := num("memory", "used_memory"), num("memory", "used_memory_peak"); peak < used || used == 0 {
		t.Errorf("used_memory %d, used_memory_peak %d: want 0 < used <= peak", used, peak)
	}
	if n := num("memory", "used_memory_rss"); n == 0 {
		t.Error("used_memory_rss = 0")
	}
}
