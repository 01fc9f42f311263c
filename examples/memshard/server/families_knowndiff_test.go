package server

import (
	"bytes"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/internal/redisdiff"
)

// TestFamiliesErrorTrimming: Redis trims CR and LF from both ends of an
// error message before turning the rest into spaces, and %s stops at NUL;
// unsupported EXPIRE options that end in CR, LF or NUL show both.
func TestFamiliesErrorTrimming(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	flushBoth(t, rs.Addr, addr)
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("SET", "k", "v")
	}
	for _, argv := range [][]string{
		{"EXPIRE", "k", "100", "FOO\n"},
		{"PEXPIRE", "k", "100", "X\r"},
		{"EXPIREAT", "k", "4102444800", "Y\n\r"},
		{"PEXPIREAT", "k", "4102444800000", "\r\n"},
		{"EXPIRE", "k", "100", "Q\r\x00"},
		{"EXPIRE", "k", "100", "A\rB"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
		}
	}
}

// TestFamiliesCopyOtherDB pins memshard's one deliberate difference in the
// key commands: it has only database 0, so COPY ... DB n (n != 0) fails
// where Redis, with 16 databases, copies (see engine/keys.go).
func TestFamiliesCopyOtherDB(t *testing.T) {
	_, addr := startServer(t, Config{})
	mc := dial(t, addr)
	mc.Do("SET", "k", "v")
	if got, want := string(mc.Do("COPY", "k", "k2", "DB", "1")), "-ERR DB index is out of range\r\n"; got != want {
		t.Fatalf("COPY k k2 DB 1 = %q, want %q", got, want)
	}
}
