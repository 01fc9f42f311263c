package server

import (
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// A script runs under the backend's lock. Commands sent meanwhile wait
// for it, as Redis processes nothing while a script runs, until it has
// run longer than busy-reply-threshold: then, as Redis, they are refused
// with BUSY, except those Redis allows (flag allow_busy: AUTH, HELLO,
// MULTI, WATCH, SCRIPT KILL...), and SCRIPT KILL stops the script unless
// it has written. Both ask the backend's script monitor, which does not
// wait for the lock.

const errBusyScript = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."

// busyScript returns the BUSY error if a script has run past the
// threshold and the command may not run meanwhile, else "". While a
// script runs and has not reached the threshold, the command waits, as
// Redis reads nothing meanwhile (a command that waits on the backend's
// lock instead could not be refused once the threshold passes).
func (c *conn) busyScript(cc *connCommand, dc *engine.Command) string {
	for {
		d, limit := c.s.backend.ScriptBusyFor(), c.busyThreshold()
		switch {
		case d == 0:
			return ""
		case d > limit:
			if cc != nil && hasFlag(cc.flags, "allow_busy") || dc != nil && dc.HasFlag("allow_busy") {
				return ""
			}
			return errBusyScript
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

// scriptKill answers SCRIPT KILL without the backend's lock: Redis only
// reads it once the script has run past the threshold, so a SCRIPT KILL
// that comes earlier waits until then.
func (c *conn) scriptKill() Ticket {
	if d := c.s.backend.ScriptBusyFor(); d > 0 && d < c.busyThreshold() {
		select {
		case <-time.After(c.busyThreshold() - d):
		case <-c.ctx.Done():
			return 0
		}
	}
	if e := c.s.backend.KillScript(); e != "" {
		c.errorReply(e)
		return 0
	}
	c.w.OK()
	return 0
}
