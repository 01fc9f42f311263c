package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// An appendStream pipelines the appends of many goroutines over one
// AppendStream RPC. Callers queue tagged requests and wait on their own
// call's channel; one sender goroutine drains the queue, writing the
// requests back to back; one receiver goroutine hands each response to the
// call with its tag. Nothing is started per call.
//
// A call is queued, then sent (the sender took it: it may be on the wire),
// then done (finished exactly once, by the receiver or by fail). When the
// stream breaks, queued calls and calls the sender had not yet written
// finish with a *notSentError, and the write loop retries them; sent calls
// finish with ErrOutcomeUnknown. A NotLeader answer makes the stream drain:
// it takes no new calls, answers the sent ones and ends.
type appendStream struct {
	c      *Client
	cn     *conn
	stream quorumlogpb.LogService_AppendStreamClient
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: work for the sender

	mu sync.Mutex
	// Guarded by mu:
	queue    []*call          // queued, in order
	spare    []*call          // the sender's emptied batch, reused as queue
	pending  map[uint64]*call // sent and not yet answered, by tag
	nextTag  uint64
	err      error // why the stream takes no more calls; nil while usable
	draining bool  // err set by drain: send the queue, then CloseSend
}

type callState uint8

const (
	callQueued    callState = iota
	callSent                // the sender took it
	callDone                // finished: result delivered to done
	callAbandoned           // the caller's ctx ended while it was queued
)

// call is one Append waiting on a stream. Calls are pooled: a call goes
// back to the pool only when its caller has received its result, so no
// goroutine can touch it any more.
type call struct {
	req   *quorumlogpb.AppendStreamRequest
	state callState // guarded by appendStream.mu
	done  chan callResult
}

type callResult struct {
	resp *quorumlogpb.AppendResponse
	err  error
}

var callPool = sync.Pool{New: func() any { return &call{done: make(chan callResult, 1)} }}

// appendStream returns the open stream on cn, opening one if needed.
// Errors are *notSentError or ErrClosed.
func (c *Client) appendStream(ctx context.Context, cn *conn) (*appendStream, error) {
	c.mu.Lock()
	s := cn.stream
	c.mu.Unlock()
	if s != nil && s.usable() {
		return s, nil
	}
	cn.openMu.Lock()
	defer cn.openMu.Unlock()
	c.mu.Lock()
	s, closed := cn.stream, c.closed
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if s != nil && s.usable() {
		return s, nil
	}
	if err := c.ready(ctx, cn); err != nil {
		return nil, err
	}
	cn.forgetMaxMessage() // a new stream: the node may have restarted
	sctx, cancel := context.WithCancel(context.Background())
	st, err := cn.log.AppendStream(sctx)
	if err != nil {
		cancel()
		return nil, &notSentError{fmt.Errorf("open append stream to %s: %w", cn.addr, err)}
	}
	s = &appendStream{
		c:       c,
		cn:      cn,
		stream:  st,
		cancel:  cancel,
		wake:    make(chan struct{}, 1),
		pending: make(map[uint64]*call),
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return nil, ErrClosed
	}
	cn.stream = s
	c.streams[s] = struct{}{}
	c.wg.Add(2)
	c.mu.Unlock()
	c.logger.Debug("client: append stream opened", "peer", cn.addr)
	go s.sendLoop()
	go s.recvLoop()
	return s, nil
}

func (s *appendStream) usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err == nil
}

// do sends req over the stream and waits for its answer or ctx.
func (s *appendStream) do(ctx context.Context, req *quorumlogpb.AppendRequest, queued func()) (*quorumlogpb.AppendResponse, error) {
	select {
	case s.c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	cl := callPool.Get().(*call)
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		<-s.c.slots
		callPool.Put(cl)
		return nil, &notSentError{err}
	}
	s.nextTag++
	cl.req = &quorumlogpb.AppendStreamRequest{Tag: s.nextTag, Append: req}
	cl.state = callQueued
	s.queue = append(s.queue, cl)
	s.mu.Unlock()
	queued()
	select {
	case s.wake <- struct{}{}:
	default:
	}

	select {
	case r := <-cl.done:
		cl.req = nil
		callPool.Put(cl)
		return r.resp, r.err
	case <-ctx.Done():
	}
	s.mu.Lock()
	switch cl.state {
	case callQueued:
		// Never written: the sender will skip it.
		cl.state = callAbandoned
		s.mu.Unlock()
		<-s.c.slots
		return nil, ctx.Err()
	case callDone:
		s.mu.Unlock()
		r := <-cl.done
		cl.req = nil
		callPool.Put(cl)
		return r.resp, r.err
	}
	s.mu.Unlock()
	// Sent: whoever finishes the call later frees its slot; cl is dropped.
	return nil, outcomeUnknown(ctx.Err())
}

// finish delivers r to a call taken out of the queue or pending map under
// mu (state already callDone) and frees its in-flight slot.
func (s *appendStream) finish(cl *call, r callResult) {
	<-s.c.slots
	cl.done <- r
}

func (s *appendStream) sendLoop() {
	defer s.c.wg.Done()
	var reqs []*quorumlogpb.AppendStreamRequest
	var tags []uint64
	ctx := s.stream.Context()
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		batch := s.queue
		s.queue, s.spare = s.spare[:0], nil
		reqs, tags = reqs[:0], tags[:0]
		for _, cl := range batch {
			if cl.state != callQueued {
				continue
			}
			cl.state = callSent
			s.pending[cl.req.GetTag()] = cl
			reqs = append(reqs, cl.req)
			tags = append(tags, cl.req.GetTag())
		}
		clear(batch)
		s.spare = batch[:0]
		draining := s.draining
		s.mu.Unlock()

		for i, req := range reqs {
			if err := s.stream.Send(req); err != nil {
				s.fail(fmt.Errorf("send on append stream to %s: %w", s.cn.addr, err), tags[i+1:])
				return
			}
		}
		clear(reqs)
		if draining {
			s.mu.Lock()
			empty := len(s.queue) == 0
			s.mu.Unlock()
			if empty {
				// The receiver ends the stream once the server has
				// answered the sent calls and closed its side.
				_ = s.stream.CloseSend()
				return
			}
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (s *appendStream) recvLoop() {
	defer s.c.wg.Done()
	for {
		resp, err := s.stream.Recv()
		if err != nil {
			if err == io.EOF {
				err = errors.New("server ended the stream")
			}
			s.fail(fmt.Errorf("append stream to %s: %w", s.cn.addr, mapError(err)), nil)
			return
		}
		s.mu.Lock()
		cl := s.pending[resp.GetTag()]
		if cl != nil {
			delete(s.pending, resp.GetTag())
			cl.state = callDone
		}
		s.mu.Unlock()
		if cl == nil {
			s.c.logger.Debug("client: append response with unknown tag", "peer", s.cn.addr, "tag", resp.GetTag())
			continue
		}
		var r callResult
		switch {
		case resp.GetError() != nil:
			se := fromStreamError(resp.GetError())
			if se.notLeader != nil {
				s.drain()
			}
			r.err = se
		case resp.GetResult() != nil:
			r.resp = resp.GetResult()
		default:
			r.err = outcomeUnknown(fmt.Errorf("append stream to %s: response %d has neither result nor error", s.cn.addr, resp.GetTag()))
		}
		s.finish(cl, r)
	}
}

// drain stops the stream from taking new calls after a NotLeader answer:
// the write loop will send them to the leader. Sent calls still get their
// answers.
func (s *appendStream) drain() {
	s.mu.Lock()
	if s.err == nil {
		s.err = fmt.Errorf("append stream to %s: not leader", s.cn.addr)
		s.draining = true
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.detach()
}

// fail ends the stream: queued calls and sent calls whose tags are in
// unsent finish as not sent, other sent calls with ErrOutcomeUnknown.
// Only the first call has an effect on the error.
func (s *appendStream) fail(err error, unsent []uint64) {
	s.mu.Lock()
	if s.err == nil || s.draining {
		s.err = err
		s.draining = false
	}
	queue := s.queue
	s.queue = nil
	pending := s.pending
	s.pending = make(map[uint64]*call)
	var finished []*call
	var results []callResult
	for _, cl := range queue {
		if cl.state == callQueued {
			cl.state = callDone
			finished = append(finished, cl)
			results = append(results, callResult{err: &notSentError{err}})
		}
	}
	for tag, cl := range pending {
		cl.state = callDone
		finished = append(finished, cl)
		if containsTag(unsent, tag) {
			results = append(results, callResult{err: &notSentError{err}})
		} else {
			results = append(results, callResult{err: outcomeUnknown(err)})
		}
	}
	s.mu.Unlock()
	s.cancel()
	for i, cl := range finished {
		s.finish(cl, results[i])
	}
	s.detach()
	s.c.mu.Lock()
	delete(s.c.streams, s)
	s.c.mu.Unlock()
}

// detach makes the next call on the connection open a new stream.
func (s *appendStream) detach() {
	s.c.mu.Lock()
	if s.cn.stream == s {
		s.cn.stream = nil
	}
	s.c.mu.Unlock()
}

func containsTag(tags []uint64, tag uint64) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
