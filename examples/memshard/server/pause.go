package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE, as Redis 7.0: while
// a pause lasts, this node postpones every command (ALL), or those that
// write or may replicate (WRITE: PUBLISH, SPUBLISH, PFCOUNT, EVAL and
// EVALSHA of scripts not flagged no-writes, FCALL...), the pausing client's
// own included, until the pause ends or CLIENT UNPAUSE (itself postponed
// under ALL). Keys do not expire meanwhile (an expired key reads as
// missing but stays), so the dataset is static: the backend is told
// (Backend.PauseExpiry). A postponed client shows as blocked (flag b,
// blocked_clients), as in Redis.

const (
	pauseNone = iota
	pauseWrite
	pauseAll
)

// pauseState is the node's client pause.
type pauseState struct {
	mu    sync.Mutex
	mode  int
	end   time.Time
	timer *time.Timer
	// over is closed when the pause ends (made anew for each pause).
	over chan struct{}
	// line holds the postponed commands, by the number each got when it
	// was postponed: once the pause ends they run one after another in
	// that order, as Redis runs its postponed clients (each takes its turn
	// when it is at the head; moved, a broadcast on turn).
	line []uint64
	next uint64
	turn *sync.Cond
}

// pause starts or extends a pause: the stricter mode and the later end of
// the current pause and the new one win (pauseClients).
func (s *Server) pause(mode int, end time.Time) {
	p := &s.paused
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == pauseNone {
		p.over = make(chan struct{})
		s.backend.PauseExpiry(true)
	}
	p.mode = max(p.mode, mode)
	if end.After(p.end) {
		p.end = end
		if p.timer != nil {
			p.timer.Stop()
		}
		p.timer = time.AfterFunc(time.Until(end), s.pauseTimedOut)
	}
}

// pauseTimedOut ends the pause once its end has come.
func (s *Server) pauseTimedOut() {
	p := &s.paused
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != pauseNone && !time.Now().Before(p.end) {
		s.unpauseLocked()
	}
}

// unpause is CLIENT UNPAUSE: the postponed commands run.
func (s *Server) unpause() {
	s.paused.mu.Lock()
	defer s.paused.mu.Unlock()
	s.unpauseLocked()
}

func (s *Server) unpauseLocked() {
	p := &s.paused
	if p.mode == pauseNone {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.mode, p.end = pauseNone, time.Time{}
	close(p.over)
	s.backend.PauseExpiry(false)
	if p.turn != nil {
		p.turn.Broadcast()
	}
}

// pausedFor returns the pause's mode and the channel closed when it ends.
func (s *Server) pausedFor() (int, <-chan struct{}) {
	p := &s.paused
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.over
}

// postponed reports whether a command must wait for the pause to end: any
// under ALL, a write or a command that may replicate under WRITE. EXEC
// counts as its queued commands.
func (c *conn) postponed(mode int, cc *connCommand, dc *engine.Command, argv [][]byte) bool {
	switch mode {
	case pauseNone:
		return false
	case pauseAll:
		return true
	}
	switch {
	case dc != nil:
		return dc.IsWriteCall(argv) || dc.MayReplicateCall(argv)
	case cc.name == "publish" || cc.name == "spublish":
		return true
	case cc.name == "exec":
		for _, q := range c.queued {
			if d, _ := c.s.backend.Table().Resolve(q); d != nil && (d.IsWriteCall(q) || d.MayReplicateCall(q)) {
				return true
			}
		}
	}
	return false
}

// waitPause postpones the command while the pause lasts (a pause may be
// extended or replaced meanwhile), then until the commands postponed
// before it have run. The replies before it leave first; the client's
// input is still read, so that a client that goes away is seen. It reports
// false if the connection is going away. Once it has returned true, the
// command's turn ends with c.endPauseTurn, after the command ran (or
// blocked).
func (c *conn) waitPause(cc *connCommand, dc *engine.Command, argv [][]byte) bool {
	mode, _ := c.s.pausedFor()
	if !c.postponed(mode, cc, dc, argv) {
		return true
	}
	if !c.flush() {
		c.closing = true
		return false
	}
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	c.s.stats.info.blocked.Add(1)
	c.setPostponed(true)
	stopInput := c.readWhileBlocked(cancel)
	defer func() {
		stopInput()
		c.setPostponed(false)
		c.s.stats.info.blocked.Add(-1)
	}()
	p := &c.s.paused
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.turn == nil {
		p.turn = sync.NewCond(&p.mu)
	}
	n := p.next
	p.next++
	p.line = append(p.line, n)
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.turn.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	for p.mode != pauseNone && c.postponed(p.mode, cc, dc, argv) || p.line[0] != n {
		if ctx.Err() != nil {
			p.leaveLineLocked(n)
			return false
		}
		p.turn.Wait()
	}
	c.pauseTurn = func() {
		p.mu.Lock()
		p.leaveLineLocked(n)
		p.mu.Unlock()
	}
	return true
}

// leaveLineLocked takes postponed command n out of the line: the next one
// may run.
func (p *pauseState) leaveLineLocked(n uint64) {
	if i := slices.Index(p.line, n); i >= 0 {
		p.line = slices.Delete(p.line, i, i+1)
		p.turn.Broadcast()
	}
}

// endPauseTurn lets the next postponed command run, once this one has run
// or blocked.
func (c *conn) endPauseTurn() {
	if c.pauseTurn != nil {
		c.pauseTurn()
		c.pauseTurn = nil
	}
}

func (c *conn) setPostponed(on bool) {
	c.mu.Lock()
	c.postponedCmd = on
	c.mu.Unlock()
}

// clientPauseCmd is CLIENT PAUSE timeout [WRITE|ALL].
func clientPauseCmd(c *conn, argv [][]byte) Ticket {
	ms, ok := string2ll(argv[2])
	switch {
	case !ok:
		c.errorReply("ERR timeout is not an integer or out of range")
		return 0
	case ms < 0:
		c.errorReply("ERR timeout is negative")
		return 0
	}
	mode := pauseAll
	switch {
	case len(argv) == 4 && equalFold(argv[3], "write"):
		mode = pauseWrite
	case len(argv) == 4 && equalFold(argv[3], "all"):
	case len(argv) == 4:
		c.errorReply("ERR CLIENT PAUSE mode must be WRITE or ALL")
		return 0
	case len(argv) > 4:
		c.errorReply("ERR unknown subcommand or wrong number of arguments for '" + cString(argv[1], 128) + "'. Try CLIENT HELP.")
		return 0
	}
	c.s.pause(mode, time.Now().Add(time.Duration(min(ms, int64(100*365*24*time.Hour/time.Millisecond)))*time.Millisecond))
	c.w.OK()
	return 0
}

// clientUnpauseCmd is CLIENT UNPAUSE.
func clientUnpauseCmd(c *conn, argv [][]byte) Ticket {
	c.s.unpause()
	c.w.OK()
	return 0
}
