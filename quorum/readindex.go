package quorum

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// ReadIndex returns an index such that a node whose store has applied it
// reflects every write acknowledged before ReadIndex was called. Only the
// leader answers; others return a *NotLeaderError.
//
// How: once per term the leader waits for a barrier, so every entry of
// earlier terms is applied to its store. Then the store's applied index
// covers every acknowledged write (this leader acknowledges only after
// applying). A VerifyLeader round started after the call confirms that no
// newer leader can have acknowledged anything since. Concurrent callers share
// VerifyLeader rounds.
//
// One caveat, hashicorp/raft's: VerifyLeader also counts a follower's
// answer to a heartbeat sent a moment (at most a heartbeat interval) before
// it was called. That is still safe: a follower that has just heard from a
// leader refuses to vote for another candidate until its heartbeat timeout
// passes, so no newer leader can exist in that moment. A leader cut off for
// longer than a heartbeat interval gives no read index
// (TestCluster_CutOffLeaderGivesNoReadIndex).
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	if n.raft.State() != raft.Leader {
		return 0, n.notLeader()
	}
	start := time.Now()
	term := n.raft.CurrentTerm()
	if err := n.reads.barrier(ctx, term); err != nil {
		return 0, err
	}
	index := n.store.AppliedIndex()
	if err := n.reads.verify(ctx); err != nil {
		return 0, err
	}
	if n.raft.CurrentTerm() != term {
		return 0, n.notLeader()
	}
	n.metrics.readIndexSeconds.Observe(time.Since(start).Seconds())
	return index, nil
}

// WaitApplied returns once this node's store has applied index.
func (n *Node) WaitApplied(ctx context.Context, index uint64) error {
	return n.store.WaitApplied(ctx, index)
}

// readIndexer coalesces VerifyLeader calls and remembers the term whose
// barrier has completed.
type readIndexer struct {
	n *Node

	mu          sync.Mutex
	barrierTerm uint64 // guarded by mu: last term whose barrier was applied
	next        *round // guarded by mu: the round new callers join; starts after the running one
	running     bool   // guarded by mu
	wg          sync.WaitGroup
}

type round struct {
	done chan struct{}
	err  error
}

func newReadIndexer(n *Node) *readIndexer { return &readIndexer{n: n} }

func (ri *readIndexer) barrier(ctx context.Context, term uint64) error {
	ri.mu.Lock()
	done := ri.barrierTerm == term
	ri.mu.Unlock()
	if done {
		return nil
	}
	errc := make(chan error, 1)
	go func() { errc <- ri.n.raft.Barrier(0).Error() }()
	select {
	case err := <-errc:
		if err != nil {
			return ri.n.leadershipError(err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	ri.mu.Lock()
	ri.barrierTerm = max(ri.barrierTerm, term)
	ri.mu.Unlock()
	return nil
}

// verify joins the next VerifyLeader round, which starts only after the
// call, and waits for it.
func (ri *readIndexer) verify(ctx context.Context) error {
	ri.mu.Lock()
	r := ri.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		ri.next = r
		if !ri.running {
			ri.running = true
			ri.wg.Add(1)
			go ri.run()
		}
	}
	ri.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run performs rounds until no caller waits for another.
func (ri *readIndexer) run() {
	defer ri.wg.Done()
	for {
		ri.mu.Lock()
		r := ri.next
		ri.next = nil
		if r == nil {
			ri.running = false
			ri.mu.Unlock()
			return
		}
		ri.mu.Unlock()
		if err := ri.n.raft.VerifyLeader().Error(); err != nil {
			r.err = ri.n.leadershipError(err)
		}
		close(r.done)
	}
}

func (ri *readIndexer) close() { ri.wg.Wait() }

// leadershipError turns a raft error from Barrier or VerifyLeader into ours.
func (n *Node) leadershipError(err error) error {
	switch err {
	case raft.ErrRaftShutdown:
		return ErrClosed
	default:
		return n.notLeader()
	}
}
