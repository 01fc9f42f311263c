package server

import (
	"sync"
	"time"
)

// reply is one element of a connection's reply queue: the bytes of one
// reply that waits for ticket, followed by the bytes of later replies that
// wait for nothing of their own (ticket 0 replies ride on the one before).
// If the backend settles ticket with an error, the error replaces
// data[:ticketLen] and the rest is sent as is.
type reply struct {
	data      []byte
	ticketLen int
	ticket    Ticket
}

// replyQueue carries replies from a connection's reader to its writer, in
// request order. It bounds the bytes and replies that are queued or being
// written: push blocks while the bound is exceeded, so a client that
// pipelines without reading its replies stops being read (TCP then pushes
// back on it) instead of growing memory.
type replyQueue struct {
	maxBytes int
	maxItems int

	mu       sync.Mutex
	space    sync.Cond // signalled when bytes or items drop
	ready    sync.Cond // signalled when items arrive, or on finish/close
	items    []reply   // pushed, not yet taken by the writer
	bytes    int       // bytes pushed and not yet written
	count    int       // replies pushed and not yet written
	finished bool      // the reader pushes no more; the writer drains and exits
	closed   bool      // the writer is gone; pushes fail
	// softSince is when the queued bytes went over a Pub/Sub soft limit
	// (zero: they are not over it).
	softSince time.Time
	// While holding, Pub/Sub messages wait in held (heldBytes) instead
	// of the queue: the reader has registered a subscription whose
	// confirmation it has not yet queued (see holdMessages).
	holding   bool
	held      []reply
	heldBytes int
}

func newReplyQueue(maxBytes, maxItems int) *replyQueue {
	q := &replyQueue{maxBytes: maxBytes, maxItems: maxItems}
	q.space.L = &q.mu
	q.ready.L = &q.mu
	return q
}

// push appends items (n bytes in all), blocking while the queue is over its
// bound and not empty. It reports false if the writer has gone.
func (q *replyQueue) push(items []reply, n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && q.count > 0 && (q.bytes >= q.maxBytes || q.count >= q.maxItems) {
		q.space.Wait()
	}
	if q.closed {
		return false
	}
	q.items = append(q.items, items...)
	q.bytes += n
	q.count += len(items)
	q.ready.Signal()
	return true
}

// pushMessage appends a Pub/Sub message, never blocking (the publisher is
// another connection). It reports false, queueing nothing, if the queue
// is closed or over the pubsub output buffer limits: hard bytes, or soft
// bytes for softFor (Redis's checkClientOutputBufferLimits; 0: none).
func (q *replyQueue) pushMessage(msg []byte, hard, soft int64, softFor time.Duration) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	size := int64(q.bytes + q.heldBytes + len(msg))
	if hard > 0 && size > hard {
		return false
	}
	switch {
	case soft <= 0 || size <= soft:
		q.softSince = time.Time{}
	case q.softSince.IsZero():
		q.softSince = time.Now()
	case time.Since(q.softSince) > softFor:
		return false
	}
	if q.holding {
		q.held = append(q.held, reply{data: msg})
		q.heldBytes += len(msg)
		return true
	}
	q.items = append(q.items, reply{data: msg})
	q.bytes += len(msg)
	q.count++
	q.ready.Signal()
	return true
}

// holdMessages makes Pub/Sub messages wait until release: the reader
// calls it before registering a subscription, and release once the
// confirmation is queued (or written), so that no message overtakes the
// confirmation and none published after it is missed.
func (q *replyQueue) holdMessages() {
	q.mu.Lock()
	q.holding = true
	q.mu.Unlock()
}

// release queues the messages held since holdMessages.
func (q *replyQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.holding {
		return
	}
	q.holding = false
	if len(q.held) > 0 && !q.closed {
		q.items = append(q.items, q.held...)
		q.bytes += q.heldBytes
		q.count += len(q.held)
		q.ready.Signal()
	}
	q.held, q.heldBytes = nil, 0
}

// take waits for replies and returns all queued ones, handing the queue
// spare (emptied) as its next backing array. ok is false once the queue is
// closed, or finished and drained.
func (q *replyQueue) take(spare []reply) (items []reply, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.finished && !q.closed {
		q.ready.Wait()
	}
	if q.closed || len(q.items) == 0 {
		return nil, false
	}
	items = q.items
	clear(spare[:cap(spare)])
	q.items = spare[:0]
	return items, true
}

// idle reports whether every reply pushed has been written (so the writer
// is waiting in take) and the writer is still there.
func (q *replyQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count == 0 && !q.closed
}

// written releases n bytes and k replies the writer has sent.
func (q *replyQueue) written(n, k int) {
	q.mu.Lock()
	q.bytes -= n
	q.count -= k
	q.space.Signal()
	q.mu.Unlock()
}

// finish tells the writer that no more replies will come.
func (q *replyQueue) finish() {
	q.mu.Lock()
	q.finished = true
	q.ready.Broadcast()
	q.mu.Unlock()
}

// close makes pushes fail and wakes both sides (writer failed, server closing).
func (q *replyQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.space.Broadcast()
	q.ready.Broadcast()
	q.mu.Unlock()
}
