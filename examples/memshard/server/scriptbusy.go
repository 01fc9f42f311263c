package server

import (
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// A script (EVAL) or a function (FCALL) runs under the backend's lock.
// Commands sent meanwhile wait for it, as Redis processes nothing while a
// script runs, until it has run longer than busy-reply-threshold: then, as
// Redis, they are refused with BUSY, worded for what runs, except those
// Redis allows (flag allow_busy: AUTH, HELLO, MULTI, WATCH, SCRIPT KILL,
// FUNCTION KILL, FUNCTION STATS...). SCRIPT KILL stops a script, FUNCTION
// KILL a function, unless it has written; FUNCTION STATS reports the
// running function. All of them ask the backend's script monitor, which
// does not wait for the lock.

// busyScript returns the BUSY error if a script has run past the
// threshold and the command may not run meanwhile, else "". While a
// script runs and has not reached the threshold, the command waits, as
// Redis reads nothing meanwhile (a command that waits on the backend's
// lock instead could not be refused once the threshold passes).
func (c *conn) busyScript(cc *connCommand, dc *engine.Command) string {
	m := c.s.backend.Scripts()
	for {
		d, limit := m.RunningFor(), c.busyThreshold()
		switch {
		case d == 0:
			return ""
		case d > limit:
			if cc != nil && hasFlag(cc.flags, "allow_busy") || dc != nil && dc.HasFlag("allow_busy") {
				return ""
			}
			return m.BusyError() // "" if the script has just ended
		}
		select {
		case <-time.After(min(limit-d+time.Millisecond, 10*time.Millisecond)):
		case <-c.ctx.Done():
			return ""
		}
	}
}

func (c *conn) busyThreshold() time.Duration {
	return time.Duration(c.s.config.busyThreshold.Load()) * time.Millisecond
}

// awaitBusyThreshold waits, if a script runs, until it has run past the
// threshold: Redis reads SCRIPT KILL, FUNCTION KILL and FUNCTION STATS
// only then. It returns false if the connection ended meanwhile.
func (c *conn) awaitBusyThreshold() bool {
	if d := c.s.backend.Scripts().RunningFor(); d > 0 && d < c.busyThreshold() {
		select {
		case <-time.After(c.busyThreshold() - d):
		case <-c.ctx.Done():
			return false
		}
	}
	return true
}

// scriptKill answers SCRIPT KILL (function false) or FUNCTION KILL
// (function true) without the backend's lock.
func (c *conn) scriptKill(function bool) Ticket {
	if !c.awaitBusyThreshold() {
		return 0
	}
	if e := c.s.backend.Scripts().Kill(function); e != "" {
		c.errorReply(e)
		return 0
	}
	c.w.OK()
	return 0
}

// runningFunctionStats answers FUNCTION STATS without the backend's lock
// if a script runs (its function, or BUSY for an EVAL) and reports
// whether it did; if none runs, the backend answers it.
func (c *conn) runningFunctionStats() bool {
	if !c.awaitBusyThreshold() {
		return true // the connection ended: no reply
	}
	return c.s.backend.Scripts().FunctionStats(c.w)
}
