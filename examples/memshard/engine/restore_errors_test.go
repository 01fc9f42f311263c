package engine

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// withFooter ends obj as a DUMP payload of the given RDB version.
func withFooter(obj string, version uint16) string {
	b := binary.LittleEndian.AppendUint16([]byte(obj), version)
	return string(binary.LittleEndian.AppendUint64(b, redisCRC64(0, b)))
}

// Objects (type byte and payload, no footer) of the older encodings Redis
// 7.0 still loads, and of the simple types, built by hand.
var oldObjects = map[string]string{
	"list ziplist":           "\x0a\x10\x10\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01a\x03\xf6\xff",
	"hash ziplist":           "\x0d\x11\x11\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01f\x03\x01v\xff",
	"hash zipmap":            "\x09\x07\x01\x01f\x01\x00v\xff",
	"zset ziplist":           "\x0c\x13\x13\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01m\x03\x031.5\xff",
	"quicklist of ziplists":  "\x0e\x01\x10\x10\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01a\x03\xf6\xff",
	"linked list":            "\x01\x03\x01a\xc0\x05\x01b",
	"set":                    "\x02\x02\x01a\x01b",
	"set of integers":        "\x02\x03\x011\xc0\x02\x013",
	"hash":                   "\x04\x02\x01f\x01v\x01g\xc1\x00\x01",
	"hash long value":        "\x04\x01\x01f\x41" + strings.Repeat("v", 65),
	"zset text scores":       "\x03\x03\x01a\x031.5\x01b\xfe\x01c\xff",
	"zset text score prefix": "\x03\x01\x01a\x042.5x",
	"zset binary scores":     "\x05\x02\x01a\x00\x00\x00\x00\x00\x00\x00\x80\x01b\x00\x00\x00\x00\x00\x00\xf0\x7f",
	"zset long member":       "\x05\x01\x41" + strings.Repeat("m", 65) + "\x00\x00\x00\x00\x00\x00\xf0\x3f",
	"intset of 64-bit":       "\x0b\x18\x08\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00",
	"quicklist plain node":   "\x12\x02\x01\x03abc\x02\x0b\x0b\x00\x00\x00\x01\x00\x81x\x02\xff",
}

// TestRestoreOldEncodingsDiff: payloads of the encodings Redis 7.0 loads
// but no longer writes are restored as Redis restores them: the same
// value, converted to the same encoding, which DUMPs the same.
func TestRestoreOldEncodingsDiff(t *testing.T) {
	h := newHarness(t)
	for name, obj := range oldObjects {
		key := strings.ReplaceAll(name, " ", "-")
		h.diff("RESTORE", key, "0", withFooter(obj, rdbVersion))
		h.diff("OBJECT", "ENCODING", key)
		h.diff("TYPE", key)
		for _, read := range [][]string{{"GET", key}, {"LRANGE", key, "0", "-1"}, {"HGETALL", key}, {"ZRANGE", key, "0", "-1", "WITHSCORES"}} {
			h.diffUnordered(read...)
		}
		switch name {
		case "set", "hash long value":
		default:
			diffPayload(h, key)
		}
	}
	// A listpack hash and sorted set with elements longer than 64 bytes:
	// Redis converts them only when they have too many.
	lp := newLPWriter()
	lp.str("f")
	lp.str(strings.Repeat("v", 70))
	h.diff("RESTORE", "lph", "0", withFooter(string(appendRDBString([]byte{rdbTypeHashListpack}, lp.finish())), rdbVersion))
	lp = newLPWriter()
	lp.str(strings.Repeat("m", 70))
	lp.str("1.5")
	h.diff("RESTORE", "lpz", "0", withFooter(string(appendRDBString([]byte{rdbTypeZSetListpack}, lp.finish())), rdbVersion))
	for _, k := range []string{"lph", "lpz"} {
		h.diff("OBJECT", "ENCODING", k)
		diffPayload(h, k)
	}
	h.diff("HSET", "lph", "g", "1")
	h.diff("OBJECT", "ENCODING", "lph")
	// Older RDB versions are accepted too.
	h.diff("RESTORE", "v9", "0", withFooter("\x00\x03abc", 9))
	h.diff("GET", "v9")
	h.checkReplica()
}

// TestRestoreErrorsDiff: every error of DUMP and RESTORE, in Redis's
// order of checks, and the TTLs and options that succeed.
func TestRestoreErrorsDiff(t *testing.T) {
	h := newHarness(t)
	good := withFooter("\x00\x03abc", rdbVersion)
	h.diff("SET", "k", "v")
	for _, argv := range [][]string{
		{"DUMP"}, {"DUMP", "a", "b"}, {"DUMP", "nokey"}, {"DUMP", "k"},
		{"RESTORE", "n", "0"}, {"RESTORE-ASKING", "n"},
		{"RESTORE", "n", "0", good, "BAD"}, {"RESTORE", "n", "0", good, "IDLETIME"}, {"RESTORE", "n", "0", good, "FREQ"},
		{"RESTORE", "n", "0", good, "IDLETIME", "x"}, {"RESTORE", "n", "0", good, "IDLETIME", "-1"},
		{"RESTORE", "n", "0", good, "IDLETIME", "1.5"}, {"RESTORE", "n", "0", good, "FREQ", "256"},
		{"RESTORE", "n", "0", good, "FREQ", "-1"}, {"RESTORE", "n", "0", good, "FREQ", "x"},
		{"RESTORE", "n", "0", good, "IDLETIME", "10", "FREQ", "5"}, {"RESTORE", "n", "0", good, "FREQ", "5", "IDLETIME", "10"},
		{"RESTORE", "n", "0", good, "IDLETIME", "10", "IDLETIME", "20"}, {"RESTORE", "n", "0", good, "FREQ", "1", "FREQ", "2"},
		{"RESTORE", "k", "0", good}, {"RESTORE", "k", "x", good}, {"RESTORE", "k", "-1", "junk"}, {"RESTORE", "k", "0", good, "BAD"},
		{"RESTORE", "n", "x", good}, {"RESTORE", "n", "-1", good}, {"RESTORE", "n", "-1", "junk"},
		{"RESTORE", "n", "0", "junk"}, {"RESTORE", "n", "0", ""}, {"RESTORE", "n", "0", "123456789"},
		{"RESTORE", "n", "0", good[:len(good)-1] + "x"}, {"RESTORE", "n", "0", withFooter("\x00\x03abc", rdbVersion+1)},
		{"RESTORE", "n", "0", withFooter("", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x00\x05abc", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x08\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x14\x00", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x06\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x07\x81\x00\x00\x00\x00\x00\x00\x00\x01", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x01\x00", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x02\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x12\x00", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x12\x01\x03\x01x", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x12\x01\x02\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x12\x01\x02\x07\x07\x00\x00\x00\x00\x00\xff", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x02\x02\x01a\x01a", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x02\x02\x011\x011", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x05\x02\x01a\x00\x00\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x00\x00\x00\x00\x00\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x05\x01\x01a\x00\x00\x00\x00\x00\x00\xf8\x7f", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x03\x01\x01a\xfd", rdbVersion)}, {"RESTORE", "n", "0", withFooter("\x03\x01\x01a\x01x", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x0b\x08\x02\x00\x00\x00\x00\x00\x00\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x0b\x0a\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x09\x02\x00\xff", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x0a\x0b\x0b\x00\x00\x00\x0a\x00\x00\x00\x00\x00\xff", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x0d\x0e\x0e\x00\x00\x00\x0b\x00\x00\x00\x01\x00\x00\x01f\xff", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x0d\x11\x11\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01f\x04\x01v\xff", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x00\xc3\x02\x05\x00a", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x00\xc4", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x13\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", rdbVersion)},
		{"RESTORE", "n", "0", withFooter("\x13\x01\x02ab", rdbVersion)},
		// Good ones: TTLs, options, RESTORE-ASKING.
		{"RESTORE", "n", "0", good, "REPLACE", "ABSTTL", "IDLETIME", "5", "replace"}, {"GET", "n"}, {"PTTL", "n"},
		{"RESTORE", "k", "0", good, "REPLACE"}, {"GET", "k"},
		{"RESTORE", "a", "4102444800000", good, "ABSTTL"}, {"PEXPIRETIME", "a"},
		{"RESTORE", "b", "1", good, "ABSTTL"}, {"EXISTS", "b"},
		{"RESTORE", "a", "1", good, "ABSTTL", "REPLACE"}, {"EXISTS", "a"},
		{"RESTORE", "c", "9223372036854775807", good}, {"EXISTS", "c"},
		{"RESTORE", "c", "9223372036854775807", good, "ABSTTL"}, {"PEXPIRETIME", "c"},
		{"RESTORE-ASKING", "d", "0", good, "FREQ", "5"}, {"GET", "d"}, {"OBJECT", "FREQ", "d"},
		{"RESTORE", "e", "0", good, "IDLETIME", "0"}, {"OBJECT", "IDLETIME", "e"},
		{"RESTORE", "n", "0", withFooter("\x00\x03abc", 0)}, {"RESTORE", "n", "0", withFooter("\x00\x03abc", 0), "REPLACE"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

// TestRestoreTTLAndIdle: a relative TTL becomes an absolute expiry (the
// effect says ABSTTL), IDLETIME sets the idle time OBJECT IDLETIME shows,
// also past Redis's 24-bit LRU clock, and for a shared integer.
func TestRestoreTTLAndIdle(t *testing.T) {
	h := newHarness(t)
	str := withFooter("\x00\x03abc", rdbVersion)
	small := withFooter("\x00\xc0\x05", rdbVersion)
	for _, argv := range [][]string{
		{"RESTORE", "t", "100000", str}, {"RESTORE", "i1", "0", str, "IDLETIME", "1000"},
		{"RESTORE", "i2", "0", str, "IDLETIME", "100000000"}, {"RESTORE", "i3", "0", str, "IDLETIME", "9223372036854775807"},
		{"RESTORE", "i4", "0", small, "IDLETIME", "5000"}, {"RESTORE", "i5", "0", small},
	} {
		h.diff(argv...)
	}
	keysDiffNear(h, 100, "PTTL", "t")
	for _, k := range []string{"i1", "i2", "i3", "i4", "i5"} {
		// The clock may tick between the two servers' replies.
		keysDiffNear(h, 1, "OBJECT", "IDLETIME", k)
	}
	h.checkReplica()
	if got := h.replica.Raw("t").ExpireAt; got != h.db.Raw("t").ExpireAt || got == 0 {
		t.Errorf("replica's expiry of t = %d, primary's %d", got, h.db.Raw("t").ExpireAt)
	}
}

// TestRestoreStreamV1Diff: a stream of Redis 6's format (no count of
// entries added, no greatest deleted ID, groups without entries read)
// restores as in Redis 7.0, which estimates what it lacks.
func TestRestoreStreamV1Diff(t *testing.T) {
	h := newHarness(t)
	s := &Stream{}
	for i := uint64(1); i <= 3; i++ {
		s.add(streamID{5, i}, []string{"f", "v", "g", strings.Repeat("w", int(i))})
	}
	s.remove(streamID{5, 2})
	b := appendRDBLen([]byte{rdbTypeStreamListpacks}, 1)
	b = appendRDBString(b, rawStreamID(s.nodes[0].master))
	b = appendRDBString(b, s.nodes[0].listpack())
	b = appendRDBLen(appendRDBLen(appendRDBLen(b, 2), 5), 3) // length, last ID
	b = appendRDBLen(b, 2)                                   // groups
	for _, g := range []struct {
		name string
		last streamID
	}{{"g1", streamID{5, 1}}, {"g2", streamID{0, 0}}} {
		b = appendRDBString(b, []byte(g.name))
		b = appendRDBLen(appendRDBLen(b, g.last.ms), g.last.seq)
		if g.name == "g1" { // a PEL of 5-1, owned by c
			b = appendRDBLen(b, 1)
			b = append(b, rawStreamID(streamID{5, 1})...)
			b = binary.LittleEndian.AppendUint64(b, 1700000000000)
			b = appendRDBLen(b, 2)
			b = appendRDBLen(b, 1)
			b = appendRDBString(b, []byte("c"))
			b = binary.LittleEndian.AppendUint64(b, 1700000000001)
			b = append(appendRDBLen(b, 1), rawStreamID(streamID{5, 1})...)
		} else {
			b = appendRDBLen(appendRDBLen(b, 0), 0)
		}
	}
	h.diff("RESTORE", "x", "0", withFooter(string(b), rdbVersion))
	for _, argv := range [][]string{
		{"XINFO", "STREAM", "x", "FULL"}, {"XINFO", "GROUPS", "x"}, {"XPENDING", "x", "g1", "-", "+", "10"},
		{"XADD", "x", "6-1", "f", "v"}, {"XINFO", "GROUPS", "x"},
	} {
		// XPENDING's idle is now minus the delivery time (which XINFO
		// STREAM FULL shows exactly): masked, since the two servers may
		// read their clocks a millisecond apart.
		if streamTimed(argv) {
			h.diffTimes(argv...)
			continue
		}
		h.diff(argv...)
	}
	diffPayload(h, "x")
	h.checkReplica()
}

// TestRestore_HugeCompressedString: an LZF string that says it expands
// past 512 MB is refused without allocating it (Redis would try): 7 MB of
// literal runs that claim 600 MB.
func TestRestore_HugeCompressedString(t *testing.T) {
	db, table := New(), NewTable()
	comp := bytes.Repeat([]byte{0x00, 'a'}, 7<<19)
	obj := appendRDBLen(appendRDBLen([]byte{rdbTypeString, 0xC0 | rdbEncLZF}, uint64(len(comp))), 600<<20)
	argv := toBytes([]string{"RESTORE", "k", "0", withFooter(string(append(obj, comp...)), rdbVersion)})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w := resp.NewWriter(2)
	table.Exec(db, &Call{Argv: argv, Out: w})
	runtime.ReadMemStats(&after)
	if got := string(w.Bytes()); got != "-ERR Bad data format\r\n" {
		t.Errorf("RESTORE = %q", got)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 100<<20 {
		t.Errorf("RESTORE allocated %d MB", n>>20)
	}
}
