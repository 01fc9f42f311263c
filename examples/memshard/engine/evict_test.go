package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// fakeMeter is a MemoryMeter whose use the test sets, and which takes
// what Evict frees off it at once (as Redis's allocator shows it).
type fakeMeter struct{ used, freed uint64 }

func (m *fakeMeter) Used() uint64   { return m.used - min(m.used, m.freed) }
func (m *fakeMeter) Freed(n uint64) { m.freed += n }

// evictDB returns a DB holding n keys "k0".."k{n-1}" of 100-byte values,
// each accessed at second i (so k0 is the least recently used), the odd
// ones with an expiry at 10^12+i ms (k1 expires first).
func evictDB(t *testing.T, n int) (*DB, Table) {
	t.Helper()
	db, table := New(), NewTable()
	for i := range n {
		argv := []string{"SET", fmt.Sprint("k", i), string(make([]byte, 100))}
		if i%2 == 1 {
			argv = append(argv, "PXAT", fmt.Sprint(1_000_000_000_000+i))
		}
		c := &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: int64(i) * 1000}
		table.Exec(db, c)
	}
	return db, table
}

func evictWith(db *DB, c *Call, m Maxmemory, meter MemoryMeter) EvictResult {
	db.SetMaxmemory(m)
	return db.Evict(c, meter)
}

func evictCall() *Call { return &Call{Out: resp.NewWriter(2), Now: time.Now().UnixMilli()} }

func TestEvict_UnderTheLimitDoesNothing(t *testing.T) {
	db, _ := evictDB(t, 10)
	for _, m := range []Maxmemory{{}, {Limit: 1000, Policy: AllKeysLRU, Samples: 5}} {
		c := evictCall()
		res := evictWith(db, c, m, &fakeMeter{used: 1000})
		if res != (EvictResult{}) || db.Len() != 10 || len(c.Effects()) != 0 {
			t.Fatalf("%+v: %+v, %d keys, effects %q", m, res, db.Len(), c.Effects())
		}
	}
}

func TestEvict_NoEvictionIsOutOfMemory(t *testing.T) {
	db, _ := evictDB(t, 10)
	res := evictWith(db, evictCall(), Maxmemory{Limit: 1000, Policy: NoEviction, Samples: 5}, &fakeMeter{used: 1001})
	if !res.OOM || res.Evicted != 0 || db.Len() != 10 {
		t.Fatalf("%+v, %d keys", res, db.Len())
	}
}

// TestEvict_FreesWhatIsOver: each key is estimated at the same size, so
// the keys evicted are those whose estimates cover the excess, and each is
// replicated as a DEL and announced as "evicted".
func TestEvict_FreesWhatIsOver(t *testing.T) {
	db, _ := evictDB(t, 100)
	e := db.Raw("k0")
	per := uint64(memKey+allocSize(2)) + uint64(memValue(e.Value, 5))
	db.SetNotify(NotifyGeneric | NotifyEvicted | NotifyKeyspace)
	c := evictCall()
	meter := &fakeMeter{used: 10_000 + 3*per}
	res := evictWith(db, c, Maxmemory{Limit: 10_000, Policy: AllKeysRandom, Samples: 5}, meter)
	if res.OOM || res.Evicted != 3 || db.Len() != 97 || meter.Used() > 10_000 {
		t.Fatalf("%+v, %d keys, used %d", res, db.Len(), meter.Used())
	}
	if len(c.Effects()) != 3 || len(c.Events()) != 3 {
		t.Fatalf("effects %q, events %v", c.Effects(), c.Events())
	}
	for i, eff := range c.Effects() {
		key := string(eff[1])
		if string(eff[0]) != "DEL" || db.Raw(key) != nil || c.Events()[i].Name != "evicted" || c.Events()[i].Key != key {
			t.Fatalf("effect %q, event %+v", eff, c.Events()[i])
		}
	}
}

// TestEvict_Policies: with a limit nothing can meet, each policy evicts
// every key it may (and then says OOM), in its order: LRU from the least
// recently used, volatile-ttl from the soonest expiry. Sampling makes the
// order approximate; with as many samples as keys it is exact.
func TestEvict_Policies(t *testing.T) {
	const n = 20
	for _, tc := range []struct {
		policy EvictionPolicy
		left   int  // keys that survive
		order  bool // DELs in key order (k0, k1... or k1, k3...)
	}{
		{AllKeysLRU, 0, true},
		{VolatileLRU, n / 2, true},
		{VolatileTTL, n / 2, true},
		{AllKeysRandom, 0, false},
		{VolatileRandom, n / 2, false},
	} {
		db, _ := evictDB(t, n)
		db.clock = n + 10 // now: every key idle since it was written
		c := evictCall()
		res := evictWith(db, c, Maxmemory{Limit: 1, Policy: tc.policy, Samples: 1000, Tenacity: 100}, &fakeMeter{used: 1 << 40})
		if !res.OOM || db.Len() != tc.left || res.Evicted != n-tc.left {
			t.Fatalf("policy %d: %+v, %d keys left", tc.policy, res, db.Len())
		}
		var prev int = -1
		for _, eff := range c.Effects() {
			var i int
			fmt.Sscanf(string(eff[1]), "k%d", &i)
			if tc.policy.volatile() && i%2 == 0 {
				t.Fatalf("policy %d evicted %s, which has no expiry", tc.policy, eff[1])
			}
			if tc.order && i < prev {
				t.Fatalf("policy %d evicted k%d after k%d: %q", tc.policy, i, prev, c.Effects())
			}
			prev = i
		}
	}
}

// TestEvict_LRUApproximation: with Redis's default 5 samples and its pool
// of 16, the keys evicted are mostly the least recently used: after
// evicting half of 2,000 keys, at least 90% of the 500 most recently used
// are left. (Redis's own test, unit/maxmemory.tcl, checks the same kind of
// bound.)
func TestEvict_LRUApproximation(t *testing.T) {
	const n = 2000
	db, _ := evictDB(t, n)
	db.clock = n + 10
	e := db.Raw("k0")
	per := uint64(memKey+allocSize(4)) + uint64(memValue(e.Value, 5))
	meter := &fakeMeter{used: 1_000_000 + n/2*per}
	res := evictWith(db, evictCall(), Maxmemory{Limit: 1_000_000, Policy: AllKeysLRU, Samples: 5, Tenacity: 100}, meter)
	if res.OOM || res.Evicted < n/2-n/50 {
		t.Fatalf("%+v", res)
	}
	kept := 0
	for i := n - 500; i < n; i++ {
		if db.Raw(fmt.Sprint("k", i)) != nil {
			kept++
		}
	}
	if kept < 450 {
		t.Fatalf("%d of the 500 most recently used keys kept", kept)
	}
}

func TestEvict_TimeLimitLetsTheCommandRun(t *testing.T) {
	db, _ := evictDB(t, 100)
	res := evictWith(db, evictCall(), Maxmemory{Limit: 1, Policy: AllKeysRandom, Samples: 5, Tenacity: 0}, &fakeMeter{used: 1 << 40})
	if res.OOM || !res.Running || res.Evicted != 16 {
		t.Fatalf("tenacity 0: %+v (want 16 keys evicted, the first check of the clock, running on, and no OOM)", res)
	}
}

func TestHeapMeter(t *testing.T) {
	m := NewHeapMeter()
	used := m.Used()
	if used == 0 {
		t.Fatal("no heap measured")
	}
	m.Freed(used + 1)
	if got := m.Used(); got != 0 {
		t.Fatalf("after freeing more than the heap, used %d", got)
	}
}

// TestEvict_LFU: under an LFU policy the keys accessed least often go
// first: of 20 keys, the 10 read since they were written stay.
func TestEvict_LFU(t *testing.T) {
	for _, policy := range []EvictionPolicy{AllKeysLFU, VolatileLFU} {
		db, table := New(), NewTable()
		m := Maxmemory{Limit: 1_000_000, Policy: policy, Samples: 1000, Tenacity: 100, LFULogFactor: 10, LFUDecayTime: 1}
		db.SetMaxmemory(m)
		now := time.Now().UnixMilli()
		run := func(argv ...string) {
			table.Exec(db, &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: now})
		}
		for i := range 20 {
			run("SET", fmt.Sprint("k", i), string(make([]byte, 100)), "EX", "1000")
		}
		for i := 10; i < 20; i++ {
			for range 20 {
				run("GET", fmt.Sprint("k", i))
			}
		}
		e := db.Raw("k0")
		per := uint64(memKey+allocSize(3)) + uint64(memValue(e.Value, 5))
		res := db.Evict(evictCall(), &fakeMeter{used: 1_000_000 + 10*per})
		if res.Evicted != 10 {
			t.Fatalf("policy %d: %+v", policy, res)
		}
		for i := 10; i < 20; i++ {
			if db.Raw(fmt.Sprint("k", i)) == nil {
				t.Fatalf("policy %d evicted k%d, read 20 times, and kept a key never read", policy, i)
			}
		}
	}
}
