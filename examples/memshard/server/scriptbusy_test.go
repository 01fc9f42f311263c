package server

import "testing"

// waitScript runs for 300 ms of TIME, then returns 1.
const waitScript = "local t0 = redis.call('TIME') while true do local t = redis.call('TIME') " +
	"if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 300000 then return 1 end end"

const busyReply = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"

// TestDiffScriptBusy: once a script has run past busy-reply-threshold,
// other commands get BUSY (those Redis allows still run), SCRIPT KILL
// stops a script that has not written (its client gets Redis's error) and
// refuses one that has, which then runs to its end; compared with
// redis-server. A script that must end on its own waits on TIME, which
// moves while a script runs: its duration does not depend on how fast
// the Lua runs (gopher-lua under the race detector is far slower).
func TestDiffScriptBusy(t *testing.T) {
	diffScenarios(t, []bscenario{
		{"kill", []bstep{
			bdo(4, "CONFIG", "SET", "busy-reply-threshold", "10"),
			bsend(1, "EVAL", "while true do end", "0"), buntil(busyReply, "PING"),
			bdo(2, "GET", "k"), bdo(2, "MULTI"), bdo(2, "GET", "k"), bdo(2, "EXEC"), bdo(2, "AUTH", "x"), bdo(2, "INFO"),
			bdo(3, "SCRIPT", "KILL"), bread(1), bdo(3, "SCRIPT", "KILL"), bdo(2, "GET", "k"),
		}},
		{"unkillable", []bstep{
			bdo(4, "CONFIG", "SET", "busy-reply-threshold", "10"),
			bsend(1, "EVAL", "redis.call('set', 'k', 'v') "+waitScript, "0"), buntil(busyReply, "PING"),
			bdo(3, "SCRIPT", "KILL"), bdo(2, "SET", "k", "w"), bread(1), bdo(3, "GET", "k"), bdo(3, "SCRIPT", "KILL"),
		}},
		{"pcall-cannot-hold-a-kill", []bstep{
			bdo(4, "CONFIG", "SET", "busy-reply-threshold", "10"),
			bsend(1, "EVAL", "while true do pcall(function() while true do end end) end", "0"), buntil(busyReply, "PING"),
			bdo(3, "SCRIPT", "KILL"), bread(1), bdo(2, "PING"),
		}},
	})
}
