package server

import (
	"bytes"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// maxmemory 1 is over at once on both servers, whatever they hold, so
// the scenarios below are deterministic: with noeviction every command
// that may grow memory is refused; with an evicting policy, every key the
// policy may take goes (a handful: well within one eviction run), and
// then the same commands are refused.

// oomRefused are commands checked under a limit nothing can meet.
func oomRefused(conn int) []bstep {
	return []bstep{
		bdo(conn, "SET", "b", "2"),
		bdo(conn, "INCR", "n"),
		bdo(conn, "APPEND", "a", "x"),
		bdo(conn, "LPUSH", "l", "x"),
		bdo(conn, "GET", "a"),
		bdo(conn, "DEL", "gone"),
		bdo(conn, "EXPIRE", "a", "100"),
		// A script without a shebang is checked as it runs: it may not
		// grow memory until it has written something.
		bdo(conn, "EVAL", "return redis.call('set','k','v')", "0"),
		bdo(conn, "EVAL", "return redis.pcall('set','k','v')", "0"),
		bdo(conn, "EVAL", "return redis.call('get','a')", "0"),
		bdo(conn, "EVAL", "redis.call('del','nothing'); return redis.call('set','k2','v')", "0"),
		// With a shebang, its flags decide before it runs.
		bdo(conn, "EVAL", "#!lua\nreturn redis.call('get','a')", "0"),
		bdo(conn, "EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"),
		bdo(conn, "EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','k3','v')", "0"),
		bdo(conn, "EVAL_RO", "#!lua\nreturn redis.call('get','a')", "0"),
		bdo(conn, "FCALL", "w", "0"),
		bdo(conn, "FCALL", "ro", "0"),
		bdo(conn, "FCALL", "oom", "0"),
		bdo(conn, "FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('x', function() return 1 end)"),
		bdo(conn, "FUNCTION", "DELETE", "other"),
		bdo(conn, "FCALL", "nosuch", "0"),
		bdo(conn, "MSET", "a", "1"),
		bdo(conn, "PING"),
		bdo(conn, "DBSIZE"),
		bdo(conn, "CLIENT", "GETNAME"),
	}
}

const oomLib = "#!lua name=lib\n" +
	"redis.register_function('w', function() return redis.call('set','fw','1') end)\n" +
	"redis.register_function{function_name='ro', callback=function() return redis.call('get','a') end, flags={'no-writes'}}\n" +
	"redis.register_function{function_name='oom', callback=function() return redis.call('set','fo','1') end, flags={'allow-oom'}}\n"

func TestDiffMaxmemory(t *testing.T) {
	noeviction := []bstep{
		bdo(1, "SET", "a", "1"),
		bdo(1, "FUNCTION", "LOAD", "REPLACE", oomLib),
		// queued before the limit: EXEC is refused if one may grow memory
		bdo(2, "MULTI"),
		bdo(2, "SET", "q", "1"),
		bdo(3, "MULTI"),
		bdo(3, "GET", "a"),
		bdo(0, "CONFIG", "SET", "maxmemory", "1"),
		bdo(0, "CONFIG", "GET", "maxmemory"),
		bdo(0, "INFO", "memory"),
	}
	noeviction = append(noeviction, oomRefused(1)...)
	noeviction = append(noeviction,
		bdo(2, "EXEC"),
		bdo(3, "EXEC"),
		// inside MULTI, everything but EXEC, DISCARD, QUIT and RESET
		bdo(1, "MULTI"),
		bdo(1, "GET", "a"),
		bdo(1, "PING"),
		bdo(1, "MULTI"),
		bdo(1, "EXEC"),
		bdo(1, "MULTI"),
		bdo(1, "DISCARD"),
		bdo(1, "MULTI"),
		bdo(1, "RESET"),
		bdo(1, "EXISTS", "a", "b", "k", "k2", "k3", "fw", "fo", "q"),
		bdo(0, "CONFIG", "SET", "maxmemory", "0"),
		bdo(1, "SET", "b", "2"),
		bdo(1, "EXISTS", "a", "b", "k", "k2", "k3", "fw", "fo", "q"),
		bdo(0, "INFO", "stats"),
	)

	// evicting lets every key the policy allows go, then refuses
	evicting := func(policy string) []bstep {
		steps := []bstep{
			bdo(1, "SET", "p1", "x"),
			bdo(1, "SET", "p2", "x"),
			bdo(1, "SET", "v1", "x", "EX", "1000"),
			bdo(1, "SET", "v2", "x", "EX", "2000"),
			bdo(1, "HSET", "v3", "f", "x"),
			bdo(1, "EXPIRE", "v3", "3000"),
			bdo(0, "CONFIG", "SET", "maxmemory-policy", policy),
			bdo(0, "CONFIG", "SET", "maxmemory", "1"),
			bdo(1, "EXISTS", "p1", "p2", "v1", "v2", "v3"),
			bdo(0, "INFO", "stats"),
		}
		steps = append(steps, oomRefused(1)...)
		return append(steps, bdo(0, "CONFIG", "SET", "maxmemory", "0"), bdo(0, "INFO", "stats"))
	}

	// the evicted key is announced, and a tracking client told
	events := []bstep{
		bdo(0, "CONFIG", "SET", "notify-keyspace-events", "KEA"),
		bdo(1, "SET", "v1", "x", "EX", "1000"),
		bdo(1, "SET", "p1", "x"),
		bdo(2, "PSUBSCRIBE", "__key*__:*"),
		bquiet(3, "HELLO", "3"),
		bdo(3, "CLIENT", "TRACKING", "ON"),
		bdo(3, "GET", "v1"),
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "volatile-ttl"),
		bdo(0, "CONFIG", "SET", "maxmemory", "1"),
		bdo(1, "SET", "p2", "x"),
		bread(2),
		bread(2),
		bread(3),
		bdo(1, "EXISTS", "v1", "p1"),
		bdo(0, "CONFIG", "SET", "maxmemory", "0"),
		bdo(0, "CONFIG", "SET", "notify-keyspace-events", ""),
	}

	// An LFU policy counts accesses instead of timing them; with a limit
	// and an LRU or LFU policy, small integers are values of their own.
	lfu := []bstep{
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"),
		bdo(1, "SET", "a", "x"),
		bdo(1, "OBJECT", "FREQ", "a"),
		bdo(1, "GET", "a"),
		bdo(1, "OBJECT", "FREQ", "a"), // the first access always counts
		bdo(1, "OBJECT", "IDLETIME", "a"),
		bdo(1, "SET", "n", "100"),
		bdo(1, "OBJECT", "REFCOUNT", "n"),
		bdo(0, "CONFIG", "SET", "maxmemory", "1gb"),
		bdo(1, "SET", "m", "100"),
		bdo(1, "OBJECT", "REFCOUNT", "m"),
		bdo(1, "OBJECT", "ENCODING", "m"),
		bdo(1, "OBJECT", "FREQ", "m"),
		bdo(1, "INCR", "m"),
		bdo(1, "OBJECT", "REFCOUNT", "m"),
		bdo(1, "MSET", "m2", "5", "m3", "10000"),
		bdo(1, "OBJECT", "REFCOUNT", "m2"),
		bdo(1, "OBJECT", "REFCOUNT", "m3"),
		bdo(1, "OBJECT", "FREQ", "nosuch"),
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "volatile-lru"),
		bdo(1, "SET", "o", "7"),
		bdo(1, "OBJECT", "REFCOUNT", "o"),
		bdo(1, "OBJECT", "IDLETIME", "o"),
		bdo(1, "OBJECT", "FREQ", "o"),
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "allkeys-random"),
		bdo(1, "SET", "r", "7"),
		bdo(1, "OBJECT", "REFCOUNT", "r"),
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "volatile-ttl"),
		bdo(1, "INCRBY", "t", "7"),
		bdo(1, "OBJECT", "REFCOUNT", "t"),
		bdo(0, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "maxmemory", "0"),
		bdo(1, "SET", "s", "7"),
		bdo(1, "OBJECT", "REFCOUNT", "s"),
	}

	scenarios := []bscenario{
		{"noeviction", noeviction},
		{"events", events},
		{"lfu", lfu},
	}
	for _, p := range []string{"allkeys-lru", "volatile-lru", "allkeys-random", "volatile-random", "volatile-ttl", "allkeys-lfu", "volatile-lfu"} {
		scenarios = append(scenarios, bscenario{p, evicting(p)})
	}
	diffScenarios(t, scenarios)
}

// TestDiffRestoreFreqAndIdle: RESTORE's FREQ sets the LFU counter under an
// LFU policy and is checked and ignored under another (objectSetLRUOrLFU);
// IDLETIME under an LFU policy leaves the new key's counter. (IDLETIME
// under LRU is TestRestoreTTLAndIdle's, with a second's tolerance.)
func TestDiffRestoreFreqAndIdle(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	rc.Do("SET", "src", "value")
	dump := rc.Do("DUMP", "src")
	payload := string(dump[bytes.IndexByte(dump, '\n')+1 : len(dump)-2])
	for _, policy := range []string{"allkeys-lfu", "allkeys-lru"} {
		for _, argv := range [][]string{
			{"CONFIG", "SET", "maxmemory-policy", policy},
			{"RESTORE", "f-" + policy, "0", payload, "FREQ", "100"},
			{"OBJECT", "FREQ", "f-" + policy},
			{"RESTORE", "i-" + policy, "0", payload, "IDLETIME", "50"},
			{"OBJECT", "FREQ", "i-" + policy},
			{"RESTORE", "x-" + policy, "0", payload, "FREQ", "256"},
		} {
			want, got := rc.Do(argv...), mc.Do(argv...)
			if !bytes.Equal(got, want) {
				t.Errorf("%s %q:\nmemshard: %q\nredis:    %q", policy, argv[:min(len(argv), 3)], got, want)
			}
		}
	}
	rc.Do("CONFIG", "SET", "maxmemory-policy", "noeviction")
}
