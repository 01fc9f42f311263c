package shard

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// The decision alone: wait only while fewer writes are open than the last
// commit released plus those open then, and never past the deadline.
func TestGather_WaitsForReleasedWritersOnly(t *testing.T) {
	now := time.Now()
	s := &Shard{cfg: Config{GatherWait: time.Second}}

	s.openWrites = 0
	s.gatherAfterCommitLocked(1, now)
	s.openWrites = 1
	if until := s.gatherUntilLocked(now); !until.IsZero() {
		t.Fatalf("a lone writer's next write waits until %v", until)
	}

	s.openWrites = 3
	s.gatherAfterCommitLocked(8, now) // 8 released, 3 open: expect 11
	s.openWrites = 10
	if until := s.gatherUntilLocked(now); !until.Equal(now.Add(time.Second)) {
		t.Fatalf("10 of 11 expected writes open: wait until %v, want %v", until, now.Add(time.Second))
	}
	s.openWrites = 11
	if until := s.gatherUntilLocked(now); !until.IsZero() {
		t.Fatalf("all 11 expected writes open, still waiting until %v", until)
	}
	s.openWrites = 1 // the wait ended with that record: the next batch goes at once
	if until := s.gatherUntilLocked(now); !until.IsZero() {
		t.Fatalf("a wait outlived its batch: until %v", until)
	}

	s.openWrites = 0
	s.gatherAfterCommitLocked(8, now)
	s.openWrites = 2
	if until := s.gatherUntilLocked(now.Add(time.Second)); !until.IsZero() {
		t.Fatalf("past the deadline, still waiting until %v", until)
	}

	s.cfg.GatherWait = -1
	s.openWrites = 0
	s.gatherAfterCommitLocked(8, now)
	s.openWrites = 1
	if until := s.gatherUntilLocked(now); !until.IsZero() {
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
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				if got, err := ts.do(p, "SET", fmt.Sprintf("w%d:%d", w, r), "v"); err != nil || got != "+OK\r\n" {
					errs <- fmt.Errorf("writer %d round %d: %q, %v", w, r, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r, err := ts.log.Read(ctx, "shard1", 0, client.Linearizable())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := r.All()
	if err != nil {
		t.Fatal(err)
	}
	var records, sets int
	for _, rec := range recs {
		d, err := DecodeRecord(rec.Payload)
		if err != nil {
			t.Fatal(err)
		}
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
