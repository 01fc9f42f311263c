package engine

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

// TestRestoreKnownDiff pins the payloads redis-server 7.0.15 accepts with
// its default sanitize-dump-payload (no: the compact encodings' headers
// are checked, not their insides) but memshard refuses with "Bad data
// format", because the value they make breaks a later command in Redis
// (a crash on conversion, a wrong count, a lookup that misses) and would
// break memshard's structures. Each case runs on both; the replies must be
// the ones written here, so that a change on either side shows.
func TestRestoreKnownDiff(t *testing.T) {
	h := newHarness(t)
	lp := func(elems ...string) []byte {
		w := newLPWriter()
		for _, e := range elems {
			w.str(e)
		}
		return w.finish()
	}
	obj := func(typ byte, s []byte) string {
		return withFooter(string(appendRDBString([]byte{typ}, s)), rdbVersion)
	}
	miscounted := lp("a", "b")
	binary.LittleEndian.PutUint16(miscounted[4:], 3)
	badEntry := lp("abc", "d")
	badEntry[6] = 0xF6 // no such encoding
	unsorted := intsetEncode([]int64{5, 1}, 2)
	// Streams of one entry: one that says it has two, one whose group has
	// a pending entry no consumer owns.
	stream := func(edit func(s *Stream)) string {
		s := &Stream{}
		s.add(streamID{1, 1}, []string{"f", "v"})
		edit(s)
		return string(dumpPayload(&Entry{Value: s}))
	}
	longer := stream(func(s *Stream) { s.length = 2 })
	orphan := stream(func(s *Stream) {
		s.groups = map[string]*streamGroup{"g": {consumers: map[string]*streamConsumer{},
			pel: streamPEL{{id: streamID{1, 1}, deliveryCount: 1}}}}
	})
	for _, tc := range []struct {
		why, payload string
	}{
		{"a listpack hash with a duplicate field (Redis checks only when sanitizing; converting it to a hashtable crashes)",
			obj(rdbTypeHashListpack, lp("f", "1", "f", "2"))},
		{"a hash of the plain RDB type with a duplicate field, small enough for a listpack (Redis checks only when sanitizing)",
			withFooter("\x04\x02\x01f\x011\x01f\x012", rdbVersion)},
		{"a listpack sorted set out of order (Redis's listpack lookups assume the order)",
			obj(rdbTypeZSetListpack, lp("b", "2", "a", "1"))},
		{"a listpack sorted set with a duplicate member",
			obj(rdbTypeZSetListpack, lp("a", "1", "a", "2"))},
		{"an intset out of order (Redis's binary searches miss members)",
			obj(rdbTypeSetIntset, unsorted)},
		{"a listpack whose header counts more elements than it has",
			obj(rdbTypeHashListpack, miscounted)},
		{"a quicklist node whose listpack has an entry of no known encoding",
			withFooter(string(appendRDBString([]byte{rdbTypeListQuicklist2, 1, quicklistPacked}, badEntry)), rdbVersion)},
		{"a stream whose length is not its count of entries",
			longer},
		{"a stream group PEL entry no consumer owns (Redis checks only when sanitizing; XCLAIM then crashes)",
			orphan},
	} {
		t.Run(tc.why, func(t *testing.T) {
			h.redis.Do("DEL", "k")
			h.exec("DEL", "k")
			if got, want := string(h.exec("RESTORE", "k", "0", tc.payload)), "-ERR Bad data format\r\n"; got != want {
				t.Errorf("memshard: %q, want %q", got, want)
			}
			if got, want := string(h.redis.Do("RESTORE", "k", "0", tc.payload)), "+OK\r\n"; got != want {
				t.Errorf("redis-server: %q, want %q", got, want)
			}
		})
	}
}

// TestDumpKnownDiff pins where memshard's DUMP is not Redis's bytes
// though Redis's are deterministic: a list edited inside (here LINSERT,
// which splits a full node in Redis) has other quicklist node boundaries
// than the ones memshard writes, which are those tail pushes make
// (memshard models nodes through pushes and pops only). The values are
// the same: each side's payload restores on the other to the same list.
func TestDumpKnownDiff(t *testing.T) {
	h := newHarness(t)
	argv := []string{"RPUSH", "l"}
	for i := range 3000 {
		argv = append(argv, strconv.Itoa(i))
	}
	h.diff(argv...)
	h.diff("LINSERT", "l", "BEFORE", "1000", strings.Repeat("x", 200))
	want, got := h.redis.Do("DUMP", "l"), h.exec("DUMP", "l")
	if bytes.Equal(got, want) {
		t.Errorf("DUMP of a list after LINSERT is redis-server's: the difference pinned here is gone")
	}
	h.diff("RESTORE", "fromredis", "0", bulk(t, want))
	h.diff("RESTORE", "frommemshard", "0", bulk(t, got))
	for _, k := range []string{"fromredis", "frommemshard"} {
		h.diff("LRANGE", k, "0", "-1")
		diffPayload(h, k) // RESTORE keeps the payload's nodes, on both
	}
}
