package engine

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// objectReads is what the scripts ask of a key after each change.
func objectReads(key string) [][]string {
	return [][]string{{"OBJECT", "ENCODING", key}, {"OBJECT", "REFCOUNT", key}}
}

// objectScript interleaves changes with OBJECT ENCODING and REFCOUNT of
// the key each change names (its first argument after the command).
func objectScript(changes ...[]string) keysScript {
	var s keysScript
	for _, c := range changes {
		s = append(s, c)
		if len(c) > 1 {
			s = append(s, objectReads(c[1])...)
		}
	}
	return s
}

// TestObject_Encodings: OBJECT ENCODING and REFCOUNT answer as redis-server
// 7.0's after every way a value of each type comes to be: strings stored
// whole (an int, a shared int below 10000, embstr up to 44 bytes, raw),
// changed in place, computed by INCRBYFLOAT, copied and renamed; sets,
// hashes and sorted sets past their compact limits and computed afresh.
func TestObject_Encodings(t *testing.T) {
	long := strings.Repeat("v", 44)
	many := func(cmd, key string, n int, elem func(i int) []string) []string {
		args := []string{cmd, key}
		for i := range n {
			args = append(args, elem(i)...)
		}
		return args
	}
	keysRunScripts(t, map[string]keysScript{
		"strings stored whole": objectScript(
			[]string{"SET", "s", "5"}, []string{"SET", "s", "9999"}, []string{"SET", "s", "10000"},
			[]string{"SET", "s", "-1"}, []string{"SET", "s", "9223372036854775807"}, []string{"SET", "s", "-9223372036854775808"},
			[]string{"SET", "s", "9223372036854775808"}, []string{"SET", "s", "007"}, []string{"SET", "s", "-0"},
			[]string{"SET", "s", " 1"}, []string{"SET", "s", "+1"}, []string{"SET", "s", "1.5"}, []string{"SET", "s", ""},
			[]string{"SET", "s", long}, []string{"SET", "s", long + "v"}, []string{"SET", "s", "12", "EX", "100"},
			[]string{"SETEX", "s", "100", "13"}, []string{"PSETEX", "s", "100000", "abc"}, []string{"SETNX", "n", "14"},
			[]string{"GETSET", "s", "15"}, []string{"MSET", "s", "16", "t", long + "v"}, []string{"MSETNX", "u", "17", "w", "x"},
			[]string{"SET", "s", "18", "GET"}, []string{"SET", "s", "19", "KEEPTTL"}, []string{"GETEX", "s", "PERSIST"},
		),
		"strings changed in place": objectScript(
			[]string{"APPEND", "a", "5"}, []string{"APPEND", "a", "5"}, []string{"SETRANGE", "r", "0", "7"},
			[]string{"SETRANGE", "r", "0", ""}, []string{"SET", "r", "8"}, []string{"SETRANGE", "r", "0", ""},
			[]string{"SETRANGE", "r", "0", "9"}, []string{"INCR", "r"}, []string{"APPEND", "a", long},
			[]string{"INCR", "i"}, []string{"INCRBY", "i", "20000"}, []string{"INCR", "i"}, []string{"DECRBY", "i", "20000"},
			[]string{"INCRBYFLOAT", "f", "1"}, []string{"INCRBYFLOAT", "f", "0.5"}, []string{"INCRBYFLOAT", "f", "1e30"},
			[]string{"INCRBYFLOAT", "f", "-1e30"}, []string{"INCR", "f"}, []string{"SET", "f", "3"},
			[]string{"INCRBYFLOAT", "f", "1"},
		),
		"copies and renames": objectScript(
			[]string{"SET", "s", "5"}, []string{"COPY", "s", "c1"}, []string{"OBJECT", "ENCODING", "c1"},
			[]string{"OBJECT", "REFCOUNT", "c1"}, []string{"INCR", "c1"}, []string{"SET", "b", "50000"},
			[]string{"COPY", "b", "c2"}, []string{"OBJECT", "REFCOUNT", "c2"}, []string{"INCR", "c2"},
			[]string{"APPEND", "a", "x"}, []string{"APPEND", "a", "y"}, []string{"COPY", "a", "c3"},
			[]string{"OBJECT", "ENCODING", "c3"}, []string{"RENAME", "a", "c4"}, []string{"OBJECT", "ENCODING", "c4"},
			[]string{"INCRBYFLOAT", "f", "1"}, []string{"COPY", "f", "c5"}, []string{"OBJECT", "ENCODING", "c5"},
			[]string{"RENAME", "s", "c6"}, []string{"OBJECT", "REFCOUNT", "c6"},
			[]string{"SADD", "set", "1"}, []string{"COPY", "set", "c7"}, []string{"OBJECT", "ENCODING", "c7"},
		),
		"collections": objectScript(
			[]string{"RPUSH", "l", "a"}, []string{"SADD", "is", "1", "2"}, []string{"SADD", "is", "x"},
			many("SADD", "big", 512, func(i int) []string { return []string{strconv.Itoa(i)} }),
			[]string{"SADD", "big", "512"}, []string{"SREM", "big", "512"}, []string{"DEL", "big"}, []string{"SADD", "big", "1"},
			[]string{"HSET", "h", "f", "v"}, []string{"HSET", "h", "g", strings.Repeat("v", 65)},
			many("HSET", "h2", 129, func(i int) []string { return []string{fmt.Sprint("f", i), "v"} }),
			[]string{"ZADD", "z", "1", "a"}, many("ZADD", "z", 128, func(i int) []string { return []string{"1", fmt.Sprint("m", i)} }),
			[]string{"ZREMRANGEBYRANK", "z", "0", "100"}, []string{"ZUNIONSTORE", "z2", "1", "z"},
			[]string{"SINTERSTORE", "is2", "is"}, []string{"SUNIONSTORE", "is3", "big"},
		),
		"missing keys and errors": {
			{"OBJECT", "ENCODING", "nokey"}, {"OBJECT", "REFCOUNT", "nokey"}, {"OBJECT", "IDLETIME", "nokey"},
			{"OBJECT", "FREQ", "nokey"}, {"SET", "k", "v"}, {"OBJECT", "FREQ", "k"}, {"OBJECT", "help"},
			{"OBJECT", "HELP", "k"}, {"OBJECT"}, {"OBJECT", "NOSUCH", "k"}, {"OBJECT", "ENCODING"},
			{"OBJECT", "ENCODING", "k", "k"}, {"OBJECT", "encoding", "k"}, {"OBJECT", "nosuch\x00x"},
		},
	})
}

// TestObject_IdleTime: OBJECT IDLETIME counts whole seconds since the last
// access, as Redis's LRU clock does. Reads and writes are accesses; TYPE,
// EXISTS, TTL and OBJECT itself are not. A shared integer (0 to 9999) has
// one idle time for every key holding it: reading a makes b fresh too.
// Both servers are asked, a second apart at most: their answers may differ
// by one (each rounds its own clock), never more.
func TestObject_IdleTime(t *testing.T) {
	h := newHarness(t)
	for _, cmd := range [][]string{{"SET", "a", "x"}, {"SET", "b", "x"}, {"RPUSH", "l", "x"}, {"SET", "i", "7"}, {"SET", "j", "7"}} {
		h.diff(cmd...)
	}
	time.Sleep(2200 * time.Millisecond)
	for _, cmd := range [][]string{{"GET", "a"}, {"RPUSH", "l", "y"}, {"TYPE", "b"}, {"EXISTS", "b"}, {"TTL", "b"},
		{"OBJECT", "ENCODING", "b"}, {"GET", "i"}} {
		h.diff(cmd...)
	}
	idle := func(key string, want int64) {
		t.Helper()
		got, redis := h.exec("OBJECT", "IDLETIME", key), h.redis.Do("OBJECT", "IDLETIME", key)
		for _, r := range [][]byte{got, redis} {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(string(r), ":")), 10, 64)
			if err != nil || n < want-1 || n > want+1 {
				t.Errorf("OBJECT IDLETIME %s = %q (redis-server %q), want %d±1", key, got, redis, want)
			}
		}
	}
	idle("a", 0) // read
	idle("l", 0) // written
	idle("b", 2) // only looked at
	idle("j", 0) // holds the 7 that i's read touched
}

// The blocking layer and routing ask a command for its keys: OBJECT's
// container (what the shard looks up) and its subcommands (what the
// server resolves) must both name the key, so that OBJECT ENCODING of a
// key with an uncommitted write waits for it, and a replica redirects it.
func TestObject_Keys(t *testing.T) {
	table := NewTable()
	for _, argv := range [][]string{{"OBJECT", "ENCODING", "k"}, {"object", "refcount", "k"}, {"OBJECT", "IDLETIME", "k"}, {"OBJECT", "FREQ", "k"}} {
		b := toBytes(argv)
		sub, msg := table.Resolve(b)
		if msg != "" {
			t.Fatalf("Resolve(%q): %s", argv, msg)
		}
		for _, cmd := range []*Command{table.Lookup(b[0]), sub} {
			if keys := cmd.Keys(b); len(keys) != 1 || string(keys[0]) != "k" {
				t.Errorf("%s.Keys(%q) = %q, want [k]", cmd.Name, argv, keys)
			}
			if cmd.IsWrite() {
				t.Errorf("%s is a write", cmd.Name)
			}
		}
	}
	if keys := table.Lookup([]byte("OBJECT")).Keys(toBytes([]string{"OBJECT", "HELP"})); len(keys) != 0 {
		t.Errorf("OBJECT HELP has keys %q", keys)
	}
}
