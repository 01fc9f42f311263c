package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Keyspace hits and misses of CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT:
// none (they look no key up), as in redis-server 7.0.15, which answers
// them in cluster mode only (TestKeyspaceStats runs this family on a
// cluster-enabled one).
func init() {
	str := strconv.Itoa(hashslot.Of("str"))
	keyspaceCases["cluster"] = []keyspaceCase{
		{"CLUSTER COUNTKEYSINSLOT " + str, 0, 0}, {"CLUSTER COUNTKEYSINSLOT 0", 0, 0}, {"CLUSTER COUNTKEYSINSLOT x", 0, 0},
		{"CLUSTER GETKEYSINSLOT " + str + " 10", 0, 0}, {"CLUSTER GETKEYSINSLOT 0 10", 0, 0},
		{"CLUSTER GETKEYSINSLOT 16384 1", 0, 0}, {"CLUSTER GETKEYSINSLOT", 0, 0}, {"CLUSTER NOSUCH", 0, 0},
	}
}

// clusterRedis starts a cluster-enabled redis-server that owns every slot
// (the CLUSTER subcommands answer only in cluster mode) and dials it.
func clusterRedis(t *testing.T) *redisdiff.Conn {
	t.Helper()
	rs := redisdiff.StartWith(t, "--cluster-enabled", "yes")
	c := redisdiff.Dial(t, rs.Addr)
	c.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(c.Do("CLUSTER", "INFO")), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("the cluster-enabled redis-server never reached cluster_state:ok")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// countIn returns CLUSTER COUNTKEYSINSLOT of key's slot on db.
func countIn(t *testing.T, table Table, db *DB, key string) int {
	t.Helper()
	w := resp.NewWriter(2)
	table.Exec(db, &Call{Argv: toBytes([]string{"CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(hashslot.Of(key))}), Out: w, Now: time.Now().UnixMilli()})
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(w.Bytes()), ":"), "\r\n"))
	if err != nil {
		t.Fatalf("COUNTKEYSINSLOT = %q", w.Bytes())
	}
	return n
}

// wantCounts checks the slot counts of the harness's primary and replica:
// each key's slot holds want[key] keys, and a recount agrees everywhere.
func wantCounts(t *testing.T, h *harness, step string, want map[string]int) {
	t.Helper()
	for name, db := range map[string]*DB{"primary": h.db, "replica": h.replica} {
		for k, n := range want {
			if got := countIn(t, h.table, db, k); got != n {
				t.Errorf("after %s, %s: COUNTKEYSINSLOT of %q's slot = %d, want %d", step, name, k, got, n)
			}
		}
		if err := db.CheckSlotCounts(); err != nil {
			t.Errorf("after %s, %s: %v", step, name, err)
		}
	}
}

// The per-slot counts follow every way a key comes and goes, on the
// primary and on a replica replaying its effects: overwrites, RENAME over
// an existing key and across slots, COPY, RESTORE REPLACE, lazy and
// active expiry, FLUSHALL ASYNC, eviction and a snapshot's load.
func TestClusterSlotCounts(t *testing.T) {
	h := newHarness(t)
	h.exec("SET", "{a}1", "v")
	h.exec("SET", "{a}1", "w") // an overwrite counts once
	h.exec("RPUSH", "{a}2", "x")
	h.exec("SET", "{b}1", "v")
	wantCounts(t, h, "SET, RPUSH", map[string]int{"{a}": 2, "{b}": 1, "{c}": 0})

	h.exec("RENAME", "{a}1", "{a}2") // over an existing key, same slot
	wantCounts(t, h, "RENAME over a key", map[string]int{"{a}": 1, "{b}": 1})
	h.exec("RENAME", "{a}2", "{b}1") // over an existing key, across slots
	wantCounts(t, h, "RENAME across slots", map[string]int{"{a}": 0, "{b}": 1})
	h.exec("COPY", "{b}1", "{c}1")
	h.exec("COPY", "{b}1", "{c}1", "REPLACE")
	wantCounts(t, h, "COPY", map[string]int{"{b}": 1, "{c}": 1})

	dump := h.exec("DUMP", "{b}1")
	payload := string(dump[bytes.IndexByte(dump, '\n')+1 : len(dump)-2])
	h.exec("RESTORE", "{c}1", "0", payload, "REPLACE")
	h.exec("RESTORE", "{c}2", "0", payload)
	h.exec("RESTORE", "{c}2", "0", payload) // BUSYKEY: nothing changes
	wantCounts(t, h, "RESTORE", map[string]int{"{b}": 1, "{c}": 2})

	// Expiry: lazily, as a read finds the key expired; actively.
	at := time.Now().UnixMilli() + 2
	h.exec("SET", "{d}1", "v", "PXAT", strconv.FormatInt(at, 10))
	h.exec("SET", "{d}2", "v", "PXAT", strconv.FormatInt(at, 10))
	h.exec("SET", "{d}3", "v")
	wantCounts(t, h, "keys that expire", map[string]int{"{d}": 3})
	keyspaceWaitPast(t, at)
	h.exec("GET", "{d}1")
	wantCounts(t, h, "a lazy expiry", map[string]int{"{d}": 2})
	c := &Call{Out: resp.NewWriter(2), Now: time.Now().UnixMilli()}
	h.db.ActiveExpire(c, 100)
	for _, eff := range c.Effects() {
		h.table.Exec(h.replica, &Call{Argv: eff, Out: resp.NewWriter(2), Now: c.Now, Replay: true})
	}
	wantCounts(t, h, "active expiry", map[string]int{"{d}": 1})

	// A snapshot's load counts what it creates.
	h.replica, h.replicaLoaded = h.loadDump(), true
	wantCounts(t, h, "a snapshot's load", map[string]int{"{b}": 1, "{c}": 2, "{d}": 1})

	h.exec("FLUSHALL", "ASYNC")
	wantCounts(t, h, "FLUSHALL ASYNC", map[string]int{"{b}": 0, "{c}": 0, "{d}": 0})
	h.exec("SET", "{b}1", "v")
	wantCounts(t, h, "a SET after FLUSHALL", map[string]int{"{b}": 1})
}

// Eviction deletes keys through the same path: the counts follow.
func TestClusterSlotCounts_Eviction(t *testing.T) {
	db, _ := evictDB(t, 20)
	total := func() int {
		n := 0
		for slot := range hashslot.Count {
			n += int(db.keys.slots[slot])
		}
		return n
	}
	if n := total(); n != 20 {
		t.Fatalf("the slot counts of 20 keys add up to %d", n)
	}
	res := evictWith(db, evictCall(), Maxmemory{Limit: 1000, Policy: AllKeysLRU, Samples: 5}, &fakeMeter{used: 1500})
	if res.Evicted == 0 || db.Len() != 20-res.Evicted {
		t.Fatalf("eviction: %+v, %d keys left", res, db.Len())
	}
	if err := db.CheckSlotCounts(); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != db.Len() {
		t.Fatalf("after evicting %d keys, the slot counts add up to %d, %d keys left", res.Evicted, n, db.Len())
	}
}

// GETKEYSINSLOT returns at most count of the slot's keys, each of that
// slot, each once, and stops its walk there; COUNTKEYSINSLOT agrees.
func TestClusterGetKeysInSlot(t *testing.T) {
	db, table := New(), NewTable()
	exec := func(argv ...string) []byte {
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli()})
		return w.Bytes()
	}
	for i := range 2000 {
		exec("SET", "k"+strconv.Itoa(i), "v")
		exec("SET", "{t}"+strconv.Itoa(i%100), "v")
	}
	slot := strconv.Itoa(hashslot.Of("{t}"))
	for _, count := range []int{0, 1, 50, 100, 101, 5000} {
		reply := string(exec("CLUSTER", "GETKEYSINSLOT", slot, strconv.Itoa(count)))
		n := min(count, 100)
		if !strings.HasPrefix(reply, fmt.Sprintf("*%d\r\n", n)) {
			t.Fatalf("GETKEYSINSLOT %s %d = %q, want %d keys", slot, count, reply, n)
		}
		seen := map[string]bool{}
		for _, l := range strings.Split(reply, "\r\n") {
			if strings.HasPrefix(l, "{t}") {
				if seen[l] {
					t.Fatalf("GETKEYSINSLOT %s %d returned %s twice", slot, count, l)
				}
				seen[l] = true
			}
		}
		if len(seen) != n {
			t.Fatalf("GETKEYSINSLOT %s %d: %d keys of the slot, want %d: %q", slot, count, len(seen), n, reply)
		}
	}
	if got := string(exec("CLUSTER", "COUNTKEYSINSLOT", slot)); got != ":100\r\n" {
		t.Fatalf("COUNTKEYSINSLOT %s = %q, want 100", slot, got)
	}
}
