package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSet_Commands(t *testing.T) {
	hashRunScripts(t, []hashScript{
		{"intset order", [][]string{
			{"SADD", "s", "5", "-3", "10", "0", "9223372036854775807", "-9223372036854775808"}, {"SMEMBERS", "s"},
			{"SADD", "s", "5", "7"}, {"SADD", "s", "5"}, {"SCARD", "s"}, {"SMEMBERS", "s"},
			{"SREM", "s", "5", "zz", "10", "10"}, {"SMEMBERS", "s"}, {"SREM", "s", "x"}, {"SREM", "nokey", "1"},
			{"SISMEMBER", "s", "7"}, {"SISMEMBER", "s", "07"}, {"SISMEMBER", "s", "+7"}, {"SISMEMBER", "s", "x"},
			{"SISMEMBER", "nokey", "1"}, {"SMISMEMBER", "s", "7", "8", "0", "-0"}, {"SMISMEMBER", "nokey", "a", "b"},
			{"SSCAN", "s", "0"}, {"SSCAN", "s", "0", "MATCH", "-*"}, {"SSCAN", "s", "7", "COUNT", "1"},
			{"SRANDMEMBER", "s", "100"}, {"SRANDMEMBER", "s", "5"},
			{"SADD", "n", "007", "7"}, {"~", "SMEMBERS", "n"}, {"SADD", "m", "-0", "1"}, {"~", "SMEMBERS", "m"},
			{"SADD", "big", "9223372036854775808", "1"}, {"~", "SMEMBERS", "big"},
		}},
		{"hashtable sets", [][]string{
			{"SADD", "s", "a", "b", "c"}, {"SADD", "s", "a"}, {"SCARD", "s"}, {"~", "SMEMBERS", "s"},
			{"SADD", "s", "1", "2"}, {"SISMEMBER", "s", "1"}, {"SREM", "s", "a", "1"}, {"~", "SMEMBERS", "s"},
			{"SREM", "s", "b", "c", "2"}, {"SCARD", "s"}, {"SMEMBERS", "s"},
			{"SADD", "t", "1", "2", "x"}, {"SREM", "t", "x"}, {"~", "SMEMBERS", "t"},
			{"SADD", "bin", "a\x00b", "\r\n", ""}, {"SISMEMBER", "bin", ""}, {"SISMEMBER", "bin", "a\x00b"}, {"SISMEMBER", "bin", "\r\n"},
			{"SREM", "bin", "\r\n"}, {"~", "SMEMBERS", "bin"}, {"SADD", "bin", "\r\n"},
			{"SREM", "bin", "a\x00b", "", "\r\n", "more"}, {"SCARD", "bin"},
			{"SMEMBERS", "nokey"}, {"SCARD", "nokey"}, {"SSCAN", "nokey", "0"}, {"SSCAN", "nokey", "0", "BAD"},
		}},
		{"spop srandmember shapes", [][]string{
			{"SPOP", "nokey"}, {"SPOP", "nokey", "3"}, {"SPOP", "nokey", "0"}, {"SPOP", "nokey", "-1"}, {"SPOP", "nokey", "1", "2"},
			{"SRANDMEMBER", "nokey"}, {"SRANDMEMBER", "nokey", "3"}, {"SRANDMEMBER", "nokey", "-3"}, {"SRANDMEMBER", "nokey", "0"},
			{"SRANDMEMBER", "nokey", "x"}, {"SRANDMEMBER", "nokey", "1", "2"},
			{"SADD", "s", "3", "1", "2"}, {"SPOP", "s", "0"}, {"SPOP", "s", "-1"}, {"SPOP", "s", "x"}, {"SPOP", "s", "1.5"},
			{"SRANDMEMBER", "s", "0"}, {"SRANDMEMBER", "s", "3"}, {"SRANDMEMBER", "s", "9223372036854775807"},
			{"SRANDMEMBER", "s", "-9223372036854775808"}, {"SRANDMEMBER", "s", "x"},
			{"SADD", "one", "only"}, {"SRANDMEMBER", "one"}, {"SRANDMEMBER", "one", "-3"}, {"SRANDMEMBER", "one", "1"},
			{"SPOP", "s", "3"}, {"SCARD", "s"}, {"SADD", "s", "3", "1", "2"}, {"SPOP", "s", "100"}, {"SCARD", "s"},
			{"SPOP", "one"}, {"SCARD", "one"}, {"SADD", "one", "only"}, {"SPOP", "one", "1"}, {"SCARD", "one"},
		}},
		{"smove", [][]string{
			{"SADD", "a", "1", "2", "3"}, {"SADD", "b", "x"},
			{"SMOVE", "a", "b", "1"}, {"SMOVE", "a", "b", "9"}, {"SMOVE", "nokey", "b", "1"}, {"SMOVE", "a", "c", "2"},
			{"SMEMBERS", "a"}, {"~", "SMEMBERS", "b"}, {"SMEMBERS", "c"}, {"SMOVE", "a", "a", "3"}, {"SMOVE", "a", "a", "9"},
			{"SMOVE", "a", "c", "3"}, {"SCARD", "a"}, {"SMEMBERS", "c"}, {"SMOVE", "c", "b", "x"}, {"SADD", "c", "x"},
			{"SMOVE", "c", "b", "x"}, {"~", "SMEMBERS", "b"}, {"SMOVE", "b", "new", "x"}, {"SMEMBERS", "new"},
		}},
		{"sinter", [][]string{
			{"SADD", "a", "1", "2", "3", "4", "5"}, {"SADD", "b", "5", "3", "1", "9"}, {"SADD", "c", "1", "3", "x", "5", "y"},
			{"SINTER", "a", "b"}, {"SINTER", "b", "a"}, {"SINTER", "a"}, {"SINTER", "a", "a"}, {"~", "SINTER", "c", "a"},
			{"SINTER", "a", "c"}, {"SINTER", "a", "b", "c"}, {"SINTER", "a", "nokey"}, {"SINTER", "nokey", "a"},
			{"SINTERCARD", "2", "a", "b"}, {"SINTERCARD", "3", "a", "b", "c"}, {"SINTERCARD", "2", "a", "c", "LIMIT", "2"},
			{"SINTERCARD", "2", "a", "c", "LIMIT", "0"}, {"SINTERCARD", "2", "a", "c", "limit", "100"},
			{"SINTERCARD", "1", "a"}, {"SINTERCARD", "2", "a", "nokey"}, {"SINTERCARD", "0", "a"}, {"SINTERCARD", "-1", "a"},
			{"SINTERCARD", "x", "a"}, {"SINTERCARD", "3", "a", "b"}, {"SINTERCARD", "1", "a", "b"}, {"SINTERCARD", "1", "a", "LIMIT"},
			{"SINTERCARD", "1", "a", "LIMIT", "-1"}, {"SINTERCARD", "1", "a", "LIMIT", "x"},
			{"SINTERCARD", "9223372036854775807", "a"},
			{"SINTERSTORE", "d", "a", "b"}, {"SMEMBERS", "d"}, {"SINTERSTORE", "d", "a", "c"}, {"SMEMBERS", "d"},
			{"SINTERSTORE", "d", "a", "nokey"}, {"SCARD", "d"}, {"SINTERSTORE", "d", "a", "nokey"},
			{"SINTERSTORE", "a", "a", "b"}, {"SMEMBERS", "a"}, {"SINTERSTORE", "e", "c", "c"}, {"~", "SMEMBERS", "e"},
			{"SADD", "f", "q"}, {"SINTERSTORE", "e", "a", "f"}, {"SCARD", "e"},
		}},
		{"sunion sdiff", [][]string{
			{"SADD", "a", "1", "2", "3", "4", "5"}, {"SADD", "b", "5", "3", "10"}, {"SADD", "c", "1", "x", "y"},
			{"SUNION", "a", "b"}, {"SUNION", "a"}, {"SUNION", "nokey"}, {"SUNION", "a", "nokey", "b"}, {"~", "SUNION", "a", "c"},
			{"SDIFF", "a", "b"}, {"SDIFF", "b", "a"}, {"SDIFF", "a", "b", "c"}, {"SDIFF", "a", "a"}, {"SDIFF", "a", "nokey"},
			{"SDIFF", "nokey", "a"}, {"~", "SDIFF", "c", "a"}, {"SDIFF", "a"}, {"SDIFF", "a", "b", "a"},
			{"SUNIONSTORE", "d", "a", "b"}, {"SMEMBERS", "d"}, {"SUNIONSTORE", "d", "nokey"}, {"SCARD", "d"},
			{"SUNIONSTORE", "d", "nokey"}, {"SUNIONSTORE", "e", "a", "c"}, {"~", "SMEMBERS", "e"},
			{"SDIFFSTORE", "d", "a", "b"}, {"SMEMBERS", "d"}, {"SDIFFSTORE", "d", "a", "a"}, {"SCARD", "d"},
			{"SDIFFSTORE", "d", "c", "a"}, {"~", "SMEMBERS", "d"}, {"SDIFFSTORE", "a", "a", "b"}, {"SMEMBERS", "a"},
			{"SDIFFSTORE", "d", "nokey", "a"}, {"SCARD", "d"},
			// The second algorithm (many small sets to subtract from a big one) and a result
			// left in the hashtable encoding with only integers.
			{"SADD", "x", "1", "2", "3", "4", "5", "6", "7", "8", "9", "z"}, {"SADD", "y", "z"},
			{"SDIFFSTORE", "r", "y", "x"}, {"SDIFF", "x", "y"}, {"~", "SDIFF", "x", "y", "nokey", "a"}, {"SDIFFSTORE", "r2", "x", "y", "nokey", "a"}, {"~", "SMEMBERS", "r2"},
			{"SDIFFSTORE", "r", "x", "y"}, {"SMEMBERS", "r"},
		}},
		{"sscan", [][]string{
			{"SADD", "s", "a1", "b1", "a2"}, {"~", "SSCAN", "s", "0", "MATCH", "zz"},
			{"SADD", "i", "10", "2", "33", "-4"}, {"SSCAN", "i", "0"}, {"SSCAN", "i", "0", "MATCH", "*3*"}, {"SSCAN", "i", "0", "MATCH", "[0-2]*"},
			{"SSCAN", "i", "x"}, {"SSCAN", "i", "-1"}, {"SSCAN", "i", "0", "COUNT", "0"}, {"SSCAN", "i", "0", "COUNT"},
			{"SSCAN", "i", "0", "TYPE", "set"}, {"SSCAN", "i", "0", "MATCH", "*", "COUNT", "2"},
		}},
		{"wrong type", [][]string{
			{"HSET", "h", "f", "v"}, {"SADD", "s", "1"},
			{"SADD", "h", "a"}, {"SREM", "h", "a"}, {"SCARD", "h"}, {"SISMEMBER", "h", "a"}, {"SMISMEMBER", "h", "a"},
			{"SMEMBERS", "h"}, {"SPOP", "h"}, {"SPOP", "h", "2"}, {"SPOP", "h", "0"}, {"SPOP", "h", "-1"}, {"SRANDMEMBER", "h"},
			{"SRANDMEMBER", "h", "2"}, {"SRANDMEMBER", "h", "x"}, {"SMOVE", "h", "s", "1"}, {"SMOVE", "s", "h", "1"},
			{"SMOVE", "nokey", "h", "1"}, {"SMOVE", "s", "h", "9"}, {"SMOVE", "h", "nokey", "1"},
			{"SINTER", "s", "h"}, {"SINTER", "nokey", "h"}, {"SINTERCARD", "2", "nokey", "h"},
			{"SINTERSTORE", "d", "s", "h"}, {"SINTERSTORE", "h", "s"}, {"SINTERSTORE", "s", "nokey", "h"},
			{"SUNION", "h", "s"}, {"SUNIONSTORE", "d", "s", "h"}, {"SUNIONSTORE", "h", "s"}, {"SDIFF", "s", "h"},
			{"SDIFF", "nokey", "h"}, {"SDIFFSTORE", "d", "s", "h"}, {"SDIFFSTORE", "h", "s"}, {"SSCAN", "h", "0"}, {"SSCAN", "h", "x"},
			{"SMEMBERS", "s"}, {"HGETALL", "h"},
		}},
		{"arity", [][]string{
			{"SADD", "s"}, {"SREM", "s"}, {"SCARD"}, {"SISMEMBER", "s"}, {"SMISMEMBER", "s"}, {"SMEMBERS"}, {"SPOP"},
			{"SRANDMEMBER"}, {"SMOVE", "a", "b"}, {"SINTER"}, {"SINTERCARD", "1"}, {"SINTERSTORE", "d"}, {"SUNION"},
			{"SUNIONSTORE", "d"}, {"SDIFF"}, {"SDIFFSTORE", "d"}, {"SSCAN", "s"},
		}},
	})
}

// TestSet_Encodings covers the intset's 512-member limit and a set going
// back to the intset encoding through a *STORE.
func TestSet_Encodings(t *testing.T) {
	h := newHarness(t)
	args := []string{"SADD", "s"}
	for i := range 512 {
		args = append(args, strconv.Itoa(1000-2*i))
	}
	h.diff(args...)
	h.diff("SMEMBERS", "s")
	h.diff("SSCAN", "s", "0")
	h.diff("SRANDMEMBER", "s", "512")
	h.diff("SADD", "s", "1")
	h.diffUnordered("SMEMBERS", "s")
	h.diff("SREM", "s", "1")
	h.diffUnordered("SMEMBERS", "s")
	h.diff("SINTERSTORE", "d", "s", "s")
	h.diffUnordered("SMEMBERS", "d")
	h.diff("SREM", "d", "1000", "998")
	h.diff("SUNIONSTORE", "e", "d")
	h.diff("SMEMBERS", "e")
	h.diff("SINTER", "e", "s")
	h.diff("SDIFF", "e", "nokey")
	h.checkReplica()

	// SSCAN of a hashtable set pages with a cursor and returns every member.
	args = []string{"SADD", "big"}
	for i := range 700 {
		args = append(args, "m"+strconv.Itoa(i))
	}
	h.diff(args...)
	for i := range 300 {
		h.diff("SREM", "big", "m"+strconv.Itoa(2*i))
	}
	seen := map[string]bool{}
	cursor := "0"
	for range 1000 {
		cur, elems := hashParseScan(t, h.exec("SSCAN", "big", cursor, "COUNT", "13"))
		for _, e := range elems {
			if seen[e] {
				t.Errorf("SSCAN returned %q twice", e)
			}
			seen[e] = true
		}
		if cursor = cur; cursor == "0" {
			break
		}
	}
	if len(seen) != 400 {
		t.Errorf("SSCAN returned %d members, want 400", len(seen))
	}
	h.diff("SCARD", "big")
	h.diffUnordered("SMEMBERS", "big")
	h.checkReplica()
}

// TestSet_Random checks SPOP and SRANDMEMBER: reply shapes, membership,
// counts, and that SPOP's effects rebuild the same set on the replica.
func TestSet_Random(t *testing.T) {
	for _, proto := range []int{2, 3} {
		for _, members := range [][]string{setNumbers(40), setWords(40)} {
			h := hashHarness(t, proto)
			all := map[string]bool{}
			for _, m := range members {
				all[m] = true
			}
			h.diff(append([]string{"SADD", "s"}, members...)...)
			for _, n := range []int{5, 30, -50, 1, -1} {
				got := setParseBulks(t, h.exec("SRANDMEMBER", "s", strconv.Itoa(n)), "*")
				if len(got) != max(n, -n) {
					t.Errorf("SRANDMEMBER s %d: %d members", n, len(got))
				}
				for _, m := range got {
					if !all[m] {
						t.Errorf("SRANDMEMBER s %d: %q is not a member", n, m)
					}
				}
				if n > 0 && len(setUniq(got)) != len(got) {
					t.Errorf("SRANDMEMBER s %d: repeated members in %q", n, got)
				}
			}
			// SPOP with small and large counts (both strategies), then single pops.
			setHead := map[int]string{2: "*", 3: "~"}[proto]
			remaining := len(members)
			for _, n := range []int{3, 32} { // 32 of 37: Redis rebuilds the set from the 5 left
				got := setParseBulks(t, h.exec("SPOP", "s", strconv.Itoa(n)), setHead)
				if len(got) != n || len(setUniq(got)) != n {
					t.Errorf("SPOP s %d = %q", n, got)
				}
				for _, m := range got {
					if !all[m] {
						t.Errorf("SPOP s %d: %q is not a member", n, m)
					}
					delete(all, m)
				}
				remaining -= n
				h.checkReplica()
			}
			for range 2 {
				got := setParseBulks(t, append([]byte("*1\r\n"), h.exec("SPOP", "s")...), "*")
				if len(got) != 1 || !all[got[0]] {
					t.Errorf("SPOP s = %q", got)
				}
				delete(all, got[0])
				remaining--
			}
			h.checkReplica()
			left := setParseBulks(t, h.exec("SMEMBERS", "s"), setHead)
			if len(left) != remaining {
				t.Errorf("after SPOP, %d members, want %d", len(left), remaining)
			}
			for _, m := range left {
				if !all[m] {
					t.Errorf("after SPOP, %q should be gone", m)
				}
			}
			got := setParseBulks(t, h.exec("SPOP", "s", "1000"), setHead)
			if len(got) != remaining {
				t.Errorf("SPOP s 1000 = %q, want %d members", got, remaining)
			}
			h.checkReplica()
			if r := string(h.exec("SCARD", "s")); r != ":0\r\n" {
				t.Errorf("SCARD after popping all = %q", r)
			}
		}
	}
}

// TestSet_RandomOps runs random set operations on both sides.
func TestSet_RandomOps(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(5, 6))
	keys := []string{"a", "b", "c"}
	key := func() string { return keys[r.IntN(len(keys))] }
	mem := func() string {
		if r.IntN(10) == 0 {
			return "w" + strconv.Itoa(r.IntN(5))
		}
		return strconv.Itoa(r.IntN(30) - 5)
	}
	for i := range 2000 {
		switch r.IntN(9) {
		case 0, 1:
			h.diff("SADD", key(), mem(), mem(), mem())
		case 2:
			h.diff("SREM", key(), mem(), mem())
		case 3:
			h.diff("SMOVE", key(), key(), mem())
		case 4:
			h.diff("SINTERSTORE", key(), key(), key())
		case 5:
			h.diff("SUNIONSTORE", key(), key(), key())
		case 6:
			h.diff("SDIFFSTORE", key(), key(), key(), key())
		case 7:
			h.diff("SMISMEMBER", key(), mem(), mem())
		case 8:
			h.diff("SINTERCARD", "2", key(), key(), "LIMIT", strconv.Itoa(r.IntN(4)))
		}
		if i%25 == 0 {
			for _, k := range keys {
				h.diffUnordered("SMEMBERS", k)
			}
			h.checkReplica()
		}
	}
}

// TestSet_Sample checks that random members are drawn from the whole set.
func TestSet_Sample(t *testing.T) {
	s := NewSet()
	for _, m := range setWords(50) {
		s.Add(m)
	}
	for i := range 40 {
		s.Remove("w" + strconv.Itoa(i))
	}
	seen := map[string]bool{}
	for range 2000 {
		seen[s.Random()] = true
	}
	if len(seen) != 10 {
		t.Errorf("Random() drew %d distinct members, want 10", len(seen))
	}
	for _, n := range []int{2, 9} {
		got := s.sample(n)
		if len(got) != n || len(setUniq(got)) != n || slices.ContainsFunc(got, func(m string) bool { return !s.Has(m) }) {
			t.Errorf("sample(%d) = %q", n, got)
		}
	}
}

func setNumbers(n int) []string {
	var out []string
	for i := range n {
		out = append(out, strconv.Itoa(i*7-50))
	}
	return out
}

func setWords(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "w"+strconv.Itoa(i))
	}
	return out
}

func setUniq(ms []string) map[string]bool {
	u := map[string]bool{}
	for _, m := range ms {
		u[m] = true
	}
	return u
}

// setParseBulks parses a flat aggregate of bulk strings whose header
// starts with head ("*" or "~").
func setParseBulks(t *testing.T, b []byte, head string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	if !strings.HasPrefix(lines[0], head) {
		t.Fatalf("reply %q: want a %q aggregate", b, head)
	}
	n, err := strconv.Atoi(lines[0][1:])
	if err != nil || len(lines) != 1+2*n {
		t.Fatalf("bad reply %q", b)
	}
	var out []string
	for i := 1; i < len(lines); i += 2 {
		out = append(out, lines[i+1])
	}
	return out
}

// TestSet_CommandKeys checks the key positions of the set commands.
func TestSet_CommandKeys(t *testing.T) {
	table := NewTable()
	for _, tc := range []struct {
		argv []string
		want []string
	}{
		{[]string{"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, []string{"a", "b"}},
		{[]string{"SINTERCARD", "1", "a"}, []string{"a"}},
		{[]string{"SINTERCARD", "3", "a"}, nil},
		{[]string{"SINTERCARD", "x", "a"}, nil},
		{[]string{"SINTERSTORE", "d", "a", "b"}, []string{"d", "a", "b"}},
		{[]string{"SMOVE", "a", "b", "m"}, []string{"a", "b"}},
		{[]string{"SDIFF", "a", "b", "c"}, []string{"a", "b", "c"}},
		{[]string{"LMOVE", "a", "b", "LEFT", "RIGHT"}, []string{"a", "b"}},
		{[]string{"RPOPLPUSH", "a", "b"}, []string{"a", "b"}},
		{[]string{"HSET", "h", "f", "v"}, []string{"h"}},
	} {
		var got []string
		for _, k := range table.Lookup([]byte(tc.argv[0])).Keys(toBytes(tc.argv)) {
			got = append(got, string(k))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Keys(%q) = %q, want %q", tc.argv, got, tc.want)
		}
	}
}

func TestSet_Effects(t *testing.T) {
	s := [][]string{{"SADD", "s", "1", "2"}, {"SADD", "one", "x"}}
	hashCheckEffects(t, []hashEffectCase{
		{s, []string{"SADD", "s", "1", "2"}, nil},
		{s, []string{"SADD", "s", "1", "3"}, []string{"SADD s 1 3"}},
		{s, []string{"SREM", "s", "9"}, nil},
		{s, []string{"SPOP", "one"}, []string{"SREM one x"}},
		{s, []string{"SPOP", "one", "5"}, []string{"DEL one"}},
		{s, []string{"SPOP", "s", "2"}, []string{"DEL s"}},
		{s, []string{"SPOP", "s", "0"}, nil},
		{s, []string{"SPOP", "nokey", "3"}, nil},
		{s, []string{"SMOVE", "s", "s", "1"}, nil},
		{s, []string{"SMOVE", "s", "t", "9"}, nil},
		{s, []string{"SMOVE", "s", "t", "1"}, []string{"SMOVE s t 1"}},
		{s, []string{"SINTERSTORE", "d", "s", "nokey"}, nil},
		{s, []string{"SINTERSTORE", "one", "s", "nokey"}, []string{"SINTERSTORE one s nokey"}},
		{s, []string{"SDIFFSTORE", "d", "s", "s"}, nil},
		{s, []string{"SUNIONSTORE", "d", "s", "one"}, []string{"SUNIONSTORE d s one"}},
		{s, []string{"SRANDMEMBER", "s", "-3"}, nil},
	})
}
