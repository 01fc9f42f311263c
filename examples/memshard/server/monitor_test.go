package server

import (
	"testing"
)

// TestDiffMonitor: what a MONITOR connection is shown, compared with
// redis-server's (times and client addresses aside).
func TestDiffMonitor(t *testing.T) {
	diffScenarios(t, []bscenario{
		{"monitor", []bstep{
			bdo(1, "MONITOR"),
			bdo(2, "SET", "a", "1"), bread(1),
			bdo(2, "GET", "a"), bread(1),
			bdo(2, "SET", "bin", "x\x00\xff\t\n\r\a\b\"\\ y"), bread(1),
			bdo(2, "AUTH", "secret"), bread(1), // redacted
			bdo(2, "AUTH", "user", "secret"), bread(1),
			bdo(2, "CONFIG", "GET", "maxmemory"), // admin: not shown
			bdo(2, "NOSUCH"), bdo(2, "GET"),      // refused: not shown
			bdo(2, "PING"), bread(1),
			// a script's commands, not the script
			bdo(2, "EVAL", "redis.call('set','b','x\\n\"y'); return redis.call('get','b')", "0"), bread(1), bread(1), bread(1),
			bdo(2, "EVAL", "return redis.pcall('nosuch')", "0"), bread(1),
			bdo(2, "EVAL", "return redis.call('echo','e')", "0"), bread(1), bread(1),
			bdo(2, "EVALSHA", "0123456789012345678901234567890123456789", "0"), bread(1),
			bdo(2, "EVAL", "return redis.call('nosuch')", "0"), bread(1),
			bdo(2, "EVAL", "return 1", "x"), bread(1),
			bdo(2, "FUNCTION", "LOAD", "REPLACE", "#!lua name=l\nredis.register_function('f', function() return redis.call('ping') end)"), bread(1),
			bdo(2, "FCALL", "f", "0"), bread(1), bread(1),
			bdo(2, "FCALL_RO", "f", "0"), bread(1),
			bdo(2, "FCALL", "nosuch", "0"), bread(1),
			bdo(2, "CLIENT", "SETNAME", "x"), bread(1),
			bdo(2, "SUBSCRIBE", "ch"), bread(1), bdo(2, "UNSUBSCRIBE"), bread(1),
			// a transaction: MULTI, its commands as EXEC runs them, EXEC
			bdo(2, "MULTI"), bread(1),
			bdo(2, "INCR", "n"), bdo(2, "EVAL", "return redis.call('incr','n')", "0"), bdo(2, "ECHO", "hi"),
			bdo(2, "EXEC"), bread(1), bread(1), bread(1), bread(1), bread(1),
			// connection commands among data commands: shown in the block's order
			bdo(2, "MULTI"), bread(1),
			bdo(2, "PING"), bdo(2, "SET", "x", "1"), bdo(2, "ECHO", "hi"), bdo(2, "EVAL", "return redis.call('incr','n')", "0"),
			bdo(2, "CLIENT", "GETNAME"), bdo(2, "GET", "x"),
			bdo(2, "EXEC"), bread(1), bread(1), bread(1), bread(1), bread(1), bread(1), bread(1), bread(1),
			bdo(2, "MULTI"), bread(1), bdo(2, "NOSUCH"), bdo(2, "EXEC"), bread(1), // EXECABORT: EXEC ran
			bdo(2, "WATCH", "w"), bread(1), bdo(2, "MULTI"), bread(1), bdo(2, "GET", "w"),
			bdo(3, "SET", "w", "1"), bread(1),
			bdo(2, "EXEC"), bread(1), // aborted: its commands did not run
			bdo(2, "BLPOP", "list", "0.01"), bread(1), // when it blocks
			bdo(3, "CLIENT", "LIST"), // admin: not shown
			// the monitor's own commands: after their replies; none that
			// touches keys (Redis sees a replica)
			bdo(1, "GET", "a"),
			bdo(1, "PUBLISH", "ch", "m"),
			bdo(1, "ECHO", "x"), bread(1),
			bsend(1, "MONITOR"), // again: ignored, no reply
			bdo(1, "PING"), bread(1),
			bdo(1, "MULTI"), bread(1), bdo(1, "GET", "a"), bdo(1, "EXEC"), bread(1),
			bdo(1, "RESET"),
			bdo(2, "SET", "a", "2"),
			bdo(1, "PING"),
			bdo(3, "CLIENT", "LIST"),
			bdo(1, "MULTI"), bdo(1, "MONITOR"), bdo(1, "EXEC"),
			bdo(1, "GET", "a"),
		}},
	})
}
