package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// dumpCase builds key "k" on memshard and redis-server with the same
// commands. exact: Redis's DUMP of it is deterministic and memshard's must
// be the same bytes; reads: the commands that show the value (with the
// key as %s), compared in order unless unordered.
type dumpCase struct {
	name      string
	build     [][]string
	exact     bool // DUMP k is byte-identical
	reexact   bool // DUMP of a RESTORE of either payload is byte-identical
	unordered bool
	reads     []string
}

func rep(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func cmd(name string, args ...[]string) []string {
	out := []string{name}
	for _, a := range args {
		out = append(out, a...)
	}
	return out
}

func strs(s ...string) []string { return s }

var (
	readString = []string{"GET %s", "STRLEN %s"}
	readList   = []string{"LRANGE %s 0 -1", "LLEN %s"}
	readSet    = []string{"SMEMBERS %s", "SCARD %s"}
	readHash   = []string{"HGETALL %s", "HLEN %s"}
	readZSet   = []string{"ZRANGE %s 0 -1 WITHSCORES", "ZCARD %s"}
	readStream = []string{"XRANGE %s - +", "XLEN %s", "XINFO STREAM %s FULL"}
)

func dumpCases() []dumpCase {
	str := func(name, v string) dumpCase {
		return dumpCase{name: "string " + name, build: [][]string{{"SET", "k", v}}, exact: true, reexact: true, reads: readString}
	}
	list := func(name string, exact bool, build ...[]string) dumpCase {
		return dumpCase{name: "list " + name, build: build, exact: exact, reexact: exact, reads: readList}
	}
	set := func(name string, intset bool, build ...[]string) dumpCase {
		return dumpCase{name: "set " + name, build: build, exact: intset, reexact: intset, unordered: !intset, reads: readSet}
	}
	hash := func(name string, listpack bool, build ...[]string) dumpCase {
		return dumpCase{name: "hash " + name, build: build, exact: listpack, reexact: listpack, unordered: !listpack, reads: readHash}
	}
	zset := func(name string, build ...[]string) dumpCase {
		return dumpCase{name: "zset " + name, build: build, exact: true, reexact: true, reads: readZSet}
	}
	stream := func(name string, exact bool, build ...[]string) dumpCase {
		return dumpCase{name: "stream " + name, build: build, exact: exact, reexact: true, reads: readStream}
	}
	digits := func(i int) string { return strconv.Itoa(i) }
	sized := func(n int) func(int) string {
		return func(i int) string { return fmt.Sprintf("x%0*d", n-1, i) }
	}
	return []dumpCase{
		str("short", "v"), str("empty", ""), str("int8", "12"), str("negative", "-5"), str("int16", "300"),
		str("int32", "70000"), str("int32 max", "2147483647"), str("past int32", "2147483648"),
		str("int32 min", "-2147483648"), str("11 digits", "12345678901"), str("leading zero", "0123"),
		str("20 bytes", strings.Repeat("a", 20)), str("21 bytes", strings.Repeat("a", 21)),
		str("21 bytes incompressible", "abcdefghijklmnopqrstu"), str("64 bytes", strings.Repeat("ab", 32)),
		str("big number", "123456789012345678901234567890"), str("-0", "-0"), str("long", strings.Repeat("0123456789", 300)),
		{name: "string appended", build: [][]string{{"SET", "k", "12"}, {"APPEND", "k", "3"}}, exact: true, reexact: true, reads: readString},
		{name: "string incrbyfloat", build: [][]string{{"INCRBYFLOAT", "k", "1.5"}}, exact: true, reexact: true, reads: readString},
		list("small", true, strs("RPUSH", "k", "a", "1", "-1", "300", "70000", "2147483648", "9223372036854775807", "-9223372036854775808", "")),
		list("many", true, cmd("RPUSH", strs("k"), rep(3000, digits))),
		list("64-byte elements", true, cmd("RPUSH", strs("k"), rep(300, sized(64)))),
		list("253 to 255 bytes", true, cmd("RPUSH", strs("k"), rep(100, func(i int) string { return strings.Repeat("y", 253+i%3) }))),
		list("big elements", true, cmd("RPUSH", strs("k"), rep(5, func(i int) string { return strings.Repeat(string(rune('a'+i)), 5000+i*4000) }))),
		list("16 kB elements", true, cmd("RPUSH", strs("k"), rep(3, func(i int) string { return strings.Repeat("z", 16383+i) }))),
		list("mixed sizes", true, cmd("RPUSH", strs("k"), rep(400, func(i int) string { return strings.Repeat("m", i*37%300) }))),
		list("lpush", true, cmd("LPUSH", strs("k"), rep(5000, digits))),
		list("pushes and pops", true, cmd("RPUSH", strs("k"), rep(3000, digits)), cmd("LPUSH", strs("k"), rep(2500, sized(12))),
			strs("LPOP", "k", "1700"), strs("RPOP", "k", "2900"), cmd("RPUSH", strs("k"), rep(900, sized(30))),
			strs("LMOVE", "k", "k", "LEFT", "RIGHT"), strs("RPOPLPUSH", "k", "k")),
		list("big elements at the head", true, cmd("LPUSH", strs("k"), rep(6, func(i int) string { return strings.Repeat("h", 3000+i*2500) }))),
		list("copied", true, cmd("LPUSH", strs("k"), rep(4000, digits)), strs("COPY", "k", "k2"), strs("DEL", "k"),
			strs("RENAME", "k2", "k")),
		list("lpush small", true, cmd("LPUSH", strs("k"), rep(20, digits))),
		set("intset", true, strs("SADD", "k", "1", "-3", "100")),
		set("intset 32 bits", true, strs("SADD", "k", "1", "70000")),
		set("intset 64 bits", true, strs("SADD", "k", "1", "-9223372036854775808", "9223372036854775807")),
		set("intset shrunk", true, strs("SADD", "k", "1", "5000000000", "2"), strs("SREM", "k", "5000000000")),
		set("intset 512", true, cmd("SADD", strs("k"), rep(512, digits))),
		set("513 integers", false, cmd("SADD", strs("k"), rep(513, digits))),
		set("strings", false, strs("SADD", "k", "a", "b", "1")),
		hash("listpack", true, strs("HSET", "k", "f", "v", "n", "12", "neg", "-70000", "big", "18446744073709551616", "", "")),
		hash("64 bytes", true, strs("HSET", "k", "f", strings.Repeat("v", 64))),
		hash("updated", true, strs("HSET", "k", "a", "1", "b", "2", "c", "3"), strs("HSET", "k", "a", "x"), strs("HDEL", "k", "b")),
		hash("65 bytes", false, strs("HSET", "k", "f", strings.Repeat("v", 65), "g", "1")),
		hash("513 fields", false, cmd("HSET", strs("k"), rep(1026, digits))),
		zset("listpack", strs("ZADD", "k", "-0", "a", "0.1", "b", "1.5", "c", "3", "d", "inf", "e", "-inf", "f", "1e300", "g",
			"123456789012", "h", "4503599627370497", "i", "4611686018427387904", "j", "-4611686018427387903", "l", "1e-310", "m", "12", "13")),
		zset("128", cmd("ZADD", strs("k"), rep(256, func(i int) string {
			if i%2 == 0 {
				return strconv.Itoa(i * 7 % 13)
			}
			return "m" + strconv.Itoa(i)
		}))),
		zset("129 skiplist", cmd("ZADD", strs("k"), rep(258, func(i int) string {
			if i%2 == 0 {
				return strconv.Itoa(i*7%13) + ".25"
			}
			return "m" + strconv.Itoa(i)
		}))),
		zset("skiplist -0 and inf", strs("ZADD", "k", "-0", strings.Repeat("l", 65), "inf", "a", "-inf", "b", "0.1", "c")),
		stream("simple", true, strs("XADD", "k", "1-1", "f", "v"), strs("XADD", "k", "1-2", "f", "w"), strs("XADD", "k", "2-0", "g", "1", "h", "2")),
		stream("deleted", true, cmd("XADD", strs("k", "5-1"), strs("a", "1")), cmd("XADD", strs("k", "5-2"), strs("a", "2")),
			cmd("XADD", strs("k", "6-0"), strs("b", "3")), strs("XDEL", "k", "5-1", "6-0")),
		stream("many nodes", true, streamMany()...),
		stream("emptied", true, strs("XADD", "k", "1-1", "f", "v"), strs("XDEL", "k", "1-1")),
		stream("groups", false, strs("XADD", "k", "1-1", "f", "v"), strs("XADD", "k", "1-2", "f", "w"), strs("XADD", "k", "1-3", "f", "x"),
			strs("XGROUP", "CREATE", "k", "g1", "0"), strs("XGROUP", "CREATE", "k", "g0", "$"),
			strs("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "k", ">"),
			strs("XREADGROUP", "GROUP", "g1", "bob", "STREAMS", "k", ">"), strs("XGROUP", "CREATECONSUMER", "k", "g1", "carol"),
			strs("XACK", "k", "g1", "1-2")),
		stream("empty with groups", false, strs("XADD", "k", "1-1", "f", "v"), strs("XGROUP", "CREATE", "k", "g", "0"),
			strs("XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"), strs("XDEL", "k", "1-1")),
		stream("setid", true, strs("XADD", "k", "MAXLEN", "0", "3-3", "f", "v"), strs("XSETID", "k", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "4-0")),
	}
}

// streamMany is the "many nodes" case's commands: entries of varied
// fields over several nodes, some deleted, the stream trimmed.
func streamMany() [][]string {
	var b [][]string
	for i := 1; i <= 250; i++ {
		if i%7 == 0 {
			b = append(b, strs("XADD", "k", fmt.Sprintf("%d-%d", 100+i/3, i), "other", strconv.Itoa(i)))
		} else {
			b = append(b, strs("XADD", "k", fmt.Sprintf("%d-%d", 100+i/3, i), "f", strconv.Itoa(i*i), "g", strings.Repeat("v", i%70)))
		}
	}
	return append(b, strs("XDEL", "k", "101-3", "110-30", "150-150"), strs("XTRIM", "k", "MINID", "105-0"))
}

// bulk returns the string of a bulk reply.
func bulk(t *testing.T, reply []byte) string {
	t.Helper()
	if !bytes.HasPrefix(reply, []byte("$")) {
		t.Fatalf("not a bulk string: %q", reply)
	}
	i := bytes.Index(reply, []byte("\r\n"))
	return string(reply[i+2 : len(reply)-2])
}

// TestDumpRestoreDiff: for each value, memshard's DUMP is Redis's where
// Redis's is deterministic; Redis's payload restored into memshard and
// memshard's restored into Redis read the same on both, with the same
// encoding (and DUMP the same again).
func TestDumpRestoreDiff(t *testing.T) {
	for _, tc := range dumpCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			for _, argv := range tc.build {
				if tc.exact || !strings.HasPrefix(argv[0], "XREADGROUP") {
					h.diff(argv...)
				} else {
					h.redis.Do(argv...)
					h.exec(argv...)
				}
			}
			h.diff("OBJECT", "ENCODING", "k")
			if tc.exact {
				diffPayload(h, "k")
			}
			rp, mp := bulk(t, h.redis.Do("DUMP", "k")), bulk(t, h.exec("DUMP", "k"))
			for key, p := range map[string]string{"fromredis": rp, "frommemshard": mp} {
				h.diff("RESTORE", key, "0", p)
				h.diff("OBJECT", "ENCODING", key)
				h.diff("TYPE", key)
				for _, r := range tc.reads {
					argv := strings.Fields(fmt.Sprintf(r, key))
					if tc.unordered {
						h.diffUnordered(argv...)
					} else {
						h.diff(argv...)
					}
				}
				if tc.reexact {
					diffPayload(h, key)
				}
			}
			h.checkReplica()
		})
	}
}

// diffPayload fails unless DUMP key is the same on both, showing where
// the payloads part (they can be long).
func diffPayload(h *harness, key string) {
	h.t.Helper()
	want, got := h.redis.Do("DUMP", key), h.exec("DUMP", key)
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-40)
	h.t.Errorf("DUMP %s: %d bytes, redis-server's %d, differ from byte %d:\n got  %q\n want %q",
		key, len(got), len(want), i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
}

// TestDumpRestore_BigString: 40 MB strings, one LZF compresses, one it
// hardly does, go through DUMP and RESTORE whole, their payloads Redis's
// byte for byte.
func TestDumpRestore_BigString(t *testing.T) {
	h := newHarness(t)
	random := make([]byte, 40<<20)
	for i := range random {
		random[i] = byte(i*7919 + i>>11*31 + i>>17)
	}
	for key, v := range map[string]string{"compressible": strings.Repeat("0123456789", 4<<20), "random": string(random)} {
		h.diff("SET", key, v)
		diffPayload(h, key)
		p := bulk(t, h.exec("DUMP", key))
		h.diff("RESTORE", key+"-copy", "0", p)
		if got := string(h.exec("GET", key+"-copy")); got != "$"+strconv.Itoa(len(v))+"\r\n"+v+"\r\n" {
			t.Errorf("GET %s-copy: %d bytes, not the value", key, len(got))
		}
	}
}
