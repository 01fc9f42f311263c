package server

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// Keyspace notifications (notify-keyspace-events). The engine raises them
// as Redis's notifyKeyspaceEvent does; the backend hands each command's to
// the server (Backend.OnKeyspaceEvents) with the ticket its reply waits
// for, in the order the commands ran, and the server publishes them to
// this node's subscribers only, as Redis Cluster does: not through the
// backend's Pub/Sub between nodes.
//
// A write is not to be seen before it is durable: a command's events are
// published once its ticket has settled, and dropped if the backend says
// its write will never be acknowledged. Batches are published in the
// order the commands ran: one goroutine waits for each batch's ticket in
// turn. A batch with ticket 0 and nothing queued before it (the
// standalone backend, a replica applying the log, a read) is published at
// once, under the backend's lock, as Redis publishes during the command.
//
// The connection that ran the command gets its own messages inside its
// reply, where Redis writes them (Event.At), and the others get theirs
// from the publisher. For a batch that waits, so that no message of a
// later command reaches that connection before its reply, the reader
// waits until the batch is published and the publisher holds the
// connection's messages back (replyQueue.holdMessages) until the reply is
// queued.

// setNotify makes notify-keyspace-events flags (engine.Notify...) take
// effect: on this node only, as CONFIG SET in Redis Cluster.
func (s *Server) setNotify(flags int) {
	s.notify.flags.Store(int64(flags))
	s.backend.SetNotify(flags)
}

// notifier publishes keyspace notifications.
type notifier struct {
	s     *Server
	flags atomic.Int64 // notify-keyspace-events as engine.Notify flags
	wake  chan struct{}

	// mu guards queue and running, and is held while a batch is published
	// at once, so that none handed over later overtakes it.
	mu      sync.Mutex
	queue   []eventBatch // waiting for their tickets, in execution order
	running bool         // the goroutine has taken a batch and not yet published it
}

// eventBatch is one command's events.
type eventBatch struct {
	ticket Ticket
	events []engine.Event
	// self is the connection that ran the command, if it is subscribed:
	// it puts its own messages in its reply. reached is closed once the
	// others have theirs.
	self    *conn
	reached chan struct{}
}

// keyspaceEvents is the backend's OnKeyspaceEvents hook. The backend calls
// it under its lock, in the order the commands run; cs, if not nil, is the
// connection whose Do, Exec or Block runs, on its reader goroutine.
func (n *notifier) keyspaceEvents(cs *ConnState, t Ticket, events []engine.Event) {
	if len(events) == 0 {
		return
	}
	var self *conn
	if cs != nil && cs.owner != nil && cs.owner.inPubSubMode() {
		self = cs.owner
		self.notePushes(events, n.flags.Load())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if t == 0 && len(n.queue) == 0 && !n.running {
		n.publish(events, self)
		return
	}
	b := eventBatch{ticket: t, events: events, self: self}
	if self != nil {
		b.reached = make(chan struct{})
		self.notifyReached = b.reached
	}
	n.queue = append(n.queue, b)
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// loop publishes the queued batches in order, each once its ticket has
// settled, until ctx ends.
func (n *notifier) loop(ctx context.Context) {
	defer n.s.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		for {
			n.mu.Lock()
			if len(n.queue) == 0 {
				n.running = false
				n.mu.Unlock()
				break
			}
			b := n.queue[0]
			n.queue[0] = eventBatch{}
			n.queue = n.queue[1:]
			n.running = true
			n.mu.Unlock()
			lost := b.ticket != 0 && n.s.backend.Wait(ctx, b.ticket) != ""
			if ctx.Err() != nil {
				return
			}
			if !lost { // a write that will never be acknowledged tells nothing
				n.publish(b.events, b.self)
			}
			if b.self != nil {
				// Until its reply is queued, the connection's messages
				// wait: none of a later command may come before it.
				b.self.q.holdMessages()
				close(b.reached)
			}
		}
	}
}

// publish sends events to every subscriber but self: each on
// __keyspace@0__:<key> (K) then __keyevent@0__:<event> (E), as Redis does.
func (n *notifier) publish(events []engine.Event, self *conn) {
	flags := n.flags.Load()
	for _, ev := range events {
		if flags&engine.NotifyKeyspace != 0 {
			n.s.pubsub.publishExcept(self, keyspaceChannel(ev), []byte(ev.Name))
		}
		if flags&engine.NotifyKeyevent != 0 {
			n.s.pubsub.publishExcept(self, keyeventChannel(ev), []byte(ev.Key))
		}
	}
}

func keyspaceChannel(ev engine.Event) []byte { return []byte("__keyspace@0__:" + ev.Key) }
func keyeventChannel(ev engine.Event) []byte { return []byte("__keyevent@0__:" + ev.Name) }

// selfPush is a message for the connection from its own command, and
// where in the reply it goes.
type selfPush struct {
	at  int
	msg []byte
}

// notePushes records the messages the connection receives from its own
// command's events (reader goroutine).
func (c *conn) notePushes(events []engine.Event, flags int64) {
	var msgs [][]byte
	for _, ev := range events {
		msgs = msgs[:0]
		if flags&engine.NotifyKeyspace != 0 {
			msgs = c.s.pubsub.messagesFor(c, msgs, keyspaceChannel(ev), []byte(ev.Name))
		}
		if flags&engine.NotifyKeyevent != 0 {
			msgs = c.s.pubsub.messagesFor(c, msgs, keyeventChannel(ev), []byte(ev.Key))
		}
		for _, m := range msgs {
			c.selfPushes = append(c.selfPushes, selfPush{at: ev.At, msg: m})
		}
	}
}

// placePushes puts the messages the command just run sent to its own
// connection into its reply (c.w from c.replyStart), and, if they were
// published later (the command waits for a ticket), hands the replies
// before it to the writer and waits until the others have their
// messages, so that the reply follows every message published before
// and precedes those published after (see notifier).
func (c *conn) placePushes() {
	if len(c.selfPushes) > 0 {
		reply := bytes.Clone(c.w.Bytes()[c.replyStart:])
		c.w.Truncate(c.replyStart)
		if c.replyHidden() && !c.replyKept {
			// CLIENT REPLY OFF hides the reply, not the pushes.
			reply, c.replyKept = nil, true
		}
		done := 0
		for _, p := range c.selfPushes {
			at := min(max(p.at-c.replyStart, done), len(reply))
			if c.pushesFirst {
				at = 0
			}
			c.w.Raw(reply[done:at])
			c.w.Raw(p.msg)
			done = at
		}
		c.w.Raw(reply[done:])
		c.selfPushes = c.selfPushes[:0]
	}
	c.pushesFirst = false
	reached := c.notifyReached
	if reached == nil {
		return
	}
	c.notifyReached = nil
	reply := bytes.Clone(c.w.Bytes()[c.replyStart:])
	c.w.Truncate(c.replyStart)
	if !c.handOver() {
		c.closing = true
	}
	c.w.Reset()
	c.w.Raw(reply)
	c.replyStart = 0
	select {
	case <-reached:
		c.holdingMessages = true // the next flush queues the reply, then releases them
	case <-c.ctx.Done():
	}
}
