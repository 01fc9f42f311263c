package shard

import (
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// DefaultGatherWait is Config.GatherWait's default: about the time 50
// loopback clients take to read their replies and send their next commands
// on a busy 2-core machine.
const DefaultGatherWait = 500 * time.Microsecond

// maxGatherSkip bounds the back-off of gathering: after waits that were not
// worth it, at most this many commits pass before it is tried again.
const maxGatherSkip = 64

// gatherState decides whether the primary sends the open batch now or waits
// a little for more writes to join it.
//
// With one append in flight, writers that keep one write outstanding each
// split into two cohorts: while one cohort's record is in flight the other
// fills the next batch, and at every commit the released cohort sends its
// next writes just after the other's record has left. Every record then
// carries half the writers, and the log pays its per-record cost (three
// fdatasyncs, the raft round trip, the tail streams) twice as often as it
// needs to. Waiting after a commit until the connections it released have
// written again (or GatherWait passes) merges the cohorts.
//
// Only writes from the released connections end the wait, so a lone writer
// never waits (its own next write does). Writers that pause between writes
// do not come back within the wait: when fewer than half did, gathering is
// skipped for the next 1, 2, 4, ... up to maxGatherSkip commits, so that
// such a load pays for a wait once in a while rather than on every record.
type gatherState struct {
	seq      uint64    // the committed batch whose connections it waits for; 0: not waiting
	expect   int       // that batch's connections
	returned int       // how many of them have written since
	until    time.Time // when to stop waiting anyway
	skip     int       // commits still to let pass without waiting
	backoff  int       // the skip after the next wait that is not worth it
}

// gatherAfterCommitLocked starts a wait for the conns connections whose
// replies the commit of batch seq released.
func (s *Shard) gatherAfterCommitLocked(seq uint64, conns int, now time.Time) {
	g := &s.gather
	if s.cfg.GatherWait <= 0 || conns == 0 {
		return
	}
	if g.skip > 0 {
		g.skip--
		return
	}
	g.seq, g.expect, g.returned, g.until = seq, conns, 0, now.Add(s.cfg.GatherWait)
}

// noteWriterLocked counts a write of conn that joined the open batch: a
// new connection in that batch, and one of those the wait is for if its
// last write was in the batch that started it.
func (s *Shard) noteWriterLocked(conn *server.ConnState) {
	if s.gather.seq != 0 && conn.LastWrite == s.gather.seq {
		s.gather.returned++
	}
	if conn.LastWrite != s.openSeq {
		conn.LastWrite = s.openSeq
		s.openConns++
	}
}

// gatherUntilLocked reports until when the open batch should wait to fill;
// zero if it should go now.
func (s *Shard) gatherUntilLocked(now time.Time) time.Time {
	g := &s.gather
	switch {
	case g.seq == 0:
		return time.Time{}
	case g.returned >= g.expect:
		g.backoff = 1
	case now.Before(g.until):
		return g.until
	case g.returned*2 < g.expect: // not worth it: back off
		g.backoff = min(max(g.backoff, 1)*2, maxGatherSkip)
		g.skip = g.backoff / 2
	default:
		g.backoff = 1
	}
	g.seq = 0
	return time.Time{}
}
