package quorum

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// maxRPCsInFlight is how many AppendEntries the leader keeps in flight to
// each follower once replication to it is healthy (raft's pipeline mode).
// Without a pipeline an entry that arrives while an AppendEntries is out
// waits for its answer and then for its own: between one and two round
// trips to the follower before it can commit, where a pipeline takes one.
// Across zones that round trip is the commit's latency.
const maxRPCsInFlight = 8

// AppendEntriesPipeline returns raft's pipeline, wrapped so that it cannot
// wedge (hashicorp/raft#612). raft's pipeline consumer returns at
// the first refused AppendEntries (a follower with a full disk, say) and
// stops reading the pipeline's responses; the transport's decoder then
// blocks handing over the next response, the pipeline's sender blocks
// behind it, and raft's sending loop, blocked in that send, never notices
// the consumer is gone. The leader then sends that follower heartbeats
// and never another entry, until it loses leadership.
func (t *tcpTransport) AppendEntriesPipeline(id raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	p, err := t.NetworkTransport.AppendEntriesPipeline(id, target)
	if err != nil {
		return nil, err
	}
	return newUnwedgedPipeline(p), nil
}

// unwedgedPipeline wraps a raft.AppendPipeline. It passes responses on to
// raft until one that ends raft's consumer (refused, or of a newer term),
// and drains the rest itself, so the wrapped pipeline never blocks; from
// that response on it refuses new sends, which ends raft's sending loop
// at once, and raft falls back to one AppendEntries at a time.
type unwedgedPipeline struct {
	raft.AppendPipeline
	done      chan raft.AppendFuture // what raft consumes
	ended     atomic.Bool            // raft's consumer has been handed its last response
	closed    chan struct{}
	closeOnce sync.Once
}

func newUnwedgedPipeline(p raft.AppendPipeline) *unwedgedPipeline {
	u := &unwedgedPipeline{AppendPipeline: p, done: make(chan raft.AppendFuture), closed: make(chan struct{})}
	go u.forward()
	return u
}

// endsConsumer reports whether raft's pipeline consumer (pipelineDecode)
// returns on f's response, which it does on the same two conditions.
func endsConsumer(f raft.AppendFuture) bool {
	resp := f.Response()
	return !resp.Success || resp.Term > f.Request().Term
}

func (u *unwedgedPipeline) forward() {
	in := u.AppendPipeline.Consumer()
	for {
		select {
		case f := <-in:
			if u.ended.Load() {
				continue // raft no longer reads: drop it
			}
			if endsConsumer(f) {
				u.ended.Store(true)
			}
			select {
			case u.done <- f:
			case <-u.closed:
				return
			}
		case <-u.closed:
			return
		}
	}
}

func (u *unwedgedPipeline) AppendEntries(args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) (raft.AppendFuture, error) {
	if u.ended.Load() {
		return nil, raft.ErrPipelineShutdown
	}
	return u.AppendPipeline.AppendEntries(args, resp)
}

func (u *unwedgedPipeline) Consumer() <-chan raft.AppendFuture { return u.done }

func (u *unwedgedPipeline) Close() error {
	u.closeOnce.Do(func() { close(u.closed) })
	return u.AppendPipeline.Close()
}
