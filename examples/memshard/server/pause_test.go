package server

import (
	"testing"
	"time"
)

// TestDiffPause runs CLIENT PAUSE scenarios on redis-server and memshard:
// which commands a WRITE pause postpones (compared by waiting for them to
// show as blocked clients on both), that reads run and keys do not expire
// meanwhile, the replies once CLIENT UNPAUSE lets them run, and errors.
func TestDiffPause(t *testing.T) { diffScenarios(t, pauseScenarios()) }

func pauseScenarios() []bscenario {
	return []bscenario{
		{"WRITE: writes and commands that may replicate wait, reads run", []bstep{
			bdo(0, "SET", "e", "v", "PX", "40"), bdo(0, "PFADD", "h", "a"),
			bdo(1, "CLIENT", "PAUSE", "100000", "WRITE"),
			bdo(2, "GET", "x"), bsend(2, "SET", "x", "1"), bblocked(1),
			bsend(3, "PUBLISH", "ch", "m"), bblocked(2),
			bsend(4, "PFCOUNT", "h"), bblocked(3),
			bdo(0, "INFO", "clients"), bdo(0, "CLIENT", "LIST"),
			bdo(1, "EVAL", "#!lua flags=no-writes\nreturn 1", "0"), bdo(1, "EVAL_RO", "return 1", "0"),
			bdo(1, "SCRIPT", "LOAD", "return 1"), bdo(1, "SORT_RO", "nokey"), bdo(1, "PING"),
			buntil(":0\r\n", "EXISTS", "e"), bdo(1, "GET", "e"), bdo(1, "DBSIZE"), // expired, not deleted
			bdo(1, "CLIENT", "UNPAUSE"), bread(2), bread(3), bread(4), bdo(2, "GET", "x"),
		}},
		{"WRITE: scripts without flags, unknown SHAs, queued writes and EXEC", []bstep{
			bdo(3, "MULTI"), bdo(3, "SET", "y", "1"),
			bdo(1, "CLIENT", "PAUSE", "100000", "WRITE"),
			bsend(2, "EVAL", "return 1", "0"), bblocked(1),
			bsend(3, "EXEC"), bblocked(2),
			bdo(4, "MULTI"), bdo(4, "GET", "y"), bsend(4, "SET", "z", "1"), bblocked(3),
			bsend(1, "EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"), bblocked(4), // unknown: may replicate
			bdo(0, "CLIENT", "UNPAUSE"), bread(2), bread(3), bread(4), bread(1), bdo(4, "EXEC"),
		}},
		{"WRITE: functions", []bstep{
			bdo(1, "FUNCTION", "LOAD", "#!lua name=plib\nredis.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}\n"+
				"redis.register_function('w', function() return 2 end)"),
			bdo(1, "CLIENT", "PAUSE", "100000", "WRITE"),
			bdo(1, "FCALL", "r", "0"), bdo(1, "FCALL_RO", "r", "0"),
			bsend(2, "FCALL", "nosuch", "0"), bblocked(1), // unknown: may replicate
			bsend(3, "FCALL", "w", "0"), bblocked(2),
			bsend(4, "FUNCTION", "DELETE", "plib"), bblocked(3),
			bdo(1, "CLIENT", "UNPAUSE"), bread(2), bread(3), bread(4),
		}},
		{"a later pause extends, a stricter one wins", []bstep{
			bdo(1, "CLIENT", "PAUSE", "100000", "WRITE"), bdo(1, "CLIENT", "PAUSE", "10", "WRITE"),
			bsend(2, "SET", "x", "1"), bblocked(1), bdo(1, "GET", "x"),
			bdo(1, "CLIENT", "UNPAUSE"), bread(2), bdo(1, "CLIENT", "UNPAUSE"),
		}},
		{"errors", []bstep{
			bdo(1, "CLIENT", "PAUSE"), bdo(1, "CLIENT", "PAUSE", "x"), bdo(1, "CLIENT", "PAUSE", "-1"),
			bdo(1, "CLIENT", "PAUSE", "10", "FOO"), bdo(1, "CLIENT", "PAUSE", "10", "WRITE", "x"),
			bdo(1, "CLIENT", "PAUSE", "99999999999999999999"), bdo(1, "CLIENT", "UNPAUSE", "x"),
			bdo(1, "CLIENT", "PAUSE", "0", "WRITE"), bdo(1, "SET", "k", "v"),
		}},
	}
}

// TestPause_AllPostponesEveryone: under CLIENT PAUSE ALL every command
// waits, the pausing client's and CLIENT UNPAUSE included, until the pause
// times out. (Not compared with redis-server: its INFO would wait too.)
func TestPause_AllPostponesEveryone(t *testing.T) {
	s, addr := startServer(t, Config{})
	a, b := dial(t, addr), dial(t, addr)
	if got := string(a.Do("CLIENT", "PAUSE", "100000", "ALL")); got != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE: %q", got)
	}
	a.Send([]byte("PING\r\n"))
	b.Send([]byte("CLIENT UNPAUSE\r\n"))
	for s.stats.info.blocked.Load() != 2 {
		time.Sleep(time.Millisecond)
	}
	s.unpause() // as the timeout would
	if got := string(a.Read()); got != "+PONG\r\n" {
		t.Fatalf("PING after the pause: %q", got)
	}
	if got := string(b.Read()); got != "+OK\r\n" {
		t.Fatalf("CLIENT UNPAUSE after the pause: %q", got)
	}
	// A pause that times out lets the commands run.
	a.Do("CLIENT", "PAUSE", "50", "ALL")
	if got := string(b.Do("PING")); got != "+PONG\r\n" {
		t.Fatalf("PING after a pause timed out: %q", got)
	}
}
