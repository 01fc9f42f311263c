package shard

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// flight is one record the primary is appending: conditional on the log's
// last ID and running checksum being exactly what the records before it
// (committed or still in flight) leave.
type flight struct {
	seq      uint64 // ticket of the batch; 0 for a heartbeat or a part before the last
	conns    int    // connections whose replies it holds
	rec      []byte
	id       uint64 // the ID it takes: expected last ID + 1
	sumAfter uint32 // the running checksum once it is in
	start    time.Time
	done     bool
	err      error
	handover bool // the ELECT of the replica this primary hands over to
}

type completion struct {
	f   *flight
	err error
}

// appendLoop is the write-behind appender. Up to PipelineDepth records are
// in flight, each conditional on the ID and checksum the previous one
// leaves, queued on the append stream in order (client.OnQueued), so the
// log orders them as sent; everything that arrives meanwhile goes into the
// next record (after a short wait for more, see gatherState). While idle
// it appends a heartbeat every lease/3.
func (s *Shard) appendLoop(ctx context.Context) {
	heartbeat := time.NewTicker(s.cfg.Lease / 3)
	defer heartbeat.Stop()
	gather := time.NewTimer(0)
	defer gather.Stop()
	done := make(chan completion, s.cfg.PipelineDepth)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-heartbeat.C:
		case <-gather.C:
		case c := <-done:
			if ctx.Err() != nil {
				return // shutting down: the append was cancelled, not refused
			}
			s.complete(c)
			s.relearnRecordLimitAfter(ctx, c.err)
		}
		for {
			launched, waitUntil := s.launch(ctx, done, &wg)
			if !waitUntil.IsZero() {
				gather.Reset(time.Until(waitUntil))
			}
			if !launched {
				break
			}
		}
	}
}

// launch starts one append if there is room in the pipeline and something
// to send; it returns once the append is queued on the stream (or over).
// If the open batch is waiting to fill, it says until when.
func (s *Shard) launch(ctx context.Context, done chan<- completion, wg *sync.WaitGroup) (launched bool, waitUntil time.Time) {
	s.mu.Lock()
	if s.role != rolePrimary || len(s.flights) >= s.cfg.PipelineDepth {
		s.mu.Unlock()
		return false, time.Time{}
	}
	now := time.Now()
	f := &flight{id: s.nextID + 1, start: now}
	switch {
	case s.unsent != nil:
		s.nextPartLocked(f)
	case len(s.sealed) > 0:
		b := s.sealed[0]
		s.sealed = s.sealed[1:]
		s.batchKeys[b.seq] = b.keys
		s.planLocked(f, b.seq, b.conns, b.rec)
	case s.open.count > 0:
		if until := s.gatherUntilLocked(now); !until.IsZero() {
			s.mu.Unlock()
			return false, until
		}
		s.batchKeys[s.openSeq] = s.openKeys
		s.planLocked(f, s.openSeq, s.openConns, s.open.finish())
		s.openKeys, s.openConns = nil, 0
		s.openSeq++
	case s.handover != nil:
		if s.handover.sent || len(s.flights) > 0 {
			s.mu.Unlock()
			return false, time.Time{} // the ELECT goes once the rest committed
		}
		s.handover.sent = true
		f.handover = true
		f.rec = appendLeaseRecord(nil, kindElect, s.handover.node, s.handover.addr, uint64(s.cfg.Lease.Milliseconds()))
	case len(s.flights) == 0 && heartbeatDue(now, s.leaseUntil, s.cfg.Lease):
		f.rec = appendLeaseRecord(nil, kindHeartbeat, s.cfg.NodeID, s.cfg.Addr, uint64(s.cfg.Lease.Milliseconds()))
	default:
		s.mu.Unlock()
		return false, time.Time{}
	}
	opts := []client.AppendOption{client.IfLastID(s.nextID)}
	if s.sumKnown {
		opts = append(opts, client.IfChecksum(s.nextSum))
	}
	f.sumAfter = client.Checksum(s.nextSum, f.rec)
	s.nextID, s.nextSum = f.id, f.sumAfter
	s.flights = append(s.flights, f)
	s.mu.Unlock()

	queued := make(chan struct{})
	opts = append(opts, client.OnQueued(func() { close(queued) }))
	wg.Add(1)
	go func() {
		defer wg.Done()
		actx, cancel := context.WithTimeout(ctx, s.cfg.Lease)
		_, err := s.cfg.Client.Append(actx, s.cfg.Log, [][]byte{f.rec}, opts...)
		cancel()
		done <- completion{f, err}
	}()
	<-queued // the next append must queue behind this one
	return true, time.Time{}
}

// heartbeatDue reports whether an idle primary renews its lease now. The
// heartbeat ticker fires every lease/3, so a renewal started at one tick
// leaves about 2/3 of the lease at the next; a test against 2/3 itself
// passed on about half the ticks (whichever tick was handled later decided),
// and the lease often ran down to a third before it was renewed. A lease
// renewed in the last sixth of it (by a record of writes, say) needs no
// heartbeat yet.
func heartbeatDue(now, leaseUntil time.Time, lease time.Duration) bool {
	return leaseUntil.Sub(now) < lease*5/6
}

// planLocked makes f the append of batch seq (rec, its effects record,
// holding the replies of conns connections). A record larger than the log
// takes is cut into parts (parts.go): f takes the first, the rest queue to
// follow it, and only the last carries the batch's ticket.
func (s *Shard) planLocked(f *flight, seq uint64, conns int, rec []byte) {
	if len(rec) <= s.maxRecord {
		f.seq, f.conns, f.rec = seq, conns, rec
		return
	}
	s.unsent = &partsLeft{rec: rec, seq: seq, conns: conns}
	s.nextPartLocked(f)
}

// nextPartLocked makes f the next part of the batch being sent in parts;
// the last part carries the batch's ticket.
func (s *Shard) nextPartLocked(f *flight) {
	p := s.unsent
	f.rec = p.next(s.maxRecord)
	if len(p.rec) == 0 {
		f.seq, f.conns = p.seq, p.conns
		s.unsent = nil
	}
}

// complete records the outcome of one flight; flights take effect in log
// order, so a success waits for the flights before it.
func (s *Shard) complete(c completion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.f.done, c.f.err = true, c.err
	if s.role != rolePrimary || len(s.flights) == 0 || !s.hasFlight(c.f) {
		return // stepped down meanwhile; stepDownLocked settled it
	}
	for len(s.flights) > 0 && s.flights[0].done {
		f := s.flights[0]
		if f.err != nil {
			s.stepDownLocked(f.err)
			return
		}
		s.flights = s.flights[1:]
		if f.id > s.appliedID {
			s.appliedID, s.sum = f.id, f.sumAfter
		}
		s.tailID = max(s.tailID, f.id)
		if f.handover {
			s.handedOverLocked()
			return
		}
		s.setLeaseLocked(f.start.Add(s.cfg.Lease))
		if f.seq > 0 {
			s.commitLocked(f.seq)
			s.gatherAfterCommitLocked(f.seq, f.conns, time.Now())
		}
	}
}

// failLocked marks ticket seq as one that will never commit; its replies
// become errors (the caller broadcasts).
func (s *Shard) failLocked(seq uint64) {
	s.failed = append(s.failed, [2]uint64{seq, seq})
	s.anyFailed.Store(true)
}

func (s *Shard) hasFlight(f *flight) bool {
	for _, g := range s.flights {
		if g == f {
			return true
		}
	}
	return false
}

// commitLocked releases the replies waiting for ticket seq.
func (s *Shard) commitLocked(seq uint64) {
	s.committed.Store(max(s.committed.Load(), seq))
	for _, k := range s.batchKeys[seq] {
		if s.dirty[k] <= seq {
			delete(s.dirty, k)
		}
	}
	delete(s.batchKeys, seq)
	s.broadcastLocked()
}

// ownFlightLocked reports whether a record the tail delivers at id is one
// of this primary's flights (seen before its append returned).
func (s *Shard) ownFlightLocked(id uint64, payload []byte) *flight {
	for _, f := range s.flights {
		if f.id == id && bytes.Equal(f.rec, payload) {
			return f
		}
	}
	return nil
}

// stepDownLocked ends this node's term as primary, because the head
// flight failed with cause. A flight known to have committed (it or a later
// one succeeded) releases its replies; one that certainly failed (its
// condition did not hold, or the log refused it as invalid), and every
// flight after it, fails them, as do the batches not yet sent; a flight
// whose outcome is unknown (its append timed out) stays pending, and the
// replay that follows settles it when it reaches its ID, by whether the
// record there is its own. The keyspace is
// rebuilt from the log: it may hold effects that never committed.
func (s *Shard) stepDownLocked(cause error) {
	var ce *client.ConditionError
	if errors.Is(cause, errHandedOver) {
		s.logger.Info("stepping down", "why", cause)
	} else if errors.As(cause, &ce) {
		s.logger.Warn("deposed: the log moved past this primary", "expected", ce.Expected, "actual", ce.Actual)
	} else {
		s.fatalIfDenied(cause)
		s.logger.Warn("stepping down: append failed", "err", cause)
	}
	lastOK := -1
	for i, f := range s.flights {
		if f.done && f.err == nil {
			lastOK = i
		}
	}
	failing := false
	for i, f := range s.flights {
		switch {
		case i <= lastOK:
			if f.seq > 0 {
				s.commitLocked(f.seq)
			}
			continue
		case f.done && refused(f.err):
			failing = true // and so is everything chained after it
		}
		switch {
		case failing && f.seq > 0:
			s.failLocked(f.seq)
		case !failing:
			s.unresolved = append(s.unresolved, f)
		}
	}
	if s.unsent != nil {
		s.failLocked(s.unsent.seq) // its first parts may be in, its last never will
	}
	s.unsent = nil
	for _, b := range s.sealed {
		s.failLocked(b.seq)
	}
	if s.open.count > 0 {
		s.failLocked(s.openSeq)
	}
	s.openSeq++
	s.flights = nil
	s.broadcastLocked()
	s.reset()
}

// resolveLocked settles unresolved batches as the replay reaches their
// ID: the record there is either theirs (committed: release the replies)
// or another's (then it and every later one never will be).
func (s *Shard) resolveLocked(id uint64, payload []byte) {
	if len(s.unresolved) == 0 || s.unresolved[0].id != id {
		return
	}
	u := s.unresolved[0]
	if bytes.Equal(u.rec, payload) {
		s.unresolved = s.unresolved[1:]
		if u.seq > 0 {
			s.committed.Store(max(s.committed.Load(), u.seq))
			s.logger.Info("an append of unknown outcome was committed after all", "id", id)
		}
	} else {
		s.failUnresolvedLocked()
	}
	s.broadcastLocked()
}

// failUnresolvedLocked fails every unresolved batch: the record at the
// first one's ID is another's, so none of them can ever commit.
func (s *Shard) failUnresolvedLocked() {
	for _, f := range s.unresolved {
		if f.seq > 0 {
			s.failLocked(f.seq)
		}
	}
	s.unresolved = nil
}

// refused reports whether an append certainly did not take effect: its
// condition did not hold, or the log rejected the request as invalid
// (before proposing it). Any other error may hide a commit.
func refused(err error) bool {
	var ce *client.ConditionError
	return errors.As(err, &ce) || errors.Is(err, client.ErrInvalidArgument)
}
