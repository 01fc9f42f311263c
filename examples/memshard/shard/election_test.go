package shard

import (
	"errors"
	"testing"

	"github.com/quorumlog/quorumlog/client"
)

// A node that wins an election fails the batches of unknown outcome left
// from its own earlier term: its ELECT took the ID the first of them was
// waiting for, so none of them can ever commit. (Before, a primary that
// stepped down and won again held those replies forever.)
func TestShard_ElectionFailsUnresolvedBatches(t *testing.T) {
	ts := newTestShard(t, 0) // the log alone; the node below is driven by hand
	ctx := t.Context()
	if err := ts.log.CreateLog(ctx, "shard1"); err != nil {
		t.Fatal(err)
	}
	heartbeat := appendLeaseRecord(nil, kindHeartbeat, "m1", "127.0.0.1:1", 300)
	if _, err := ts.log.Append(ctx, "shard1", [][]byte{heartbeat}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "shard1", Client: ts.log})
	if err != nil {
		t.Fatal(err)
	}
	// m1 has replayed the log to ID 1 after stepping down with two batches
	// in flight whose appends timed out (IDs 2 and 3, tickets 7 and 8).
	s.mu.Lock()
	s.appliedID, s.sum, s.caughtUp = 1, client.Checksum(0, heartbeat), true
	s.unresolved = []*flight{
		{seq: 7, id: 2, rec: appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("a"), []byte("1")}})},
		{seq: 8, id: 3, rec: appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("b"), []byte("2")}})},
	}
	s.mu.Unlock()

	s.elect(ctx, 1)
	if top := s.Topology(); top.Role != rolePrimary {
		t.Fatalf("role after the election = %q, want %q", top.Role, rolePrimary)
	}
	for _, ticket := range []uint64{7, 8} {
		if got := s.failedTicket(ticket); got != errWriteLost {
			t.Errorf("ticket %d after the election fails with %q, want %q", ticket, got, errWriteLost)
		}
	}
}

// A primary that stepped down replays the log, whose last election still
// names it. Until the next election it answers writes with CLUSTERDOWN,
// never MOVED to its own address: cluster clients would follow that back
// to it until they gave up (a redirect loop, seen as MOVED errors by
// TestE2E_LogLeaderKilledUnderLoad before). Replicas still send writes to
// the node the log names, which then says CLUSTERDOWN.
func TestShard_SteppedDownPrimaryNeverRedirectsToItself(t *testing.T) {
	s := newIdlePrimary(t, testRecordLimit) // m1 at 127.0.0.1:1
	s.mu.Lock()
	s.stepDownLocked(errors.New("append failed"))
	for id, rec := range [][]byte{
		appendLeaseRecord(nil, kindElect, "m1", "127.0.0.1:1", 300),
		appendLeaseRecord(nil, kindHeartbeat, "m1", "127.0.0.1:1", 300),
	} {
		if err := s.applyLocked(client.Record{ID: uint64(id + 1), Payload: rec}); err != nil {
			t.Fatal(err)
		}
	}
	s.caughtUp = true
	s.publishRouteLocked()
	s.mu.Unlock()
	if r := s.Route(); !r.Serving || r.Primary || r.PrimaryAddr != "" {
		t.Fatalf("stepped-down primary, the log naming it: Route = %+v, want serving reads, no primary address (CLUSTERDOWN for writes)", r)
	}

	s.mu.Lock()
	err := s.applyLocked(client.Record{ID: 3, Payload: appendLeaseRecord(nil, kindElect, "m2", "127.0.0.1:2", 300)})
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Route(); r.Primary || r.PrimaryAddr != "127.0.0.1:2" {
		t.Fatalf("after m2's election: Route = %+v, want MOVED to 127.0.0.1:2", r)
	}
}
