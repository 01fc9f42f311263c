package engine

import (
	"fmt"
	"testing"
)

func TestKeyspaceTable_SetDelLen(t *testing.T) {
	ks := newKeyspace()
	e1, e2 := &Entry{Value: []byte("1")}, &Entry{Value: []byte("2")}
	if !ks.set("a", e1) || ks.set("a", e2) || ks.n != 1 {
		t.Fatalf("set: n=%d", ks.n)
	}
	if ks.get("a") != e2 || ks.getBytes([]byte("a")) != e2 || ks.get("b") != nil {
		t.Fatal("get does not return the last set entry")
	}
	if ks.del("b") || !ks.del("a") || ks.del("a") || ks.n != 0 || ks.get("a") != nil {
		t.Fatalf("del: n=%d", ks.n)
	}
	if k, e := ks.random(); e != nil {
		t.Fatalf("random of an empty keyspace = %q", k)
	}
	ks.set("x", e1)
	if k, e := ks.random(); k != "x" || e != e1 {
		t.Fatalf("random of {x} = %q", k)
	}
	ks.clear()
	if ks.n != 0 || ks.get("x") != nil {
		t.Fatal("clear left a key")
	}
}

// TestKeyspaceTable_ScanChurn scans a keyspace spread over every bucket
// while keys come and go: each key present for the whole scan is returned
// exactly once, none is returned twice, and a call returns at most COUNT
// keys (maphash does not collide on these).
func TestKeyspaceTable_ScanChurn(t *testing.T) {
	for _, count := range []int{1, 7, 1000, 100000} {
		t.Run(fmt.Sprint("count=", count), func(t *testing.T) {
			ks := newKeyspace()
			const n = 40000
			for i := range n {
				ks.set(fmt.Sprint("stable:", i), &Entry{})
				ks.set(fmt.Sprint("gone:", i), &Entry{})
			}
			seen := map[string]int{}
			var cursor uint64
			for step := 0; ; step++ {
				keys, next := ks.scan(cursor, count)
				if len(keys) > count {
					t.Fatalf("call %d returned %d keys for COUNT %d", step, len(keys), count)
				}
				for _, k := range keys {
					seen[k]++
				}
				ks.del(fmt.Sprint("gone:", step%n))
				ks.set(fmt.Sprint("new:", step), &Entry{})
				if cursor = next; cursor == 0 {
					break
				}
				if step > 4*n {
					t.Fatal("SCAN does not end")
				}
			}
			for i := range n {
				if k := fmt.Sprint("stable:", i); seen[k] != 1 {
					t.Fatalf("%s returned %d times, want 1", k, seen[k])
				}
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("%s returned %d times", k, c)
				}
			}
		})
	}
}

// BenchmarkKeyspaceTable_Set inserts new keys into a keyspace of a million,
// as a SET load with -r 1000000 does.
func BenchmarkKeyspaceTable_Set(b *testing.B) {
	ks := newKeyspace()
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%012d", i)
	}
	e := &Entry{}
	b.ResetTimer()
	for i := range b.N {
		if i%len(keys) == 0 && i > 0 {
			b.StopTimer()
			ks.clear()
			b.StartTimer()
		}
		ks.set(keys[i%len(keys)], e)
	}
}
