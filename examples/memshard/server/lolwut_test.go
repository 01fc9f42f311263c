package server

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// LOLWUT beside redis-server. The drawings take rand(), seeded per
// process, so their pixels cannot match: each pixel is masked (a braille
// character of version 5, a colored space of version 6), and the rest is
// compared byte for byte: the reply's type and, in RESP3, format, the
// number of lines, each line's length in pixels, the captions. The
// version line and every error are compared as they are.

var (
	braillePixel = regexp.MustCompile("[\u2800-\u28ff]")
	colorPixel   = regexp.MustCompile("\033\\[0;(30;40|90;100|37;47|97;107)m \033\\[0m")
)

// lolwutShape is a reply with its pixels masked, its length header
// dropped (version 6's escapes differ in length by color).
func lolwutShape(t *testing.T, reply []byte) string {
	t.Helper()
	n, rest := parseRESP(t, reply)
	if len(rest) != 0 {
		t.Fatalf("trailing bytes after %q", reply)
	}
	if n.kind != '$' && n.kind != '=' {
		return string(reply)
	}
	s := braillePixel.ReplaceAllString(n.text, "5")
	s = colorPixel.ReplaceAllString(s, "6")
	return string(n.kind) + s
}

func TestDiffLolwut(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	cases := [][]string{
		// The version line: exact.
		{"LOLWUT"}, {"lolwut", "x"}, {"LOLWUT", "VERSION"}, {"LOLWUT", "5"}, {"LOLWUT", "VERSION", "7"},
		{"LOLWUT", "VERSION", "4"}, {"LOLWUT", "VERSION", "59"}, {"LOLWUT", "VERSION", "0"}, {"LOLWUT", "VERSION", "-1"},
		{"LOLWUT", "VERSION", "7", "1", "2"}, {"LOLWUT", "x", "VERSION", "5"},
		// Errors, all of them Redis's integer error.
		{"LOLWUT", "VERSION", "x"}, {"LOLWUT", "VERSION", "1.5"}, {"LOLWUT", "VERSION", ""}, {"LOLWUT", "VERSION", " 5"},
		{"LOLWUT", "VERSION", "+5"}, {"LOLWUT", "VERSION", "05"}, {"LOLWUT", "VERSION", "99999999999999999999"},
		{"LOLWUT", "VERSION", "5", "x"}, {"LOLWUT", "VERSION", "5", "10", "x"}, {"LOLWUT", "VERSION", "5", "10", "2", "1e3"},
		{"LOLWUT", "VERSION", "6", "x"}, {"LOLWUT", "VERSION", "6", "10", "-"}, {"LOLWUT", "VERSION", "x", "1"},
		// Schotter: sizes, limits, arguments past the third ignored.
		{"LOLWUT", "VERSION", "5"}, {"lolwut", "version", "5", "1"}, {"LOLWUT", "VERSION", "5", "2"},
		{"LOLWUT", "VERSION", "5", "3"}, {"LOLWUT", "VERSION", "5", "0", "0", "0"}, {"LOLWUT", "VERSION", "5", "-9", "-9", "-9"},
		{"LOLWUT", "VERSION", "5", "10", "3", "4"}, {"LOLWUT", "VERSION", "5", "7", "3", "1"}, {"LOLWUT", "VERSION", "5", "33", "5", "7"},
		{"LOLWUT", "VERSION", "5", "1001", "201", "1"}, {"LOLWUT", "VERSION", "5", "40", "1", "200"},
		{"LOLWUT", "VERSION", "5", "20", "3", "3", "x"}, {"LOLWUT", "VERSION", "-4294967291", "9", "2", "2"},
		// Skyscrapers.
		{"LOLWUT", "VERSION", "6"}, {"LOLWUT", "VERSION", "6", "1"}, {"LOLWUT", "VERSION", "6", "1", "1"},
		{"LOLWUT", "VERSION", "6", "0", "-3"}, {"LOLWUT", "VERSION", "6", "3", "2"}, {"LOLWUT", "VERSION", "6", "17", "9"},
		{"LOLWUT", "VERSION", "6", "1001", "3"}, {"LOLWUT", "VERSION", "6", "4", "1001"}, {"LOLWUT", "VERSION", "6", "12", "6", "x"},
		{"LOLWUT", "VERSION", "4294967302", "30", "10"},
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, argv := range cases {
				want, got := rc.Do(argv...), mc.Do(argv...)
				if ws, gs := lolwutShape(t, want), lolwutShape(t, got); ws != gs {
					t.Errorf("%q, pixels masked:\n got  %q\n want %q (redis-server)", argv, gs, ws)
				}
			}
			// Exactly, where nothing is drawn: in MULTI, and in scripts.
			for _, argv := range [][]string{
				{"MULTI"}, {"LOLWUT"}, {"LOLWUT", "VERSION", "x"}, {"EXEC"},
				{"EVAL", "return redis.call('lolwut')", "0"},
				{"EVAL", "return redis.call('LOLWUT', 'VERSION', '9')", "0"},
				{"EVAL", "return redis.pcall('lolwut', 'version', 'x')", "0"},
				{"EVAL", "redis.setresp(3); return redis.call('lolwut')", "0"},
				{"EVAL", "redis.setresp(3); local r = redis.call('lolwut'); return {r.verbatim_string.format, r.verbatim_string.string}", "0"},
				{"EVAL", "return #redis.call('lolwut', 'version', '5', '4', '1', '1')", "0"},
				{"EVAL", "return redis.call('lolwut', 'version', '6', '1', 'x')", "0"},
			} {
				if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
					t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
				}
			}
		})
	}
	// The shape test sees pixels: a drawing is not empty.
	if got := string(dial(t, addr).Do("LOLWUT", "VERSION", "5")); !strings.Contains(got, "\u2800") || !strings.Contains(got, "Georg Nees") {
		t.Errorf("LOLWUT VERSION 5 = %q, want braille art and its caption", got)
	}
}
