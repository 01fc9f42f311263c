package shard

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// Pub/Sub messages travel between the shard's nodes through a third log,
// <shard>.pubsub, as Redis Cluster's bus carries a PUBLISH to every node.
// Each node appends the messages published on it, unconditionally and in
// batches (everything published while the previous append was in flight),
// and follows the log from where it stood when the node started,
// delivering the other nodes' messages in log order: one node's messages
// arrive everywhere in the order it published them.
//
// Messages are not data. PUBLISH does not wait for the append; a message
// whose append fails, or that finds the backlog full, is dropped (and
// logged); a node that was down misses what was published meanwhile; the
// primary trims the log behind what every follower has had time to read.

const (
	pubsubRecordVersion = 1
	// pubsubBacklog bounds the bytes of messages waiting for an append:
	// a log that cannot keep up drops messages rather than memory.
	pubsubBacklog = 64 << 20
	// pubsubKeep is how long records stay in the log before the primary
	// trims them: a follower further behind than that skips ahead.
	pubsubKeep      = 30 * time.Second
	pubsubTrimEvery = 10 * time.Second
)

// pubsubLogOf is the Pub/Sub log of shard log log.
func pubsubLogOf(log string) string { return log + ".pubsub" }

func (s *Shard) pubsubLog() string { return pubsubLogOf(s.cfg.Log) }

// pubsubMessage is one published message.
type pubsubMessage struct {
	sharded          bool
	channel, message []byte
}

// pubsubOut is the messages waiting for the next append.
type pubsubOut struct {
	mu      sync.Mutex
	pending []pubsubMessage
	bytes   int
	dropped int64 // since the last warning
	wake    chan struct{}
}

// Publish queues a message published on this node for the other nodes
// (server.Backend). It never blocks.
func (s *Shard) Publish(sharded bool, channel, message []byte) {
	o := &s.pubsubOut
	o.mu.Lock()
	n := len(channel) + len(message)
	if o.bytes+n > pubsubBacklog {
		o.dropped++
		o.mu.Unlock()
		return
	}
	// The server's buffers are reused after the command: keep copies.
	o.pending = append(o.pending, pubsubMessage{sharded, append([]byte(nil), channel...), append([]byte(nil), message...)})
	o.bytes += n
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// OnMessage sets the delivery of messages published on other nodes
// (server.Backend).
func (s *Shard) OnMessage(deliver func(sharded bool, channel, message []byte)) {
	s.deliver.Store(&deliver)
}

// pubsubAppendLoop appends the queued messages, one batch at a time.
func (s *Shard) pubsubAppendLoop(ctx context.Context) {
	o := &s.pubsubOut
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		}
		o.mu.Lock()
		batch, dropped := o.pending, o.dropped
		o.pending, o.bytes, o.dropped = nil, 0, 0
		o.mu.Unlock()
		if dropped > 0 {
			s.logger.Warn("pubsub: messages dropped, the log is not keeping up", "messages", dropped)
		}
		if len(batch) == 0 {
			continue
		}
		s.mu.Lock()
		limit := s.maxRecord
		s.mu.Unlock()
		recs, tooBig := encodePubsubRecords(s.cfg.NodeID, batch, limit)
		if tooBig > 0 {
			s.logger.Warn("pubsub: messages larger than a record dropped", "messages", tooBig, "limit", limit)
		}
		if len(recs) == 0 {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := s.cfg.Client.Append(actx, s.pubsubLog(), recs)
		cancel()
		if err != nil && ctx.Err() == nil {
			s.fatalIfDenied(err)
			s.logger.Warn("pubsub: append failed, messages dropped", "messages", len(batch), "err", err)
		}
	}
}

// pubsubTailLoop follows the Pub/Sub log from its end and delivers the
// other nodes' messages. If the log was trimmed past it (it fell more
// than pubsubKeep behind), it goes on from the end.
func (s *Shard) pubsubTailLoop(ctx context.Context) {
	from := uint64(0)
	for ctx.Err() == nil {
		if from == 0 {
			info, err := s.cfg.Client.Describe(ctx, s.pubsubLog())
			if err != nil {
				if s.fatalIfDenied(err) {
					return
				}
				s.pause(ctx, 500*time.Millisecond)
				continue
			}
			from = info.LastID + 1
		}
		r, err := s.cfg.Client.Read(ctx, s.pubsubLog(), from, client.Follow())
		for err == nil {
			var ev client.Event
			ev, err = r.Next()
			if err != nil || ev.CaughtUp {
				continue
			}
			from = ev.Record.ID + 1
			s.pubsubRead.Store(ev.Record.ID)
			s.deliverPubsubRecord(ev.Record.Payload)
		}
		if r != nil {
			r.Close()
		}
		if s.fatalIfDenied(err) {
			return
		}
		if errors.Is(err, client.ErrOutOfRange) {
			s.logger.Warn("pubsub: fell behind the log's trim; skipping to its end")
			from = 0
		}
		s.pause(ctx, 100*time.Millisecond)
	}
}

func (s *Shard) deliverPubsubRecord(payload []byte) {
	node, msgs, err := decodePubsubRecord(payload)
	if err != nil {
		s.logger.Warn("pubsub: bad record skipped", "err", err)
		return
	}
	deliver := s.deliver.Load()
	if node == s.cfg.NodeID || deliver == nil {
		return // this node delivered its own messages when they were published
	}
	for _, m := range msgs {
		(*deliver)(m.sharded, m.channel, m.message)
	}
}

// pubsubTrimLoop, on the primary, trims the Pub/Sub log through the ID it
// had read pubsubKeep ago.
func (s *Shard) pubsubTrimLoop(ctx context.Context) {
	type mark struct {
		at time.Time
		id uint64
	}
	var marks []mark
	t := time.NewTicker(pubsubTrimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			marks = append(marks, mark{now, s.pubsubRead.Load()})
			var through uint64
			for len(marks) > 0 && now.Sub(marks[0].at) >= pubsubKeep {
				through = marks[0].id
				marks = marks[1:]
			}
			if through == 0 || !s.Route().Primary {
				continue
			}
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if _, err := s.cfg.Client.Trim(tctx, s.pubsubLog(), through); err != nil && ctx.Err() == nil {
				s.fatalIfDenied(err)
				s.logger.Debug("pubsub: trim failed", "through", through, "err", err)
			}
			cancel()
		}
	}
}

// pause waits d or until ctx ends.
func (s *Shard) pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// A Pub/Sub record: version (1 byte), the publishing node's ID, then its
// messages, each a flags byte (1: sharded), channel and message; the ID,
// channel and message each a uvarint length and bytes.

// encodePubsubRecords packs msgs into records of at most limit bytes;
// tooBig counts the messages that fit no record (dropped).
func encodePubsubRecords(node string, msgs []pubsubMessage, limit int) (recs [][]byte, tooBig int) {
	head := func() []byte {
		b := []byte{pubsubRecordVersion}
		b = binary.AppendUvarint(b, uint64(len(node)))
		return append(b, node...)
	}
	rec := head()
	empty := len(rec)
	for _, m := range msgs {
		one := []byte{0}
		if m.sharded {
			one[0] = 1
		}
		one = binary.AppendUvarint(one, uint64(len(m.channel)))
		one = append(one, m.channel...)
		one = binary.AppendUvarint(one, uint64(len(m.message)))
		one = append(one, m.message...)
		if empty+len(one) > limit {
			tooBig++
			continue
		}
		if len(rec)+len(one) > limit {
			recs = append(recs, rec)
			rec = head()
		}
		rec = append(rec, one...)
	}
	if len(rec) > empty {
		recs = append(recs, rec)
	}
	return recs, tooBig
}

var errBadPubsubRecord = errors.New("malformed pubsub record")

// decodePubsubRecord reads a record encodePubsubRecords wrote. The
// messages alias b.
func decodePubsubRecord(b []byte) (node string, msgs []pubsubMessage, err error) {
	if len(b) == 0 || b[0] != pubsubRecordVersion {
		return "", nil, errBadPubsubRecord
	}
	b = b[1:]
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) || k > 1 && b[k-1] == 0 { // lengths are minimal uvarints
			return nil, false
		}
		f := b[k : k+int(n) : k+int(n)]
		b = b[k+int(n):]
		return f, true
	}
	id, ok := field()
	if !ok {
		return "", nil, errBadPubsubRecord
	}
	for len(b) > 0 {
		flags := b[0]
		if flags > 1 {
			return "", nil, errBadPubsubRecord
		}
		b = b[1:]
		ch, ok1 := field()
		msg, ok2 := field()
		if !ok1 || !ok2 {
			return "", nil, errBadPubsubRecord
		}
		msgs = append(msgs, pubsubMessage{sharded: flags == 1, channel: ch, message: msg})
	}
	return string(id), msgs, nil
}

// pubsubState is the Shard's Pub/Sub state.
type pubsubState struct {
	pubsubOut  pubsubOut
	deliver    atomic.Pointer[func(sharded bool, channel, message []byte)]
	pubsubRead atomic.Uint64 // the last Pub/Sub record this node read
}
