package engine

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// TestMemory_AsRedis: what MEMORY answers the same way in memshard and
// redis-server 7.0: a missing key, the options and their errors, arity and
// unknown subcommands. (The byte counts are each server's own estimate of
// its own structures.)
func TestMemory_AsRedis(t *testing.T) {
	keysRunScripts(t, map[string]keysScript{
		"errors": {
			{"MEMORY", "USAGE", "nokey"}, {"MEMORY", "USAGE", "nokey", "SAMPLES", "3"}, {"SET", "k", "v"},
			{"MEMORY", "USAGE", "k", "SAMPLES", "x"}, {"MEMORY", "USAGE", "k", "SAMPLES", "-1"},
			{"MEMORY", "USAGE", "k", "SAMPLES"}, {"MEMORY", "USAGE", "k", "FOO"}, {"MEMORY", "USAGE", "nokey", "FOO"},
			{"MEMORY", "USAGE"}, {"MEMORY"}, {"MEMORY", "NOSUCH"}, {"MEMORY", "PURGE", "x"}, {"MEMORY", "PURGE"},
			{"MEMORY", "MALLOC-STATS", "x"}, {"MEMORY", "HELP", "x"},
		},
	})
}

// TestMemoryUsage_Estimates: MEMORY USAGE, summed over many keys, is within
// a quarter of what building them took from the Go heap, for each type at
// small and large sizes, with every element sampled and with the
// default 5 (elements of equal size). The per-element constants of
// memory.go were measured this way.
func TestMemoryUsage_Estimates(t *testing.T) {
	table := NewTable()
	var db *DB
	exec := func(args ...string) []byte {
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(args), Out: w, Now: time.Now().UnixMilli()})
		return w.Bytes()
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	val := func(n int) string { return strings.Repeat("v", n) }
	for _, tc := range []struct {
		name        string
		keys, elems int
		add         func(key string, i int) []string
	}{
		{"string 10", 200000, 1, func(k string, _ int) []string { return []string{"SET", k, val(10)} }},
		{"string 1000", 20000, 1, func(k string, _ int) []string { return []string{"SET", k, val(1000)} }},
		{"string 100000", 50, 1, func(k string, _ int) []string { return []string{"SET", k, val(100000)} }},
		{"list 1000", 50, 1000, func(k string, i int) []string { return []string{"RPUSH", k, val(20)} }},
		{"set 1000", 50, 1000, func(k string, i int) []string { return []string{"SADD", k, fmt.Sprintf("m%019d", i)} }},
		{"intset 500", 100, 500, func(k string, i int) []string { return []string{"SADD", k, strconv.Itoa(i)} }},
		{"hash 1000", 50, 1000, func(k string, i int) []string { return []string{"HSET", k, fmt.Sprintf("f%019d", i), val(20)} }},
		{"zset 1000", 50, 1000, func(k string, i int) []string { return []string{"ZADD", k, strconv.Itoa(i), fmt.Sprintf("m%019d", i)} }},
		{"list 1", 50000, 1, func(k string, i int) []string { return []string{"RPUSH", k, val(8)} }},
		{"zset 1", 50000, 1, func(k string, i int) []string { return []string{"ZADD", k, "1", "m"} }},
		{"hash 10", 50000, 10, func(k string, i int) []string { return []string{"HSET", k, fmt.Sprintf("f%d", i), val(20)} }},
		{"zset 10", 50000, 10, func(k string, i int) []string { return []string{"ZADD", k, strconv.Itoa(i), fmt.Sprintf("m%d", i)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db = New()
			before := heap()
			for k := range tc.keys {
				for i := range tc.elems {
					exec(tc.add(fmt.Sprintf("key:%08d", k), i)...)
				}
			}
			used := float64(heap() - before)
			for _, samples := range []string{"0", "5"} {
				var sum float64
				for k := range tc.keys {
					r := exec("MEMORY", "USAGE", fmt.Sprintf("key:%08d", k), "SAMPLES", samples)
					n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(string(r), ":")), 10, 64)
					if err != nil {
						t.Fatalf("MEMORY USAGE = %q", r)
					}
					sum += float64(n)
				}
				if ratio := sum / used; ratio < 0.75 || ratio > 1.25 {
					t.Errorf("SAMPLES %s: MEMORY USAGE sums to %.0f bytes for %d keys, the heap grew by %.0f (%.2f×)", samples, sum, tc.keys, used, ratio)
				}
			}
		})
	}
}

// TestMemoryStats_ExpiresEstimate keeps memExpire, MEMORY STATS's bytes
// per key with an expiry (overhead.hashtable.expires), honest: keys set
// with an expiry grow the heap by about that much more than keys set
// without. (Redis counts the expires table's entries and slots, not the
// key, which it shares: so does memExpire.)
func TestMemoryStats_ExpiresEstimate(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 200000
	grow := func(extra ...string) (uint64, *DB) {
		table, db := NewTable(), New()
		before := heap()
		for k := range n {
			argv := append([]string{"SET", fmt.Sprintf("key:%08d", k), "v"}, extra...)
			table.Exec(db, &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: time.Now().UnixMilli()})
		}
		return heap() - before, db
	}
	plain, db1 := grow()
	expiring, db2 := grow("EX", "1000")
	if db1.Len() != n || db2.Expiring() != n {
		t.Fatalf("%d keys, %d expiring; want %d", db1.Len(), db2.Expiring(), n)
	}
	perKey := (float64(expiring) - float64(plain)) / n
	if ratio := perKey / memExpire; ratio < 0.75 || ratio > 1.25 {
		t.Errorf("a key with an expiry costs %.1f bytes more, memExpire says %d (%.2f×)", perKey, memExpire, ratio)
	}
}
