package server

import (
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffTracking runs CLIENT TRACKING scenarios on redis-server and on
// memshard and compares what every connection read: invalidations (RESP3
// pushes, or messages to a RESP2 redirect target), their order against
// replies, and the command's errors. A PING after the pushes expected
// checks that no other arrived.
func TestDiffTracking(t *testing.T) { diffScenarios(t, trackingScenarios()) }

func trackingScenarios() []bscenario {
	resp3 := func(conn int) bstep { return bquiet(conn, "HELLO", "3") }
	return []bscenario{
		{"default mode: a read's keys, invalidated once", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "GET", "k"), bdo(1, "MGET", "a", "b"),
			bdo(1, "HGET", "h", "f"), bdo(0, "INFO", "stats"), bdo(0, "INFO", "clients"),
			bdo(2, "SET", "k", "v"), bread(1), bdo(1, "PING"),
			bdo(2, "SET", "k", "w"), bdo(1, "PING"), // no longer tracked
			bdo(2, "MSET", "b", "1", "a", "2"), bread(1), bread(1), bdo(1, "PING"),
			bdo(2, "HSET", "h", "f", "v"), bread(1), bdo(2, "HSET", "h", "g", "v"), bdo(1, "PING"),
			bdo(0, "INFO", "stats"),
			bdo(1, "GET", "k"), bdo(2, "DEL", "k"), bread(1),
			bdo(1, "GET", "k"), bdo(2, "DEL", "k"), bdo(1, "PING"), // nothing deleted: no change
			bdo(1, "EXISTS", "x"), bdo(1, "TTL", "y"), bdo(1, "STRLEN", "z"),
			bdo(2, "MSET", "x", "1", "y", "2", "z", "3"), bread(1), bread(1), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "GETREDIR"), bdo(1, "CLIENT", "TRACKINGINFO"), bdo(0, "CLIENT", "LIST"),
			bdo(2, "SET", "src", "1"), bdo(1, "GET", "src"), bdo(1, "GET", "dst"),
			bdo(2, "RENAME", "src", "dst"), bread(1), bread(1), bdo(1, "PING"), // src, then dst
			bdo(2, "XADD", "st", "1-1", "f", "v"), bdo(1, "XLEN", "st"), bdo(2, "XSETID", "st", "9-9"), bdo(1, "PING"), // no signal
			bdo(3, "WATCH", "st"), bdo(2, "XSETID", "st", "10-1"), bdo(3, "MULTI"), bdo(3, "PING"), bdo(3, "EXEC"),
			bdo(2, "XADD", "st", "11-1", "f", "v"), bread(1), bdo(1, "PING"),
		}},
		{"a write's own invalidation follows its reply", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "GET", "k"),
			bdo(1, "SET", "k", "v"), bread(1), bdo(1, "PING"),
			bdo(1, "MGET", "k", "j"), bdo(1, "MSET", "k", "1", "j", "2"), bread(1), bread(1), bdo(1, "PING"),
			bdo(1, "GET", "k"), bdo(1, "GET", "j"),
			bdo(1, "MULTI"), bdo(1, "SET", "k", "1"), bdo(1, "SET", "j", "2"), bdo(1, "EXEC"), bread(1), bread(1), bdo(1, "PING"),
			bdo(1, "GET", "k"), bsend(1, "SET", "k", "1"), bsend(1, "PING"), bread(1), bread(1), bread(1), // pipelined
			bdo(1, "GET", "k"), bdo(1, "FLUSHALL"), bread(1), bdo(1, "PING"),
			bdo(2, "FLUSHDB"), bread(1), bdo(1, "PING"), bdo(0, "INFO", "stats"),
		}},
		{"NOLOOP", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON", "NOLOOP"), bdo(1, "GET", "k"), bdo(1, "GET", "j"),
			bdo(1, "SET", "k", "v"), bdo(1, "PING"), bdo(2, "SET", "j", "v"), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "TRACKINGINFO"),
		}},
		{"OPTIN and OPTOUT", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON", "OPTIN"), bdo(1, "GET", "k"),
			bdo(2, "SET", "k", "v"), bdo(1, "PING"),
			bdo(1, "CLIENT", "CACHING", "YES"), bdo(1, "CLIENT", "TRACKINGINFO"), bdo(1, "GET", "k"), bdo(1, "GET", "j"),
			bdo(2, "MSET", "k", "1", "j", "2"), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "CACHING", "YES"), bquiet(1, "CLIENT", "ID"), bdo(1, "GET", "j"), bdo(2, "SET", "j", "3"), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "CACHING", "YES"), bdo(1, "MULTI"), bdo(1, "GET", "a"), bdo(1, "GET", "b"), bdo(1, "EXEC"),
			bdo(1, "GET", "c"), bdo(2, "MSET", "a", "1", "b", "2", "c", "3"), bread(1), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "CACHING", "NO"), bdo(1, "CLIENT", "CACHING", "MAYBE"),
			bdo(1, "CLIENT", "TRACKING", "ON", "OPTOUT"), bdo(1, "CLIENT", "TRACKING", "OFF"),
			bdo(1, "CLIENT", "CACHING", "YES"), bdo(1, "CLIENT", "TRACKINGINFO"),
			bdo(1, "CLIENT", "TRACKING", "ON", "OPTOUT"), bdo(1, "CLIENT", "CACHING", "YES"),
			bdo(1, "CLIENT", "CACHING", "NO"), bdo(1, "CLIENT", "TRACKINGINFO"), bdo(1, "GET", "a"), bdo(1, "GET", "b"),
			bdo(2, "MSET", "a", "1", "b", "2"), bread(1), bdo(1, "PING"),
		}},
		{"BCAST with prefixes", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b"),
			bdo(2, "MSET", "b2", "1", "a1", "2", "a0", "3", "c", "4"), bread(1), bread(1), bdo(1, "PING"),
			bdo(1, "SET", "a5", "x"), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "c"), bdo(1, "CLIENT", "TRACKINGINFO"),
			bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "cd"),
			bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "PREFIX", "xy"),
			bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"),
			bdo(0, "INFO", "stats"), bdo(0, "CLIENT", "LIST"),
			resp3(3), bdo(3, "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"),
			bdo(3, "MSET", "z", "1", "a", "2"), bread(1), bdo(1, "PING"), bdo(3, "PING"),
			bdo(2, "SET", "z", "2"), bread(3), bdo(3, "PING"),
			bdo(1, "FLUSHALL"), bread(1), bread(3), bdo(1, "PING"), bdo(3, "PING"),
			bdo(1, "CLIENT", "TRACKING", "OFF"), bdo(0, "INFO", "stats"), bdo(0, "INFO", "clients"),
		}},
		{"RESP2 redirect to a subscriber", []bstep{
			bdo(2, "SUBSCRIBE", "__redis__:invalidate"),
			bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$2"), bdo(1, "CLIENT", "GETREDIR"),
			bdo(1, "GET", "k"), bdo(3, "SET", "k", "v"), bread(2),
			bdo(1, "GET", "k"), bdo(1, "SET", "k", "w"), bread(2),
			bdo(1, "FLUSHALL"), bread(2), bdo(2, "PING"),
			bdo(0, "CLIENT", "LIST"),
		}},
		{"RESP2 without a redirect, and a redirect that is not subscribed", []bstep{
			bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "GET", "k"), bdo(2, "SET", "k", "v"), bdo(1, "PING"),
			bdo(3, "CLIENT", "TRACKING", "ON", "REDIRECT", "$4"), bdo(3, "GET", "k"), bdo(2, "SET", "k", "w"), bdo(4, "PING"),
		}},
		{"a broken redirect", []bstep{
			resp3(1), resp3(2), bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$2"), bdo(1, "GET", "k"),
			bclose(2), buntil("$0\r\n\r\n", "CLIENT", "LIST", "ID", "$2"),
			bdo(3, "SET", "k", "v"), bread(1), bdo(1, "PING"),
			bdo(1, "CLIENT", "TRACKINGINFO"), bdo(0, "CLIENT", "LIST"),
		}},
		{"errors", []bstep{
			bdo(1, "CLIENT", "TRACKING"), bdo(1, "CLIENT", "TRACKING", "MAYBE"), bdo(1, "CLIENT", "TRACKING", "ON", "FOO"),
			bdo(1, "CLIENT", "TRACKING", "ON", "PREFIX", "a"), bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT"),
			bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "x"), bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "999999"),
			bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "$2", "REDIRECT", "$3"),
			bdo(1, "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"), bdo(1, "CLIENT", "TRACKING", "ON", "BCAST", "OPTOUT"),
			bdo(1, "CLIENT", "TRACKING", "OFF", "FOO"), bdo(1, "CLIENT", "TRACKING", "OFF", "BCAST"),
			bdo(1, "CLIENT", "CACHING", "YES"), bdo(1, "CLIENT", "CACHING"), bdo(1, "CLIENT", "GETREDIR"),
			bdo(1, "CLIENT", "TRACKINGINFO"), bdo(1, "CLIENT", "TRACKINGINFO", "x"),
			bdo(1, "CLIENT", "TRACKING", "ON", "OPTIN"), bdo(1, "CLIENT", "TRACKING", "ON", "OPTOUT"),
			bdo(1, "CLIENT", "TRACKING", "ON", "BCAST"), bdo(1, "CLIENT", "CACHING", "NO"),
			bdo(1, "CLIENT", "TRACKING", "ON", "REDIRECT", "0"), bdo(1, "CLIENT", "GETREDIR"),
			bdo(1, "RESET"), bdo(1, "CLIENT", "TRACKINGINFO"), bdo(0, "INFO", "clients"),
		}},
		{"a script's reads are remembered for its caller", []bstep{
			resp3(1), bdo(1, "CLIENT", "TRACKING", "ON"),
			bdo(1, "EVAL", "redis.call('get', KEYS[1]); return redis.call('exists', 'undeclared')", "1", "k"),
			bdo(1, "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "ro"),
			bdo(1, "EVAL", "redis.call('set', KEYS[1], 'x'); return 1", "1", "w"),
			bdo(1, "EVAL", "return redis.call('get', 'nokeys')", "0"),
			bdo(2, "MSET", "k", "1", "undeclared", "2", "ro", "3", "w", "4", "nokeys", "5"), bread(1), bread(1), bdo(1, "PING"),
		}},
		{"expiry invalidates", []bstep{
			resp3(1), bdo(0, "SET", "k", "v", "PX", "30"), bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "GET", "k"),
			buntil(":0\r\n", "EXISTS", "k"), bread(1), bdo(1, "PING"),
		}},
	}
}

// TestTracking_TableMaxKeys: past tracking-table-max-keys, keys leave the
// table with an invalidation each (which ones is random, as in Redis, so
// this is not compared with redis-server, which evicts from its cron).
func TestTracking_TableMaxKeys(t *testing.T) {
	_, addr := startServer(t, Config{})
	ctl, c := dial(t, addr), dial(t, addr)
	ctl.Do("CONFIG", "SET", "tracking-table-max-keys", "2")
	c.Do("HELLO", "3")
	c.Do("CLIENT", "TRACKING", "ON")
	for _, k := range []string{"a", "b", "c", "d"} {
		c.Send(redisdiff.Encode("GET", k))
	}
	evicted, nulls := map[string]bool{}, 0
	for range 4 + 2 { // four replies, two invalidations
		got := string(c.Read())
		if got == "_\r\n" {
			nulls++
			continue
		}
		k := strings.TrimPrefix(got, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\n")
		if len(k) != 3 || !strings.Contains("abcd", k[:1]) || evicted[k[:1]] {
			t.Fatalf("read %q, want the invalidation of another of a, b, c, d", got)
		}
		evicted[k[:1]] = true
	}
	if nulls != 4 {
		t.Fatalf("%d GET replies among six messages, want 4", nulls)
	}
	if got := string(c.Do("PING")); got != "+PONG\r\n" {
		t.Fatalf("PING after two invalidations: %q", got)
	}
	if got := infoLineOf(string(ctl.Do("INFO", "stats")), "tracking_total_keys"); got != "tracking_total_keys:2" {
		t.Fatalf("INFO: %s, want 2 keys", got)
	}
	// The keys still tracked are invalidated when they change; the others
	// are not.
	ctl.Do("MSET", "a", "1", "b", "1", "c", "1", "d", "1")
	for range 2 {
		got := string(c.Read())
		k := strings.TrimPrefix(got, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\n")
		if len(k) != 3 || evicted[k[:1]] {
			t.Fatalf("after MSET read %q, want the invalidation of a key still tracked", got)
		}
		evicted[k[:1]] = true
	}
	if got := string(c.Do("PING")); got != "+PONG\r\n" {
		t.Fatalf("PING after the MSET's invalidations: %q", got)
	}
}
