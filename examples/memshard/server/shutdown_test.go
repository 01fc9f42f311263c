package server

import (
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffShutdown: SHUTDOWN's refusals, compared with redis-server's (a
// SHUTDOWN that succeeds ends the server: TestE2E_ShutdownHandsOver runs
// one on the real binary).
func TestDiffShutdown(t *testing.T) {
	diffScenarios(t, []bscenario{{"refusals", []bstep{
		bdo(1, "SHUTDOWN", "ABORT"),
		bdo(1, "SHUTDOWN", "FOO"),
		bdo(1, "SHUTDOWN", "ABORT", "NOW"),
		bdo(1, "SHUTDOWN", "nosave", "SAVE"),
		bdo(1, "SHUTDOWN", "nosave", "now", "force", "abort"),
		bdo(1, "MULTI"), bdo(1, "SHUTDOWN"), bdo(1, "EXEC"),
		bdo(1, "EVAL", "return redis.call('shutdown')", "0"),
		bdo(1, "EVAL", "return redis.pcall('shutdown', 'abort')", "0"),
	}}})
}

// TestDiffPersistenceCommands: SAVE, BGSAVE and BGREWRITEAOF refuse as
// memshard has no file to write, after the argument checks Redis makes;
// LASTSAVE answers the node's start.
func TestDiffPersistenceCommands(t *testing.T) {
	s, addr := startServer(t, Config{})
	c := dial(t, addr)
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"SAVE"}, "-" + errNoRDB + "\r\n"},
		{[]string{"BGSAVE"}, "-" + errNoRDB + "\r\n"},
		{[]string{"BGSAVE", "SCHEDULE"}, "-" + errNoRDB + "\r\n"},
		{[]string{"BGSAVE", "x"}, "-ERR syntax error\r\n"},
		{[]string{"SAVE", "x"}, "-ERR wrong number of arguments for 'save' command\r\n"},
		{[]string{"BGREWRITEAOF"}, "-" + errNoAOF + "\r\n"},
		{[]string{"LASTSAVE"}, ":" + itoa(int(s.started.Unix())) + "\r\n"},
	} {
		if got := string(c.Do(tc.argv...)); got != tc.want {
			t.Errorf("%q = %q, want %q", tc.argv, got, tc.want)
		}
	}
	// The refusals Redis itself makes first.
	rs := redisdiff.Start(t)
	rc := dial(t, rs.Addr)
	for _, argv := range [][]string{{"BGSAVE", "x"}, {"SAVE", "x"}, {"BGSAVE", "a", "b"}, {"MULTI"}, {"SAVE"}, {"EXEC"}} {
		if want, got := rc.Do(argv...), c.Do(argv...); string(got) != string(want) {
			t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, got, want)
		}
	}
}
