package server

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

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

// busyLibrary's functions run until killed, or (wwait) write and then
// wait 300 ms on TIME.
const busyLibrary = "#!lua name=busy\n" +
	"redis.register_function('loop', function() while true do end end)\n" +
	"redis.register_function{function_name='roloop', callback=function() while true do end end, flags={'no-writes'}}\n" +
	"redis.register_function('wwait', function(keys) redis.call('set', keys[1], 'v') " + waitScript + " end)"

const busyFunctionReply = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"

// TestDiffFunctionBusy: a function that has run past busy-reply-threshold
// gets other commands BUSY in the functions' wording; FUNCTION STATS
// reports it (RESP2 and RESP3) while it runs; FUNCTION KILL stops it
// unless it has written; SCRIPT KILL refuses to stop a function and
// FUNCTION KILL an EVAL, as Redis answers; compared with redis-server.
func TestDiffFunctionBusy(t *testing.T) {
	setup := []bstep{
		bdo(4, "CONFIG", "SET", "busy-reply-threshold", "10"), bquiet(4, "FUNCTION", "LOAD", "REPLACE", busyLibrary),
	}
	diffScenarios(t, []bscenario{
		{"function-kill", append(slices.Clip(setup),
			bquiet(3, "HELLO", "3"), bsend(1, "FCALL", "loop", "1", "k", "arg"), buntil(busyFunctionReply, "PING"),
			bdo(2, "GET", "k"), bdo(2, "FCALL", "loop", "0"), bdo(2, "FUNCTION", "LIST"), bdo(2, "FUNCTION", "DUMP"),
			bdo(2, "FUNCTION", "STATS"), bdo(3, "FUNCTION", "STATS"), bdo(2, "SCRIPT", "KILL"),
			bdo(2, "FUNCTION", "KILL"), bread(1), bdo(2, "FUNCTION", "KILL"), bdo(2, "FUNCTION", "STATS"), bdo(3, "FUNCTION", "STATS"),
			bdo(2, "GET", "k"),
		)},
		{"function-ro", append(slices.Clip(setup),
			bsend(1, "FCALL_RO", "roloop", "0"), buntil(busyFunctionReply, "PING"),
			bdo(2, "FUNCTION", "STATS"), bdo(3, "FUNCTION", "KILL"), bread(1),
		)},
		{"function-unkillable", append(slices.Clip(setup),
			bsend(1, "FCALL", "wwait", "1", "k"), buntil(busyFunctionReply, "PING"),
			bdo(3, "FUNCTION", "KILL"), bdo(3, "SCRIPT", "KILL"), bdo(2, "SET", "k", "w"), bread(1), bdo(3, "GET", "k"),
			bdo(3, "FUNCTION", "KILL"),
		)},
		{"eval-running", append(slices.Clip(setup),
			bsend(1, "EVAL", "while true do end", "0"), buntil(busyReply, "PING"),
			bdo(2, "FUNCTION", "STATS"), bdo(2, "FUNCTION", "KILL"), bdo(2, "FCALL", "loop", "0"), bdo(3, "SCRIPT", "KILL"), bread(1),
			bdo(2, "FUNCTION", "STATS"),
		)},
		{"in-multi", append(slices.Clip(setup),
			bdo(2, "MULTI"), bdo(2, "FUNCTION", "KILL"), bdo(2, "FUNCTION", "STATS"), bdo(2, "FCALL", "roloop", "x"), bdo(2, "EXEC"),
		)},
	})
}

// TestScriptBusy_HelloAnswers: HELLO, which Redis serves while a script is
// busy (allow_busy), is answered then (it once waited for the script, for
// the node's role). Not compared with redis-server: a memshard node says it
// runs in cluster mode.
func TestScriptBusy_HelloAnswers(t *testing.T) {
	_, addr := startServer(t, Config{})
	a, b := dial(t, addr), dial(t, addr)
	b.Do("CONFIG", "SET", "busy-reply-threshold", "10")
	a.Send(redisdiff.Encode("EVAL", "while true do end", "0"))
	for deadline := time.Now().Add(10 * time.Second); string(b.Do("PING")) != busyReply; {
		if time.Now().After(deadline) {
			t.Fatal("the script never made the server busy")
		}
	}
	if got := string(b.Do("HELLO", "3")); !strings.HasPrefix(got, "%7\r\n$6\r\nserver\r\n") {
		t.Fatalf("HELLO 3 while a script is busy: %q", got)
	}
	if got := string(b.Do("SCRIPT", "KILL")); got != "+OK\r\n" {
		t.Fatalf("SCRIPT KILL: %q", got)
	}
	a.Read() // the script's error
}
