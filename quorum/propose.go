package quorum

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
)

// Proposal states. A proposal moves from queued to taken (the sequencer put it
// in a raft entry) or to abandoned (its caller gave up first); whichever CAS
// wins decides whether the caller may report "not proposed".
const (
	queued int32 = iota
	taken
	abandoned
)

type proposal struct {
	op    logstore.Op
	state atomic.Int32
	done  chan struct{}                // Propose: closed once res and err are set
	cb    func(logstore.Result, error) // ProposeAsync: called instead
	res   logstore.Result
	err   error
}

// finish delivers the outcome to whoever waits.
func (p *proposal) finish(res logstore.Result, err error) {
	if p.cb != nil {
		p.cb(res, err)
		return
	}
	p.res, p.err = res, err
	close(p.done)
}

// ProposeAsync is Propose without a goroutine per call: done is called
// exactly once, from one of the node's goroutines (so it must not block), with the
// same results and errors Propose returns. The request cannot be abandoned.
// A stream that pipelines many requests uses it.
func (n *Node) ProposeAsync(op logstore.Op, done func(logstore.Result, error)) {
	if n.raft.State() != raft.Leader {
		done(logstore.Result{}, n.notLeader())
		return
	}
	select {
	case <-n.closing:
		done(logstore.Result{}, ErrClosed)
		return
	default:
	}
	p := &proposal{op: op, cb: done}
	select {
	case n.queue <- p:
	default:
		done(logstore.Result{}, ErrBusy)
	}
}

// Propose replicates op and returns its result once it is committed and
// applied on this node. Per-operation outcomes come back as errors from
// logstore (logstore.ErrNoLog, *logstore.ConditionError, ...).
//
// Errors that mean nothing was proposed: *NotLeaderError (ErrNotLeader),
// ErrBusy, ErrClosed, and ctx's error when ctx ended while op was still
// queued. ErrOutcomeUnknown (joined with ctx's error when ctx ended after op
// was proposed) means it may or may not commit. Cancelling ctx stops the
// wait, never the write.
func (n *Node) Propose(ctx context.Context, op logstore.Op) (logstore.Result, error) {
	if n.raft.State() != raft.Leader {
		return logstore.Result{}, n.notLeader()
	}
	p := &proposal{op: op, done: make(chan struct{})}
	select {
	case <-n.closing:
		return logstore.Result{}, ErrClosed
	default:
	}
	select {
	case n.queue <- p:
	default:
		return logstore.Result{}, ErrBusy
	}
	select {
	case <-p.done:
		return p.res, p.err
	case <-n.closing:
		if p.state.CompareAndSwap(queued, abandoned) {
			return logstore.Result{}, ErrClosed
		}
		<-p.done // taken: its entry is answered before raft shuts down (see Close)
		return p.res, p.err
	case <-ctx.Done():
		if p.state.CompareAndSwap(queued, abandoned) {
			return logstore.Result{}, ctx.Err()
		}
		return logstore.Result{}, errors.Join(ErrOutcomeUnknown, ctx.Err())
	}
}

// entry is a raft entry in flight and the proposals it carries.
type entry struct {
	f       raft.ApplyFuture
	live    []*proposal
	start   time.Time
	records int
}

// sequencer is the only goroutine that calls raft.Apply: it takes everything
// queued (up to the batch limits) as one raft entry, so entries enter the
// raft log in the order their proposals were queued. A writer that pipelines
// conditional appends over one stream relies on that order. At most
// Config.Proposers entries are in flight (slots); while all are busy,
// proposals pile up and the next entry takes them all (group commit).
func (n *Node) sequencer() {
	defer n.wg.Done()
	defer close(n.entries) // the waiters finish what is in flight, then return
	ops := make([]logstore.Op, 0, 64)
	for {
		select {
		case n.slots <- struct{}{}:
		case <-n.closing:
			n.failQueued()
			return
		}
		var batch []*proposal
		if p := n.carry; p != nil {
			n.carry = nil
			batch = n.fill([]*proposal{p})
		} else {
			select {
			case p := <-n.queue:
				batch = n.fill([]*proposal{p})
			case <-n.closing:
				<-n.slots
				n.failQueued()
				return
			}
		}
		ops = ops[:0]
		live := batch[:0]
		size, records := 0, 0
		for _, p := range batch {
			if p.state.CompareAndSwap(queued, taken) {
				live = append(live, p)
				ops = append(ops, p.op)
				size += encodedOpSize(&p.op)
				records += len(p.op.Records)
			}
		}
		if len(live) == 0 {
			<-n.slots
			continue
		}
		// raft keeps the entry's bytes (log cache, replication), so each
		// entry gets its own buffer.
		data := appendEntry(make([]byte, 0, size+16), ops)
		clear(ops)
		n.entries <- entry{f: n.raft.Apply(data, 0), live: live, start: time.Now(), records: records}
	}
}

// waiter waits for in-flight entries and hands each proposal its result.
// Config.Proposers of them run, one per slot.
func (n *Node) waiter() {
	defer n.wg.Done()
	for e := range n.entries {
		err := e.f.Error()
		var results []logstore.Result
		if err == nil {
			n.metrics.observeEntry(e.start, e.records, len(e.live))
			results, _ = e.f.Response().([]logstore.Result)
			if len(results) != len(e.live) {
				err = fmt.Errorf("%w: entry %d returned %d results for %d operations", ErrOutcomeUnknown, e.f.Index(), len(results), len(e.live))
			}
		} else {
			err = n.applyError(err)
		}
		for i, p := range e.live {
			if err != nil {
				p.finish(logstore.Result{}, err)
			} else {
				p.finish(results[i], results[i].Err)
			}
		}
		<-n.slots
	}
}

// fill adds queued proposals to batch until a limit is reached or the queue
// is empty. A proposal that would take the entry past maxEntryBytes is kept
// in n.carry, to start the next entry: it is next in queue order.
func (n *Node) fill(batch []*proposal) []*proposal {
	records, bytes, size := 0, 0, entryHeaderBytes
	count := func(p *proposal) {
		records += max(len(p.op.Records), 1)
		for _, r := range p.op.Records {
			bytes += len(r.Payload)
		}
		size += encodedOpSize(&p.op)
	}
	count(batch[0])
	for records < n.cfg.MaxBatchRecords && bytes < n.cfg.MaxBatchBytes {
		select {
		case p := <-n.queue:
			if size+encodedOpSize(&p.op) > maxEntryBytes {
				n.carry = p
				return batch
			}
			batch = append(batch, p)
			count(p)
		default:
			return batch
		}
	}
	return batch
}

// applyError classifies a raft.Apply failure: was the entry proposed?
func (n *Node) applyError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return n.notLeader()
	default:
		// ErrLeadershipLost, ErrRaftShutdown, ErrAbortedByRestore: the entry
		// may have been appended to the log and may still commit.
		return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
}

// failQueued answers every proposal still queued at shutdown: none was proposed.
func (n *Node) failQueued() {
	if p := n.carry; p != nil && p.state.CompareAndSwap(queued, taken) {
		p.finish(logstore.Result{}, ErrClosed)
	}
	n.carry = nil
	for {
		select {
		case p := <-n.queue:
			if p.state.CompareAndSwap(queued, taken) {
				p.finish(logstore.Result{}, ErrClosed)
			}
		default:
			return
		}
	}
}
