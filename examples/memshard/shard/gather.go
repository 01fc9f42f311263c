package shard

import "time"

// DefaultGatherWait is Config.GatherWait's default: about the time a
// loopback client takes to read a reply and send its next command on a busy
// machine.
const DefaultGatherWait = 500 * time.Microsecond

// gatherState decides whether the primary sends the open batch now or waits
// a little for more writes to join it.
//
// With one append in flight, writers that keep one write outstanding each
// split into two groups: while one group's record is in flight the other
// fills the next batch, and at every commit the released group sends its
// next writes just after the other group's record has left. Every record
// then carries half the writers, and the log pays its per-record cost
// (three fdatasyncs, the raft round trip, the tail streams) twice as often
// as it needs to. Waiting, after a commit, until the writers it released
// are back (or GatherWait passes) merges the groups, so that each record
// carries them all.
type gatherState struct {
	target int       // open writes at which to stop waiting
	until  time.Time // when to stop waiting anyway; zero: do not wait
}

// gatherAfterCommitLocked starts a wait after a record of writes committed: the
// next batch is expected to hold the writes already open plus one from each
// reply the commit released.
func (s *Shard) gatherAfterCommitLocked(released int, now time.Time) {
	if s.cfg.GatherWait <= 0 || released == 0 {
		return
	}
	s.gather = gatherState{target: s.openWrites + released, until: now.Add(s.cfg.GatherWait)}
}

// gatherUntilLocked reports until when the open batch should wait to fill;
// zero if it should go now.
func (s *Shard) gatherUntilLocked(now time.Time) time.Time {
	g := s.gather
	if g.until.IsZero() || s.openWrites >= g.target || !now.Before(g.until) {
		s.gather = gatherState{}
		return time.Time{}
	}
	return g.until
}
