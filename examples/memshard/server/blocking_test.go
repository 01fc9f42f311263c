package server

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

func blockingScenarios() []bscenario {
	return []bscenario{
		{"fifo", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2), bsend(3, "BRPOP", "k", "0"), bblocked(3),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(2), bblocked(1), bdo(4, "EXISTS", "k"),
			bdo(4, "LPUSH", "k", "c", "d"), bread(3), bdo(4, "LRANGE", "k", "0", "-1"),
		}},
		{"first-ready-key", []bstep{
			bsend(1, "BLPOP", "a", "b", "0"), bblocked(1), bsend(2, "BRPOP", "b", "0"), bblocked(2),
			bdo(4, "RPUSH", "b", "x", "y"), bread(1), bread(2), bdo(4, "EXISTS", "a", "b"),
		}},
		{"exec-creation-order", []bstep{
			bsend(1, "BLPOP", "a", "b", "0"), bblocked(1), bsend(2, "BLPOP", "a", "0"), bblocked(2),
			bdo(4, "MULTI"), bdo(4, "RPUSH", "b", "1"), bdo(4, "RPUSH", "a", "2"), bdo(4, "EXEC"),
			bread(1), bread(2),
		}},
		{"exec-created-and-gone", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1),
			bdo(4, "MULTI"), bdo(4, "RPUSH", "k", "a"), bdo(4, "LPOP", "k"), bdo(4, "EXEC"), bblocked(1),
			bdo(4, "RPUSH", "k", "b"), bread(1),
		}},
		{"type-decides", []bstep{
			bsend(1, "BZPOPMIN", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2),
			bdo(4, "RPUSH", "k", "v"), bread(2), bblocked(1), bdo(4, "ZADD", "k", "1.5", "m", "2", "n"), bread(1),
			bdo(4, "ZRANGE", "k", "0", "-1", "WITHSCORES"),
		}},
		{"blmove-chain", []bstep{
			bsend(1, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"), bblocked(1), bsend(2, "BLPOP", "dst", "0"), bblocked(2),
			bdo(4, "RPUSH", "src", "v", "w"), bread(1), bread(2), bdo(4, "LRANGE", "src", "0", "-1"), bdo(4, "EXISTS", "dst"),
		}},
		{"brpoplpush-wrongtype-destination", []bstep{
			bsend(1, "BRPOPLPUSH", "src", "d", "0"), bblocked(1), bsend(2, "BLPOP", "src", "0"), bblocked(2),
			bdo(4, "SET", "d", "x"), bdo(4, "RPUSH", "src", "v"), bread(1), bread(2), bdo(4, "EXISTS", "src"),
		}},
		{"timeouts", []bstep{
			bdo(1, "BLPOP", "k", "0.05"), bdo(1, "BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"), bdo(1, "BZMPOP", "0.02", "1", "z", "MIN"),
			bquiet(2, "HELLO", "3"), bdo(2, "BZPOPMAX", "z", "0.02"), bdo(2, "BRPOPLPUSH", "a", "b", "0.01"),
		}},
		{"client-unblock", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$1"), bread(1),
			bsend(1, "BZPOPMIN", "k", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$1", "ERROR"), bread(1),
			bdo(4, "CLIENT", "UNBLOCK", "$1"), bdo(4, "CLIENT", "UNBLOCK", "$1", "TIMEOUT"),
			bquiet(2, "HELLO", "3"), bsend(2, "BLMOVE", "a", "b", "LEFT", "LEFT", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$2", "timeout"), bread(2),
		}},
		{"pipeline-after-block", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(1, "PING"), bsend(1, "LLEN", "k"),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(1), bread(1),
		}},
		{"mpop-counts", []bstep{
			bsend(1, "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"), bblocked(1), bsend(2, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"), bblocked(2),
			bdo(4, "RPUSH", "b", "1", "2", "3"), bread(1), bdo(4, "ZADD", "z", "1", "a", "2", "b"), bread(2), bdo(4, "LRANGE", "b", "0", "-1"),
		}},
		{"more-waiters-than-elements", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2), bsend(3, "BLPOP", "k", "0"), bblocked(3),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(2), bblocked(1), bdo(4, "RPUSH", "k", "c"), bread(3),
		}},
		{"disconnected-client-takes-nothing", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bclose(1), bblocked(0), bdo(4, "RPUSH", "k", "a"), bdo(4, "LRANGE", "k", "0", "-1"),
		}},
		{"rename-and-copy-create", []bstep{
			bsend(1, "BLPOP", "d1", "0"), bblocked(1), bsend(2, "BLPOP", "d2", "0"), bblocked(2), bsend(3, "BLPOP", "d3", "0"), bblocked(3),
			bdo(4, "RPUSH", "s", "a"), bdo(4, "RENAME", "s", "d1"), bread(1),
			bdo(4, "SET", "d2", "x"), bdo(4, "RPUSH", "s", "b"), bdo(4, "RENAME", "s", "d2"), bread(2),
			bdo(4, "RPUSH", "s", "c"), bdo(4, "SET", "d3", "y"), bdo(4, "COPY", "s", "d3", "REPLACE"), bread(3),
		}},
		{"overwrite-is-not-creation", []bstep{
			bsend(1, "BZPOPMIN", "zd", "0"), bblocked(1), bdo(4, "SET", "zd", "x"), bdo(4, "ZADD", "zs", "1", "a"),
			bdo(4, "ZUNIONSTORE", "zd", "1", "zs"), bblocked(1), bdo(4, "DEL", "zd"), bdo(4, "ZADD", "zd", "5", "q"), bread(1),
		}},
		{"multi-does-not-block", []bstep{
			bdo(1, "MULTI"), bdo(1, "RPUSH", "k", "a"), bdo(1, "BLPOP", "k", "0"), bdo(1, "BLPOP", "k", "0"), bdo(1, "BRPOPLPUSH", "k", "j", "0"), bdo(1, "EXEC"),
		}},
		// XREAD BLOCK: served by an XADD past the ID it waits for ("$": the
		// last ID when it blocked), the reply naming only that stream.
		{"xread-block", []bstep{
			bsend(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$"), bblocked(1), bdo(4, "XADD", "s", "1-1", "f", "v"), bread(1),
			bdo(4, "XADD", "t", "5-0", "a", "b"), bsend(1, "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "t", "s", "$", "$"), bblocked(1),
			bdo(4, "XADD", "s", "2-0", "c", "d"), bread(1),
			bsend(2, "XREAD", "BLOCK", "0", "STREAMS", "t", "7-0"), bblocked(1), bdo(4, "XADD", "t", "6-0", "x", "y"), bblocked(1),
			bdo(4, "XADD", "t", "8-0", "z", "w"), bread(2),
			bdo(1, "XREAD", "BLOCK", "20", "STREAMS", "s", "$"), bdo(1, "MULTI"), bdo(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$"), bdo(1, "EXEC"),
			bquiet(3, "HELLO", "3"), bsend(3, "XREAD", "BLOCK", "0", "STREAMS", "u", "$"), bblocked(1), bdo(4, "XADD", "u", "1-0", "k", "v"), bread(3),
			bsend(1, "XREAD", "BLOCK", "0", "STREAMS", "l", "$"), bblocked(1), bdo(4, "RPUSH", "l", "x"), bblocked(1), bdo(4, "DEL", "l"), bdo(4, "XADD", "l", "1-0", "a", "b"), bread(1),
		}},
		// XREADGROUP BLOCK with ">": served by an XADD past the group's last
		// delivered ID, one waiter at a time (the first takes the entry;
		// the next waits for another); the consumer is made when served.
		{"xreadgroup-block", []bstep{
			bdo(4, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
			bsend(1, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"), bblocked(1), bdo(4, "XINFO", "CONSUMERS", "s", "g"),
			bdo(4, "XADD", "s", "1-1", "f", "v"), bread(1), bdo(4, "XPENDING", "s", "g"),
			bsend(1, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">"), bblocked(1),
			bsend(2, "XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">"), bblocked(2),
			bdo(4, "XADD", "s", "2-1", "a", "b"), bread(1), bblocked(1), bdo(4, "XADD", "s", "3-1", "c", "d"), bread(2),
			bsend(3, "XREADGROUP", "GROUP", "g", "c3", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"), bblocked(1), bdo(4, "XADD", "s", "4-1", "e", "f"), bread(3),
			bdo(4, "XPENDING", "s", "g"), bdo(1, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "20", "STREAMS", "s", ">"),
			bdo(1, "XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", "0"),
		}},
		{"client-list-and-info", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bdo(4, "CLIENT", "LIST", "ID", "$1"), bdo(4, "INFO", "clients"),
			bdo(4, "RPUSH", "k", "a"), bread(1), bdo(4, "CLIENT", "LIST", "ID", "$1"), bdo(4, "INFO", "clients"),
		}},
	}
}

// TestDiffBlocking runs the blocking scenarios on redis-server and
// memshard and compares what every connection read.
func TestDiffBlocking(t *testing.T) { diffScenarios(t, blockingScenarios()) }

// TestBlocking_ReadWhileBlockedKeepsLargeInput: what a blocked client
// sends meanwhile, more than one read buffer of it, runs after the
// blocking command, in order.
func TestBlocking_ReadWhileBlockedKeepsLargeInput(t *testing.T) {
	_, addr := startServer(t, Config{})
	c, ctl := dial(t, addr), dial(t, addr)
	c.Send(redisdiff.Encode("BLPOP", "k", "0"))
	waitBlockedClients(t, ctl, "1")
	big := strings.Repeat("x", 3*readSize)
	var pipe bytes.Buffer
	for i := range 20 {
		pipe.Write(redisdiff.Encode("SET", "v"+itoa(i), big))
	}
	pipe.Write(redisdiff.Encode("DBSIZE"))
	c.Send(pipe.Bytes())
	time.Sleep(50 * time.Millisecond) // let the reader take it in while blocked
	if got := string(ctl.Do("DBSIZE")); got != ":0\r\n" {
		t.Fatalf("DBSIZE while blocked = %q: commands ran before the blocking one ended", got)
	}
	ctl.Do("RPUSH", "k", "a")
	if got := string(c.Read()); got != "*2\r\n$1\r\nk\r\n$1\r\na\r\n" {
		t.Fatalf("BLPOP = %q", got)
	}
	for i := range 20 {
		if got := string(c.Read()); got != "+OK\r\n" {
			t.Fatalf("SET %d = %q", i, got)
		}
	}
	if got := string(c.Read()); got != ":20\r\n" {
		t.Fatalf("DBSIZE = %q, want 20", got)
	}
}
