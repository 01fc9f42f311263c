package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// hashScript is a named sequence of commands run on the engine and on
// redis-server, each reply compared byte for byte. A command whose first
// word is "~" is compared as an unordered array (diffUnordered).
type hashScript struct {
	name string
	cmds [][]string
}

// hashRunScripts runs every script in RESP2 and in RESP3, each on a fresh
// keyspace, and checks the replica after every command.
func hashRunScripts(t *testing.T, scripts []hashScript) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		for _, sc := range scripts {
			t.Run(fmt.Sprintf("%s/resp%d", sc.name, proto), func(t *testing.T) {
				h := hashHarness(t, proto)
				for _, cmd := range sc.cmds {
					if cmd[0] == "~" {
						h.diffUnordered(cmd[1:]...)
					} else {
						h.diff(cmd...)
					}
					h.checkReplica()
				}
			})
		}
	}
}

// hashHarness returns a harness speaking proto on both sides.
func hashHarness(t *testing.T, proto int) *harness {
	t.Helper()
	h := newHarness(t)
	if proto == 3 {
		h.proto = 3
		h.redis.Do("HELLO", "3")
	}
	return h
}

func TestHash_Commands(t *testing.T) {
	long := strings.Repeat("x", 65)
	hashRunScripts(t, []hashScript{
		{"hset and hget", [][]string{
			{"HSET", "h", "a", "1"},
			{"HSET", "h", "b", "2", "c", "3", "a", "10"},
			{"HSET", "h", "a", "11", "a", "12"},
			{"HGET", "h", "a"}, {"HGET", "h", "zz"}, {"HGET", "nokey", "a"},
			{"HGETALL", "h"}, {"HKEYS", "h"}, {"HVALS", "h"}, {"HLEN", "h"},
			{"HSET", "h", "odd"}, {"HSET", "h", "a", "1", "b"}, {"HSET", "h"}, {"hset", "h", "a"},
			{"HMSET", "h", "d", "4", "e", "5"}, {"HMSET", "h", "d"}, {"hmset", "h", "d", "1", "e"},
			{"HGETALL", "h"},
			{"HSET", "bin", "f\x00\r\n", "v\x00\r\nx", "", ""},
			{"HGET", "bin", "f\x00\r\n"}, {"HGET", "bin", ""}, {"HGETALL", "bin"}, {"HSTRLEN", "bin", "f\x00\r\n"},
			{"HSET", "Hcase", "A", "1"}, {"hSeT", "Hcase", "a", "2"}, {"HGETALL", "Hcase"},
		}},
		{"order after hdel", [][]string{
			{"HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"},
			{"HDEL", "h", "b", "d", "zz"},
			{"HSET", "h", "b", "22", "a", "11"},
			{"HGETALL", "h"}, {"HKEYS", "h"}, {"HVALS", "h"},
			{"HDEL", "h", "a", "a"}, {"HDEL", "h", "zz"}, {"HDEL", "nokey", "a"},
			{"HDEL", "h", "c", "e", "b", "zz"}, {"HLEN", "h"}, {"HGETALL", "h"}, {"HKEYS", "h"},
			{"HDEL", "h"},
		}},
		{"hsetnx", [][]string{
			{"HSETNX", "h", "a", "1"}, {"HSETNX", "h", "a", "2"}, {"HSETNX", "h", "b", "3"},
			{"HGETALL", "h"}, {"HSETNX", "h", "a"}, {"HSETNX", "h", long, long}, {"HGET", "h", long},
		}},
		{"hmget hexists hlen hstrlen", [][]string{
			{"HMGET", "h", "a"}, {"HSET", "h", "a", "1", "b", "hello", "n", "-123"},
			{"HMGET", "h", "a", "zz", "b", "a"}, {"HMGET", "h"},
			{"HEXISTS", "h", "a"}, {"HEXISTS", "h", "zz"}, {"HEXISTS", "nokey", "a"}, {"HEXISTS", "h"},
			{"HLEN", "h"}, {"HLEN", "nokey"}, {"HLEN"}, {"HLEN", "h", "x"},
			{"HSTRLEN", "h", "b"}, {"HSTRLEN", "h", "n"}, {"HSTRLEN", "h", "zz"}, {"HSTRLEN", "nokey", "a"},
		}},
		{"empty replies", [][]string{
			{"HGETALL", "nokey"}, {"HKEYS", "nokey"}, {"HVALS", "nokey"}, {"HGET", "nokey", "f"},
			{"HRANDFIELD", "nokey"}, {"HRANDFIELD", "nokey", "3"}, {"HRANDFIELD", "nokey", "-3", "WITHVALUES"},
			{"HSCAN", "nokey", "0"}, {"HSCAN", "nokey", "0", "BADOPT"}, {"HSCAN", "nokey", "x"},
		}},
		{"hincrby", [][]string{
			{"HINCRBY", "h", "n", "5"}, {"HINCRBY", "h", "n", "-15"}, {"HINCRBY", "h", "n", "0"},
			{"HSET", "h", "s", "abc", "f", "1.5", "sp", " 1", "big", "9223372036854775807", "small", "-9223372036854775808"},
			{"HINCRBY", "h", "s", "1"}, {"HINCRBY", "h", "f", "1"}, {"HINCRBY", "h", "sp", "1"},
			{"HINCRBY", "h", "big", "1"}, {"HINCRBY", "h", "big", "0"}, {"HINCRBY", "h", "big", "-1"},
			{"HINCRBY", "h", "small", "-1"}, {"HINCRBY", "h", "small", "1"},
			{"HINCRBY", "h", "n", "x"}, {"HINCRBY", "h", "n", "1.0"}, {"HINCRBY", "h", "n", "+1"},
			{"HINCRBY", "h", "n", "01"}, {"HINCRBY", "h", "n", "9223372036854775808"},
			{"HINCRBY", "h", "n", "-9223372036854775808"}, {"HINCRBY", "h", "n", ""},
			{"HGETALL", "h"},
			{"HINCRBY", "new", "f", "x"}, {"HINCRBY", "new", "f", "-7"}, {"HGETALL", "new"},
		}},
		{"hincrbyfloat", [][]string{
			{"HINCRBYFLOAT", "h", "f", "10.5"}, {"HINCRBYFLOAT", "h", "f", "0.1"},
			{"HINCRBYFLOAT", "h", "f", "-5"}, {"HINCRBYFLOAT", "h", "f", "1e3"}, {"HINCRBYFLOAT", "h", "f", "-1005.6"},
			{"HINCRBYFLOAT", "h", "g", "3.0e-3"}, {"HINCRBYFLOAT", "h", "g", "1.23456789012345678"},
			{"HINCRBYFLOAT", "h", "t", "0.000003814697265625"}, {"HINCRBYFLOAT", "h", "t2", "0.000003814697265635"},
			{"HINCRBYFLOAT", "h", "i", "5"}, {"HINCRBYFLOAT", "h", "i", "+5"}, {"HINCRBYFLOAT", "h", "i", ".5"},
			{"HINCRBYFLOAT", "h", "i", "5."}, {"HINCRBYFLOAT", "h", "i", "0x10"}, {"HINCRBYFLOAT", "h", "i", "0x1.8p1"},
			{"HINCRBYFLOAT", "h", "i", "-0"}, {"HINCRBYFLOAT", "h", "z", "-0"}, {"HINCRBYFLOAT", "h", "z", "-1e-30"},
			{"HINCRBYFLOAT", "h", "i", "abc"}, {"HINCRBYFLOAT", "h", "i", ""}, {"HINCRBYFLOAT", "h", "i", " 1"},
			{"HINCRBYFLOAT", "h", "i", "1 "}, {"HINCRBYFLOAT", "h", "i", "1e"}, {"HINCRBYFLOAT", "h", "i", "."},
			{"HINCRBYFLOAT", "h", "i", "inf"}, {"HINCRBYFLOAT", "h", "i", "-inf"}, {"HINCRBYFLOAT", "h", "i", "+Infinity"},
			{"HINCRBYFLOAT", "h", "i", "nan"}, {"HINCRBYFLOAT", "h", "i", "1_0"}, {"HINCRBYFLOAT", "h", "i", "1e5000"},
			{"HINCRBYFLOAT", "h", "i", "1e-5000"}, {"HINCRBYFLOAT", "h", "i", "0e-5000"},
			{"HINCRBYFLOAT", "h", "i", "1\x00junk"}, {"HINCRBYFLOAT", "h", "i", "\x00"},
			{"HINCRBYFLOAT", "h", "neg", "-12345678.987654321"},
			{"HSET", "h", "s", "abc", "inf", "inf", "sp", "1 ", "hex", "0x1p-2"},
			{"HINCRBYFLOAT", "h", "s", "1"}, {"HINCRBYFLOAT", "h", "inf", "1"}, {"HINCRBYFLOAT", "h", "sp", "1"},
			{"HINCRBYFLOAT", "h", "hex", "1"},
			{"HGETALL", "h"},
			{"HINCRBYFLOAT", "new", "f", "x"}, {"HEXISTS", "new", "f"},
			{"HINCRBYFLOAT", "big", "a", "1.7e308"}, {"HINCRBYFLOAT", "big", "a", "1.7e308"},
			{"HINCRBYFLOAT", "big", "b", "1e4932"}, {"HINCRBYFLOAT", "big", "b", "1e4932"},
			{"HINCRBYFLOAT", "big", "b", "1.18973149535723176e4932"}, {"HINCRBYFLOAT", "big", "b", "-1e4932"},
			{"HINCRBYFLOAT", "big", "c", "1e-4940"}, {"HINCRBYFLOAT", "big", "c", "3.6e-4951"},
			{"~", "HKEYS", "big"}, {"HGET", "big", "a"}, {"HGET", "big", "b"}, {"HGET", "big", "c"},
		}},
		{"wrong type", [][]string{
			{"LPUSH", "l", "x"}, {"SADD", "s", "x"},
			{"HSET", "l", "a", "1"}, {"HMSET", "l", "a", "1"}, {"HSETNX", "l", "a", "1"}, {"HGET", "l", "a"},
			{"HMGET", "l", "a"}, {"HDEL", "l", "a"}, {"HEXISTS", "l", "a"}, {"HLEN", "l"}, {"HSTRLEN", "l", "a"},
			{"HKEYS", "l"}, {"HVALS", "l"}, {"HGETALL", "s"}, {"HINCRBY", "l", "a", "1"},
			{"HINCRBY", "l", "a", "x"}, {"HINCRBYFLOAT", "l", "a", "1"}, {"HINCRBYFLOAT", "l", "a", "x"},
			{"HRANDFIELD", "l"}, {"HRANDFIELD", "l", "2"}, {"HRANDFIELD", "l", "x"}, {"HSCAN", "l", "0"},
			{"HSCAN", "l", "0", "BAD"}, {"HSCAN", "l", "x"},
		}},
		{"arity", [][]string{
			{"HGET", "h"}, {"HGET", "h", "a", "b"}, {"HSETNX", "h", "a"}, {"HMGET", "h"}, {"HDEL", "h"},
			{"HEXISTS", "h"}, {"HSTRLEN", "h"}, {"HKEYS"}, {"HVALS", "h", "x"}, {"HGETALL"},
			{"HINCRBY", "h", "a"}, {"HINCRBYFLOAT", "h", "a", "1", "2"}, {"HRANDFIELD"}, {"HSCAN", "h"},
		}},
		{"hrandfield whole hash", [][]string{
			{"HSET", "h", "a", "1", "b", "2", "c", "3"},
			{"HRANDFIELD", "h", "3"}, {"HRANDFIELD", "h", "100"}, {"HRANDFIELD", "h", "3", "WITHVALUES"},
			{"HRANDFIELD", "h", "9223372036854775807"}, {"HRANDFIELD", "h", "4", "withvalues"},
			{"HRANDFIELD", "h", "0"}, {"HRANDFIELD", "h", "0", "WITHVALUES"},
			{"HRANDFIELD", "h", "x"}, {"HRANDFIELD", "h", "1", "WITHVALUE"}, {"HRANDFIELD", "h", "1", "WITHVALUES", "x"},
			{"HRANDFIELD", "h", "-9223372036854775808"}, {"HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"},
			{"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}, {"HRANDFIELD", "h", "1.5"},
			{"HSET", "one", "only", "v"}, {"HRANDFIELD", "one"}, {"HRANDFIELD", "one", "1"},
			{"HRANDFIELD", "one", "-3"}, {"HRANDFIELD", "one", "-2", "WITHVALUES"}, {"HRANDFIELD", "one", "1", "WITHVALUES"},
		}},
		{"hscan small", [][]string{
			{"HSET", "h", "a1", "1", "b1", "2", "a2", "3", "c", "4"},
			{"HSCAN", "h", "0"}, {"HSCAN", "h", "123"}, {"HSCAN", "h", "0", "COUNT", "1"},
			{"HSCAN", "h", "0", "MATCH", "a*"}, {"HSCAN", "h", "0", "match", "*1", "count", "2"},
			{"HSCAN", "h", "0", "MATCH", "*"}, {"HSCAN", "h", "0", "MATCH", "zz*"},
			{"HSCAN", "h", "0", "COUNT", "0"}, {"HSCAN", "h", "0", "COUNT", "-1"}, {"HSCAN", "h", "0", "COUNT", "x"},
			{"HSCAN", "h", "0", "COUNT"}, {"HSCAN", "h", "0", "MATCH"}, {"HSCAN", "h", "0", "TYPE", "hash"},
			{"HSCAN", "h", "0", "NOVALUES"}, {"HSCAN", "h", "-1"}, {"HSCAN", "h", "+1"}, {"HSCAN", "h", ""},
			{"HSCAN", "h", " 1"}, {"HSCAN", "h", "1 "}, {"HSCAN", "h", "18446744073709551615"},
			{"HSCAN", "h", "18446744073709551616"}, {"HSCAN", "h", "abc"}, {"HSCAN", "h", "1\x00x"}, {"HSCAN", "h", "-"},
		}},
		{"listpack to hashtable by length", [][]string{
			{"HSET", "h", "a", "1", "b", long, "c", "3"}, {"HGET", "h", "b"}, {"HLEN", "h"},
			{"~", "HKEYS", "h"}, {"HDEL", "h", "b"}, {"~", "HVALS", "h"},
		}},
	})
}

// TestHash_Patterns checks MATCH with glob patterns against redis-server.
func TestHash_Patterns(t *testing.T) {
	fields := []string{"a", "b", "ab", "abc", "a*c", "a?c", "a[c", "a]c", "a\\c", "x-y", "é", "\xff", "A", "a\x00c", "-", "]", "^", ""}
	patterns := []string{
		"a*", "*c", "a?c", "a\\*c", "a[bc]*", "a[^b]*", "[a-c]*", "[c-a]*", "a[", "a[b", "[", "[]", "[]]",
		"[^]", "\\", "a\\", "a[\\]]c", "a[\\", "*a*b*", "**", "?", "??", "[\x80-\xff]", "[-]", "[a-]", "[!a]",
		"a[b-]c", "x\\-y", "[\\-]", "*[", "*\\", "a\x00c", "[^a-z]", "*]", "[]-a]*", "",
	}
	h := newHarness(t)
	args := []string{"HSET", "h"}
	for _, f := range fields {
		args = append(args, f, "v")
	}
	h.diff(args...)
	for _, p := range patterns {
		h.diff("HSCAN", "h", "0", "MATCH", p)
	}
}

// TestHash_Large covers hashes past the listpack limits: the hashtable
// encoding, where order is unspecified and HSCAN pages with a cursor.
func TestHash_Large(t *testing.T) {
	h := newHarness(t)
	args := []string{"HSET", "h"}
	n := 2 * hashMaxListpackEntries // well past the listpack limit
	for i := range n {
		args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	h.diff(args...)
	h.diff("HLEN", "h")
	h.diffUnordered("HKEYS", "h")
	h.diffUnordered("HVALS", "h")
	h.diffUnordered("HGETALL", "h")
	for i := range 100 {
		h.diff("HDEL", "h", "f"+strconv.Itoa(3*i))
	}
	h.diff("HGET", "h", "f1")
	h.diff("HMGET", "h", "f1", "f3", "f299")
	h.diffUnordered("HKEYS", "h")
	h.checkReplica()

	// A full HSCAN returns every field once, with its value.
	seen := map[string]string{}
	cursor := "0"
	for range 1000 {
		got := h.exec("HSCAN", "h", cursor, "COUNT", "7")
		cur, elems := hashParseScan(t, got)
		for i := 0; i+1 < len(elems); i += 2 {
			if _, dup := seen[elems[i]]; dup {
				t.Errorf("HSCAN returned %q twice", elems[i])
			}
			seen[elems[i]] = elems[i+1]
		}
		if cursor = cur; cursor == "0" {
			break
		}
	}
	if len(seen) != n-100 {
		t.Errorf("HSCAN returned %d fields, want %d", len(seen), n-100)
	}
	for f, v := range seen {
		if "f"+v != f {
			t.Errorf("HSCAN returned %q = %q", f, v)
		}
	}
	// MATCH filters the page; small hashes are unaffected by COUNT.
	want := 0
	for f := range seen {
		if strings.HasPrefix(f, "f1") {
			want++
		}
	}
	got := h.exec("HSCAN", "h", "0", "MATCH", "f1*", "COUNT", "1000")
	if _, elems := hashParseScan(t, got); len(elems) != 2*want {
		t.Errorf("HSCAN MATCH f1* returned %d elements, want %d", len(elems), 2*want)
	}

	// A long field makes a hashtable too, even via HINCRBYFLOAT.
	hashRunScripts(t, []hashScript{{"long values", [][]string{
		{"HSET", "x", "a", "1"}, {"HINCRBYFLOAT", "x", "a", "1e70"}, {"HSET", "x", "b", "2"},
		{"HLEN", "x"}, {"~", "HKEYS", "x"},
	}}})
}

// TestHash_Random checks HRANDFIELD's shapes, membership and counts.
func TestHash_Random(t *testing.T) {
	for _, proto := range []int{2, 3} {
		h := hashHarness(t, proto)
		fields := map[string]string{}
		args := []string{"HSET", "h"}
		for i := range 20 {
			f := "f" + strconv.Itoa(i)
			fields[f] = "v" + strconv.Itoa(i)
			args = append(args, f, fields[f])
		}
		h.diff(args...)
		for _, tc := range []struct {
			count      int
			withValues bool
		}{{5, false}, {5, true}, {15, false}, {15, true}, {-30, false}, {-30, true}, {1, false}, {-1, true}, {19, true}} {
			argv := []string{"HRANDFIELD", "h", strconv.Itoa(tc.count)}
			if tc.withValues {
				argv = append(argv, "WITHVALUES")
			}
			got := hashParseFlat(t, h.exec(argv...), proto, tc.withValues)
			want := max(tc.count, -tc.count)
			if len(got) != want {
				t.Errorf("%q: %d fields, want %d", argv, len(got), want)
			}
			uniq := map[string]bool{}
			for _, fv := range got {
				if v, ok := fields[fv[0]]; !ok || tc.withValues && v != fv[1] {
					t.Errorf("%q: returned %q", argv, fv)
				}
				uniq[fv[0]] = true
			}
			if tc.count > 0 && len(uniq) != len(got) {
				t.Errorf("%q: repeated fields %q", argv, got)
			}
		}
		single := string(h.exec("HRANDFIELD", "h"))
		if _, ok := fields[strings.Split(single, "\r\n")[1]]; !ok {
			t.Errorf("HRANDFIELD h = %q", single)
		}
		h.checkReplica()
	}
}

// hashParseScan splits a SCAN reply into its cursor and elements.
func hashParseScan(t *testing.T, b []byte) (string, []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	if len(lines) < 4 || lines[0] != "*2" {
		t.Fatalf("bad SCAN reply %q", b)
	}
	var elems []string
	for i := 4; i+1 < len(lines); i += 2 {
		elems = append(elems, lines[i+1])
	}
	return lines[2], elems
}

// hashParseFlat parses an HRANDFIELD reply of simple fields into
// [field, value] pairs.
func hashParseFlat(t *testing.T, b []byte, proto int, withValues bool) [][2]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	var bulks []string
	nested := 0
	for i := 1; i < len(lines); i++ {
		switch {
		case strings.HasPrefix(lines[i], "$"):
			bulks = append(bulks, lines[i+1])
			i++
		case lines[i] == "*2":
			nested++
		default:
			t.Fatalf("unexpected line %q in %q", lines[i], b)
		}
	}
	var out [][2]string
	if !withValues {
		for _, f := range bulks {
			out = append(out, [2]string{f, ""})
		}
		return out
	}
	if proto == 3 && nested != len(bulks)/2 || proto == 2 && nested != 0 {
		t.Errorf("reply %q: %d nested pairs in RESP%d", b, nested, proto)
	}
	if !bytes.HasPrefix(b, []byte("*"+strconv.Itoa(map[int]int{2: len(bulks), 3: len(bulks) / 2}[proto])+"\r\n")) {
		t.Errorf("reply %q: bad header", b)
	}
	for i := 0; i+1 < len(bulks); i += 2 {
		out = append(out, [2]string{bulks[i], bulks[i+1]})
	}
	return out
}

// hashEffects runs setup, then argv, on a fresh engine and returns the
// effects argv recorded, each joined with spaces.
func hashEffects(t *testing.T, setup [][]string, argv []string) []string {
	t.Helper()
	table, db := NewTable(), New()
	run := func(argv []string) *Call {
		c := &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: time.Now().UnixMilli()}
		table.Exec(db, c)
		if bytes.HasPrefix(c.Out.Bytes(), []byte("-")) {
			t.Fatalf("%q: %q", argv, c.Out.Bytes())
		}
		return c
	}
	for _, s := range setup {
		run(s)
	}
	var out []string
	for _, e := range run(argv).Effects() {
		out = append(out, string(bytes.Join(e, []byte(" "))))
	}
	return out
}

// hashEffectCase is one command's expected effects after a setup.
type hashEffectCase struct {
	setup [][]string
	argv  []string
	want  []string // nil: no effect
}

func hashCheckEffects(t *testing.T, cases []hashEffectCase) {
	t.Helper()
	for _, tc := range cases {
		if got := hashEffects(t, tc.setup, tc.argv); !slices.Equal(got, tc.want) {
			t.Errorf("effects of %q = %q, want %q", tc.argv, got, tc.want)
		}
	}
}

func TestHash_Effects(t *testing.T) {
	h := [][]string{{"HSET", "h", "a", "1.5", "n", "7"}}
	hashCheckEffects(t, []hashEffectCase{
		{h, []string{"HINCRBYFLOAT", "h", "a", "0.1"}, []string{"HSET h a 1.6"}},
		{h, []string{"HINCRBYFLOAT", "h", "new", "2e2"}, []string{"HSET h new 200"}},
		{h, []string{"HINCRBY", "h", "n", "1"}, []string{"HINCRBY h n 1"}},
		{h, []string{"HDEL", "h", "zz"}, nil},
		{h, []string{"HDEL", "nokey", "a"}, nil},
		{h, []string{"HSETNX", "h", "a", "2"}, nil},
		{h, []string{"HSETNX", "h", "b", "2"}, []string{"HSETNX h b 2"}},
		{h, []string{"HDEL", "h", "a", "zz"}, []string{"HDEL h a zz"}},
		{h, []string{"HGETALL", "h"}, nil},
		{h, []string{"HRANDFIELD", "h", "-5"}, nil},
	})
}

// TestHash_ExpiredKeys checks that the hash, list and set commands treat an
// expired key as missing and record its deletion. It needs DEL, from the
// keys family.
func TestHash_ExpiredKeys(t *testing.T) {
	h := newHarness(t)
	if h.table.Lookup([]byte("del")) == nil {
		t.Skip("DEL is not registered yet")
	}
	h.diff("HSET", "h", "f", "v")
	h.diff("RPUSH", "l", "a", "b")
	h.diff("SADD", "s", "1", "2")
	h.diff("SADD", "t", "2", "3")
	at := time.Now().UnixMilli() + 20
	for _, k := range []string{"h", "l", "s", "t"} {
		h.redis.Do("PEXPIREAT", k, strconv.FormatInt(at, 10))
		h.db.SetExpire(k, h.db.Raw(k), at)
		h.replica.SetExpire(k, h.replica.Raw(k), at)
	}
	h.diff("SINTER", "s", "t")
	h.checkReplica()
	deadline := time.Now().Add(5 * time.Second)
	for string(h.redis.Do("PTTL", "t")) != ":-2\r\n" || time.Now().UnixMilli() <= at {
		if time.Now().After(deadline) {
			t.Fatal("keys did not expire")
		}
		time.Sleep(time.Millisecond)
	}
	for _, argv := range [][]string{
		{"HGET", "h", "f"}, {"HSETNX", "h", "g", "1"}, {"HGETALL", "h"},
		{"LPUSHX", "l", "x"}, {"LLEN", "l"},
		{"SUNIONSTORE", "d", "s", "t"}, {"SCARD", "d"}, {"SISMEMBER", "t", "2"},
	} {
		h.diff(argv...)
		h.checkReplica()
	}
}
