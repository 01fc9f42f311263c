package engine

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestList_Commands(t *testing.T) {
	hashRunScripts(t, []hashScript{
		{"push and range", [][]string{
			{"LPUSH", "l", "a"}, {"LPUSH", "l", "b", "c"}, {"RPUSH", "l", "x", "y"}, {"LRANGE", "l", "0", "-1"},
			{"LLEN", "l"}, {"LLEN", "nokey"},
			{"RPUSH", "bin", "a\x00b", "\r\n", ""}, {"LRANGE", "bin", "0", "-1"}, {"LINDEX", "bin", "1"},
			{"LPUSHX", "nokey", "a"}, {"RPUSHX", "nokey", "a", "b"}, {"LPUSHX", "l", "p1", "p2"}, {"RPUSHX", "l", "r1"},
			{"LRANGE", "l", "0", "-1"}, {"LRANGE", "nokey", "0", "-1"},
			{"LRANGE", "l", "1", "3"}, {"LRANGE", "l", "-3", "-1"}, {"LRANGE", "l", "-100", "2"}, {"LRANGE", "l", "5", "100"},
			{"LRANGE", "l", "3", "1"}, {"LRANGE", "l", "100", "200"}, {"LRANGE", "l", "0", "-100"}, {"LRANGE", "l", "-1", "-1"},
			{"LRANGE", "l", "-9223372036854775808", "9223372036854775807"}, {"LRANGE", "l", "x", "1"}, {"LRANGE", "l", "0", "1.0"},
			{"LRANGE", "l", "0", "9223372036854775808"}, {"LRANGE", "nokey", "x", "1"},
		}},
		{"pop", [][]string{
			{"RPUSH", "l", "a", "b", "c", "d", "e", "f"},
			{"LPOP", "l"}, {"RPOP", "l"}, {"LPOP", "l", "2"}, {"RPOP", "l", "1"}, {"LPOP", "l", "0"}, {"RPOP", "l", "0"},
			{"LRANGE", "l", "0", "-1"}, {"RPOP", "l", "10"}, {"LLEN", "l"}, {"LPOP", "l"}, {"LPOP", "l", "1"}, {"RPOP", "l", "0"},
			{"RPUSH", "m", "a", "b", "c"}, {"LPOP", "m", "-1"}, {"LPOP", "m", "x"}, {"RPOP", "m", "1", "2"}, {"LPOP", "m", "1.5"},
			{"LPOP", "nokey", "-1"}, {"LPOP", "nokey", "0"}, {"RPOP", "nokey"}, {"LPOP", "m", "9223372036854775807"},
			{"RPUSH", "n", "x"}, {"RPOP", "n"}, {"LLEN", "n"}, {"LPOP"}, {"RPOP", "m", "1", "2", "3"},
		}},
		{"lindex lset", [][]string{
			{"RPUSH", "l", "a", "b", "c"}, {"LINDEX", "l", "0"}, {"LINDEX", "l", "-1"}, {"LINDEX", "l", "-3"}, {"LINDEX", "l", "3"},
			{"LINDEX", "l", "-4"}, {"LINDEX", "l", "x"}, {"LINDEX", "nokey", "0"}, {"LINDEX", "nokey", "x"},
			{"LSET", "l", "0", "A"}, {"LSET", "l", "-1", "C"}, {"LSET", "l", "3", "x"}, {"LSET", "l", "-4", "x"}, {"LSET", "l", "x", "x"},
			{"LSET", "nokey", "0", "x"}, {"LSET", "nokey", "x", "x"}, {"LRANGE", "l", "0", "-1"},
			{"LINDEX", "l", "9223372036854775807"}, {"LINDEX", "l", "-9223372036854775808"},
		}},
		{"linsert", [][]string{
			{"RPUSH", "l", "a", "b", "c", "b"}, {"LINSERT", "l", "BEFORE", "b", "x"}, {"LINSERT", "l", "after", "b", "y"},
			{"LINSERT", "l", "AFTER", "b", "z"}, {"LINSERT", "l", "before", "a", "first"}, {"LINSERT", "l", "After", "b", "last"},
			{"LINSERT", "l", "AFTER", "nope", "x"}, {"LINSERT", "l", "MIDDLE", "b", "x"}, {"LINSERT", "nokey", "BEFORE", "a", "x"},
			{"LINSERT", "nokey", "bad", "a", "x"}, {"LRANGE", "l", "0", "-1"}, {"LINSERT", "l", "BEFORE", "c", "\x00"}, {"LRANGE", "l", "0", "-1"},
		}},
		{"lrem", [][]string{
			{"RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"},
			{"LREM", "l", "1", "a"}, {"LRANGE", "l", "0", "-1"}, {"LREM", "l", "-2", "a"}, {"LRANGE", "l", "0", "-1"},
			{"LREM", "l", "0", "b"}, {"LRANGE", "l", "0", "-1"}, {"LREM", "l", "0", "zz"}, {"LREM", "l", "x", "a"},
			{"LREM", "nokey", "0", "a"}, {"LREM", "nokey", "x", "a"}, {"LREM", "l", "100", "a"}, {"LRANGE", "l", "0", "-1"},
			{"RPUSH", "m", "x", "x", "x"}, {"LREM", "m", "-9223372036854775808", "x"}, {"LLEN", "m"},
			{"LREM", "l", "0", "c"}, {"LLEN", "l"},
		}},
		{"ltrim", [][]string{
			{"RPUSH", "l", "a", "b", "c", "d", "e", "f"}, {"LTRIM", "l", "1", "-2"}, {"LRANGE", "l", "0", "-1"},
			{"LTRIM", "l", "0", "-1"}, {"LTRIM", "l", "-100", "100"}, {"LRANGE", "l", "0", "-1"},
			{"LTRIM", "l", "1", "1"}, {"LRANGE", "l", "0", "-1"}, {"LTRIM", "l", "x", "1"}, {"LTRIM", "l", "0", "x"},
			{"LTRIM", "nokey", "0", "1"}, {"LTRIM", "nokey", "x", "1"}, {"LTRIM", "l", "1", "0"}, {"LLEN", "l"},
			{"RPUSH", "m", "a", "b"}, {"LTRIM", "m", "5", "10"}, {"LLEN", "m"},
			{"RPUSH", "n", "a", "b"}, {"LTRIM", "n", "0", "-3"}, {"LLEN", "n"},
		}},
		{"lpos", [][]string{
			{"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"},
			{"LPOS", "l", "c"}, {"LPOS", "l", "zz"}, {"LPOS", "l", "c", "RANK", "2"}, {"LPOS", "l", "c", "RANK", "-1"},
			{"LPOS", "l", "c", "RANK", "-2"}, {"LPOS", "l", "c", "RANK", "4"}, {"LPOS", "l", "c", "RANK", "0"},
			{"LPOS", "l", "c", "COUNT", "0"}, {"LPOS", "l", "c", "COUNT", "2"}, {"LPOS", "l", "c", "COUNT", "2", "RANK", "2"},
			{"LPOS", "l", "c", "COUNT", "0", "RANK", "-1"}, {"LPOS", "l", "c", "COUNT", "10", "RANK", "-2"},
			{"LPOS", "l", "c", "MAXLEN", "3"}, {"LPOS", "l", "c", "MAXLEN", "2"}, {"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"},
			{"LPOS", "l", "c", "RANK", "-1", "MAXLEN", "2"}, {"LPOS", "l", "c", "COUNT", "-1"}, {"LPOS", "l", "c", "COUNT", "x"},
			{"LPOS", "l", "c", "MAXLEN", "-1"}, {"LPOS", "l", "c", "MAXLEN", "x"}, {"LPOS", "l", "c", "RANK", "x"},
			{"LPOS", "l", "c", "RANK"}, {"LPOS", "l", "c", "BAD", "1"}, {"LPOS", "l", "c", "COUNT"},
			{"LPOS", "nokey", "c"}, {"LPOS", "nokey", "c", "COUNT", "1"}, {"LPOS", "nokey", "c", "RANK", "0"},
			{"LPOS", "l", "c", "rank", "1", "count", "1", "maxlen", "0"}, {"LPOS", "l", "zz", "COUNT", "3"},
			{"LPOS", "l", "c", "RANK", "-9223372036854775807"}, {"LPOS", "l", "c", "RANK", "-9223372036854775808"}, {"LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "2"}, {"LPOS", "l", "c", "RANK", "9223372036854775807", "COUNT", "0"},
		}},
		{"lmove", [][]string{
			{"RPUSH", "src", "a", "b", "c"}, {"LMOVE", "src", "dst", "LEFT", "RIGHT"}, {"LMOVE", "src", "dst", "right", "left"},
			{"LRANGE", "src", "0", "-1"}, {"LRANGE", "dst", "0", "-1"}, {"LMOVE", "src", "dst", "LEFT", "LEFT"},
			{"LLEN", "src"}, {"LMOVE", "src", "dst", "LEFT", "LEFT"}, {"LRANGE", "dst", "0", "-1"},
			{"LMOVE", "dst", "dst", "LEFT", "RIGHT"}, {"LRANGE", "dst", "0", "-1"}, {"LMOVE", "dst", "dst", "RIGHT", "RIGHT"},
			{"LMOVE", "dst", "x", "UP", "LEFT"}, {"LMOVE", "dst", "x", "LEFT", "DOWN"}, {"LMOVE", "nokey", "x", "UP", "LEFT"},
			{"RPOPLPUSH", "dst", "other"}, {"RPOPLPUSH", "nokey", "other"}, {"RPOPLPUSH", "other", "other"},
			{"LRANGE", "other", "0", "-1"}, {"LRANGE", "dst", "0", "-1"},
			{"RPUSH", "one", "x"}, {"LMOVE", "one", "one", "LEFT", "RIGHT"}, {"LRANGE", "one", "0", "-1"},
			{"RPOPLPUSH", "one", "two"}, {"LLEN", "one"}, {"LRANGE", "two", "0", "-1"},
		}},
		{"wrong type", [][]string{
			{"HSET", "h", "f", "v"}, {"RPUSH", "l", "a"},
			{"LPUSH", "h", "a"}, {"RPUSH", "h", "a"}, {"LPUSHX", "h", "a"}, {"RPUSHX", "h", "a"}, {"LPOP", "h"}, {"RPOP", "h", "2"},
			{"LPOP", "h", "0"}, {"LPOP", "h", "-1"}, {"LLEN", "h"}, {"LRANGE", "h", "0", "1"}, {"LRANGE", "h", "x", "1"},
			{"LINDEX", "h", "0"}, {"LINDEX", "h", "x"}, {"LSET", "h", "0", "x"}, {"LSET", "h", "x", "x"},
			{"LINSERT", "h", "BEFORE", "a", "b"}, {"LINSERT", "h", "BAD", "a", "b"}, {"LREM", "h", "0", "a"}, {"LREM", "h", "x", "a"},
			{"LTRIM", "h", "0", "1"}, {"LTRIM", "h", "x", "1"}, {"LPOS", "h", "a"}, {"LPOS", "h", "a", "RANK", "0"},
			{"LMOVE", "h", "l", "LEFT", "LEFT"}, {"LMOVE", "l", "h", "LEFT", "LEFT"}, {"LMOVE", "h", "l", "X", "LEFT"},
			{"RPOPLPUSH", "h", "l"}, {"RPOPLPUSH", "l", "h"}, {"RPOPLPUSH", "nokey", "h"}, {"LRANGE", "l", "0", "-1"},
		}},
		{"arity", [][]string{
			{"LPUSH", "l"}, {"RPUSH"}, {"LPUSHX", "l"}, {"RPUSHX", "l"}, {"LPOP"}, {"RPOP"}, {"LLEN"}, {"LLEN", "l", "x"},
			{"LRANGE", "l", "0"}, {"LINDEX", "l"}, {"LSET", "l", "0"}, {"LINSERT", "l", "BEFORE", "a"}, {"LREM", "l", "0"},
			{"LTRIM", "l", "0"}, {"LPOS", "l"}, {"LMOVE", "a", "b", "LEFT"}, {"RPOPLPUSH", "a"}, {"RPOPLPUSH", "a", "b", "c"},
		}},
	})
}

// TestList_Random runs random operations on both sides, growing and
// shrinking the ring buffer across its wrap-around.
func TestList_Random(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(1, 2))
	val := func() string { return strconv.Itoa(r.IntN(20)) }
	idx := func() string { return strconv.Itoa(r.IntN(60) - 30) }
	for i := range 3000 {
		var argv []string
		switch r.IntN(14) {
		case 0, 1:
			argv = []string{"LPUSH", "l", val(), val(), val()}
		case 2, 3:
			argv = []string{"RPUSH", "l", val(), val()}
		case 4:
			argv = []string{"LPOP", "l", strconv.Itoa(r.IntN(4))}
		case 5:
			argv = []string{"RPOP", "l"}
		case 6:
			argv = []string{"LINSERT", "l", []string{"BEFORE", "AFTER"}[r.IntN(2)], val(), val()}
		case 7:
			argv = []string{"LREM", "l", strconv.Itoa(r.IntN(5) - 2), val()}
		case 8:
			argv = []string{"LSET", "l", idx(), val()}
		case 9:
			argv = []string{"LTRIM", "l", idx(), strconv.Itoa(r.IntN(80) - 5)}
		case 10:
			argv = []string{"LMOVE", "l", "m", []string{"LEFT", "RIGHT"}[r.IntN(2)], []string{"LEFT", "RIGHT"}[r.IntN(2)]}
		case 11:
			argv = []string{"LPOS", "l", val(), "RANK", []string{"1", "-1", "2"}[r.IntN(3)], "COUNT", strconv.Itoa(r.IntN(3))}
		case 12:
			argv = []string{"LINDEX", "l", idx()}
		case 13:
			argv = []string{"RPOPLPUSH", "m", "l"}
		}
		h.diff(argv...)
		if i%50 == 0 {
			h.diff("LRANGE", "l", "0", "-1")
			h.diff("LRANGE", "m", "0", "-1")
			h.checkReplica()
		}
	}
	h.checkReplica()
}

// TestList_Deque checks the ring buffer directly against a slice.
func TestList_Deque(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	l := NewList()
	var ref []string
	for i := range 20000 {
		v := strconv.Itoa(i)
		switch r.IntN(7) {
		case 0, 1:
			l.PushFront(v)
			ref = append([]string{v}, ref...)
		case 2, 3:
			l.PushBack(v)
			ref = append(ref, v)
		case 4:
			if len(ref) > 0 {
				if got := l.PopFront(); got != ref[0] {
					t.Fatalf("PopFront() = %q, want %q", got, ref[0])
				}
				ref = ref[1:]
			}
		case 5:
			if len(ref) > 0 {
				if got := l.PopBack(); got != ref[len(ref)-1] {
					t.Fatalf("PopBack() = %q, want %q", got, ref[len(ref)-1])
				}
				ref = ref[:len(ref)-1]
			}
		case 6:
			k := r.IntN(len(ref) + 1)
			l.Insert(k, v)
			ref = append(ref[:k], append([]string{v}, ref[k:]...)...)
		}
		if l.Len() != len(ref) {
			t.Fatalf("Len() = %d, want %d", l.Len(), len(ref))
		}
		if len(ref) > 0 {
			k := r.IntN(len(ref))
			if got := l.At(k); got != ref[k] {
				t.Fatalf("At(%d) = %q, want %q", k, got, ref[k])
			}
		}
	}
	c := l.Clone()
	for i := range ref {
		if c.At(i) != ref[i] {
			t.Fatalf("Clone().At(%d) = %q, want %q", i, c.At(i), ref[i])
		}
	}
}

func TestList_Effects(t *testing.T) {
	l := [][]string{{"RPUSH", "l", "a", "b", "c"}}
	hashCheckEffects(t, []hashEffectCase{
		{l, []string{"LPUSHX", "nokey", "a"}, nil},
		{l, []string{"LPOP", "nokey"}, nil},
		{l, []string{"LPOP", "l", "0"}, nil},
		{l, []string{"RPOP", "l", "2"}, []string{"RPOP l 2"}},
		{l, []string{"LREM", "l", "0", "zz"}, nil},
		{l, []string{"LTRIM", "l", "0", "-1"}, nil},
		{l, []string{"LTRIM", "l", "1", "-1"}, []string{"LTRIM l 1 -1"}},
		{l, []string{"LINSERT", "l", "BEFORE", "zz", "x"}, nil},
		{l, []string{"LMOVE", "nokey", "l", "LEFT", "LEFT"}, nil},
		{l, []string{"LMOVE", "l", "m", "LEFT", "RIGHT"}, []string{"LMOVE l m LEFT RIGHT"}},
		{l, []string{"LRANGE", "l", "0", "-1"}, nil},
	})
}
