package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// tailLoop follows the shard log and applies every record it has not
// applied yet, while this node is a replica. A primary does not follow the
// log: every record after its election is its own, appended conditionally on
// the one before, so another node's append shows up as its own next append
// failing, and it steps down then (its lease heartbeat appends at least every
// lease/3). Following would cost a record's transfer and decoding per append
// for nothing. Between an election and the end of the tail read, a record
// that is not one of the new primary's flights makes it step down.
func (s *Shard) tailLoop(ctx context.Context) {
	for ctx.Err() == nil {
		// A fresh keyspace starts from the newest snapshot, unless batches of
		// unknown outcome wait for the replay to reach their records.
		if s.cfg.Snapshots != nil && s.fresh() {
			if err := s.restoreSnapshot(ctx); err != nil && !errors.Is(err, ErrNoSnapshot) {
				s.logger.Error("cannot restore the newest snapshot; retrying", "err", err)
				if !sleepCtx(ctx, snapshotRetry) {
					return
				}
				continue
			}
		}
		rctx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		if s.role == rolePrimary {
			s.mu.Unlock()
			cancel()
			select {
			case <-ctx.Done():
				return
			case <-s.tailWake: // stepped down (reset), or a stale wake-up
			}
			continue
		}
		from := s.appliedID + 1
		s.stopTail = cancel
		s.mu.Unlock()
		s.tailing.Store(true)
		r, err := s.cfg.Client.Read(rctx, s.cfg.Log, from, client.Follow())
		if err == nil {
			err = s.follow(r)
			r.Close()
		}
		s.tailing.Store(false)
		restarted := rctx.Err() != nil || errors.Is(err, errRestart)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if restarted {
			continue
		}
		var re *client.RangeError
		if errors.As(err, &re) && re.FirstID > from {
			// The log was trimmed past this node (a snapshot covers the
			// records gone): restore the newest snapshot, or wait for one.
			var why error
			switch {
			case s.cfg.Snapshots == nil:
				why = errors.New("no snapshot store is set (--snapshot-dir or --snapshot-s3)")
			default:
				why = s.restoreSnapshot(ctx)
				if why == nil && s.applied() >= re.FirstID-1 {
					continue
				}
				if why == nil {
					why = fmt.Errorf("the newest snapshot ends at ID %d", s.applied())
				}
			}
			s.logger.Error("the shard log is trimmed past this node; not serving until a snapshot covers the gap", "applied", from-1, "first", re.FirstID, "err", why)
			if !sleepCtx(ctx, snapshotRetry) {
				return
			}
			continue
		}
		if s.fatalIfDenied(err) {
			return
		}
		s.logger.Warn("tailing the shard log; retrying", "err", err)
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

// snapshotRetry is how long a node that needs a snapshot waits before it
// looks again.
const snapshotRetry = 2 * time.Second

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// fresh reports whether the keyspace is empty of log state: a start or a
// reset after a step-down, when a snapshot saves replaying the log.
func (s *Shard) fresh() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appliedID == 0 && s.role == roleReplica && len(s.unresolved) == 0
}

func (s *Shard) applied() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appliedID
}

// restoreSnapshot loads the newest snapshot (outside the lock: it may be
// large) and installs it if it is ahead of what this replica has applied.
// The node is not caught up meanwhile, so it serves nothing from the
// keyspace being replaced.
func (s *Shard) restoreSnapshot(ctx context.Context) error {
	info, db, err := LoadLatestSnapshot(ctx, s.cfg.Snapshots, s.cfg.Log)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.role != roleReplica || info.ID <= s.appliedID {
		return nil
	}
	s.setHooksLocked(db)
	db.SetNotify(s.notifyFlags)
	db.SetMaxmemory(s.maxmem)
	db.SetACLPubsubDefault(s.aclAllChannels)
	db.AddKeyspaceStats(s.db.KeyspaceStats())
	s.db = db
	s.restored = info
	s.appliedID, s.sum, s.sumKnown = info.ID, info.Sum, true
	s.parts.reset() // a snapshot is never inside a batch
	s.tailID = max(s.tailID, info.ID)
	s.caughtUp = false
	// Batches of unknown outcome whose records the snapshot covers can no
	// longer be checked (the log was trimmed past them, or restore would
	// not be needed): their clients must be told the outcome is unknown.
	for len(s.unresolved) > 0 && s.unresolved[0].id <= info.ID {
		if f := s.unresolved[0]; f.seq > 0 {
			s.failLocked(f.seq)
			if s.unknown == nil {
				s.unknown = make(map[uint64]bool)
			}
			s.unknown[f.seq] = true
			s.logger.Warn("the outcome of an append cannot be checked: a snapshot covers its ID", "id", f.id)
		}
		s.unresolved = s.unresolved[1:]
	}
	s.broadcastLocked()
	if info.Node != "" {
		s.primary = server.Node{ID: clusterID(info.Node), Addr: info.Addr}
	}
	s.publishRouteLocked()
	s.logger.Info("restored a snapshot", "id", info.ID, "keys", info.Keys)
	return nil
}

// follow applies the reader's events until it fails.
func (s *Shard) follow(r *client.Reader) error {
	for {
		ev, err := r.Next()
		if err != nil {
			return err
		}
		s.mu.Lock()
		if ev.CaughtUp {
			s.tailID = max(s.tailID, ev.LastID)
			if !s.caughtUp && s.appliedID >= ev.LastID {
				s.caughtUp = true
				s.publishRouteLocked()
				s.lastSeen = time.Now()
				s.logger.Info("caught up with the shard log", "id", s.appliedID)
			}
			s.mu.Unlock()
			continue
		}
		err = s.applyLocked(ev.Record)
		s.mods.Report(nil)
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// errRestart ends a follow whose position was invalidated (a step-down reset
// the keyspace): the tail restarts from the new applied ID.
var errRestart = errors.New("shard: restart tail")

// applyLocked applies one log record.
func (s *Shard) applyLocked(rec client.Record) error {
	if rec.ID <= s.appliedID {
		return nil // our own append, already applied
	}
	if rec.ID != s.appliedID+1 {
		return errRestart // the position moved under us (reset)
	}
	if s.halted != nil {
		return s.halted
	}
	if s.appliedID == 0 && rec.ID > 1 {
		s.sumKnown = false // the log was trimmed: its checksum base is unknown here
	}
	s.resolveLocked(rec.ID, rec.Payload)
	if s.role == rolePrimary {
		if f := s.ownFlightLocked(rec.ID, rec.Payload); f != nil {
			// Our own append, seen before it returned: its effects are
			// already in memory.
			s.appliedID, s.sum = rec.ID, f.sumAfter
			return nil
		}
		s.stepDownLocked(errors.New("another node appended to the shard log"))
		return errRestart
	}
	r, whole, err := s.parts.add(rec.Payload)
	if err != nil {
		s.halted = err
		s.publishRouteLocked()
		s.logger.Error("cannot apply the shard log; this node stops applying and serving", "id", rec.ID, "err", err)
		return err
	}
	switch {
	case !whole:
		// A part of a batch that continues: it applies with its last part.
	case r.kind == kindEffects && s.caughtUp && s.events != nil && s.db.Notify() != 0:
		// As a Redis replica notifies of the commands its primary sends
		// (not of a full resync's load: until caught up, nothing).
		now, out := nowMs(), resp.NewWriter(2)
		for _, argv := range r.effects {
			out.Reset()
			c := &engine.Call{Argv: argv, Out: out, Now: now, Replay: true}
			s.table.Exec(s.db, c)
			s.eventsLocked(nil, 0, c)
		}
	case r.kind == kindEffects:
		applyEffects(s.table, s.db, r.effects, resp.NewWriter(2))
	case r.kind == kindHeartbeat || r.kind == kindElect:
		if p := (server.Node{ID: clusterID(r.node), Addr: r.addr}); p != s.primary {
			s.primary = p
			s.publishRouteLocked()
		}
		if r.kind == kindElect {
			s.logger.Info("new primary elected", "peer", r.node, "id", rec.ID)
		}
	}
	s.appliedID = rec.ID
	s.sum = client.Checksum(s.sum, rec.Payload)
	s.tailID = max(s.tailID, rec.ID)
	s.lastSeen = time.Now()
	if whole && r.kind == kindElect && r.node == s.cfg.NodeID {
		s.takeOverLocked()
	}
	return nil
}

// electionLoop stands for election when the primary has been silent for
// the lease plus a random back-off, measured on this node's monotonic clock.
func (s *Shard) electionLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Lease / 8)
	defer t.Stop()
	wait := s.cfg.Lease + s.backoff()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		limit := wait
		if time.Now().Before(s.forceUntil) {
			limit = s.cfg.Lease // CLUSTER FAILOVER FORCE: no back-off
		}
		stand := s.role == roleReplica && s.caughtUp && s.halted == nil && time.Since(s.lastSeen) > limit
		expected := s.appliedID
		s.mu.Unlock()
		if !stand {
			continue
		}
		wait = s.cfg.Lease + s.backoff()
		s.elect(ctx, expected)
	}
}

// elect appends ELECT conditionally on the last applied ID.
func (s *Shard) elect(ctx context.Context, expected uint64) {
	rec := appendLeaseRecord(nil, kindElect, s.cfg.NodeID, s.cfg.Addr, uint64(s.cfg.Lease.Milliseconds()))
	s.mu.Lock()
	opts := []client.AppendOption{client.IfLastID(expected)}
	sumAfter := client.Checksum(s.sum, rec)
	if s.sumKnown {
		opts = append(opts, client.IfChecksum(s.sum))
	}
	s.mu.Unlock()
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, s.cfg.Lease)
	res, err := s.cfg.Client.Append(actx, s.cfg.Log, [][]byte{rec}, opts...)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.fatalIfDenied(err)
		s.logger.Info("election lost or failed", "err", err)
		s.lastSeen = time.Now()
		return
	}
	if s.appliedID == res.LastID && s.role == roleReplica {
		expected = s.appliedID // the tail applied our ELECT first
	}
	if s.appliedID != expected || s.role != roleReplica {
		// Cannot happen: our conditional append won, so nothing else was
		// appended after expected, and only this goroutine elects.
		s.logger.Error("won an election from a stale position; resetting", "expected", expected, "applied", s.appliedID)
		s.reset()
		return
	}
	if s.appliedID < res.LastID {
		s.appliedID, s.sum = res.LastID, sumAfter
	}
	s.tailID = max(s.tailID, res.LastID)
	s.promoteLocked(start)
	s.logger.Info("elected primary", "id", res.LastID)
}

// promoteLocked makes this replica the primary from its ELECT, the last
// record it has applied, with a lease from leaseStart (no later than the
// ELECT's append).
func (s *Shard) promoteLocked(leaseStart time.Time) {
	s.role = rolePrimary
	s.primary = s.self
	s.termStart = s.appliedID
	s.handoverAsked, s.forceUntil = time.Time{}, time.Time{}
	s.endHandoverLocked() // commands waiting for a handover run on this primary
	s.parts.reset()       // the ELECT ends a batch its writer never finished
	// The ELECT took the ID after the last one applied, which every
	// unresolved batch of an earlier term was waiting for (the replay
	// settled those at or below it): none of them can commit now.
	s.failUnresolvedLocked()
	s.broadcastLocked()
	if s.stopTail != nil {
		s.stopTail() // a primary does not follow the log (see tailLoop)
	}
	s.nextID, s.nextSum = s.appliedID, s.sum
	s.setLeaseLocked(leaseStart.Add(s.cfg.Lease))
	s.publishRouteLocked()
}

// membersLog holds one registration record per node: {id, addr}. It is a
// separate log so that registrations never break the primary's chain of
// conditional appends.
func (s *Shard) membersLog() string { return membersLogOf(s.cfg.Log) }

func membersLogOf(log string) string { return log + ".members" }

type memberRecord struct {
	ID   string `json:"id"`
	Addr string `json:"addr"`
	// Snapshots is where the node restores snapshots from (its store's
	// String), "" if it has no store; nil in a registration by an older
	// memshard. The snapshot process trims only when every node restores
	// from its store (checkTrimSafe).
	Snapshots *string `json:"snapshots,omitempty"`
	// Forget removes the node ID from the shard (CLUSTER FORGET) until it
	// registers again.
	Forget bool `json:"forget,omitempty"`
	// Handover, in a registration, asks the primary it names to hand over
	// to this node (CLUSTER FAILOVER, failover.go).
	Handover *handoverRequest `json:"handover,omitempty"`
}

// registration is this node's members record: its ID, address and
// snapshot store.
func (s *Shard) registration() memberRecord {
	var store string
	if s.cfg.Snapshots != nil {
		store = s.cfg.Snapshots.String()
	}
	return memberRecord{ID: s.cfg.NodeID, Addr: s.cfg.Addr, Snapshots: &store}
}

func (s *Shard) register(ctx context.Context) error {
	b, _ := json.Marshal(s.registration())
	_, err := s.cfg.Client.Append(ctx, s.membersLog(), [][]byte{b})
	if errors.Is(err, client.ErrOutcomeUnknown) {
		err = nil // a duplicate registration is harmless; the loop below sees it or not
	}
	return err
}

// membersLoop follows the members log.
func (s *Shard) membersLoop(ctx context.Context) {
	for ctx.Err() == nil {
		r, err := s.cfg.Client.Read(ctx, s.membersLog(), 0, client.Follow())
		for err == nil {
			var ev client.Event
			ev, err = r.Next()
			if err != nil || ev.CaughtUp {
				continue
			}
			var m memberRecord
			s.mu.Lock()
			if json.Unmarshal(ev.Record.Payload, &m) == nil && m.ID != "" {
				if m.Forget {
					delete(s.members, m.ID)
					delete(s.peers, clusterID(m.ID)) // its probe stops
				} else {
					s.members[m.ID] = server.Node{ID: clusterID(m.ID), Addr: m.Addr}
					s.watchPeerLocked(ctx, clusterID(m.ID), m.Addr)
				}
				if m.Handover != nil {
					s.handoverAskedLocked(m)
				}
				s.replicas = nil
			}
			s.membersSeen = max(s.membersSeen, ev.Record.ID)
			s.mu.Unlock()
		}
		if r != nil {
			r.Close()
		}
		if s.fatalIfDenied(err) {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Forget implements server.Backend: it appends a forget record for the
// node with cluster ID id to the members log and waits until this node has
// read it, so that its next CLUSTER NODES leaves the node out.
func (s *Shard) Forget(ctx context.Context, id string) error {
	s.mu.Lock()
	var name string
	for n, m := range s.members {
		if m.ID == id {
			name = n
		}
	}
	s.mu.Unlock()
	if name == "" {
		return fmt.Errorf("ERR Unknown node %s", id)
	}
	b, _ := json.Marshal(memberRecord{ID: name, Forget: true})
	res, err := s.cfg.Client.Append(ctx, s.membersLog(), [][]byte{b})
	if err != nil {
		s.fatalIfDenied(err)
		// Forgetting twice is harmless: the client may simply retry.
		return fmt.Errorf("TRYAGAIN the shard's members log did not take the forget record: %v", err)
	}
	for {
		s.mu.Lock()
		seen := s.membersSeen
		s.mu.Unlock()
		if seen >= res.LastID {
			return nil
		}
		if !sleepCtx(ctx, 5*time.Millisecond) {
			return ctx.Err()
		}
	}
}
