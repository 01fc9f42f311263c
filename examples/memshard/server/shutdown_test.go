package server

import "testing"

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
