package server

import (
	"bytes"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffScriptDebug: SCRIPT DEBUG's checks and its NO answer as Redis's,
// in MULTI and from a script too.
func TestDiffScriptDebug(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, argv := range [][]string{
		{"SCRIPT", "DEBUG", "NO"}, {"SCRIPT", "DEBUG", "no"}, {"SCRIPT", "DEBUG", "FOO"}, {"SCRIPT", "DEBUG"},
		{"SCRIPT", "DEBUG", "YES", "x"}, {"MULTI"}, {"SCRIPT", "DEBUG", "NO"}, {"SCRIPT", "DEBUG", "YES"}, {"EXEC"},
		{"EVAL", "return redis.call('script','debug','no')", "0"}, {"COMMAND", "INFO", "SCRIPT|DEBUG"},
	} {
		want, got := rc.Do(argv...), mc.Do(argv...)
		// A script's error names its SHA1, the same on both.
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, got, want)
		}
	}
	// Pipelined after another command: that one's reply is pending.
	pipeline := append(redisdiff.Encode("PING"), redisdiff.Encode("SCRIPT", "DEBUG", "NO")...)
	rc.Send(pipeline)
	mc.Send(pipeline)
	for range 2 {
		if want, got := rc.Read(), mc.Read(); !bytes.Equal(got, want) {
			t.Errorf("pipelined PING, SCRIPT DEBUG NO:\nmemshard: %q\nredis:    %q", got, want)
		}
	}
}

// TestScriptDebugKnownDiff: Redis's SCRIPT DEBUG YES and SYNC turn on its
// Lua debugger for the next script; memshard has none and refuses them.
func TestScriptDebugKnownDiff(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, mode := range []string{"YES", "SYNC"} {
		if got := string(rc.Do("SCRIPT", "DEBUG", mode)); got != "+OK\r\n" {
			t.Errorf("redis-server's SCRIPT DEBUG %s = %q", mode, got)
		}
		rc.Do("SCRIPT", "DEBUG", "NO")
		if got, want := string(mc.Do("SCRIPT", "DEBUG", mode)), "-"+engine.ErrScriptDebugger+"\r\n"; got != want {
			t.Errorf("memshard's SCRIPT DEBUG %s = %q, want %q", mode, got, want)
		}
	}
}
