package quorum_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// logStores runs f once per supported raft log store.
func logStores(t *testing.T, f func(t *testing.T, logStore string)) {
	for _, ls := range []string{quorum.LogStoreBolt, quorum.LogStoreWAL} {
		t.Run(ls, func(t *testing.T) { f(t, ls) })
	}
}

func mustPropose(t *testing.T, c *quorumtest.Cluster, op logstore.Op) logstore.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := c.Propose(ctx, op)
	if err != nil {
		t.Fatalf("Propose(%v %q) = %v", op.Kind, op.Log, err)
	}
	return res
}

// readAll reads every readable record of log from node n.
func readAll(t *testing.T, n *quorum.Node, log string) []logstore.Record {
	t.Helper()
	var out []logstore.Record
	from := uint64(0)
	for {
		recs, err := n.Store().Read(log, from, 1000, 1<<20)
		if err != nil {
			t.Fatalf("Read(%q, %d) on %s = %v", log, from, n.ID(), err)
		}
		if len(recs) == 0 {
			return out
		}
		out = append(out, recs...)
		from = recs[len(recs)-1].ID + 1
	}
}

func TestCluster_AppendReplicatesToEveryNode(t *testing.T) {
	logStores(t, func(t *testing.T, ls string) {
		c := quorumtest.NewCluster(t, 3, quorumtest.Options{LogStore: ls})
		mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "orders"})
		res := mustPropose(t, c, quorumtest.AppendOp("orders", []byte("a"), []byte("b")))
		if res.FirstID != 1 || res.LastID != 2 {
			t.Fatalf("append = IDs %d..%d, want 1..2", res.FirstID, res.LastID)
		}
		c.WaitConverged()
		want, _ := c.Node(c.Leader()).Store().Describe("orders")
		for i := range c.Size() {
			got, err := c.Node(i).Store().Describe("orders")
			if err != nil || got != want {
				t.Errorf("node %d Describe = %+v, %v; want %+v", i, got, err, want)
			}
		}
	})
}

func TestCluster_RacingConditionalAppendsExactlyOneWins(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "lock"})
	mustPropose(t, c, quorumtest.AppendOp("lock", []byte("seed")))
	const racers = 50
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := quorumtest.AppendOp("lock", fmt.Appendf(nil, "racer-%d", i))
			op.Conditional, op.ExpectedLastID = true, 1
			_, errs[i] = c.Propose(t.Context(), op)
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		var ce *logstore.ConditionError
		switch {
		case err == nil:
			wins++
		case errors.As(err, &ce):
			if ce.Actual != 2 || ce.Expected != 1 {
				t.Errorf("racer %d: ConditionError = %+v, want expected 1 actual 2", i, ce)
			}
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d conditional appends on last ID 1 succeeded, want exactly 1", wins)
	}
}

func TestCluster_FailoverKeepsAcknowledgedRecords(t *testing.T) {
	logStores(t, func(t *testing.T, ls string) {
		c := quorumtest.NewCluster(t, 3, quorumtest.Options{LogStore: ls})
		mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "events"})

		var mu sync.Mutex
		acked := make(map[string]uint64) // payload -> ID
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					p := fmt.Sprintf("w%d-%d", w, i)
					res, err := c.Propose(ctx, quorumtest.AppendOp("events", []byte(p)))
					if err != nil {
						continue // unknown or failed: not acknowledged
					}
					mu.Lock()
					acked[p] = res.FirstID
					mu.Unlock()
				}
			}()
		}
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
		quorumtest.WaitFor(t, 10*time.Second, func() error {
			if count() < 200 {
				return fmt.Errorf("%d acknowledged", count())
			}
			return nil
		})
		old := c.Leader()
		c.Stop(old)
		before := count()
		quorumtest.WaitFor(t, 15*time.Second, func() error {
			if count() < before+200 {
				return fmt.Errorf("%d acknowledged since failover", count()-before)
			}
			return nil
		})
		close(stop)
		wg.Wait()
		c.Restart(old)
		c.WaitConverged()

		var want []logstore.Record
		for i := range c.Size() {
			got := readAll(t, c.Node(i), "events")
			seen := make(map[string]bool)
			for j, r := range got {
				if r.ID != uint64(j+1) {
					t.Fatalf("node %d: record %d has ID %d: IDs have a gap", i, j, r.ID)
				}
				if seen[string(r.Payload)] {
					t.Fatalf("node %d: payload %q appears twice", i, r.Payload)
				}
				seen[string(r.Payload)] = true
			}
			for p, id := range acked {
				if id > uint64(len(got)) || string(got[id-1].Payload) != p {
					t.Fatalf("node %d: acknowledged %q at ID %d is missing", i, p, id)
				}
			}
			if want == nil {
				want = got
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("node %d differs from node 0 (-0 +%d):\n%s", i, i, diff)
			}
		}
		t.Logf("%d acknowledged appends, %d records, survived a leader stop", len(acked), len(want))
	})
}

func TestCluster_RestartKeepsDataAndAppliesNothingTwice(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{Configure: func(cfg *quorum.Config) {
		cfg.SnapshotThreshold = 50 // some entries land below a snapshot, some above
		cfg.SnapshotInterval = 50 * time.Millisecond
	}})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
	for i := range 300 {
		mustPropose(t, c, quorumtest.AppendOp("l", fmt.Appendf(nil, "r%d", i)))
	}
	c.WaitConverged()
	follower := (c.Leader() + 1) % 3
	before, _ := c.Node(follower).Store().Describe("l")
	c.Restart(follower)
	c.WaitConverged()
	after, err := c.Node(follower).Store().Describe("l")
	if err != nil || after != before {
		t.Fatalf("after restart Describe = %+v, %v; want %+v", after, err, before)
	}
	recs := readAll(t, c.Node(follower), "l")
	for i, r := range recs {
		if want := fmt.Sprintf("r%d", i); string(r.Payload) != want || r.ID != uint64(i+1) {
			t.Fatalf("record %d = %d %q, want %d %q", i, r.ID, r.Payload, i+1, want)
		}
	}
}

func TestCluster_LaggingFollowerCatchesUpThroughSnapshot(t *testing.T) {
	// raft-boltdb: raft-wal keeps head-truncated entries readable while they
	// share its (64 MiB) tail segment, so a follower this far behind would
	// catch up from the log and the snapshot path would go untested.
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{LogStore: quorum.LogStoreBolt, Configure: func(cfg *quorum.Config) {
		cfg.SnapshotThreshold = 20
		cfg.TrailingLogs = 10
		cfg.SnapshotInterval = 50 * time.Millisecond
	}})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
	lag := (c.Leader() + 1) % 3
	c.Disconnect(lag)
	for i := range 200 {
		mustPropose(t, c, quorumtest.AppendOp("l", fmt.Appendf(nil, "r%d", i)))
	}
	mustPropose(t, c, logstore.Op{Kind: logstore.OpTrim, Log: "l", ThroughID: 50})
	leader := c.Node(c.Leader())
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if s := leader.Snapshots(); s == 0 {
			return errors.New("leader has not snapshotted yet")
		}
		return nil
	})
	c.Reconnect(lag)
	c.WaitConverged()
	// The restored store is visible (and so converged) a moment before
	// Restore returns and counts the install: wait for the count.
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if c.Node(lag).SnapshotsInstalled() == 0 {
			return errors.New("follower caught up without installing a snapshot; the test did not exercise the snapshot path")
		}
		return nil
	})
	want, _ := leader.Store().Describe("l")
	got, err := c.Node(lag).Store().Describe("l")
	if err != nil || got != want {
		t.Fatalf("lagging follower Describe = %+v, %v; want %+v", got, err, want)
	}
	if diff := cmp.Diff(readAll(t, leader, "l"), readAll(t, c.Node(lag), "l")); diff != "" {
		t.Fatalf("follower records differ from leader's:\n%s", diff)
	}
}

func TestCluster_TrimIsReplicated(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "t"})
	for i := range 10 {
		mustPropose(t, c, quorumtest.AppendOp("t", fmt.Appendf(nil, "%d", i)))
	}
	res := mustPropose(t, c, logstore.Op{Kind: logstore.OpTrim, Log: "t", ThroughID: 4})
	if res.FirstID != 5 {
		t.Fatalf("trim through 4: first ID %d, want 5", res.FirstID)
	}
	c.WaitConverged()
	for i := range c.Size() {
		_, err := c.Node(i).Store().Read("t", 3, 10, 1<<20)
		var re *logstore.RangeError
		if !errors.As(err, &re) || !errors.Is(err, logstore.ErrTrimmed) || re.FirstID != 5 {
			t.Errorf("node %d: read below trim = %v, want ErrTrimmed with first ID 5", i, err)
		}
	}
}

func TestCluster_ZoneMajorityRefused(t *testing.T) {
	cfg := quorum.Config{
		ID: "n1", Zone: "a", DataDir: t.TempDir(), RaftAddr: "127.0.0.1:0",
		Bootstrap: []quorum.Peer{{"n1", "x:1", "a"}, {"n2", "x:2", "a"}, {"n3", "x:3", "b"}},
	}
	_, err := quorum.Open(cfg)
	var zm *quorum.ZoneMajorityError
	if !errors.As(err, &zm) || zm.Zone != "a" {
		t.Fatalf("Open with zones a,a,b = %v, want a ZoneMajorityError naming zone a", err)
	}
}

// TestCluster_PipelinedConditionalAppendsKeepOrder: proposals queued one
// after another enter the raft log in that order, so a writer can pipeline
// conditional appends, each expecting the ID (and checksum) the previous one
// will leave, without waiting for it.
func TestCluster_PipelinedConditionalAppendsKeepOrder(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "chain"})
	leader := c.Node(c.Leader())
	const n = 300
	errs := make(chan error, n)
	for i := range n {
		op := quorumtest.AppendOp("chain", fmt.Appendf(nil, "r%d", i))
		op.Conditional, op.ExpectedLastID = true, uint64(i)
		leader.ProposeAsync(op, func(_ logstore.Result, err error) { errs <- err })
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("pipelined conditional append failed: %v (proposals were reordered)", err)
		}
	}
	info, _ := leader.Store().Describe("chain")
	if info.LastID != n {
		t.Fatalf("last ID %d, want %d", info.LastID, n)
	}
}

// A leader cut off from its followers gives no read index: it cannot
// confirm that no newer leader has acknowledged writes since (it may not
// know yet that it is deposed), so a linearizable read on it must fail, not
// answer from its own state. Its lease is long here (2 s), so it is still
// the leader when asked; it is asked once every heartbeat it sent before
// the cut has been answered (hashicorp/raft counts an answer to a heartbeat
// sent before VerifyLeader was called).
func TestCluster_CutOffLeaderGivesNoReadIndex(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{Configure: func(cfg *quorum.Config) {
		cfg.Tune = func(rc *raft.Config) {
			rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 2*time.Second, 2*time.Second, 2*time.Second
		}
	}})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
	l := c.Leader()
	leader := c.Node(l)
	if _, err := leader.ReadIndex(t.Context()); err != nil {
		t.Fatalf("ReadIndex on the connected leader: %v", err)
	}
	c.Disconnect(l)
	time.Sleep(500 * time.Millisecond) // heartbeats go every 200 ms
	if !leader.IsLeader() {
		t.Fatal("the cut-off node stepped down within 500 ms: its lease is 2 s, so the test proves nothing")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if index, err := leader.ReadIndex(ctx); err == nil {
		t.Fatalf("ReadIndex on the cut-off leader = %d, want an error", index)
	}
}

// RemoveMember takes a voter out of the configuration, keeping a commit
// quorum spread over two zones: a follower of a, b, c goes, and the two
// left go on committing; removing one more (one voter, one zone) is
// refused unless allowed, an unknown ID is ErrNotMember, and the last
// voter cannot be removed at all. Only the leader serves it.
func TestCluster_RemoveMember(t *testing.T) {
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
	l := c.Leader()
	leader := c.Node(l)
	f := (l + 1) % 3
	if err := c.Node(f).RemoveMember(t.Context(), "n1", false); !errors.Is(err, quorum.ErrNotLeader) {
		t.Errorf("RemoveMember on a follower = %v, want ErrNotLeader", err)
	}
	if err := leader.RemoveMember(t.Context(), "nobody", false); !errors.Is(err, quorum.ErrNotMember) {
		t.Errorf("RemoveMember(nobody) = %v, want ErrNotMember", err)
	}
	if err := leader.RemoveMember(t.Context(), c.Node(f).ID(), false); err != nil {
		t.Fatalf("RemoveMember(%s) = %v", c.Node(f).ID(), err)
	}
	st, err := leader.Status()
	if err != nil || len(st.Members) != 2 {
		t.Fatalf("Status after the removal: %d members, %v; want 2", len(st.Members), err)
	}
	mustPropose(t, c, quorumtest.AppendOp("l", []byte("after")))

	other := 3 - l - f // the third node
	var zm *quorum.ZoneMajorityError
	if err := leader.RemoveMember(t.Context(), c.Node(other).ID(), false); !errors.As(err, &zm) {
		t.Fatalf("RemoveMember leaving one voter = %v, want a *ZoneMajorityError", err)
	}
	if err := leader.RemoveMember(t.Context(), c.Node(other).ID(), true); err != nil {
		t.Fatalf("RemoveMember leaving one voter, allowed = %v", err)
	}
	if err := leader.RemoveMember(t.Context(), leader.ID(), true); !errors.Is(err, quorum.ErrLastVoter) {
		t.Fatalf("RemoveMember of the last voter = %v, want ErrLastVoter", err)
	}
}

// A running node removed from the cluster learns it once its own log holds
// the configuration without it (Removed is closed), so that its owner can
// stop it; the nodes left do not. The leader removing itself appends that
// configuration; a caught-up follower gets it because the leader replicates
// to it up to the entry that removes it before it stops. A follower still
// catching up may miss that entry (see removal.go): the test waits until
// every node has applied what the leader has, as an operator removing a
// running member would find it.
func TestCluster_RemovedNodeLearnsIt(t *testing.T) {
	for _, who := range []string{"leader", "follower"} {
		t.Run(who, func(t *testing.T) {
			c := quorumtest.NewCluster(t, 3, quorumtest.Options{})
			mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
			l := c.Leader()
			gone := l
			if who == "follower" {
				gone = (l + 1) % 3
			}
			c.WaitConverged()
			if err := c.Node(l).RemoveMember(t.Context(), c.Node(gone).ID(), false); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Node(gone).Removed():
			case <-time.After(20 * time.Second):
				gst, gerr := c.Node(gone).Status()
				lst, lerr := c.Node(l).Status()
				t.Fatalf("the removed %s did not learn it within 20 s\n%s: %+v (%v)\nleader %s: %+v (%v)",
					c.Node(gone).ID(), c.Node(gone).ID(), gst, gerr, c.Node(l).ID(), lst, lerr)
			}
			mustPropose(t, c, quorumtest.AppendOp("l", []byte("after")))
			for i := range 3 {
				if i == gone {
					continue
				}
				select {
				case <-c.Node(i).Removed():
					t.Errorf("%s, still a member, reads as removed", c.Node(i).ID())
				default:
				}
			}
		})
	}
}
