package quorum

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// A follower refuses one pipelined AppendEntries. raft's consumer takes
// the responses up to that one, in order, and stops reading (as
// pipelineDecode does); raft's sender may go on sending (its loop looks
// for the consumer's end only between sends). Every send returns: those
// after the refusal with ErrPipelineShutdown, so raft falls back to one
// AppendEntries at a time. With raft's NetworkTransport alone a send
// blocks for good (hashicorp/raft#612).
func TestPipelinedTransport_ARefusedAppendDoesNotWedgeThePipeline(t *testing.T) {
	const refused = 4 // the request the follower refuses
	quiet := hclog.NewNullLogger()
	for _, inFlight := range []int{2, maxRPCsInFlight} {
		leader, err := newTCPTransport("127.0.0.1:0", &raft.NetworkTransportConfig{MaxPool: 2, Timeout: 10 * time.Second, MaxRPCsInFlight: inFlight, Logger: quiet}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer leader.Close()
		follower, err := newTCPTransport("127.0.0.1:0", &raft.NetworkTransportConfig{MaxPool: 2, Timeout: 10 * time.Second, Logger: quiet}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer follower.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case rpc := <-follower.Consumer():
					req := rpc.Command.(*raft.AppendEntriesRequest)
					rpc.Respond(&raft.AppendEntriesResponse{Term: req.Term, Success: req.PrevLogEntry != refused}, nil)
				case <-stop:
					return
				}
			}
		}()

		p, err := leader.AppendEntriesPipeline("f", follower.LocalAddr())
		if err != nil {
			t.Fatal(err)
		}
		consumed := make(chan []uint64)
		go func() {
			var seen []uint64
			for f := range p.Consumer() {
				seen = append(seen, f.Request().PrevLogEntry)
				if !f.Response().Success {
					break
				}
			}
			consumed <- seen
		}()
		sent := make(chan error, 1)
		go func() {
			for i := range uint64(50) {
				req := &raft.AppendEntriesRequest{Term: 1, PrevLogEntry: i}
				if _, err := p.AppendEntries(req, new(raft.AppendEntriesResponse)); err != nil {
					sent <- err
					return
				}
			}
			sent <- errors.New("the pipeline took 50 sends after the refusal")
		}()

		// Generous: a wedged send never returns.
		select {
		case err := <-sent:
			if !errors.Is(err, raft.ErrPipelineShutdown) {
				t.Errorf("in flight %d: sends ended with %v, want ErrPipelineShutdown", inFlight, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("in flight %d: a send on the pipeline has blocked for 20s after a refused AppendEntries", inFlight)
		}
		if seen := <-consumed; !slices.Equal(seen, []uint64{0, 1, 2, 3, refused}) {
			t.Errorf("in flight %d: the consumer got the responses to %v, want 0 to %d in order", inFlight, seen, refused)
		}
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}
}
