package engine

import (
	"fmt"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

func TestKeys_Commands(t *testing.T) {
	keysRunScripts(t, map[string]keysScript{
		"del exists": {
			{"MSET", "a", "1", "b", "2", "c", "3"}, {"EXISTS", "a"}, {"EXISTS", "a", "a", "b", "z"}, {"DBSIZE"},
			{"DEL", "a"}, {"DEL", "a"}, {"DEL", "b", "c", "z", "b"}, {"EXISTS", "a", "b", "c"}, {"DBSIZE"},
			{"SET", "a", "1"}, {"UNLINK", "a", "a", "z"}, {"UNLINK", "z"}, {"DBSIZE"},
			{"SET", "\x00\r\n", "1"}, {"EXISTS", "\x00\r\n"}, {"DEL", "\x00\r\n"},
			{"DEL"}, {"UNLINK"}, {"EXISTS"}, {"DBSIZE", "x"},
		},
		"type touch": {
			{"SET", "s", "1"}, {"TYPE", "s"}, {"TYPE", "missing"}, {"TOUCH", "s", "missing", "s"}, {"TOUCH", "missing"},
			{"TYPE"}, {"TYPE", "a", "b"}, {"TOUCH"},
		},
		"rename": {
			{"SET", "a", "1"}, {"RENAME", "a", "b"}, {"GET", "a"}, {"GET", "b"},
			{"RENAME", "a", "b"}, {"RENAME", "missing", "missing"}, {"RENAME", "b", "b"}, {"GET", "b"},
			{"SET", "c", "3", "EX", "100"}, {"RENAME", "c", "b"}, {"TTL", "b"}, {"GET", "b"}, {"EXISTS", "c"},
			{"SET", "d", "4"}, {"RENAME", "d", "b"}, {"TTL", "b"}, {"GET", "b"},
			{"RENAMENX", "b", "e"}, {"RENAMENX", "b", "e"}, {"SET", "f", "6"}, {"RENAMENX", "f", "e"}, {"GET", "e"},
			{"RENAMENX", "e", "e"}, {"RENAMENX", "missing", "e"}, {"RENAMENX", "missing", "missing"},
			{"RENAME", "e", "\x00\r\n"}, {"GET", "\x00\r\n"}, {"RENAME", "a"}, {"RENAMENX", "a", "b", "c"},
		},
		"copy": {
			{"SET", "a", "1", "EX", "100"}, {"COPY", "a", "b"}, {"GET", "b"}, {"TTL", "b"},
			{"COPY", "a", "b"}, {"SET", "a", "2"}, {"COPY", "a", "b", "REPLACE"}, {"GET", "b"}, {"TTL", "b"},
			{"APPEND", "b", "x"}, {"GET", "a"}, {"GET", "b"},
			{"COPY", "a", "a"}, {"COPY", "missing", "a"}, {"COPY", "missing", "missing"}, {"COPY", "missing", "c"},
			{"COPY", "a", "c", "DB", "0"}, {"COPY", "a", "c", "db", "0", "replace", "REPLACE"}, {"GET", "c"},
			{"COPY", "a", "c", "DB"}, {"COPY", "a", "c", "FOO"}, {"COPY", "a", "c", "DB", "x"}, {"COPY", "a", "c", "DB", "1.5"},
			{"COPY", "a", "c", "DB", "-1"}, {"COPY", "a", "c", "DB", "16"}, {"COPY", "a", "c", "DB", "2147483648"},
			{"COPY", "a", "c", "DB", "9999999999999999999"}, {"COPY", "a", "a", "DB", "x"}, {"COPY", "a", "a", "FOO"},
			{"COPY", "a", "c", "REPLACE\x00junk"}, {"COPY", "a"},
		},
		"flush": {
			{"MSET", "a", "1", "b", "2"}, {"FLUSHDB"}, {"DBSIZE"},
			{"MSET", "a", "1", "b", "2"}, {"FLUSHALL", "ASYNC"}, {"DBSIZE"},
			{"MSET", "a", "1", "b", "2"}, {"FLUSHDB", "sync"}, {"DBSIZE"},
			{"SET", "a", "1"}, {"FLUSHALL", "SYNC"}, {"FLUSHDB", "async"}, {"DBSIZE"},
			{"SET", "a", "1"}, {"FLUSHALL", "FOO"}, {"FLUSHDB", "ASYNC", "SYNC"}, {"FLUSHALL", "SYNC", "x"}, {"DBSIZE"},
		},
		"randomkey": {
			{"RANDOMKEY"}, {"SET", "only", "1"}, {"RANDOMKEY"}, {"RANDOMKEY", "x"},
		},
	})
}

// TestKeys_CopyDB documents memshard's single database: COPY to DB 1
// succeeds on redis-server (16 databases) and fails here.
func TestKeys_CopyDB(t *testing.T) {
	h := newHarness(t)
	h.diff("SET", "a", "1")
	if got, want := string(h.exec("COPY", "a", "b", "DB", "1")), "-ERR DB index is out of range\r\n"; got != want {
		t.Errorf("COPY a b DB 1 = %q, want %q", got, want)
	}
	h.diff("EXISTS", "b")
	h.checkReplica()
}

// TestKeys_Types runs the key commands on values of every type.
func TestKeys_Types(t *testing.T) {
	keysEachProto(t, func(t *testing.T, h *harness) {
		types := []string{TypeList, TypeSet, TypeZSet, TypeHash}
		for _, typ := range types {
			keysMakeTyped(h, typ, typ)
		}
		for _, typ := range types {
			for _, argv := range (keysScript{
				{"TYPE", typ}, {"EXISTS", typ}, {"TOUCH", typ}, {"EXPIRE", typ, "100"}, {"TTL", typ},
				{"RENAME", typ, typ + "2"}, {"TYPE", typ + "2"}, {"TTL", typ + "2"}, {"RENAMENX", typ + "2", typ},
				{"COPY", typ, typ + "c"}, {"TYPE", typ + "c"}, {"TTL", typ + "c"}, {"COPY", typ, typ + "c"},
				{"SET", typ + "s", "v"}, {"COPY", typ, typ + "s", "REPLACE"}, {"TYPE", typ + "s"},
				{"SET", typ + "s", "v"}, {"RENAME", typ + "s", typ + "c"}, {"TYPE", typ + "c"},
				{"RENAME", typ, typ + "c"}, {"TYPE", typ + "c"},
			}) {
				h.diff(argv...)
			}
			// The copy shares nothing with the original.
			h.diff("COPY", typ+"c", typ+"d")
			modify := map[string][]string{
				TypeList: {"RPUSH", typ + "d", "y"}, TypeSet: {"SADD", typ + "d", "y"},
				TypeZSet: {"ZADD", typ + "d", "2", "y"}, TypeHash: {"HSET", typ + "d", "g", "y"},
			}[typ]
			read := map[string]string{TypeList: "LRANGE", TypeSet: "SMEMBERS", TypeZSet: "ZRANGE", TypeHash: "HGETALL"}[typ]
			if keysHas(h, modify[0]) {
				h.diff(modify...)
				for _, k := range []string{typ + "c", typ + "d"} {
					if read == "LRANGE" || read == "ZRANGE" {
						h.diff(read, k, "0", "-1")
					} else {
						h.diffUnordered(read, k)
					}
				}
			}
			h.checkReplica()
		}
		h.diffUnordered("KEYS", "*")
		keysDiffScan(h, "SCAN", "0", "COUNT", "100", "TYPE", "list")
		keysDiffScan(h, "SCAN", "0", "COUNT", "100", "TYPE", "HASH")
		h.diff("DEL", TypeList+"c", TypeSet+"s", "nothing")
		h.diff("DBSIZE")
	})
}

// keysGlobKeys are names exercising the matcher: specials, signed bytes.
var keysGlobKeys = []string{
	"hello", "hallo", "hxllo", "hllo", "heeeello", "h", "", "a", "ab", "abc", "aXc", "a*c", "a?c", "a[c", "a]c",
	"a\\c", "a-c", "a^c", "^", "-", "]", "[", "*", "?", "\\", "foo:bar:baz", "foo::baz", "\x00", "a\x00c",
	"\x7f", "\x80", "\xff", "a\xffc", "é", "A", "Z", "_", "0", "9", "zzz", "[a]", "\\*",
}

func TestKeys_KeysGlob(t *testing.T) {
	patterns := []string{
		"*", "", "h*llo", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h[^a-z]llo", "h*", "*o", "*l*",
		"a?c", "a\\?c", "a\\*c", "a[*]c", "a[?]c", "a[[]c", "a[]]c", "a[\\]]c", "a[\\\\]c", "a\\\\c", "a[-]c", "a[a-]c",
		"a[-a]c", "a[^]c", "a[^^]c", "a[", "a[c", "a[^", "a[b-", "[", "]", "\\", "a\\", "a\\c", "\\a\\b\\c", "*\\",
		"a[\\", "[^a]", "[^]", "[]", "[]]", "*[", "?", "??", "???", "?*", "*?", "**", "***a", "a**", "*a*b*c*",
		"foo:*:baz", "foo:?:baz", "foo*baz", "[a-c]*", "[A-Z]", "[0-9]", "[!a]", "a[\x80-\xff]c", "a[a-\xff]c",
		"[\x00-a]", "\x00", "a\x00c", "a?c*", "[\x7f-\x80]", "[\xff-\x80]", "[\x80]", "\xff", "?\xff?", "[^\xff]",
		"a[b-]", "a[b-d", "[a-", "*[a-", "h[a-e-l]llo", "h[e-a-l]llo", "h[--a]llo", "[*", "*]", "[[]", "[]-]",
		"é", "[é]", "?\xa9", "\\x", "*\\", "\\\\*", "[\\", "[\\]", "[\\\\]", "[a\\-c]", "[a-\\c]",
	}
	keysEachProto(t, func(t *testing.T, h *harness) {
		for _, k := range keysGlobKeys {
			h.diff("SET", k, "v")
		}
		for _, p := range patterns {
			h.diffUnordered("KEYS", p)
			keysDiffScan(h, "SCAN", "0", "MATCH", p, "COUNT", "1000")
		}
		h.diff("KEYS")
		h.diff("KEYS", "a", "b")
	})
}

// TestKeys_KeysGlobRandom compares the matcher with redis-server's on
// random patterns over an alphabet of specials.
func TestKeys_KeysGlobRandom(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(1, 2))
	word := func(alphabet string, n int) string {
		b := make([]byte, r.IntN(n+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 60 {
		h.diff("SET", word("ab-^[]\\*?\xc8", 6), "v")
	}
	for range 400 {
		h.diffUnordered("KEYS", word("ab*?[]^-\\\xc8", 8))
	}
}

// TestKeys_GlobNesting checks the limit on nested stars: patterns of more
// than 1000 non-consecutive * never match.
func TestKeys_GlobNesting(t *testing.T) {
	h := newHarness(t)
	h.diff("SET", strings.Repeat("a", 1100), "v")
	h.diff("SET", "b", "v")
	for _, n := range []int{10, 999, 1000, 1001, 1002, 1100} {
		h.diffUnordered("KEYS", strings.Repeat("a*", n))
		h.diffUnordered("KEYS", strings.Repeat("*", n))
		h.diffUnordered("KEYS", strings.Repeat("*a", n))
	}
	h.diffUnordered("KEYS", strings.Repeat("*a", 30)+"b") // exponential without the skip
}

func TestKeys_ScanSmall(t *testing.T) {
	keysEachProto(t, func(t *testing.T, h *harness) {
		for i := range 8 {
			h.diff("SET", fmt.Sprint("key:", i), "v")
		}
		keysMakeTyped(h, TypeHash, "hash")
		for _, argv := range (keysScript{
			{"SCAN", "0"}, {"SCAN", "0", "COUNT", "10"}, {"SCAN", "0", "MATCH", "key:[1-3]"}, {"SCAN", "0", "MATCH", "*"},
			{"SCAN", "0", "TYPE", "string"}, {"SCAN", "0", "TYPE", "STRING", "MATCH", "*1"}, {"SCAN", "0", "TYPE", "hash"},
			{"SCAN", "0", "TYPE", "foo"}, {"SCAN", "0", "TYPE", "none"}, {"SCAN", "0", "count", "100", "match", "nothing"},
			{"SCAN", ""}, {"SCAN", "\x00junk"}, {"SCAN", "+0"}, {"SCAN", "-0"}, {"SCAN", "00"},
			{"SCAN", "0", "COUNT", "10", "COUNT", "20", "MATCH", "x", "MATCH", "*"},
			{"SCAN", "0", "TYPE", "string\x00junk"}, {"SCAN", "0", "MATCH\x00junk", "*"},
		}) {
			keysDiffScan(h, argv...)
		}
		for _, argv := range (keysScript{
			{"SCAN", "x"}, {"SCAN", " 0"}, {"SCAN", "0 "}, {"SCAN", "-"}, {"SCAN", "+"}, {"SCAN", "1.5"}, {"SCAN", "0x10"},
			{"SCAN", "18446744073709551616"}, {"SCAN", "-18446744073709551616"}, {"SCAN", "99999999999999999999"},
			{"SCAN", "0", "COUNT"}, {"SCAN", "0", "COUNT", "0"}, {"SCAN", "0", "COUNT", "-1"}, {"SCAN", "0", "COUNT", "x"},
			{"SCAN", "0", "COUNT", "9223372036854775808"}, {"SCAN", "0", "MATCH"}, {"SCAN", "0", "TYPE"},
			{"SCAN", "0", "FOO", "bar"}, {"SCAN", "0", "MATCH", "*", "COUNT"}, {"SCAN", "x", "FOO"}, {"SCAN", "0", "COUNT", "0", "FOO"},
			{"SCAN"},
		}) {
			h.diff(argv...)
		}
	})
}

// keysScanAll iterates SCAN to the end on one side and returns every key
// seen, with repetitions, and the number of calls.
func keysScanAll(t *testing.T, do func(argv ...string) []byte, opts ...string) ([]string, int) {
	t.Helper()
	var keys []string
	cursor, calls := "0", 0
	for {
		calls++
		reply := keysMustParse(t, do(append([]string{"SCAN", cursor}, opts...)...))
		arr, ok := reply.([]any)
		if !ok || len(arr) != 2 {
			t.Fatalf("SCAN reply %v", reply)
		}
		for _, k := range arr[1].([]any) {
			keys = append(keys, k.(string))
		}
		cursor = arr[0].(string)
		if cursor == "0" {
			return keys, calls
		}
		if calls > 100000 {
			t.Fatal("SCAN does not end")
		}
	}
}

func TestKeys_ScanIteration(t *testing.T) {
	h := newHarness(t)
	var args []string
	for i := range 1000 {
		args = append(args, fmt.Sprint("k", i), "v")
	}
	h.diff(append([]string{"MSET"}, args...)...)
	for _, opts := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "100"}, {"MATCH", "k1*", "COUNT", "50"}, {"TYPE", "string", "COUNT", "3"}, {"COUNT", "5000"}} {
		t.Run(strings.Join(opts, " "), func(t *testing.T) {
			got, calls := keysScanAll(t, h.exec, opts...)
			want, _ := keysScanAll(t, h.redis.Do, opts...)
			slices.Sort(got)
			if dup := slices.Compact(slices.Clone(got)); len(dup) != len(got) {
				t.Errorf("SCAN %q returned %d keys, %d distinct", opts, len(got), len(dup))
			}
			want = slices.Compact(slices.Sorted(slices.Values(want)))
			if diff := cmp.Diff(want, slices.Compact(got)); diff != "" {
				t.Errorf("SCAN %q keys (-redis +engine):\n%s", opts, diff)
			}
			if count := 10; len(opts) >= 2 && opts[0] == "COUNT" {
				count, _ = strconv.Atoi(opts[1])
				if min := (1000 + count - 1) / count; calls < min {
					t.Errorf("SCAN COUNT %d took %d calls, want at least %d", count, calls, min)
				}
			}
		})
	}
}

// TestKeys_ScanGuarantee modifies the keyspace between SCAN calls: every
// key present for the whole iteration must be returned.
func TestKeys_ScanGuarantee(t *testing.T) {
	table := NewTable()
	db := New()
	const now = 1_000_000
	for i := range 500 {
		keysExecAt(t, table, db, now, "SET", fmt.Sprint("stable", i), "v")
		keysExecAt(t, table, db, now, "SET", fmt.Sprint("gone", i), "v")
	}
	seen := map[string]int{}
	cursor := "0"
	for step := 0; ; step++ {
		reply, _ := keysExecAt(t, table, db, now, "SCAN", cursor, "COUNT", "13")
		arr := keysMustParse(t, []byte(reply)).([]any)
		for _, k := range arr[1].([]any) {
			seen[k.(string)]++
		}
		// Churn: delete some keys, add new ones, overwrite stable ones.
		keysExecAt(t, table, db, now, "DEL", fmt.Sprint("gone", step))
		keysExecAt(t, table, db, now, "SET", fmt.Sprint("new", step), "v")
		keysExecAt(t, table, db, now, "SET", fmt.Sprint("stable", step%500), "w")
		if cursor = arr[0].(string); cursor == "0" {
			break
		}
	}
	for i := range 500 {
		k := fmt.Sprint("stable", i)
		if seen[k] != 1 {
			t.Errorf("key %s returned %d times, want 1", k, seen[k])
		}
	}
}

func TestKeys_RandomKey(t *testing.T) {
	table := NewTable()
	db := New()
	const now = 1_000_000
	keys := map[string]bool{}
	for i := range 50 {
		k := fmt.Sprint("k", i)
		keys[k] = true
		keysExecAt(t, table, db, now, "SET", k, "v")
	}
	for i := range 50 {
		keysExecAt(t, table, db, 1, "SET", fmt.Sprint("expired", i), "v", "PXAT", "2")
	}
	seen := map[string]bool{}
	for range 200 {
		reply, _ := keysExecAt(t, table, db, now, "RANDOMKEY")
		k, ok := keysMustParse(t, []byte(reply)).(string)
		if !ok || !keys[k] {
			t.Fatalf("RANDOMKEY = %q, not a live key", reply)
		}
		seen[k] = true
	}
	if len(seen) < 10 {
		t.Errorf("RANDOMKEY returned only %d distinct keys of 50 in 200 draws", len(seen))
	}
	// A replica does not delete; with every key expired it still answers.
	rdb := New()
	keysExecAt(t, table, rdb, 1, "SET", "x", "v", "PXAT", "2")
	w, _ := keysExecAt(t, table, rdb, 1, "DBSIZE")
	c := &Call{Argv: toBytes([]string{"RANDOMKEY"}), Out: resp.NewWriter(2), Now: now, ReadOnlyReplica: true}
	table.Exec(rdb, c)
	if got := string(c.Out.Bytes()); got != "$1\r\nx\r\n" || w != ":1\r\n" || rdb.Len() != 1 {
		t.Errorf("replica RANDOMKEY with only expired keys = %q (len %d)", got, rdb.Len())
	}
}

// TestKeys_Errors checks Table.Exec's unknown-command and arity errors.
func TestKeys_Errors(t *testing.T) {
	keysRunScripts(t, map[string]keysScript{
		"arity": {{"GET"}, {"SET", "a"}, {"get", "a", "b"}, {"Set"}, {"MSET", "a"}, {"EXPIRE", "a"}, {"DBSIZE", "x"}},
		"unknown": {
			{"FOO"}, {"FOO", "bar", "baz"}, {"foo", "BAR"}, {"FOO", ""}, {"FOO", "", ""},
			{"FOO", strings.Repeat("x", 200), "y"}, {"FOO", strings.Repeat("abcdefghij", 1) + "k", "y"},
			append([]string{"FOO"}, strings.Split(strings.Repeat("abcdefghij ", 20), " ")...),
			append([]string{"FOO"}, strings.Split(strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!? ", 5), " ")...),
			{"FOO", strings.Repeat("y", 127), "z"}, {"FOO", strings.Repeat("y", 125), "z"}, {"FOO", strings.Repeat("y", 124), "z"},
			{"FOO", "a\x00b", "c"}, {"FOO\x00bar", "x"}, {"FOO\r\nbar", "a\r\nb"}, {"FOO", "a\rb\nc"},
			{strings.Repeat("N", 200), "x"}, {strings.Repeat("N", 200)}, {"", "x"}, {"GETT", "x"},
		},
	})
}

// TestKeys_CommandInfo compares each command's arity, flags and key
// positions with redis-server's COMMAND INFO.
func TestKeys_CommandInfo(t *testing.T) {
	h := newHarness(t)
	for _, family := range [][]*Command{keyCommands(), stringCommands()} {
		for _, cmd := range family {
			info := keysMustParse(t, h.redis.Do("COMMAND", "INFO", cmd.Name)).([]any)
			if len(info) != 1 || info[0] == nil {
				t.Errorf("%s: redis-server does not know it", cmd.Name)
				continue
			}
			i := info[0].([]any)
			var flags []string
			for _, f := range i[2].([]any) {
				flags = append(flags, f.(string))
			}
			want := fmt.Sprint(i[1], flags, i[3], i[4], i[5])
			got := fmt.Sprint(cmd.Arity, cmd.Flags, cmd.FirstKey, cmd.LastKey, cmd.Step)
			if got != want {
				t.Errorf("%s: arity, flags, first, last, step = %s, want %s", cmd.Name, got, want)
			}
		}
	}
}

// TestKeys_MoveAndSwapDBWithOneDatabase: MOVE and SWAPDB answer as a
// redis-server configured with one database does.
func TestKeys_MoveAndSwapDBWithOneDatabase(t *testing.T) {
	one := redisdiff.StartWith(t, "--databases", "1")
	h := newHarness(t)
	h.redis = redisdiff.Dial(t, one.Addr)
	for _, argv := range [][]string{
		{"SET", "a", "1"}, {"MOVE", "a", "1"}, {"MOVE", "a", "0"}, {"MOVE", "nokey", "0"}, {"MOVE", "a", "x"},
		{"MOVE", "a", "-1"}, {"MOVE", "a", "99999999999"}, {"MOVE", "a", "16"}, {"MOVE", "a"}, {"MOVE", "a", "0", "x"},
		{"SWAPDB", "0", "1"}, {"SWAPDB", "0", "0"}, {"SWAPDB", "x", "0"}, {"SWAPDB", "0", "x"}, {"SWAPDB", "x", "y"},
		{"SWAPDB", "-1", "0"}, {"SWAPDB", "99999999999", "0"}, {"SWAPDB", "0", "99999999999"}, {"SWAPDB", "0"},
		{"GET", "a"}, {"DBSIZE"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}
