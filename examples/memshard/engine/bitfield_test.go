package engine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// BITFIELD and BITFIELD_RO against redis-server: every reply byte for
// byte, and the key's value (GET) after every command.

// bitfieldRun runs each script in both protocols, diffing every command,
// then GET of its key, and checking the replica built from the effects.
func bitfieldRun(t *testing.T, scripts map[string]keysScript) {
	t.Helper()
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				for _, argv := range script {
					bitfieldDiff(h, argv...)
				}
			})
		})
	}
}

// bitfieldDiff diffs argv, then GET of its key, and checks the replica.
func bitfieldDiff(h *harness, argv ...string) {
	h.t.Helper()
	h.diff(argv...)
	if len(argv) > 1 {
		h.diff("GET", argv[1])
	}
	h.checkReplica()
}

// bitfieldTypes are every type BITFIELD accepts.
func bitfieldTypes() []string {
	var types []string
	for w := 1; w <= 64; w++ {
		types = append(types, "i"+strconv.Itoa(w))
		if w < 64 {
			types = append(types, "u"+strconv.Itoa(w))
		}
	}
	return types
}

// bitfieldLimits returns the smallest and largest value of a type, in
// decimal (0 and 1 for a malformed one).
func bitfieldLimits(typ string) (lo, hi string) {
	w, _ := strconv.Atoi(typ[1:])
	if w < 1 || w > 64 {
		return "0", "1"
	}
	if typ[0] == 'u' {
		return "0", strconv.FormatUint(1<<w-1, 10)
	}
	max := int64(uint64(1)<<(w-1) - 1)
	return strconv.FormatInt(-max-1, 10), strconv.FormatInt(max, 10)
}

func TestBitfield_Widths(t *testing.T) {
	pattern := "\xa5\x5a\xff\x00\x12\x34\x56\x78\x9a\xbc\xde\xf0\x0f\x81"
	keysEachProto(t, func(t *testing.T, h *harness) {
		for _, typ := range bitfieldTypes() {
			lo, hi := bitfieldLimits(typ)
			h.diff("SET", "k", pattern)
			// Byte-aligned, unaligned, and in units of the width.
			for _, off := range []string{"0", "8", "3", "13", "#1", "#2"} {
				h.diff("BITFIELD", "k", "GET", typ, off)
			}
			for _, off := range []string{"0", "5", "17", "#1"} {
				for _, v := range []string{hi, lo, "1", "-1", "12345678901"} {
					bitfieldDiff(h, "BITFIELD", "k", "SET", typ, off, v, "GET", typ, off)
				}
			}
		}
	})
}

func TestBitfield_Basics(t *testing.T) {
	bitfieldRun(t, map[string]keysScript{
		"set returns the old value": {
			{"BITFIELD", "k", "SET", "u8", "0", "200"}, {"BITFIELD", "k", "SET", "u8", "0", "100"},
			{"BITFIELD", "k", "SET", "i8", "0", "-1"}, {"BITFIELD", "k", "SET", "i8", "0", "5", "SET", "i8", "0", "6"},
			{"BITFIELD", "k", "SET", "u4", "4", "15", "GET", "u8", "0", "SET", "i4", "2", "-3", "GET", "i8", "0"},
			{"BITFIELD", "k", "INCRBY", "u8", "0", "1", "GET", "u8", "0", "INCRBY", "i3", "1", "-2"},
			{"bitfield", "k", "get", "u8", "0", "Set", "U8", "0", "1"},
			{"bitfield", "k", "get", "u8", "0", "Set", "u8", "0", "1", "incrBY", "u8", "0", "1", "GeT", "u8", "0"},
		},
		"hash offsets": {
			{"BITFIELD", "k", "SET", "u8", "#0", "1", "SET", "u8", "#1", "2", "SET", "u8", "#3", "4"},
			{"BITFIELD", "k", "GET", "u8", "#0", "GET", "u8", "#1", "GET", "u8", "#2", "GET", "u8", "#3", "GET", "u8", "#9"},
			{"BITFIELD", "k", "SET", "i5", "#3", "-7", "GET", "i5", "#3", "GET", "u5", "#3", "GET", "u15", "#1"},
			{"BITFIELD", "k", "INCRBY", "u3", "#7", "5", "INCRBY", "u3", "#7", "5"},
			{"BITFIELD", "k", "SET", "i64", "#1", "-2", "GET", "i64", "#1", "GET", "u63", "#1"},
			{"BITFIELD", "k", "GET", "u8", "#-0"}, {"BITFIELD", "k", "GET", "u8", "#-1"}, {"BITFIELD", "k", "GET", "u8", "#"},
			{"BITFIELD", "k", "GET", "u8", "##1"}, {"BITFIELD", "k", "GET", "u8", "# 1"}, {"BITFIELD", "k", "GET", "u8", "#+1"},
			{"BITFIELD", "k", "GET", "u8", "1#"}, {"BITFIELD", "k", "GET", "u8", "#01"},
		},
		"several overflows in one command": {
			{"BITFIELD", "k", "SET", "u8", "0", "250", "INCRBY", "u8", "0", "10", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "250",
				"OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "1"},
			{"BITFIELD", "k", "OVERFLOW", "FAIL", "OVERFLOW", "SAT", "INCRBY", "i8", "8", "200", "OVERFLOW", "fail",
				"INCRBY", "i8", "8", "1", "GET", "i8", "8", "overflow", "wrap", "INCRBY", "i8", "8", "1", "GET", "u8", "8"},
			{"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i4", "16", "100", "SET", "u4", "20", "-1",
				"OVERFLOW", "FAIL", "SET", "i4", "16", "100", "SET", "u4", "20", "-1", "SET", "u4", "20", "3", "OVERFLOW", "WRAP",
				"SET", "i4", "16", "100", "SET", "u4", "20", "-1"},
			{"BITFIELD", "k", "INCRBY", "u2", "30", "1", "OVERFLOW", "SAT"}, // a trailing OVERFLOW applies to nothing
		},
		"growing and reading past the end": {
			{"BITFIELD", "k", "GET", "u8", "0", "GET", "i64", "1000"}, {"EXISTS", "k"},
			{"BITFIELD", "k", "SET", "u1", "0", "1"}, {"STRLEN", "k"},
			{"BITFIELD", "k", "SET", "u8", "20", "255"}, {"STRLEN", "k"},
			{"BITFIELD", "k", "GET", "u16", "16", "GET", "i64", "20", "GET", "u63", "1", "GET", "i64", "100000"},
			{"BITFIELD", "k", "INCRBY", "i16", "100", "-1"}, {"STRLEN", "k"},
			{"BITFIELD", "k", "SET", "u8", "200", "0"}, {"STRLEN", "k"}, // unchanged field, yet grown
			{"BITFIELD", "k", "SET", "u8", "0", "128", "GET", "u8", "0", "GET", "u8", "1000", "SET", "u8", "1000", "7"},
			{"SET", "e", ""}, {"BITFIELD", "e", "GET", "u8", "0"}, {"BITFIELD", "e", "INCRBY", "u8", "0", "0"}, {"GET", "e"},
			{"SET", "n", "12"}, {"BITFIELD", "n", "GET", "u16", "0", "GET", "u8", "12"}, {"OBJECT", "ENCODING", "n"},
			{"BITFIELD", "n", "SET", "u8", "8", "50"}, {"OBJECT", "ENCODING", "n"},
			{"SET", "n", "12"}, {"BITFIELD", "n", "OVERFLOW", "FAIL", "SET", "u8", "0", "999"}, {"OBJECT", "ENCODING", "n"},
			{"SET", "n", "12"}, {"BITFIELD", "n", "GET", "u8", "0"}, {"OBJECT", "ENCODING", "n"},
		},
		"missing key": {
			{"BITFIELD", "m", "GET", "i8", "0"}, {"EXISTS", "m"},
			{"BITFIELD", "m"}, {"EXISTS", "m"},
			{"BITFIELD", "m", "OVERFLOW", "FAIL"}, {"EXISTS", "m"},
			{"BITFIELD", "m", "INCRBY", "u8", "17", "0"}, {"STRLEN", "m"},
			{"DEL", "m"}, {"BITFIELD", "m", "SET", "i8", "3", "-1", "GET", "u8", "0"}, {"STRLEN", "m"},
		},
		"failed writes still create and grow": {
			// Redis makes room for every write before running any.
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"}, {"EXISTS", "f"}, {"STRLEN", "f"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "40", "256"}, {"STRLEN", "f"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "40", "256"}, {"STRLEN", "f"},
			{"SET", "g", "ab"}, {"BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-200", "SET", "u4", "100", "16"},
			{"BITFIELD", "g", "GET", "u8", "0", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000", "INCRBY", "u8", "0", "1"},
		},
		"wrongtype": {
			{"RPUSH", "l", "a"}, {"BITFIELD", "l", "GET", "u8", "0"}, {"BITFIELD", "l", "SET", "u8", "0", "1"},
			{"BITFIELD", "l"}, {"BITFIELD_RO", "l", "GET", "u8", "0"}, {"BITFIELD_RO", "l", "SET", "u8", "0", "1"},
			{"BITFIELD", "l", "GET", "x8", "0"}, {"BITFIELD_RO", "l"},
		},
		"bitfield_ro": {
			{"SET", "k", "\x01\x02\x03\xff"},
			{"BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "#3", "GET", "i32", "7", "GET", "u16", "24"},
			{"BITFIELD_RO", "k"}, {"BITFIELD_RO", "m", "GET", "u8", "0"}, {"EXISTS", "m"},
			{"BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"}, {"BITFIELD_RO", "k", "OVERFLOW", "BAD", "GET", "u8", "0"},
			{"BITFIELD_RO", "k", "SET", "u8", "0", "1"}, {"BITFIELD_RO", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "1"},
			{"BITFIELD_RO", "m", "SET", "u8", "0", "1"}, {"EXISTS", "m"},
			{"BITFIELD_RO", "k", "SET", "u8", "0", "x"}, {"BITFIELD_RO", "k", "SET", "u8", "0"}, {"BITFIELD_RO", "k", "GET", "u64", "0"},
			{"bitfield_ro", "k", "get", "u8", "0"}, {"BITFIELD_RO"},
		},
	})
}

func TestBitfield_Overflow(t *testing.T) {
	big := []string{"1", "-1", "2", "-2", "0", "100", "-100", "256", "-256", "9223372036854775807", "-9223372036854775808",
		"4611686018427387904", "-4611686018427387904", "4611686018427387903", "-4611686018427387905"}
	for _, typ := range []string{"i8", "u8", "i16", "u16", "i63", "u63", "i64", "i1", "u1", "i2", "u2", "i32", "u32"} {
		t.Run(typ, func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				lo, hi := bitfieldLimits(typ)
				for _, mode := range []string{"WRAP", "SAT", "FAIL"} {
					for _, start := range []string{lo, hi, "0", "-1", "1"} {
						for _, incr := range big {
							// At an unaligned offset past a first byte
							// that stays, with a GET of the field after.
							h.diff("SET", "k", "\xff")
							bitfieldDiff(h, "BITFIELD", "k", "SET", typ, "3", start, "OVERFLOW", mode,
								"INCRBY", typ, "3", incr, "GET", typ, "3")
						}
					}
					// SET of values outside the type.
					for _, v := range append(big, lo, hi) {
						bitfieldDiff(h, "BITFIELD", "k", "OVERFLOW", mode, "SET", typ, "5", v, "GET", typ, "5")
					}
				}
			})
		})
	}
}

func TestBitfield_Errors(t *testing.T) {
	bitfieldRun(t, map[string]keysScript{
		"types": {
			{"SET", "k", "abc"},
			{"BITFIELD", "k", "GET", "u64", "0"}, {"BITFIELD", "k", "GET", "i65", "0"}, {"BITFIELD", "k", "GET", "i0", "0"},
			{"BITFIELD", "k", "GET", "u0", "0"}, {"BITFIELD", "k", "GET", "I8", "0"}, {"BITFIELD", "k", "GET", "U8", "0"},
			{"BITFIELD", "k", "GET", "8", "0"}, {"BITFIELD", "k", "GET", "", "0"}, {"BITFIELD", "k", "GET", "i", "0"},
			{"BITFIELD", "k", "GET", "i-8", "0"}, {"BITFIELD", "k", "GET", "i+8", "0"}, {"BITFIELD", "k", "GET", "i08", "0"},
			{"BITFIELD", "k", "GET", "i8 ", "0"}, {"BITFIELD", "k", "GET", "i8\x00junk", "0"},
			{"BITFIELD", "k", "SET", "u8\x00", "0", "1"}, {"BITFIELD", "k", "GET", "i99999999999999999999999", "0"},
			{"BITFIELD", "k", "GET", "u63", "0", "GET", "i64", "0"},
		},
		"offsets": {
			{"SET", "k", "abc"},
			{"BITFIELD", "k", "GET", "u8", "-1"}, {"BITFIELD", "k", "GET", "u8", "x"}, {"BITFIELD", "k", "GET", "u8", ""},
			{"BITFIELD", "k", "GET", "u8", "1.5"}, {"BITFIELD", "k", "GET", "u8", " 1"}, {"BITFIELD", "k", "GET", "u8", "01"},
			{"BITFIELD", "k", "GET", "u8", "1\x00"},
			// proto-max-bulk-len: 512 MB, so bits below 4294967296.
			{"BITFIELD", "k", "GET", "u8", "4294967295"}, {"BITFIELD", "k", "GET", "i64", "4294967295"},
			{"BITFIELD", "k", "GET", "u8", "4294967296"}, {"BITFIELD", "k", "SET", "u8", "4294967296", "1"},
			{"BITFIELD", "k", "GET", "u8", "#536870911"}, {"BITFIELD", "k", "GET", "u8", "#536870912"},
			{"BITFIELD", "k", "GET", "i64", "#67108864"},
			{"BITFIELD", "k", "GET", "u8", "9223372036854775807"}, {"BITFIELD", "k", "GET", "u8", "9223372036854775808"},
			// "#n" times the width wraps as a long long does, before the check.
			{"BITFIELD", "k", "GET", "u8", "#1152921504606846976"}, {"BITFIELD", "k", "GET", "u8", "#2305843009213693953"},
			{"BITFIELD", "k", "SET", "u8", "#2305843009213693953", "66"}, {"BITFIELD", "k", "GET", "i64", "#144115188075855873"},
			{"BITFIELD", "k", "GET", "u3", "#6148914691236517206"},
		},
		"values": {
			{"SET", "k", "abc"},
			{"BITFIELD", "k", "SET", "u8", "0", "x"}, {"BITFIELD", "k", "INCRBY", "u8", "0", "1.0"},
			{"BITFIELD", "k", "SET", "u8", "0", "9223372036854775808"}, {"BITFIELD", "k", "INCRBY", "i8", "0", ""},
			{"BITFIELD", "k", "SET", "u8", "0", "-9223372036854775809"}, {"BITFIELD", "k", "SET", "u8", "0", "+1"},
		},
		"syntax": {
			{"SET", "k", "abc"},
			{"BITFIELD", "k", "GET"}, {"BITFIELD", "k", "GET", "u8"}, {"BITFIELD", "k", "SET", "u8", "0"},
			{"BITFIELD", "k", "INCRBY", "u8", "0"}, {"BITFIELD", "k", "OVERFLOW"}, {"BITFIELD", "k", "FOO"},
			{"BITFIELD", "k", "GET", "u8", "0", "0"}, {"BITFIELD", "k", "GETX", "u8", "0"}, {"BITFIELD", "k", "GET\x00x", "u8", "0"},
			{"BITFIELD", "k", "OVERFLOW", "WRAPX"}, {"BITFIELD", "k", "OVERFLOW", "sat\x00x", "INCRBY", "u8", "0", "1000"},
			{"BITFIELD", "k", "OVERFLOW", ""}, {"BITFIELD", "k", "OVERFLOW", "GET", "u8", "0"},
			{"BITFIELD", "k", "SET", "u8", "0", "1", "GET"}, {"BITFIELD"},
		},
		"order of checks": {
			// Parsed left to right; each operation's type, then offset,
			// then value; the key only after all of them; nothing runs.
			{"SET", "k", "abc"},
			{"BITFIELD", "k", "SET", "u8", "0", "1", "GET", "x8", "0"},
			{"BITFIELD", "k", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "x", "GET", "u64", "0"},
			{"BITFIELD", "k", "GET", "u64", "-1"}, {"BITFIELD", "k", "SET", "u8", "-1", "x"},
			{"BITFIELD", "k", "SET", "u64", "x", "y"}, {"BITFIELD", "k", "SET", "u8", "0", "x", "FOO"},
			{"BITFIELD", "k", "OVERFLOW", "BAD", "GET", "u64", "0"}, {"BITFIELD", "k", "GET", "u64", "0", "OVERFLOW", "BAD"},
			{"BITFIELD", "k", "SET", "u8", "0", "1", "FOO"}, {"BITFIELD", "k", "FOO", "SET", "u8", "0", "x"},
			{"BITFIELD", "k", "INCRBY", "u8", "0", "1", "OVERFLOW"},
			{"BITFIELD", "nokey", "SET", "u8", "0", "1", "GET", "u99", "0"}, {"EXISTS", "nokey"},
			{"RPUSH", "l", "a"}, {"BITFIELD", "l", "SET", "u8", "0", "1", "GET", "u64", "0"},
			{"BITFIELD_RO", "l", "SET", "u8", "0", "1", "GET", "u64", "0"}, {"BITFIELD_RO", "l", "SET", "u8", "0", "1"},
			{"BITFIELD_RO", "k", "SET", "u8", "x", "1"},
		},
	})
}

// TestBitfield_Effects checks what a BITFIELD propagates, how many
// changes it counts (INFO's rdb_changes_since_last_save) and whether it
// signals WATCH, all against redis-server.
func TestBitfield_Effects(t *testing.T) {
	h := newHarness(t)
	watch := h.redis // a second connection changes the key under WATCH
	other := redisdiff.Dial(t, redisServer.Addr)
	touched := map[string]bool{}
	h.db.SetModifiedHook(func(key string) { touched[key] = true })
	for _, tc := range []struct {
		setup     []string
		argv      []string
		propagate bool
	}{
		{nil, []string{"BITFIELD", "k", "GET", "u8", "0"}, false},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "GET", "u8", "0", "GET", "i4", "3"}, false},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "0", "97"}, false},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "0", "98"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "0", "98", "INCRBY", "u8", "8", "1", "SET", "u8", "0", "98"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "16", "0"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "16", "0", "SET", "u8", "0", "97"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"}, false},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "8", "-100", "INCRBY", "u8", "0", "1"}, true},
		{nil, []string{"BITFIELD", "k", "SET", "i8", "0", "0"}, true},
		{nil, []string{"BITFIELD", "k", "INCRBY", "i8", "0", "5", "INCRBY", "i8", "8", "5"}, true},
		// Created or grown though every write failed: Redis propagates
		// nothing (its replicas miss the zeros); memshard propagates it.
		{nil, []string{"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "40", "300"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u8", "99"}, true},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD_RO", "k", "GET", "u8", "0"}, false},
		{[]string{"SET", "k", "ab"}, []string{"BITFIELD", "k", "GET", "x", "0", "SET", "u8", "0", "1"}, false},
	} {
		h.diff("DEL", "k")
		if tc.setup != nil {
			h.diff(tc.setup...)
		}
		// Redis: WATCH, the command on another connection, then an EXEC
		// that fails if the key was signalled.
		watch.Do("WATCH", "k")
		r0 := redisChanges(t, watch)
		want := other.Do(tc.argv...)
		r1 := redisChanges(t, watch)
		watch.Do("MULTI")
		watch.Do("PING")
		redisSignalled := string(watch.Do("EXEC")) == "*-1\r\n"

		clear(touched)
		e0 := h.db.Changes()
		w := resp.NewWriter(2)
		c := &Call{Argv: toBytes(tc.argv), Out: w, Now: keysNow()}
		h.table.Exec(h.db, c)
		if got := w.Bytes(); string(got) != string(want) {
			t.Errorf("%q: reply %q, redis-server %q", tc.argv, got, want)
		}
		if e1 := h.db.Changes(); e1-e0 != r1-r0 {
			t.Errorf("%q: %d changes counted, redis-server %d", tc.argv, e1-e0, r1-r0)
		}
		if touched["k"] != redisSignalled {
			t.Errorf("%q: WATCH signalled %v, redis-server %v", tc.argv, touched["k"], redisSignalled)
		}
		effects := c.Effects()
		if tc.propagate != (len(effects) == 1 && strings.Join(toStrings(effects[0]), " ") == strings.Join(tc.argv, " ")) || len(effects) > 1 {
			t.Errorf("%q: effects %q, want it propagated as sent: %v", tc.argv, effects, tc.propagate)
		}
		h.diff("GET", "k")
	}
}

// redisChanges returns redis-server's rdb_changes_since_last_save.
func redisChanges(t *testing.T, r *redisdiff.Conn) uint64 {
	t.Helper()
	info := string(r.Do("INFO", "persistence"))
	_, rest, ok := strings.Cut(info, "rdb_changes_since_last_save:")
	if !ok {
		t.Fatalf("INFO persistence: %q", info)
	}
	v, _, _ := strings.Cut(rest, "\r\n")
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func toStrings(argv [][]byte) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out
}

// TestBitfield_Random runs thousands of random BITFIELD commands, a few
// malformed, on a few keys, comparing the reply and the value after each.
func TestBitfield_Random(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(20240611, 7))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	types := bitfieldTypes()
	typ := func() string {
		if r.IntN(3) == 0 {
			return pick("i1", "u1", "i8", "u8", "i16", "u16", "i63", "u63", "i64")
		}
		if r.IntN(60) == 0 {
			return pick("u64", "i0", "x8", "i65")
		}
		return types[r.IntN(len(types))]
	}
	offset := func() string {
		switch r.IntN(30) {
		case 0:
			return pick("-1", "x", "4294967296")
		case 1, 2, 3, 4:
			return "#" + strconv.Itoa(r.IntN(8))
		}
		return strconv.Itoa(r.IntN(120))
	}
	value := func(t string) string {
		lo, hi := bitfieldLimits(t)
		switch r.IntN(8) {
		case 0:
			return pick(lo, hi)
		case 1:
			return pick("9223372036854775807", "-9223372036854775808", "-1", "1")
		case 2:
			return strconv.FormatInt(int64(r.Uint64()), 10)
		}
		if r.IntN(100) == 0 {
			return "x"
		}
		return strconv.Itoa(r.IntN(600) - 300)
	}
	keys := []string{"r0", "r1", "r2"}
	for i := range 3000 {
		key := keys[r.IntN(len(keys))]
		switch r.IntN(40) {
		case 0:
			h.diff("DEL", key)
			continue
		case 1:
			h.diff("SET", key, pick("", "abc", "123", "\xff\xff\xff\xff\xff\xff\xff\xff\xff", strings.Repeat("\x80", 20)))
			continue
		}
		name := "BITFIELD"
		if r.IntN(6) == 0 {
			name = "BITFIELD_RO"
		}
		argv := []string{name, key}
		for range r.IntN(5) {
			t := typ()
			switch r.IntN(7) {
			case 0, 1:
				argv = append(argv, "GET", t, offset())
			case 2:
				argv = append(argv, "SET", t, offset(), value(t))
			case 3, 4:
				argv = append(argv, "INCRBY", t, offset(), value(t))
			default:
				argv = append(argv, "OVERFLOW", pick("WRAP", "SAT", "FAIL", "fail", "sat"))
			}
		}
		h.diff(argv...)
		h.diff("GET", key)
		if i%100 == 0 {
			h.checkReplica()
		}
		if h.t.Failed() {
			t.Fatalf("after %d commands, last %q", i+1, fmt.Sprint(argv))
		}
	}
	h.checkReplica()
}
