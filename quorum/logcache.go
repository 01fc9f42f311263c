package quorum

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	walTypes "github.com/hashicorp/raft-wal/types"
)

// The raft log's newest entries are kept in memory so that the leader
// replicates them without reading its disk, as raft.LogCache does. That
// cache holds its last N entries whatever their size: 512 entries of 4 MiB
// (a load of 1 MB records, merged into entries by the sequencer) are 2 GiB a
// node, measured at 8.6 GB for the three nodes of `quorumlogd dev` after
// 25 s of `logctl bench --size 1000000`. This one is bounded in bytes too.
const (
	logCacheEntries = 512
	logCacheBytes   = 64 << 20
)

// logCache is a raft.LogStore that keeps the newest entries of store in
// memory: at most maxEntries of them and maxBytes of their data, with
// consecutive indexes.
type logCache struct {
	store      raft.LogStore
	maxEntries int
	maxBytes   int

	writing atomic.Int64 // when the StoreLogs in progress began (Unix ns), or 0 (stall.go)

	mu      sync.RWMutex
	entries []*raft.Log // consecutive indexes, oldest first
	bytes   int         // data and extensions of entries
}

func newLogCache(store raft.LogStore, maxEntries, maxBytes int) *logCache {
	return &logCache{store: store, maxEntries: maxEntries, maxBytes: maxBytes}
}

// IsMonotonic passes on whether store is monotonic (raft-wal is: raft
// then never deletes a suffix by rewriting it in place).
func (c *logCache) IsMonotonic() bool {
	m, ok := c.store.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

func (c *logCache) GetLog(idx uint64, log *raft.Log) error {
	c.mu.RLock()
	if n := len(c.entries); n > 0 {
		if first := c.entries[0].Index; idx >= first && idx-first < uint64(n) {
			*log = *c.entries[idx-first]
			c.mu.RUnlock()
			return nil
		}
	}
	c.mu.RUnlock()
	return c.store.GetLog(idx, log)
}

func (c *logCache) StoreLog(log *raft.Log) error { return c.StoreLogs([]*raft.Log{log}) }

// StoreLogs stores logs, then caches them if that succeeded.
func (c *logCache) StoreLogs(logs []*raft.Log) error {
	c.writing.Store(time.Now().UnixNano())
	err := c.store.StoreLogs(logs)
	c.writing.Store(0)
	if err != nil {
		if errors.Is(err, walTypes.ErrSealed) {
			// raft-wal could not start its next segment (a full disk) and
			// refuses every append from now on, until it is reopened: the
			// node would stay up, behind for good. Stop it, as a failed
			// apply does, so that its supervisor restarts it once it can.
			panic(fmt.Sprintf("quorum: the raft log takes no more entries until the node restarts: %v", err))
		}
		return fmt.Errorf("store raft log entries: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range logs {
		if n := len(c.entries); n > 0 && l.Index != c.entries[n-1].Index+1 {
			c.clearLocked() // not the next index: start again from it
		}
		c.entries = append(c.entries, l)
		c.bytes += logBytes(l)
	}
	k, bytes := 0, c.bytes // evict the oldest until within both bounds
	for ; k < len(c.entries) && (len(c.entries)-k > c.maxEntries || bytes > c.maxBytes); k++ {
		bytes -= logBytes(c.entries[k])
	}
	c.keepLocked(k, len(c.entries))
	return nil
}

func (c *logCache) FirstIndex() (uint64, error) { return c.store.FirstIndex() }
func (c *logCache) LastIndex() (uint64, error)  { return c.store.LastIndex() }

// DeleteRange drops the deleted entries from the cache: raft deletes a
// prefix after a snapshot (usually below the cache) or a conflicting
// suffix.
func (c *logCache) DeleteRange(min, max uint64) error {
	c.mu.Lock()
	if n := len(c.entries); n > 0 {
		first, last := c.entries[0].Index, c.entries[n-1].Index
		switch {
		case max < first || min > last: // untouched
		case min <= first && max < last: // a prefix
			c.keepLocked(int(max-first+1), n)
		case min > first && max >= last: // a suffix
			c.keepLocked(0, int(min-first))
		default:
			c.clearLocked()
		}
	}
	c.mu.Unlock()
	return c.store.DeleteRange(min, max)
}

// keepLocked keeps entries[lo:hi] and drops the rest, clearing their slots
// so that the slice's array keeps no dropped entry alive.
func (c *logCache) keepLocked(lo, hi int) {
	for _, l := range c.entries[:lo] {
		c.bytes -= logBytes(l)
	}
	for _, l := range c.entries[hi:] {
		c.bytes -= logBytes(l)
	}
	clear(c.entries[:lo])
	clear(c.entries[hi:])
	c.entries = c.entries[lo:hi]
}

func (c *logCache) clearLocked() { c.keepLocked(0, 0) }

func logBytes(l *raft.Log) int { return len(l.Data) + len(l.Extensions) }
