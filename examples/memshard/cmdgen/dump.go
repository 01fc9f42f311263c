package cmdgen

import (
	"encoding/binary"
	"hash/crc64"
	"math"
)

// DUMP and RESTORE in the random streams. A script DUMPs a key and
// RESTOREs the payload under another (a copy across the two servers'
// own encodings: the reply is the same whatever the bytes). RESTORE also
// takes payloads drawn here: values of the simple RDB types (string,
// linked list, set, hash, sorted set with text or binary scores) over the
// generator's members, payloads redis-server 7.0.15 DUMPed (listpack,
// intset, quicklist, stream with a group), payloads of the older
// encodings it still loads (ziplist, zipmap, quicklist of ziplists), and
// now and then a broken one: a wrong checksum, a newer RDB version, a
// truncated object or a duplicate member.
func init() {
	commands = append(commands,
		genCmd{mode: Exact, whole: true, gen: func(g *Gen) []string {
			return append([]string{"EVAL", dumpCopyScript, "2", g.key(), g.key()}, g.restoreOptions()...)
		}},
		c("", "RESTORE", func(g *Gen) []string {
			opts := g.restoreOptions()
			return append([]string{g.key(), opts[0], g.payload()}, opts[1:]...)
		}),
	)
	withRandomReplies = append(withRandomReplies,
		// Hashtable-encoded sets and hashes come in dict order: the
		// payload is not comparable.
		cRandom("", "DUMP", func(g *Gen) []string { return []string{g.key()} }),
	)
}

// dumpCopyScript restores KEYS[1]'s payload under KEYS[2] with ARGV as
// TTL and options, replying RESTORE's reply (its error too), or nil if
// KEYS[1] does not exist.
const dumpCopyScript = "local p = redis.call('DUMP', KEYS[1]) if not p then return false end " +
	"return redis.pcall('RESTORE', KEYS[2], ARGV[1], p, unpack(ARGV, 2))"

// restoreOptions draws a TTL (none, relative, absolute in the far future
// or the past, invalid) and options; RESTORE's TTL is the first of them.
// Never a relative TTL of a few milliseconds: whether the key is still
// there a command later would depend on timing.
func (g *Gen) restoreOptions() []string {
	var args []string
	switch g.r.IntN(7) {
	case 0:
		args = []string{"100000"}
	case 1:
		args = []string{"4102444800000", "ABSTTL"}
	case 2:
		args = []string{"1", "ABSTTL"} // past: nothing is created, REPLACE deletes
	case 3:
		args = []string{g.pick("-1", "x")}
	default:
		args = []string{"0"}
	}
	if g.r.IntN(3) > 0 {
		args = append(args, "REPLACE")
	}
	switch g.r.IntN(8) {
	case 0:
		args = append(args, "IDLETIME", g.pick("10", "-1", "x"))
	case 1:
		args = append(args, "FREQ", g.pick("5", "256"))
	}
	return args
}

// RDB object types and the footer of a payload (rdb.h, cluster.c).
const (
	rdbString     = 0
	rdbList       = 1
	rdbSet        = 2
	rdbZSet       = 3
	rdbHash       = 4
	rdbZSet2      = 5
	rdbVersion    = 10
	jonesReversed = 0x95ac9329ac4bc9b5 // Redis's crc64 polynomial, reflected
)

var crcTable = crc64.MakeTable(jonesReversed)

// withFooter appends the RDB version and Redis's crc64 (no inversions,
// which Go's adds) to obj.
func withFooter(obj []byte, version uint16) string {
	b := binary.LittleEndian.AppendUint16(obj, version)
	crc := ^crc64.Update(^uint64(0), crcTable, b)
	return string(binary.LittleEndian.AppendUint64(b, crc))
}

func appendLen(b []byte, n int) []byte {
	if n < 64 {
		return append(b, byte(n))
	}
	return append(b, 0x40|byte(n>>8), byte(n))
}

func appendStr(b []byte, s string) []byte { return append(appendLen(b, len(s)), s...) }

// payload draws a payload for RESTORE's third argument.
func (g *Gen) payload() string {
	if g.r.IntN(4) == 0 {
		return withFooter([]byte(g.pick(redisPayloads...)), rdbVersion)
	}
	obj := g.object()
	switch g.r.IntN(12) {
	case 0:
		p := []byte(withFooter(obj, rdbVersion))
		p[g.r.IntN(len(p))] ^= 0x20 // the checksum no longer matches
		return string(p)
	case 1:
		return withFooter(obj, rdbVersion+1)
	case 2:
		return withFooter(obj[:g.r.IntN(len(obj))], rdbVersion)
	}
	return withFooter(obj, rdbVersion)
}

// object draws a value of a simple RDB type: 1 to 4 elements, or many
// (past the listpack and intset limits); a set or sorted set may repeat a
// member, which Redis refuses.
func (g *Gen) object() []byte {
	typ := g.pick("string", "list", "set", "hash", "zset", "zset2")
	if typ == "string" {
		return appendStr([]byte{rdbString}, g.value())
	}
	var elems []string
	if g.r.IntN(6) == 0 {
		elems = g.many()
	} else {
		elems = g.members(4)
		// A hash's fields are distinct: Redis loads a hash of 512 fields
		// or fewer as a listpack, checking duplicates only with
		// sanitize-dump-payload yes, where memshard always refuses them.
		if typ == "hash" || typ != "list" && g.r.IntN(3) > 0 {
			elems = distinct(elems)
		}
	}
	b := appendLen([]byte{map[string]byte{"list": rdbList, "set": rdbSet, "hash": rdbHash, "zset": rdbZSet, "zset2": rdbZSet2}[typ]}, len(elems))
	for i, e := range elems {
		b = appendStr(b, e)
		switch typ {
		case "hash":
			b = appendStr(b, g.value())
		case "zset":
			s := g.pick("1", "2.5", "-0", "1e3", "nan", "x")
			b = append(append(b, byte(len(s))), s...)
		case "zset2":
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(i%3)-0.5))
		}
	}
	return b
}

func distinct(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// redisPayloads are objects of payloads redis-server 7.0.15 DUMPed, and
// of the older encodings it loads, without their footer.
var redisPayloads = []string{
	// HSET h f v n 12: a listpack.
	"\x10\x12\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\x0c\x01\xff",
	// SADD s 1 2 300: an intset of 16-bit integers.
	"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00,\x01",
	// RPUSH l x 1 yy: a quicklist of one listpack.
	"\x12\x01\x02\x10\x10\x00\x00\x00\x03\x00\x81x\x02\x01\x01\x82yy\x03\xff",
	// ZADD z 1 x 2.5 y: a listpack.
	"\x11\x14\x14\x00\x00\x00\x04\x00\x81x\x02\x01\x01\x81y\x02\x832.5\x04\xff",
	// XADD a 1-1 f v, XADD a 2-0 f w g x, XGROUP CREATE a g 0,
	// XREADGROUP GROUP g c STREAMS a >, XCLAIM a g c 0 1-1 TIME ...
	"\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x0144\x00\x00\x00\x13\x00\x02\x01\x00\x01\x01\x01\x81f\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81v\x02\x04\x01\x00\x01\x01\x01\xdf\xff\x02\x02\x01\x81f\x02\x81w\x02\x81g\x02\x81x\x02\b\x01\xff\x02\x02\x00\x01\x01\x00\x00\x02\x01\x01g\x02\x00\x02\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00h\xe5\xcf\x8b\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x000\xea\xb1\x17\xa2\x01\x00\x00\x01\x01\x01c4\xea\xb1\x17\xa2\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00",
	// A list as a ziplist (RDB_TYPE_LIST_ZIPLIST): "a", 5.
	"\x0a\x10\x10\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01a\x03\xf6\xff",
	// A hash as a ziplist: f v.
	"\x0d\x11\x11\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01f\x03\x01v\xff",
	// A hash as a zipmap: f v.
	"\x09\x07\x01\x01f\x01\x00v\xff",
	// A sorted set as a ziplist: m 1.5.
	"\x0c\x13\x13\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01m\x03\x031.5\xff",
	// A quicklist of ziplists (RDB_TYPE_LIST_QUICKLIST): one node, "a", 5.
	"\x0e\x01\x10\x10\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01a\x03\xf6\xff",
}
