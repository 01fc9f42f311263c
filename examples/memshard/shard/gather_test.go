package shard

import (
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// The decision alone: wait until the connections the commit released have
// written again, never past the deadline, and back off after waits that
// were not worth it.
func TestGather_WaitsForReleasedConnectionsOnly(t *testing.T) {
	now := time.Now()
	s := &Shard{cfg: Config{GatherWait: time.Second}}
	s.openSeq = 10
	write := func(conn *server.ConnState) time.Time {
		s.noteWriterLocked(conn)
		return s.gatherUntilLocked(now)
	}
	waiting := func(until time.Time) bool { return !until.IsZero() }

	lone := &server.ConnState{ID: 1, LastWrite: 9}
	s.gatherAfterCommitLocked(9, 1, now)
	if until := write(lone); waiting(until) {
		t.Fatalf("a lone writer's next write waits until %v", until)
	}

	s.openSeq = 11
	a, b, c := &server.ConnState{ID: 2, LastWrite: 10}, &server.ConnState{ID: 3, LastWrite: 10}, &server.ConnState{ID: 4, LastWrite: 10}
	other := &server.ConnState{ID: 5, LastWrite: 3}
	s.gatherAfterCommitLocked(10, 3, now)
	if until := write(other); !until.Equal(now.Add(time.Second)) {
		t.Fatalf("after a write of a connection the commit did not release: wait until %v, want %v", until, now.Add(time.Second))
	}
	if until := write(a); !waiting(until) {
		t.Fatal("1 of 3 released connections back: stopped waiting")
	}
	if until := write(a); !waiting(until) {
		t.Fatal("a second write of the same connection ended the wait")
	}
	if until := write(b); !waiting(until) {
		t.Fatal("2 of 3 released connections back: stopped waiting")
	}
	if until := write(c); waiting(until) {
		t.Fatalf("all 3 released connections back, still waiting until %v", until)
	}
	if s.openConns != 5 {
		t.Fatalf("openConns = %d, want 5 (lone, other, a, b, c)", s.openConns)
	}

	// Waits that end with fewer than half back: skip 1 commit, then 2, ...
	wasted := func() {
		t.Helper()
		s.gatherAfterCommitLocked(20, 4, now)
		if s.gather.seq == 0 {
			t.Fatal("no wait where one was due")
		}
		if until := s.gatherUntilLocked(now.Add(time.Second)); waiting(until) {
			t.Fatalf("past the deadline, still waiting until %v", until)
		}
	}
	skipped := func(n int) {
		t.Helper()
		for range n {
			s.gatherAfterCommitLocked(20, 4, now)
			if s.gather.seq != 0 {
				t.Fatalf("waiting again %d commits after a wasted wait, want %d skipped", s.gather.skip, n)
			}
		}
	}
	wasted()
	skipped(1)
	wasted()
	skipped(2)
	wasted()
	skipped(4)
	// Half back at the deadline: worth it, no skip.
	s.gatherAfterCommitLocked(30, 4, now)
	write(&server.ConnState{LastWrite: 30})
	write(&server.ConnState{LastWrite: 30})
	if until := s.gatherUntilLocked(now.Add(time.Second)); waiting(until) {
		t.Fatalf("past the deadline, still waiting until %v", until)
	}
	s.gatherAfterCommitLocked(31, 4, now)
	if s.gather.seq == 0 {
		t.Fatal("a wait that gathered half its connections made the next commit skip")
	}

	s = &Shard{cfg: Config{GatherWait: -1}}
	s.gatherAfterCommitLocked(9, 8, now)
	if until := write(&server.ConnState{}); waiting(until) {
		t.Fatalf("GatherWait < 0 still waits until %v", until)
	}
}

// Writers that each keep one write outstanding share records: with the
// wait, all of them join each record instead of splitting into two groups
// that take turns (which makes about twice as many records).
func TestShard_GatherPutsConcurrentWritersInOneRecord(t *testing.T) {
	const writers, rounds = 8, 25
	ts := newTestShardTuned(t, 1, func(c *Config) {
		c.Lease = 2 * time.Second
		c.GatherWait = 150 * time.Millisecond // generous: the writers are goroutines
	})
	p := ts.primary()
	ts.startSets(p, writers, rounds, "v")()

	var records, sets int
	batches, _, _ := ts.shardBatches()
	for _, d := range batches {
		if d.Kind == 'E' {
			records++
			sets += len(d.Effects)
		}
	}
	if sets != writers*rounds {
		t.Fatalf("the log holds %d SETs, want %d", sets, writers*rounds)
	}
	// rounds records if every record holds every writer; a few more while
	// the first records gather the writers (they start one by one) and when
	// they finish.
	if records > rounds+4 {
		t.Fatalf("%d writers x %d rounds took %d records, want at most %d", writers, rounds, records, rounds+4)
	}
	t.Logf("%d SETs in %d records", sets, records)
}

// A wait as long as a tenth of the lease would hold back the lease renewal
// that the waiting batch's record carries.
func TestNew_RefusesGatherWaitNearTheLease(t *testing.T) {
	_, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "s", Client: &client.Client{}, Lease: time.Second, GatherWait: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("New accepted a GatherWait of a tenth of the lease")
	}
	if _, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "s", Client: &client.Client{}, Lease: time.Second, GatherWait: 99 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
}
