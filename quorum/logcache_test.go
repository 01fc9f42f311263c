package quorum

import (
	"errors"
	"testing"

	"github.com/hashicorp/raft"
)

// countingStore counts the reads that reach the store under the cache.
type countingStore struct {
	*raft.InmemStore
	gets int
}

func (s *countingStore) GetLog(idx uint64, log *raft.Log) error {
	s.gets++
	return s.InmemStore.GetLog(idx, log)
}

func entries(first, n, size int) []*raft.Log {
	logs := make([]*raft.Log, n)
	for i := range logs {
		logs[i] = &raft.Log{Index: uint64(first + i), Term: 1, Data: make([]byte, size)}
	}
	return logs
}

// cached reports which of indexes first..last the cache answers without
// the store.
func cached(t *testing.T, c *logCache, s *countingStore, first, last uint64) []uint64 {
	t.Helper()
	var hits []uint64
	for i := first; i <= last; i++ {
		before := s.gets
		var l raft.Log
		if err := c.GetLog(i, &l); err != nil || l.Index != i {
			t.Fatalf("GetLog(%d) = index %d, %v", i, l.Index, err)
		}
		if s.gets == before {
			hits = append(hits, i)
		}
	}
	return hits
}

func equalIndexes(a []uint64, first, last uint64) bool {
	if uint64(len(a)) != last-first+1 {
		return false
	}
	for i, v := range a {
		if v != first+uint64(i) {
			return false
		}
	}
	return true
}

// The cache keeps the newest entries within its bounds in entries and in
// bytes; everything else is read from the store.
func TestLogCache_BoundedInEntriesAndBytes(t *testing.T) {
	s := &countingStore{InmemStore: raft.NewInmemStore()}
	c := newLogCache(s, 4, 10<<20)
	if err := c.StoreLogs(entries(1, 6, 1<<10)); err != nil { // small: 4 entries
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 1, 6); !equalIndexes(hits, 3, 6) {
		t.Fatalf("cached %v after 6 small entries, want 3..6", hits)
	}
	for i := 7; i <= 10; i++ { // 3 MiB each: 3 fit in 10 MiB
		if err := c.StoreLog(entries(i, 1, 3<<20)[0]); err != nil {
			t.Fatal(err)
		}
	}
	if hits := cached(t, c, s, 1, 10); !equalIndexes(hits, 8, 10) {
		t.Fatalf("cached %v after 3 MiB entries, want 8..10", hits)
	}
	if c.bytes > 10<<20 {
		t.Fatalf("cache holds %d bytes, over its bound", c.bytes)
	}
	if err := c.StoreLog(entries(11, 1, 11<<20)[0]); err != nil { // larger than the bound
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 1, 11); len(hits) != 0 || c.bytes != 0 {
		t.Fatalf("cached %v (%d bytes) after an entry over the bound, want nothing", hits, c.bytes)
	}
}

// A deleted prefix (compaction) or suffix (raft truncating a conflict)
// leaves the cache; the rest stays cached. An entry that does not follow
// the newest starts the cache again.
func TestLogCache_DeletesAndGaps(t *testing.T) {
	s := &countingStore{InmemStore: raft.NewInmemStore()}
	c := newLogCache(s, 100, 1<<20)
	if err := c.StoreLogs(entries(1, 10, 10)); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRange(1, 3); err != nil { // compaction below the newest
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 4, 10); !equalIndexes(hits, 4, 10) {
		t.Fatalf("cached %v after compacting 1..3, want 4..10", hits)
	}
	var l raft.Log
	if err := c.GetLog(2, &l); !errors.Is(err, raft.ErrLogNotFound) {
		t.Fatalf("GetLog(2) after its deletion = %v, want ErrLogNotFound", err)
	}
	if err := c.DeleteRange(8, 10); err != nil { // a conflicting suffix
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 4, 7); !equalIndexes(hits, 4, 7) {
		t.Fatalf("cached %v after deleting the suffix 8..10, want 4..7", hits)
	}
	if err := c.GetLog(9, &l); !errors.Is(err, raft.ErrLogNotFound) {
		t.Fatalf("GetLog(9) after its deletion = %v, want ErrLogNotFound", err)
	}
	if err := c.StoreLogs(entries(8, 2, 10)); err != nil {
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 4, 9); !equalIndexes(hits, 4, 9) || c.bytes != 60 {
		t.Fatalf("cached %v (%d bytes) after storing 8..9 again, want 4..9 (60 bytes)", hits, c.bytes)
	}
	if err := c.DeleteRange(1, 100); err != nil { // everything
		t.Fatal(err)
	}
	if len(c.entries) != 0 || c.bytes != 0 {
		t.Fatalf("%d entries (%d bytes) cached after deleting everything", len(c.entries), c.bytes)
	}
	if err := c.StoreLogs(entries(10, 2, 10)); err != nil {
		t.Fatal(err)
	}
	if err := c.StoreLogs(entries(20, 2, 10)); err != nil { // a gap
		t.Fatal(err)
	}
	if hits := cached(t, c, s, 20, 21); !equalIndexes(hits, 20, 21) || len(c.entries) != 2 {
		t.Fatalf("cached %v (%d entries) after a gap, want 20..21 only", hits, len(c.entries))
	}
}
