package shard

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// Manual failover: CLUSTER FAILOVER on a replica makes it the primary
// without waiting for the primary's lease to run out, and loses nothing.
//
// The replica asks in the members log (a handover record: a registration
// of itself that also names the primary it asks and the last ID it had
// applied), so it needs no connection to the primary and no password. The
// primary that reads a request made during its term stops serving, lets
// every append in flight commit, and then appends ELECT naming the replica,
// conditionally on its own last record as ever: that ELECT is the last
// record of its term, and it carries on as a replica (handedOverLocked). The replica applies the log in
// order, so when it applies that ELECT it has applied every write of the
// old term; it takes over with a lease that starts when it asked (no node
// can have seen the ELECT before then). The whole exchange is two appends
// and a commit, not a lease and a back-off.
//
// CLUSTER FAILOVER FORCE and TAKEOVER, for a primary that is down, stand
// for election as soon as the lease since the primary's last record has
// run out, without the random back-off. memshard never cuts a live
// primary's lease short: that primary could still serve reads.

// handoverTimeout is how long a replica waits for the ELECT it asked for
// (Redis's CLUSTER_MF_TIMEOUT). An ELECT naming it that comes later does
// not make it primary: the election that follows does.
const handoverTimeout = 5 * time.Second

// handoverRequest is the part of a members record that asks a primary to
// hand over.
type handoverRequest struct {
	Primary string `json:"primary"` // the cluster ID of the primary asked
	After   uint64 `json:"after"`   // the asking replica's applied ID then
}

// handover is a primary's pending handover to a replica.
type handover struct {
	node, addr string // the replica's node ID and address
	sent       bool   // its ELECT is in flight
}

// errHandedOver ends the term of a primary whose handover ELECT committed.
var errHandedOver = errors.New("handed over to a replica (CLUSTER FAILOVER)")

// Failover implements server.Backend (CLUSTER FAILOVER).
func (s *Shard) Failover(ctx context.Context, force bool) string {
	s.mu.Lock()
	switch {
	case s.role == rolePrimary:
		s.mu.Unlock()
		return "ERR You should send CLUSTER FAILOVER to a replica"
	case s.primary.ID == "" || s.primary == s.self:
		s.mu.Unlock()
		return "ERR I'm a replica but my master is unknown to me"
	case !force && s.failedLocked(s.primary.ID, time.Now()):
		s.mu.Unlock()
		return "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"
	case !s.caughtUp || s.halted != nil:
		s.mu.Unlock()
		return "ERR this replica has not caught up with the shard log; it cannot take over yet"
	}
	if force {
		s.forceUntil = time.Now().Add(handoverTimeout)
		s.mu.Unlock()
		s.logger.Warn("manual failover requested (FORCE): standing for election once the primary's lease has run out")
		return ""
	}
	req := handoverRequest{Primary: s.primary.ID, After: s.appliedID}
	asked := time.Now()
	s.handoverAsked = asked
	// Commands wait here too until this node takes over: the primary
	// redirects its own waiting commands here once its ELECT for this
	// node commits, which may be before this node has applied it.
	if s.handoverEnd == nil {
		s.handoverEnd = make(chan struct{})
	}
	s.publishRouteLocked()
	s.mu.Unlock()
	time.AfterFunc(handoverTimeout, func() { s.handoverTimedOut(asked) })
	m := s.registration()
	m.Handover = &req
	b, _ := json.Marshal(m)
	actx, cancel := context.WithTimeout(ctx, handoverTimeout)
	defer cancel()
	if _, err := s.cfg.Client.Append(actx, s.membersLog(), [][]byte{b}); err != nil {
		s.fatalIfDenied(err)
		s.handoverTimedOut(asked)
		return "TRYAGAIN the shard's members log did not take the failover request: " + err.Error()
	}
	s.logger.Warn("manual failover requested: asked the primary to hand over", "primary", req.Primary, "after", req.After)
	return ""
}

// handoverAskedLocked starts the handover a members record asks of this
// node, if it is the primary asked and the request was made during its
// term (a request replayed from an earlier term asks nothing).
func (s *Shard) handoverAskedLocked(m memberRecord) {
	req := m.Handover
	if s.role != rolePrimary || req.Primary != s.self.ID || req.After < s.termStart || s.handover != nil || m.ID == s.cfg.NodeID {
		return
	}
	s.handover = &handover{node: m.ID, addr: m.Addr}
	s.handoverEnd = make(chan struct{})
	s.logger.Warn("handing over to a replica (CLUSTER FAILOVER): serving nothing more, appending its ELECT once the appends in flight commit", "replica", m.ID)
	s.publishRouteLocked()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// handedOverLocked makes this primary a replica once the ELECT of its
// successor has committed. It served nothing while handing over and every
// append before the ELECT committed, so its keyspace is the log's up to
// that ELECT: unlike a deposed primary it keeps it and tails on from
// there, serving replica reads and redirecting writes at once instead of
// replaying the whole log. Anything left to append (there should be
// nothing) makes it step down as a deposed primary does.
func (s *Shard) handedOverLocked() {
	h := s.handover
	if len(s.flights) > 0 || len(s.sealed) > 0 || s.open.count > 0 || s.unsent != nil || len(s.dirty) > 0 {
		s.stepDownLocked(errHandedOver)
		return
	}
	s.logger.Info("stepping down", "why", errHandedOver, "replica", h.node, "id", s.appliedID)
	s.role = roleReplica
	s.termStart = 0
	s.db.CancelWaiters() // its blocked clients are redirected to the successor
	s.endHandoverLocked()
	s.primary = server.Node{ID: clusterID(h.node), Addr: h.addr}
	s.lastSeen = time.Now() // the successor's lease starts no earlier
	s.gather = gatherState{}
	s.publishRouteLocked()
	select {
	case s.tailWake <- struct{}{}: // the tail, parked while primary, resumes
	default:
	}
}

// endHandoverLocked ends a handover in progress, if any: the commands
// waiting for it go on (the caller publishes the route they then see).
func (s *Shard) endHandoverLocked() {
	s.handover = nil
	if s.handoverEnd != nil {
		close(s.handoverEnd)
		s.handoverEnd = nil
	}
}

// AwaitHandover implements server.Backend: it returns once the handover in
// progress has ended, or after handoverTimeout at most.
func (s *Shard) AwaitHandover(ctx context.Context) {
	s.mu.Lock()
	end := s.handoverEnd
	s.mu.Unlock()
	if end == nil {
		return
	}
	t := time.NewTimer(handoverTimeout)
	defer t.Stop()
	select {
	case <-end:
	case <-ctx.Done():
	case <-t.C:
	}
}

// handoverTimedOut ends the wait of a replica whose request asked at
// asked has not made it primary: its commands go on as a replica's.
func (s *Shard) handoverTimedOut(asked time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.role != roleReplica || !s.handoverAsked.Equal(asked) {
		return
	}
	s.logger.Warn("manual failover: the primary did not hand over in time; staying a replica", "after", handoverTimeout)
	s.handoverAsked = time.Time{}
	s.endHandoverLocked()
	s.publishRouteLocked()
}

// takeOverLocked makes this replica the primary, once it has applied an
// ELECT naming it that it asked for: the primary handed over.
func (s *Shard) takeOverLocked() bool {
	if s.handoverAsked.IsZero() || time.Since(s.handoverAsked) > handoverTimeout || !s.caughtUp {
		return false
	}
	asked := s.handoverAsked
	s.handoverAsked = time.Time{}
	s.promoteLocked(asked)
	s.logger.Info("took over as primary: the primary handed over (CLUSTER FAILOVER)", "id", s.appliedID)
	return true
}
