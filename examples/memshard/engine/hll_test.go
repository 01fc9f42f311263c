package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// hllElem returns an element that PFADD hashes to register index with
// value count (1 to 51): the 8-byte key whose MurmurHash64A is the hash
// chosen, found by running the hash backwards (for an 8-byte key each of
// its steps is a bijection of 64-bit words).
func hllElem(index, count int) string {
	const m = 0xc6a4a7935bd1e995
	inv := uint64(m) // m's inverse mod 2^64, by Newton's iteration
	for range 5 {
		inv *= 2 - m*inv
	}
	unshift := func(x uint64) uint64 { return x ^ x>>47 } // its own inverse: 47 >= 32
	want := uint64(index)
	if count <= hllQ {
		want |= 1 << (hllP + count - 1)
	}
	keyLen := uint64(8)
	h := unshift(want) * inv
	h = unshift(h) * inv
	k := (h ^ hllSeed ^ keyLen*m) * inv // the hash's start: seed ^ len*m
	k = unshift(k) * inv
	var key [8]byte
	binary.LittleEndian.PutUint64(key[:], k)
	return string(key[:])
}

// hllE is hllElem for a test's arguments.
var hllE = hllElem

// hllElem's elements hash where it says.
func TestHLL_ElemHashesWhereAsked(t *testing.T) {
	for _, tc := range [][2]int{{0, 1}, {16383, 51}, {1000, 33}, {77, 2}, {5000, 50}} {
		if i, c := hllPatLen([]byte(hllElem(tc[0], tc[1]))); i != tc[0] || int(c) != tc[1] {
			t.Errorf("hllElem(%d, %d) hashes to register %d, value %d", tc[0], tc[1], i, c)
		}
	}
}

// hllRun diffs each command with redis-server, and after each one that
// names a key, GET of that key: the HLL's bytes must be Redis's.
func hllRun(h *harness, cmds [][]string) {
	h.t.Helper()
	for _, argv := range cmds {
		h.diff(argv...)
		if len(argv) > 1 && argv[0] != "GET" {
			h.diff("GET", argv[1])
		}
	}
}

// hllScripts runs each script on fresh harnesses in RESP2 and RESP3 (see
// hllRun), then checks that the replica, built from the effects, holds the
// same bytes.
func hllScripts(t *testing.T, scripts map[string][][]string) {
	t.Helper()
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) { hllRun(h, script) })
		})
	}
}

// hllSparseMax sets hll-sparse-max-bytes on both servers until the test
// ends.
func hllSparseMax(t *testing.T, h *harness, n int64) {
	t.Helper()
	if got := string(h.redis.Do("CONFIG", "SET", "hll-sparse-max-bytes", strconv.FormatInt(n, 10))); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET hll-sparse-max-bytes %d: %q", n, got)
	}
	SetHLLSparseMaxBytes(n)
	t.Cleanup(func() {
		h.redis.Do("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
		SetHLLSparseMaxBytes(3000)
	})
}

// hllHeader returns an HLL header: encoding enc, cached cardinality card
// (its top bit: stale).
func hllHeader(enc byte, card uint64) []byte {
	b := append([]byte("HYLL"), enc, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(b, card)
}

// hllDenseOf returns a dense HLL whose register i holds reg(i).
func hllDenseOf(card uint64, reg func(i int) uint8) string {
	v := append(hllHeader(hllDense, card), make([]byte, hllDenseSize-hllHdrSize)...)
	for i := range hllRegisters {
		hllDensePut(v[hllHdrSize:], i, reg(i))
	}
	return string(v)
}

const hllStale = 1 << 63

// The sparse opcodes: a run of zeros (ZERO or XZERO) split at its first
// register, its last, in its middle; a ZERO of one register and a VAL of
// one register replaced; a VAL run split; equal neighbours merged up to a
// run of four and no further; values up to 32 sparse, above that dense.
func TestHLL_SparseOpcodes(t *testing.T) {
	e := hllE
	hllScripts(t, map[string][][]string{
		"xzero splits": {
			{"PFADD", "h"}, {"PFCOUNT", "h"},
			{"PFADD", "h", e(1000, 2)}, // XZERO VAL XZERO
			{"PFADD", "h", e(0, 1)},    // at the first register
			{"PFADD", "h", e(16383, 3)},
			{"PFADD", "h", e(1000, 1)}, // lower: no change
			{"PFADD", "h", e(1000, 2)}, // equal: no change
			{"PFADD", "h", e(1000, 5)}, // VAL of one, raised
			{"PFADD", "h", e(1001, 5)}, // merges with its left
			{"PFADD", "h", e(1003, 5)}, // ZERO between: no merge
			{"PFADD", "h", e(1002, 5)}, // ZERO of one replaced, merges both ways
			{"PFADD", "h", e(1004, 5)}, // a fifth: no merge
			{"PFADD", "h", e(1002, 7)}, // VAL run split in its middle
			{"PFADD", "h", e(1000, 7)}, // at its first
			{"PFADD", "h", e(1001, 7)}, // merges into 7,7,7
			{"PFADD", "h", e(1003, 7), e(1004, 7)},
			{"PFADD", "h", e(16382, 3)}, {"PFADD", "h", e(1, 1)},
			{"PFCOUNT", "h"}, {"PFCOUNT", "h"}, {"OBJECT", "ENCODING", "h"}, {"STRLEN", "h"},
		},
		"zero splits": {
			{"PFADD", "h", e(2000, 3), e(2050, 3)}, // ZERO of 49 between
			{"PFADD", "h", e(2020, 4)},             // its middle
			{"PFADD", "h", e(2001, 4)},             // its first
			{"PFADD", "h", e(2049, 4)},             // its last
			{"PFADD", "h", e(3000, 1), e(3066, 1)}, // XZERO of 65 between
			{"PFADD", "h", e(3001, 1)},             // leaves a ZERO of 64
			{"PFADD", "h", e(3065, 1)},             // a ZERO of 63
			{"PFADD", "h", e(4000, 1), e(4130, 1)}, // XZERO of 129
			{"PFADD", "h", e(4065, 2)},             // 64 | VAL | 64
			{"PFADD", "h", e(5000, 1), e(5131, 1)},
			{"PFADD", "h", e(5065, 2)}, // XZERO 65 | VAL | 64... and ZERO 65 is XZERO
			{"PFCOUNT", "h"},
		},
		"vals": {
			{"PFADD", "h", e(10, 1), e(11, 1), e(12, 1), e(13, 1)}, // VAL 1 x4
			{"PFADD", "h", e(14, 1)},
			{"PFADD", "h", e(15, 1), e(16, 1), e(17, 1)},
			{"PFADD", "h", e(12, 2)}, {"PFADD", "h", e(11, 2)}, {"PFADD", "h", e(13, 2)},
			{"PFADD", "h", e(10, 32)}, // the largest sparse value
			{"PFADD", "h", e(20, 31), e(21, 32), e(22, 32)},
			{"PFCOUNT", "h"},
			{"PFADD", "h", e(30, 33)}, // too large for VAL: dense
			{"PFADD", "h", e(31, 51), e(30, 2)},
			{"PFADD", "h", e(30, 40)},
			{"PFCOUNT", "h"}, {"PFADD", "h", e(40, 1)}, {"PFCOUNT", "h"},
			{"OBJECT", "ENCODING", "h"},
		},
		"first element dense": {
			{"PFADD", "h", e(0, 33)}, {"PFADD", "n", e(16383, 51)}, {"PFCOUNT", "h", "n"}, {"PFCOUNT", "n"},
		},
	})
}

// A sparse HLL turns dense when an update would make it longer than
// hll-sparse-max-bytes (header included), not when it reaches it; a
// PFMERGE may turn it dense on its way.
func TestHLL_SparseMaxBytes(t *testing.T) {
	for _, max := range []int64{3000, 40, 18, 0} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				hllSparseMax(t, h, max)
				var cmds [][]string
				r := rand.New(rand.NewPCG(uint64(max), 1))
				for i := range 1200 {
					// Scattered registers, each a few bytes more.
					cmds = append(cmds, []string{"PFADD", "h", hllE(r.IntN(hllRegisters), 1+r.IntN(4))})
					if i%100 == 99 {
						cmds = append(cmds, []string{"PFCOUNT", "h"})
					}
				}
				cmds = append(cmds, []string{"PFADD", "a", hllE(100, 1), hllE(200, 2)}, []string{"PFADD", "b", hllE(300, 1)},
					[]string{"PFMERGE", "a", "b"}, []string{"PFMERGE", "c", "a", "b"})
				hllRun(h, cmds)
			})
		})
	}
	// An empty HLL is 18 bytes, and each register set inside a run of
	// zeros 3 more: 21, 24, then 27. Reaching the limit stays sparse.
	for _, max := range []int64{21, 23, 24} {
		t.Run(fmt.Sprint("boundary", max), func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				hllSparseMax(t, h, max)
				hllRun(h, [][]string{{"PFADD", "h", hllE(1000, 1)}, {"PFADD", "h", hllE(5000, 2)}, {"PFADD", "h", hllE(9000, 3)},
					{"PFADD", "h", hllE(9001, 1)}, {"STRLEN", "h"}})
			})
		})
	}
	// Two sparse HLLs of 2,000-odd bytes merge into one past 3,000.
	keysEachProto(t, func(t *testing.T, h *harness) {
		var a, b []string
		for i := range 700 {
			a = append(a, hllE(i*20, 1+i%3))
			b = append(b, hllE(i*20+10, 1+i%4))
		}
		hllRun(h, [][]string{
			append([]string{"PFADD", "a"}, a...), append([]string{"PFADD", "b"}, b...), {"STRLEN", "a"}, {"STRLEN", "b"},
			{"PFMERGE", "c", "a", "b"}, {"PFMERGE", "a", "b"}, {"PFCOUNT", "a"}, {"PFCOUNT", "c"},
		})
	})
}

// PFCOUNT of one key reads the cached cardinality, or computes it and
// writes it into the value (GET shows it); several keys are counted as
// their union and written nowhere.
func TestHLL_Count(t *testing.T) {
	e := hllE
	dense := hllDenseOf(hllStale, func(i int) uint8 { return uint8(i % 7) })
	hllScripts(t, map[string][][]string{
		"cache": {
			{"PFCOUNT", "h"}, {"PFADD", "h", "a", "b", "c"}, {"PFCOUNT", "h"}, {"PFCOUNT", "h"},
			{"PFADD", "h", "a"}, {"PFCOUNT", "h"}, {"PFADD", "h", "d"}, {"PFCOUNT", "h"},
			{"SET", "d", dense}, {"OBJECT", "ENCODING", "d"}, {"PFCOUNT", "d"}, {"OBJECT", "ENCODING", "d"}, {"PFCOUNT", "d"},
			{"SET", "c", dense[:8] + "\x39\x30\x00\x00\x00\x00\x00\x00" + dense[16:]}, {"PFCOUNT", "c"}, // a valid cache: as is
			{"SET", "s", string(hllHeader(hllSparse, 77)) + "\x7f\xff"}, {"PFCOUNT", "s"}, {"OBJECT", "ENCODING", "s"},
			{"PFADD", "s"}, {"PFADD", "s", "x"}, {"PFCOUNT", "s"},
		},
		"union": {
			{"PFADD", "a", "x", "y", "z"}, {"PFADD", "b", "y", "z", "w", e(3, 40)}, {"PFADD", "c", e(3, 20)},
			{"PFCOUNT", "a", "b"}, {"PFCOUNT", "a", "nokey"}, {"PFCOUNT", "nokey", "nokey2"},
			{"PFCOUNT", "a", "a", "c"}, {"PFCOUNT", "b", "c"}, {"PFCOUNT", "c", "b"}, {"SET", "d", dense}, {"PFCOUNT", "a", "d"},
			{"GET", "a"}, {"GET", "b"}, {"GET", "d"},
		},
		"estimates": {
			// Extreme histograms: every register 50 (an estimate past
			// 2^63) or 63 (an infinite one) read as the most negative
			// integer, and the cache written with its stale bit set.
			{"SET", "r50", hllDenseOf(hllStale, func(int) uint8 { return 50 })}, {"PFCOUNT", "r50"}, {"PFCOUNT", "r50"},
			{"SET", "r51", hllDenseOf(hllStale, func(int) uint8 { return 51 })}, {"PFCOUNT", "r51"},
			{"SET", "r63", hllDenseOf(hllStale, func(int) uint8 { return 63 })}, {"PFCOUNT", "r63"}, {"PFADD", "r63", "a"},
			{"SET", "r40", hllDenseOf(hllStale, func(i int) uint8 { return uint8(30 + i%11) })}, {"PFCOUNT", "r40"},
			{"SET", "r1", hllDenseOf(hllStale, func(i int) uint8 { return uint8(i % 2) })}, {"PFCOUNT", "r1"},
			{"SET", "rz", hllDenseOf(hllStale, func(i int) uint8 { return uint8(i % 64) })}, {"PFCOUNT", "rz"},
			{"PFCOUNT", "r1", "r40"}, {"PFCOUNT", "rz", "r1"},
			{"PFMERGE", "m", "r40", "r1"}, {"PFCOUNT", "m"},
		},
		"ttl kept": {
			{"PFADD", "h", "a"}, {"EXPIRE", "h", "100"}, {"PFADD", "h", "b"}, {"TTL", "h"}, {"PFCOUNT", "h"}, {"TTL", "h"},
			{"PFMERGE", "h", "nokey"}, {"TTL", "h"},
		},
	})
}

// PFMERGE: into a new, a sparse and a dense destination, from sparse,
// dense and missing sources; a dense source makes the result dense; a
// source that is no HLL fails it before the destination is made.
func TestHLL_Merge(t *testing.T) {
	e := hllE
	hllScripts(t, map[string][][]string{
		"sparse": {
			{"PFADD", "a", "x", "y", e(10, 3), e(11, 3)}, {"PFADD", "b", "y", "z", e(10, 5), e(12, 3)},
			{"PFMERGE", "c", "a", "b"}, {"PFCOUNT", "c"}, {"PFMERGE", "c", "a", "b"},
			{"PFMERGE", "a", "b"}, {"PFMERGE", "a"}, {"PFMERGE", "new"}, {"PFMERGE", "new2", "nokey", "nokey2"},
			{"PFMERGE", "b", "b", "b"}, {"PFCOUNT", "a", "b", "c"},
		},
		"dense": {
			{"PFADD", "a", "x", e(10, 3)}, {"PFADD", "d", "w", e(20, 40)}, {"PFADD", "s", e(20, 2), e(30, 32)},
			{"PFMERGE", "c", "a", "d"}, {"PFMERGE", "a", "d"}, // a sparse destination turns dense
			{"PFMERGE", "d", "s"}, {"PFMERGE", "s2", "s", "nokey"}, {"PFMERGE", "s", "d"}, {"PFCOUNT", "s", "s2", "d"},
			// A dense source of small values still makes the result dense.
			{"SET", "small", hllDenseOf(hllStale, func(i int) uint8 { return uint8(i%5000/4999) * 2 })},
			{"PFADD", "t", "x"}, {"PFMERGE", "t", "small"}, {"PFMERGE", "t2", "small"}, {"PFMERGE", "t3", "nokey", "small"},
		},
		"errors": {
			{"PFADD", "a", "x"}, {"RPUSH", "l", "x"}, {"SET", "str", "hello"},
			{"PFMERGE", "l", "a"}, {"PFMERGE", "a", "l"}, {"PFMERGE", "a", "str"}, {"PFMERGE", "str", "a"},
			{"PFMERGE", "dst", "a", "l"}, {"EXISTS", "dst"}, {"PFMERGE", "dst", "nokey", "str", "l"}, {"EXISTS", "dst"},
		},
	})
}

// Values that are no HLL are refused before any change; wrong arity as
// for any command.
func TestHLL_NotAnHLL(t *testing.T) {
	dense := hllDenseOf(0, func(int) uint8 { return 0 })
	values := []string{
		"hello", "", "HYLL", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", // 15 bytes
		"hyll\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff",
		"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff", // encoding 2
		"HYLL\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		dense[:len(dense)-1], dense + "x", "1234567890123456789", "12345678901234567",
	}
	var script [][]string
	for i, v := range values {
		k := fmt.Sprint("v", i)
		script = append(script, []string{"SET", k, v}, []string{"PFADD", k, "a"}, []string{"PFADD", k},
			[]string{"PFCOUNT", k}, []string{"PFCOUNT", "nokey", k}, []string{"PFMERGE", k}, []string{"PFMERGE", "dst", k},
			[]string{"OBJECT", "ENCODING", k})
	}
	for _, mk := range [][]string{{"RPUSH", "l", "x"}, {"SADD", "t", "x"}, {"ZADD", "z", "1", "x"}, {"HSET", "hh", "f", "v"}} {
		k := mk[1]
		script = append(script, mk, []string{"PFADD", k, "a"}, []string{"PFADD", k}, []string{"PFCOUNT", k},
			[]string{"PFCOUNT", "v0", k}, []string{"PFMERGE", k, "nokey"}, []string{"PFMERGE", "dst", k})
	}
	script = append(script, []string{"PFADD"}, []string{"PFCOUNT"}, []string{"PFMERGE"}, []string{"pfadd"},
		[]string{"SET", "ok", dense}, []string{"PFCOUNT", "ok"}, []string{"PFADD", "ok", "a"}, []string{"PFCOUNT", "ok"})
	hllScripts(t, map[string][][]string{"values": script})
}

// hllCorruptionBases returns what corrupted HLLs are made from: a sparse
// HLL's bytes as redis-server makes them, its header, and a value ending
// in an XZERO opcode cut short, its second byte past the end (255 zeros,
// then 0x7f, 16129 zeros if that byte reads 0).
func hllCorruptionBases(t *testing.T) (base, hdr, cut string) {
	h := newHarness(t)
	h.diff("PFADD", "base", hllE(10, 2), hllE(500, 3), hllE(501, 3), hllE(9000, 1))
	base = string(h.diff("GET", "base"))
	base = base[strings.Index(base, "\r\n")+2 : len(base)-2] // the bulk string's bytes
	hdr = base[:hllHdrSize]
	cut = hdr + hllZeros(64) + hllZeros(64) + hllZeros(64) + hllZeros(63) + "\x7f"
	return base, hdr, cut
}

// hllZeros is the sparse opcode for n zero registers.
func hllZeros(n int) string { return string(hllAppendZeros(nil, n)) }

// Corrupted sparse data (a value taken from GET, then tampered with and
// SET back) reads as Redis reads it: counted only if its opcodes cover
// exactly the 16384 registers; updated where an update finds its
// register; an error where it does not, or where the HLL must turn dense.
func TestHLL_Corrupted(t *testing.T) {
	e := hllE
	base, hdr, cut := hllCorruptionBases(t)
	zeros := hllZeros
	hllScripts(t, map[string][][]string{
		"too many registers": {
			{"SET", "k", base + "\x00"}, {"PFCOUNT", "k"}, {"OBJECT", "ENCODING", "k"},
			{"PFADD", "k", e(20, 2)},  // in range: updated
			{"PFADD", "k", e(20, 40)}, // must turn dense: cannot
			{"PFCOUNT", "k"}, {"PFCOUNT", "k", "nokey"}, {"PFMERGE", "d", "k"}, {"EXISTS", "d"},
			{"SET", "k2", hdr + zeros(16384) + "\x80"}, {"PFADD", "k2", e(16383, 1)}, {"PFCOUNT", "k2"},
			// A VAL run past the last register: refused before it is read.
			{"SET", "k3", hdr + zeros(16383) + "\x83"}, {"PFCOUNT", "k3"}, {"PFCOUNT", "k3", "nokey"}, {"PFMERGE", "d", "k3"},
			{"PFADD", "k3", e(16383, 2)}, {"PFADD", "k3", e(0, 40)}, {"PFMERGE", "k3", "k3"},
			{"SET", "k4", hdr + zeros(16380) + zeros(5)}, {"PFCOUNT", "k4"}, {"PFMERGE", "d", "k4"}, {"PFADD", "k4", e(16383, 40)},
		},
		"too few registers": {
			{"SET", "k", base[:len(base)-2]}, {"PFCOUNT", "k"},
			{"PFADD", "k", e(16383, 1)}, // past the end
			{"PFADD", "k", e(3, 1)},     // found
			// The first changes, the second fails: the change stays,
			// unsignaled, and the replica gets it.
			{"PFADD", "k", e(4, 2), e(16383, 2)}, {"PFADD", "k", e(16383, 2), e(5, 2)},
			{"SET", "e", hdr}, {"PFADD", "e", "a"}, {"PFCOUNT", "e"}, {"PFMERGE", "d", "e"},
			{"SET", "one", hdr + "\x00"}, {"PFADD", "one", e(0, 3)}, {"PFADD", "one", e(1, 3)}, {"PFCOUNT", "one"},
		},
		"cut xzero": {
			{"SET", "k", cut}, {"PFCOUNT", "k"},
			// Split: its replacement's last byte lands past the end,
			// where the next read finds it: 16384 registers again.
			{"PFADD", "k", e(1000, 1)}, {"PFCOUNT", "k"}, {"PFADD", "k", e(2000, 2)}, {"PFCOUNT", "k"},
			{"SET", "k2", cut}, {"PFADD", "k2", e(255, 2)}, {"PFCOUNT", "k2"},
			{"SET", "k3", hdr + "\x40"}, {"PFADD", "k3", e(0, 2)}, {"PFCOUNT", "k3"}, // an XZERO of one
			{"SET", "k4", cut}, {"PFADD", "k4", e(300, 40)}, {"PFCOUNT", "k4"}, // turns dense
			{"SET", "k5", hdr + zeros(64) + "\x7f"}, {"PFADD", "k5", e(100, 1)}, {"PFADD", "k5", e(16383, 1)},
		},
		"odd but valid": {
			// Non-canonical opcodes and header bytes Redis keeps.
			{"SET", "k", "HYLL\x01\xaa\xbb\xcc\x00\x00\x00\x00\x00\x00\x00\x80" + zeros(10) + zeros(10) + "\x80\x80\x80\x80\x80" + zeros(16384-25)},
			{"PFCOUNT", "k"}, {"PFADD", "k", e(22, 1)}, {"PFADD", "k", e(12, 1)}, {"PFADD", "k", e(30, 40)}, {"PFCOUNT", "k"},
			{"SET", "v", string(hllHeader(hllSparse, hllStale)) + "\x83\x83" + zeros(16384-8)}, {"PFADD", "v", e(1, 1)},
			{"PFADD", "v", e(5, 1)}, {"PFCOUNT", "v"}, {"PFMERGE", "v2", "v"}, {"PFMERGE", "v", "v2"},
		},
		"dense": {
			{"SET", "d", hllDenseOf(0, func(i int) uint8 { return uint8(i % 64) })}, {"PFCOUNT", "d"}, // a valid cache of 0
			{"PFADD", "d", e(0, 5), e(1, 1)}, {"PFCOUNT", "d"}, {"PFMERGE", "m", "d"}, {"PFCOUNT", "m"},
		},
	})
}

// PFCOUNT's cache refresh reaches the replica as an effect; a client read
// served by a replica answers without writing.
func TestHLL_Effects(t *testing.T) {
	table, db := NewTable(), New()
	run := func(argv []string, replay, replicaRead bool) (string, []string) {
		w := resp.NewWriter(2)
		c := &Call{Argv: toBytes(argv), Out: w, Now: 1, Replay: replay, ReadOnlyReplica: replicaRead}
		table.Exec(db, c)
		var effs []string
		for _, e := range c.Effects() {
			effs = append(effs, string(bytes.Join(e, []byte(" "))))
		}
		return string(w.Bytes()), effs
	}
	for _, tc := range []struct {
		argv  []string
		reply string
		effs  []string
	}{
		{[]string{"PFADD", "h", "a", "b"}, ":1\r\n", []string{"PFADD h a b"}},
		{[]string{"PFADD", "h", "a"}, ":0\r\n", nil},
		{[]string{"PFCOUNT", "h"}, ":2\r\n", []string{"PFCOUNT h"}},
		{[]string{"PFCOUNT", "h"}, ":2\r\n", nil}, // cached
		{[]string{"PFCOUNT", "h", "x"}, ":2\r\n", nil},
		{[]string{"PFMERGE", "m", "h"}, "+OK\r\n", []string{"PFMERGE m h"}},
	} {
		reply, effs := run(tc.argv, false, false)
		if reply != tc.reply || strings.Join(effs, "|") != strings.Join(tc.effs, "|") {
			t.Errorf("%q: %q with effects %q, want %q with %q", tc.argv, reply, effs, tc.reply, tc.effs)
		}
	}
	before := string(db.Raw("m").Value.([]byte))
	if reply, effs := run([]string{"PFCOUNT", "m"}, false, true); reply != ":2\r\n" || effs != nil {
		t.Errorf("PFCOUNT on a replica: %q, effects %q", reply, effs)
	}
	if after := string(db.Raw("m").Value.([]byte)); after != before {
		t.Errorf("PFCOUNT on a replica wrote the cache: %q, was %q", after, before)
	}
	if reply, effs := run([]string{"PFCOUNT", "m"}, true, false); reply != ":2\r\n" || effs != nil {
		t.Errorf("replayed PFCOUNT: %q, effects %q", reply, effs)
	}
	if after := string(db.Raw("m").Value.([]byte)); after[hllStaleByte]&hllStaleBit != 0 {
		t.Errorf("replayed PFCOUNT left the cache stale: %q", after)
	}
}

// Random PFADD batches over a few keys, small and large, with PFCOUNT and
// PFMERGE among them: every reply and, after each command, GET of its
// keys compared with redis-server; ~100,000 elements in all; the replica
// checked at the end.
func TestHLL_Random(t *testing.T) {
	for _, max := range []int64{3000, 300} {
		t.Run(fmt.Sprint("max", max), func(t *testing.T) {
			h := newHarness(t)
			hllSparseMax(t, h, max)
			r := rand.New(rand.NewPCG(uint64(max), 7))
			keys := []string{"h0", "h1", "h2", "h3"}
			key := func() string { return keys[r.IntN(len(keys))] }
			total, cmds := 0, 0
			defer func() { t.Logf("%d commands, %d elements", cmds, total) }()
			for ; total < 50_000; cmds++ {
				var argv []string
				switch x := r.IntN(20); {
				case x < 14:
					k := key()
					n := []int{1, 1, 1, 2, 3, 5, 10, 20, 50, 100}[r.IntN(10)]
					if r.IntN(40) == 0 {
						n = 1000 + r.IntN(2000)
					}
					if k == "h0" && n > 10 { // h0 stays small: sparse
						n = 3
					}
					argv = []string{"PFADD", k}
					for range n {
						// Repeats, and now and then a large value.
						if r.IntN(200) == 0 {
							argv = append(argv, hllElem(r.IntN(hllRegisters), 33+r.IntN(19)))
						} else {
							argv = append(argv, fmt.Sprint("e", r.IntN(40_000)))
						}
					}
					total += n
				case x < 17:
					argv = append([]string{"PFCOUNT"}, keys[:1+r.IntN(2)]...)
					if r.IntN(2) == 0 {
						argv = []string{"PFCOUNT", key()}
					}
				case x < 19:
					argv = []string{"PFMERGE", key(), key(), key()}
					if argv[1] == "h0" {
						argv[1] = "m"
					}
				default:
					argv = []string{"DEL", keys[1+r.IntN(3)]}
				}
				h.diff(argv...)
				for _, k := range argv[1:] {
					if strings.HasPrefix(k, "h") || k == "m" {
						h.diff("GET", k)
					}
				}
			}
			h.checkReplica()
		})
	}
}

// FuzzHLL stores arbitrary bytes as a key's value and runs PFCOUNT, PFADD
// and PFMERGE on it: the engine must not panic, must answer or refuse with
// Redis's errors only, must answer as redis-server does (replies and the
// bytes left behind), and its replica must follow. ops picks the elements
// PFADD adds, three bytes each: a register and a value.
func FuzzHLL(f *testing.F) {
	seeds := [][]byte{}
	table, db := NewTable(), New()
	for i, argv := range [][]string{
		{"PFADD", "a"}, {"PFADD", "b", "x", "y", "z", hllElem(5, 3), hllElem(6, 3)},
		{"PFADD", "c", hllElem(9, 40)}, {"PFMERGE", "d", "b"},
	} {
		table.Exec(db, &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: int64(i)})
		seeds = append(seeds, db.Raw(argv[1]).Value.([]byte))
	}
	big := []string{"PFADD", "e"}
	for i := range 800 {
		big = append(big, fmt.Sprint(i))
	}
	table.Exec(db, &Call{Argv: toBytes(big), Out: resp.NewWriter(2), Now: 9})
	seeds = append(seeds, db.Raw("e").Value.([]byte), []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"))
	for _, s := range seeds {
		f.Add(s, []byte{0x03, 0xe8, 0x02, 0x3f, 0xff, 0x01})
		f.Add(s, []byte{0x00, 0x05, 0x21})
		f.Add(s, []byte{})
	}
	f.Fuzz(func(t *testing.T, value, ops []byte) {
		h := newHarness(t)
		var elems []string
		for i := 0; i+3 <= len(ops) && len(elems) < 8; i += 3 {
			index := int(binary.BigEndian.Uint16(ops[i:])) % hllRegisters
			elems = append(elems, hllElem(index, 1+int(ops[i+2])%51))
		}
		allowed := func(reply []byte) bool {
			return !bytes.HasPrefix(reply, []byte("-")) || string(reply) == "-"+errHLLInvalid+"\r\n" ||
				string(reply) == "-"+errHLLNotAnHLL+"\r\n"
		}
		h.diff("SET", "k", string(value))
		h.diff("PFADD", "d", "a", "b")
		for _, argv := range [][]string{
			{"PFCOUNT", "k"}, {"GET", "k"}, append([]string{"PFADD", "k"}, elems...), {"GET", "k"}, {"PFCOUNT", "k"},
			{"GET", "k"}, {"PFCOUNT", "k", "d"}, {"PFMERGE", "d", "k"}, {"GET", "d"}, {"PFMERGE", "k", "d"}, {"GET", "k"},
			{"PFADD", "k", "x"}, {"GET", "k"}, {"PFCOUNT", "k"},
		} {
			if got := h.diff(argv...); !allowed(got) {
				t.Fatalf("%q: %q", argv, got)
			}
		}
		h.checkReplica()
	})
}
