package server

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// notifyClassCommands raise events of every class memshard has, in
// order: a new key and a write of each type, a generic command, a key
// miss, and an expiry (last: the active cycle or the lazy one removes
// the key, either way before the GET's miss).
var notifyClassCommands = [][]string{
	{"SET", "s", "v", "EX", "100"}, {"APPEND", "s", "w"}, {"INCR", "n"},
	{"LPUSH", "l", "a", "b"}, {"RPOP", "l"}, {"LMOVE", "l", "l2", "LEFT", "RIGHT"},
	{"SADD", "t", "a"}, {"SMOVE", "t", "t2", "a"},
	{"HSET", "h", "f", "v"}, {"HDEL", "h", "f"},
	{"ZADD", "z", "1", "a"}, {"ZINCRBY", "z", "1", "a"}, {"ZPOPMIN", "z"},
	{"XADD", "x", "1-1", "f", "v"}, {"XGROUP", "CREATE", "x", "g", "0"},
	{"RENAME", "s", "s2"}, {"EXPIRE", "s2", "100"}, {"PERSIST", "s2"}, {"DEL", "s2", "n"},
	{"GET", "missing"}, {"OBJECT", "ENCODING", "missing"},
	{"SET", "e", "v", "PX", "1"}, {"sleep"}, {"GET", "e"},
	{"FLUSHALL"},
}

// TestNotifyClasses sets notify-keyspace-events to each class alone and
// in combinations, compares CONFIG GET's answer with redis-server's, and
// compares every notification a subscriber to __key*__:* receives while
// notifyClassCommands run.
func TestNotifyClasses(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, flags := range []string{
		"", "K", "E", "KE", "g", "Kg", "Eg", "K$", "E$", "Kl", "El", "Ks", "Es", "Kh", "Eh", "Kz", "Ez",
		"Kx", "Ex", "Ke", "Ee", "Kt", "Et", "Kd", "Ed", "Kn", "En", "Km", "Em", "A", "KA", "EA", "KEA",
		"AKE", "AKEnm", "KEAnm", "gn", "Klm", "E$lshzxetd", "Kg$lshzxetdmn", "KEA\x00m",
	} {
		t.Run(fmt.Sprintf("%q", flags), func(t *testing.T) {
			want := notifyClassRun(t, rs.Addr, flags)
			got := notifyClassRun(t, addr, flags)
			if !bytes.Equal(got, want) {
				t.Errorf("memshard: %s\nredis:    %s", showPushes(got), showPushes(want))
			}
		})
	}
}

// notifyClassRun sets flags on the server at addr and returns CONFIG
// GET's reply followed by the notifications notifyClassCommands sent.
func notifyClassRun(t *testing.T, addr, flags string) []byte {
	c, sub := dial(t, addr), dial(t, addr)
	c.Do("FLUSHALL")
	out := append(c.Do("CONFIG", "SET", "notify-keyspace-events", flags), c.Do("CONFIG", "GET", "notify-keyspace-events")...)
	defer c.Do("CONFIG", "SET", "notify-keyspace-events", "")
	sub.Do("PSUBSCRIBE", "__key*__:*")
	sub.Do("SUBSCRIBE", "notify-marker")
	for _, argv := range notifyClassCommands {
		if argv[0] == "sleep" {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		c.Do(argv...)
	}
	c.Do("PUBLISH", "notify-marker", "end")
	for {
		v := sub.Read()
		if bytes.Contains(v, []byte("notify-marker")) {
			return out
		}
		out = append(out, v...)
	}
}

// TestNotifyScenarios compares, connection by connection, what
// redis-server and memshard send: the notifications of a connection's own
// commands inside their replies (RESP3), of a blocked client served by
// another's write, of a transaction and a script, and of writes that fail
// or change nothing. A connection's output is read up to a marker: the
// reply of a PING, or a message published to a channel it listens on.
func TestNotifyScenarios(t *testing.T) {
	mark := func(conn int, m string) []bstep { return []bstep{bsend(conn, "PING", m), bupto(conn, m)} }
	// publish marks the end of what subscriber conn 3 receives.
	cfg, publish, steps := notifyEvents, markEvents, concatSteps
	diffScenarios(t, []bscenario{
		{"own notifications inside the reply (RESP3)", steps(
			[]bstep{cfg("KEA"), bquiet(1, "HELLO", "3"),
				bdo(1, "SUBSCRIBE", "__keyevent@0__:set", "__keyspace@0__:k", "__keyevent@0__:expire"),
				bsend(1, "SET", "k", "v")}, mark(1, "m1"),
			[]bstep{bsend(1, "SET", "k", "w", "GET", "EX", "100")}, mark(1, "m2"),
			[]bstep{bsend(1, "HSET", "k2", "f", "v")}, mark(1, "m3"),
			// Another connection's write: the pushes come between replies.
			[]bstep{bdo(2, "SET", "k", "x")}, mark(1, "m4"),
			[]bstep{bsend(1, "MULTI"), bsend(1, "SET", "a", "1"), bsend(1, "SET", "k", "1"), bsend(1, "EXPIRE", "k", "10"),
				bsend(1, "EXEC")}, mark(1, "m5"),
			[]bstep{bsend(1, "EVAL", "redis.call('set', KEYS[1], 'v') redis.call('set', 'k', 'v') return 7", "1", "b")}, mark(1, "m6"),
		)},
		{"CLIENT REPLY OFF hides the reply, not the push", steps(
			[]bstep{cfg("KEA"), bquiet(1, "HELLO", "3"), bdo(1, "SUBSCRIBE", "__keyevent@0__:set"),
				bsend(1, "CLIENT", "REPLY", "OFF"), bsend(1, "SET", "k", "v"), bsend(1, "GET", "k"),
				bsend(1, "CLIENT", "REPLY", "ON")}, mark(1, "m1"),
		)},
		{"pattern subscription in RESP3, every class", steps(
			[]bstep{cfg("KEAnm"), bquiet(1, "HELLO", "3"), bdo(1, "PSUBSCRIBE", "__key*__:*"),
				bsend(1, "LPUSH", "l", "a", "b"), bsend(1, "LMOVE", "l", "l2", "LEFT", "RIGHT"), bsend(1, "RPOP", "l"),
				bsend(1, "ZADD", "z", "1", "a", "2", "b"), bsend(1, "ZPOPMIN", "z", "5"), bsend(1, "GET", "nokey"),
				bsend(1, "XADD", "x", "1-1", "f", "v"), bsend(1, "XGROUP", "CREATE", "x", "g", "0"),
				bsend(1, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"),
				bsend(1, "XCLAIM", "x", "g", "c2", "0", "1-1"),
				bsend(1, "XAUTOCLAIM", "x", "g", "c3", "0", "0"),
				bsend(1, "SORT", "l2", "ALPHA", "STORE", "l3"),
				bsend(1, "XREAD", "STREAMS", "nokey", "x", "0", "0"),
			}, mark(1, "m1"),
		)},
		{"a blocked pop served by another's push", steps(
			[]bstep{cfg("KEA"),
				bdo(3, "PSUBSCRIBE", "__keyevent@0__:*"),
				bsend(1, "BLPOP", "l", "0"), bblocked(1),
				bdo(2, "LPUSH", "l", "a"), bread(1)}, publish("m1"),
			[]bstep{bsend(1, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"), bblocked(1),
				bdo(2, "RPUSH", "src", "a", "b"), bread(1)}, publish("m2"),
			[]bstep{bsend(1, "BZPOPMIN", "z", "0"), bblocked(1),
				bdo(2, "ZADD", "z", "1", "a"), bread(1)}, publish("m3"),
			[]bstep{bsend(1, "BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"), bblocked(1),
				bdo(2, "RPUSH", "l", "a", "b"), bread(1)}, publish("m4"),
		)},
		{"failed and empty writes notify nothing", steps(
			[]bstep{cfg("KEAnm"), bdo(3, "PSUBSCRIBE", "__key*__:*"),
				bdo(1, "SET", "s", "v"),
				bdo(1, "LPUSH", "s", "x"), // WRONGTYPE
				bdo(1, "SET", "s", "v", "NX"),
				bdo(1, "EXPIRE", "nokey", "10"),
				bdo(1, "EXPIRE", "s", "10", "XX"),
				bdo(1, "SETRANGE", "s", "0", ""),
				bdo(1, "LTRIM", "nolist", "0", "1"),
				bdo(1, "ZADD", "z", "XX", "1", "a"),
				bdo(1, "SREM", "s2", "a"),
				bdo(1, "SPOP", "noset"),
				bdo(1, "PERSIST", "s"),
				bdo(1, "SETBIT", "b", "1", "0"),
				bdo(1, "SETBIT", "b", "1", "0"),
				bdo(1, "HDEL", "noh", "f"),
				bdo(1, "EXPIRE", "s", "-1")}, publish("m1"),
		)},
		{"SPOP, SMOVE and the STORE commands", steps(
			[]bstep{cfg("KEA"), bdo(3, "PSUBSCRIBE", "__keyevent@0__:*"),
				bdo(1, "SADD", "s", "a"), bdo(1, "SPOP", "s"),
				bdo(1, "SADD", "s", "a", "b", "c"), bquiet(1, "SPOP", "s", "2"), bquiet(1, "SPOP", "s", "5"), // which: at random
				bdo(1, "SADD", "s", "a", "b", "c", "d", "e", "f", "g"), bquiet(1, "SPOP", "s", "6"), bquiet(1, "SPOP", "s"),
				bdo(1, "SADD", "s", "a", "b"), bdo(1, "SMOVE", "s", "t", "a"), bdo(1, "SMOVE", "s", "t", "b"),
				bdo(1, "SINTERSTORE", "d", "t", "nokey"), bdo(1, "SUNIONSTORE", "d", "t"), bdo(1, "SINTERSTORE", "d", "t", "nokey"),
				bdo(1, "SDIFFSTORE", "d", "t", "t"),
				bdo(1, "RPUSH", "l", "b", "a"), bdo(1, "SORT", "l", "ALPHA", "STORE", "d"), bdo(1, "SORT", "nokey", "STORE", "d"),
				bdo(1, "ZADD", "z", "1", "a"), bdo(1, "ZUNIONSTORE", "d", "1", "z"), bdo(1, "ZINTERSTORE", "d", "2", "z", "nokey"),
				bdo(1, "GEOADD", "g", "13.361389", "38.115556", "p"), bdo(1, "GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
				bdo(1, "GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d2"),
				bdo(1, "GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
				bdo(1, "BITOP", "OR", "b", "nokey"), bdo(1, "SET", "s1", "a"), bdo(1, "BITOP", "OR", "b", "s1"),
				bdo(1, "PFADD", "hll", "a"), bdo(1, "PFMERGE", "hll2", "hll"), bdo(1, "COPY", "hll2", "hll", "REPLACE"),
				bdo(1, "RENAME", "hll", "hll2"), bdo(1, "RENAMENX", "hll2", "hll3"),
				bdo(1, "GETDEL", "hll3"), bdo(1, "SET", "k", "v"), bdo(1, "GETEX", "k", "EX", "100"), bdo(1, "GETEX", "k", "PERSIST"),
				bdo(1, "GETEX", "k", "PXAT", "1"),
				bdo(1, "SETEX", "k", "100", "v"), bdo(1, "MSET", "k", "1", "k2", "2"), bdo(1, "MSETNX", "k3", "1", "k4", "2"),
				bdo(1, "INCRBYFLOAT", "k", "1.5"), bdo(1, "DECRBY", "k2", "3"), bdo(1, "SETRANGE", "k5", "2", "x"),
				bdo(1, "BITFIELD", "bf", "SET", "u8", "0", "1", "GET", "u8", "0"), bdo(1, "BITFIELD", "bf", "GET", "u8", "0"),
				bdo(1, "HINCRBY", "h", "f", "1"), bdo(1, "HINCRBYFLOAT", "h", "g", "1.5"), bdo(1, "HSETNX", "h", "x", "1"),
				bdo(1, "LPUSH", "l4", "a", "b", "a"), bdo(1, "LSET", "l4", "0", "c"), bdo(1, "LINSERT", "l4", "BEFORE", "a", "z"),
				bdo(1, "LREM", "l4", "0", "a"), bdo(1, "LTRIM", "l4", "5", "6"),
				bdo(1, "ZADD", "z2", "1", "a", "2", "b", "3", "c", "4", "d"), bdo(1, "ZREM", "z2", "a"),
				bdo(1, "ZREMRANGEBYSCORE", "z2", "2", "2"), bdo(1, "ZREMRANGEBYRANK", "z2", "0", "0"), bdo(1, "ZREMRANGEBYLEX", "z2", "-", "+"),
				bdo(1, "XADD", "x", "MAXLEN", "1", "1-1", "f", "v"), bdo(1, "XADD", "x", "MAXLEN", "1", "1-2", "f", "v"),
				bdo(1, "XDEL", "x", "1-2"), bdo(1, "XSETID", "x", "5-0"), bdo(1, "XTRIM", "x", "MAXLEN", "0"),
				bdo(1, "XGROUP", "CREATE", "x2", "g", "$", "MKSTREAM"), bdo(1, "XGROUP", "CREATECONSUMER", "x2", "g", "c"),
				bdo(1, "XGROUP", "SETID", "x2", "g", "0"), bdo(1, "XGROUP", "DELCONSUMER", "x2", "g", "c"),
				bdo(1, "XGROUP", "DELCONSUMER", "x2", "g", "c"), bdo(1, "XGROUP", "DESTROY", "x2", "g"),
				bdo(1, "EXPIREAT", "k", "1"), bdo(1, "FLUSHALL"),
			}, publish("m1"),
		)},
	})
}

// keyeventSet is what a subscriber to __keyevent@0__:set receives (RESP2)
// for a SET of key.
func keyeventSet(key string) string {
	return fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$%d\r\n%s\r\n", len(key), key)
}

// dialRaw opens a plain connection, closed in t.Cleanup.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// TestNotify_WaitsForTheCommit runs on a backend whose writes settle when
// the test says: a write's notification is published once its ticket
// settles, never before, in the order the writes ran, and never for a
// write that will not be acknowledged.
func TestNotify_WaitsForTheCommit(t *testing.T) {
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	ctl := dial(t, addr)
	ctl.Do("CONFIG", "SET", "notify-keyspace-events", "E$")
	sub := dialRaw(t, addr)
	fmt.Fprint(sub, "SUBSCRIBE __keyevent@0__:set\r\n")
	readExactly(t, sub, "*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n")
	w := dialRaw(t, addr)

	fmt.Fprint(w, "SET a 1\r\n") // ticket 1
	readNothing(t, sub, 100*time.Millisecond)
	f.settle(1, "")
	readExactly(t, w, "+OK\r\n")
	readExactly(t, sub, keyeventSet("a"))

	// Settled out of order: published in the order the writes ran.
	fmt.Fprint(w, "SET b 1\r\n") // 2
	fmt.Fprint(w, "SET c 1\r\n") // 3
	waitUntil(t, func() bool { return f.tickets() == 3 })
	f.settle(3, "")
	readNothing(t, sub, 100*time.Millisecond)
	f.settle(2, "")
	readExactly(t, sub, keyeventSet("b")+keyeventSet("c"))
	readExactly(t, w, "+OK\r\n+OK\r\n")

	// A write that will not be acknowledged notifies nothing.
	fmt.Fprint(w, "SET lost 1\r\n") // 4
	fmt.Fprint(w, "SET d 1\r\n")    // 5
	waitUntil(t, func() bool { return f.tickets() == 5 })
	f.settle(4, "TRYAGAIN lost")
	f.settle(5, "")
	readExactly(t, sub, keyeventSet("d"))
	readExactly(t, w, "-TRYAGAIN lost\r\n+OK\r\n")
}

// TestNotify_OwnNotificationPrecedesTheReply: a RESP3 connection
// subscribed to its own write's event gets the push before the reply,
// once the write settles, and after the notifications of writes that ran
// before it, though those settle later than it is queued.
func TestNotify_OwnNotificationPrecedesTheReply(t *testing.T) {
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	ctl := dial(t, addr)
	ctl.Do("CONFIG", "SET", "notify-keyspace-events", "E$")
	self := dialRaw(t, addr)
	fmt.Fprint(self, "HELLO 3\r\n")
	readAvailable(t, self, 200*time.Millisecond)
	fmt.Fprint(self, "SUBSCRIBE __keyevent@0__:set\r\n")
	readExactly(t, self, ">3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n")
	push := func(key string) string {
		return fmt.Sprintf(">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$%d\r\n%s\r\n", len(key), key)
	}
	other := dialRaw(t, addr)

	fmt.Fprint(other, "SET first 1\r\n") // ticket 1
	waitUntil(t, func() bool { return f.tickets() == 1 })
	fmt.Fprint(self, "SET mine 1\r\nGET x\r\n") // ticket 2, then a read
	waitUntil(t, func() bool { return f.tickets() == 2 })
	readNothing(t, self, 100*time.Millisecond)
	f.settle(2, "")
	readNothing(t, self, 100*time.Millisecond) // first's notification comes first
	fmt.Fprint(other, "SET later 1\r\n")       // ticket 3: runs after mine
	waitUntil(t, func() bool { return f.tickets() == 3 })
	f.settle(1, "")
	f.settle(3, "")
	readExactly(t, self, push("first")+push("mine")+"+OK\r\n$1\r\nx\r\n"+push("later"))
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
