package server

import "testing"

const busyReply = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"

// TestDiffScriptBusy: once a script has run past busy-reply-threshold,
// other commands get BUSY (those Redis allows still run), SCRIPT KILL
// stops a script that has not written (its client gets Redis's error) and
// refuses one that has, which then runs to its end; compared with
// redis-server. The loop counts are Redis's and gopher-lua's: both run
// well past the 10 ms threshold.
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
			bsend(1, "EVAL", "redis.call('set', 'k', 'v') for i = 1, 100000000 do end return 1", "0"), buntil(busyReply, "PING"),
			bdo(3, "SCRIPT", "KILL"), bdo(2, "SET", "k", "w"), bread(1), bdo(3, "GET", "k"), bdo(3, "SCRIPT", "KILL"),
		}},
		{"pcall-cannot-hold-a-kill", []bstep{
			bdo(4, "CONFIG", "SET", "busy-reply-threshold", "10"),
			bsend(1, "EVAL", "while true do pcall(function() while true do end end) end", "0"), buntil(busyReply, "PING"),
			bdo(3, "SCRIPT", "KILL"), bread(1), bdo(2, "PING"),
		}},
	})
}
