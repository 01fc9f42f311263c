package shard

import (
	"fmt"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// TestShard_KeyspaceStats: INFO stats counts keyspace hits and misses where
// reads are served, on the primary and on a replica; a replica applying
// the log counts nothing, even for an effect that reads a source (COPY,
// SUNIONSTORE); a reset (a deposed primary's) keeps the counts.
func TestShard_KeyspaceStats(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	r := 1 - p
	for _, argv := range [][]string{
		{"SET", "k", "v"}, {"SADD", "s", "a"}, {"GET", "k"}, {"GET", "none"}, {"COPY", "k", "c"},
		{"SUNIONSTORE", "u", "s", "none"}, {"INCR", "n"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q on the primary = %q, %v", argv, got, err)
		}
	}
	stats := func(i int, hits, misses int) {
		t.Helper()
		want := fmt.Sprintf("evicted_keys:0\r\ntotal_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n"+
			"keyspace_hits:%d\r\nkeyspace_misses:%d\r\nmigrate_cached_sockets:0\r\n", hits, misses)
		if got := ts.nodes[i].s.Info("stats"); got != want {
			t.Errorf("node %d: Info(stats) = %q, want %q", i, got, want)
		}
	}
	stats(p, 3, 2)
	applied := ts.nodes[p].s.Topology().AppliedID
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if got := ts.nodes[r].s.Topology().AppliedID; got < applied {
			return fmt.Errorf("replica applied %d of %d", got, applied)
		}
		return nil
	})
	stats(r, 0, 0)
	for _, argv := range [][]string{{"GET", "c"}, {"EXISTS", "u", "none"}} {
		if got, err := ts.do(r, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q on the replica = %q, %v", argv, got, err)
		}
	}
	stats(r, 2, 1)

	s := ts.nodes[r].s
	s.mu.Lock()
	s.reset()
	s.mu.Unlock()
	stats(r, 2, 1)
}
