package shard

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// CLUSTER FAILOVER on a replica: the primary hands over under a write
// load, the replica takes over without waiting for the lease, every
// acknowledged write is on it, and the old primary serves nothing more.
func TestShard_FailoverHandsOver(t *testing.T) {
	ts := newTestShardTuned(t, 3, func(c *Config) { c.Lease = 2 * time.Second })
	p := ts.primary()
	r := (p + 1) % 3
	quorumtest.WaitFor(t, 10*time.Second, func() error { // r knows p is alive
		if top := ts.nodes[r].s.Topology(); top.Primary.ID == "" || !top.Serving {
			return fmt.Errorf("replica %d: primary %q, serving %v", r, top.Primary.ID, top.Serving)
		}
		return nil
	})
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("w%d-%d", w, i)
				if got, err := ts.do(p, "SET", k, k); err == nil && got == "+OK\r\n" {
					mu.Lock()
					acked = append(acked, k)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	ts.nodes[p].s.mu.Lock()
	keyspace := ts.nodes[p].s.db
	ts.nodes[p].s.mu.Unlock()
	start := time.Now()
	if msg := ts.nodes[r].s.Failover(t.Context(), false); msg != "" {
		t.Fatalf("Failover on a replica = %q", msg)
	}
	quorumtest.WaitFor(t, 15*time.Second, func() error {
		if top := ts.nodes[r].s.Topology(); top.Role != rolePrimary || !top.Serving {
			return fmt.Errorf("replica %d after CLUSTER FAILOVER: %+v", r, top)
		}
		return nil
	})
	took := time.Since(start)
	if np := ts.primary(); np != r {
		t.Fatalf("primary after CLUSTER FAILOVER on %d: %d", r, np)
	}
	close(stop)
	wg.Wait()
	// The old primary serves nothing from the moment it hands over; it
	// turns replica once its ELECT's append returns, which may come after
	// its successor has applied that ELECT.
	if top := ts.nodes[p].s.Topology(); top.Role == rolePrimary && top.Serving {
		t.Fatalf("the old primary still serves as primary: %+v", top)
	}
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if top := ts.nodes[p].s.Topology(); top.Role == rolePrimary {
			return fmt.Errorf("the old primary still reads as primary: %+v", top)
		}
		return nil
	})
	if got, _ := ts.do(p, "SET", "after", "x"); got == "+OK\r\n" {
		t.Fatal("the old primary acknowledged a write after handing over")
	}
	// The old primary kept its keyspace (the log's, up to the ELECT) and
	// follows the new primary from there, without replaying the log.
	ts.nodes[p].s.mu.Lock()
	kept := ts.nodes[p].s.db == keyspace
	ts.nodes[p].s.mu.Unlock()
	if !kept {
		t.Error("the old primary rebuilt its keyspace after handing over")
	}
	if got, _ := ts.do(r, "SET", "after", "y"); got != "+OK\r\n" {
		t.Fatalf("new primary SET = %q", got)
	}
	ro := &server.ConnState{ID: 99, ReadOnly: true}
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if got, _ := ts.doOn(p, ro, "GET", "after"); got != "$1\r\ny\r\n" {
			return fmt.Errorf("old primary, now a replica, GET after = %q", got)
		}
		return nil
	})
	for _, k := range acked {
		if got, _ := ts.do(r, "GET", k); got != fmt.Sprintf("$%d\r\n%s\r\n", len(k), k) {
			t.Fatalf("new primary GET %s = %q: an acknowledged write is lost", k, got)
		}
	}
	// The handover's ELECT, appended by the old primary, made r primary:
	// the log holds the first election's ELECT and that one, no other
	// (an election after the lease would have added its own).
	var elected []string
	for _, b := range ts.shardRecords() {
		if rec, err := decodeRecord(b); err == nil && rec.kind == kindElect {
			elected = append(elected, rec.node)
		}
	}
	if want := []string{ts.nodes[p].s.cfg.NodeID, ts.nodes[r].s.cfg.NodeID}; !slices.Equal(elected, want) {
		t.Fatalf("ELECT records name %v, want %v (the first election, then the handover)", elected, want)
	}
	t.Logf("handed over in %v (lease 2s) with %d acknowledged writes, all on the new primary", took, len(acked))
}

// CLUSTER FAILOVER's refusals, and FORCE never cutting a live primary's
// lease short.
func TestShard_FailoverRefusals(t *testing.T) {
	// A 1 s lease: the test asserts that no election happens, which a
	// loaded machine must not provoke by delaying a heartbeat.
	ts := newTestShardTuned(t, 2, func(c *Config) { c.Lease = time.Second })
	p := ts.primary()
	r := 1 - p
	if got, want := ts.nodes[p].s.Failover(t.Context(), false), "ERR You should send CLUSTER FAILOVER to a replica"; got != want {
		t.Errorf("Failover on the primary = %q, want %q", got, want)
	}
	quorumtest.WaitFor(t, 10*time.Second, func() error { // r knows its primary
		if top := ts.nodes[r].s.Topology(); top.Primary.ID == "" || !top.Serving {
			return fmt.Errorf("replica %d: primary %q, serving %v", r, top.Primary.ID, top.Serving)
		}
		return nil
	})
	if msg := ts.nodes[r].s.Failover(t.Context(), true); msg != "" {
		t.Fatalf("Failover FORCE on a replica = %q", msg)
	}
	time.Sleep(3 * time.Second) // three leases: the primary renews, so nobody stands
	if np := ts.primary(); np != p {
		t.Fatalf("FORCE deposed a live primary: primary %d, was %d", np, p)
	}
}

// A handover request is acted on only by the primary it names, and only
// if it was made during that primary's term: the members log is read from
// its start whenever its stream is reopened, and a request of an earlier
// term replayed then must ask nothing.
func TestShard_HandoverRequestOfAnEarlierTermIsIgnored(t *testing.T) {
	ts := newTestShardTuned(t, 2, func(c *Config) { c.Lease = 2 * time.Second })
	p := ts.primary()
	s := ts.nodes[p].s
	r := ts.nodes[1-p].s
	s.mu.Lock()
	defer s.mu.Unlock()
	term, self := s.termStart, s.self.ID
	if term == 0 {
		t.Fatal("the primary's term start is not set")
	}
	for _, tc := range []struct {
		name string
		req  handoverRequest
		acts bool
	}{
		{"an earlier term", handoverRequest{Primary: self, After: term - 1}, false},
		{"another primary", handoverRequest{Primary: r.self.ID, After: term}, false},
		{"this term", handoverRequest{Primary: self, After: term}, true},
	} {
		s.handoverAskedLocked(memberRecord{ID: r.cfg.NodeID, Addr: r.cfg.Addr, Handover: &tc.req})
		if got := s.handover != nil; got != tc.acts {
			t.Errorf("request of %s: handing over %v, want %v", tc.name, got, tc.acts)
		}
	}
}
