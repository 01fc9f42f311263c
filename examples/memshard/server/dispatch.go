package server

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// Command execution follows Redis 7.0's processCommand: the security check
// for HTTP requests, then lookup (unknown command, unknown subcommand,
// arity), then authentication, then cluster redirection (MOVED,
// CLUSTERDOWN, READONLY), then maxmemory (eviction, OOM), then queueing
// inside MULTI, then the command. (Here the maxmemory step follows the
// BUSY check, which Redis makes after it: Redis skips eviction while a
// script is busy, and a command must not wait for the script's lock to
// evict. A node that redirects never evicts, so the place of redirection
// does not show.)

const (
	errNoAuth      = "NOAUTH Authentication required."
	errExecAbort   = "EXECABORT Transaction discarded because of previous errors."
	errClusterDown = "CLUSTERDOWN The cluster is down"
	errReadOnly    = "READONLY You can't write against a read only replica."
)

// execute runs one request, counts it for INFO and ends its reply.
func (c *conn) execute(argv [][]byte) {
	c.beginReply()
	call := callInfo{argv: argv, replyFrom: c.replyStart}
	c.redacted = c.redacted[:0]
	c.scriptReplies = c.scriptReplies[:0]
	tracking := c.state.Tracking
	if tracking && !c.holdingMessages {
		// Invalidations wait until the replies before them are queued.
		c.q.holdMessages()
		c.holdingMessages = true
	}
	t := c.dispatch(argv, &call)
	c.endPauseTurn()
	c.recordCall(&call)
	c.placePushes()
	c.endReply(t)
	if tracking || c.state.Tracking {
		c.flushTrackPending()
		c.trackAfterCommand(argv)
	}
}

// dispatch runs argv and says in call what it did, for INFO.
func (c *conn) dispatch(argv [][]byte, call *callInfo) Ticket {
	// The engine looks at a command's flags for MONITOR only if somebody
	// monitors: without, the hook is nil.
	c.state.Monitor = nil
	if c.s.monitors.n.Load() > 0 {
		c.state.Monitor = c.monitorFeed
	}
	if equalFold(argv[0], "post") || equalFold(argv[0], "host:") {
		// securityWarningCommand: an HTTP request; close without a reply.
		// Redis frees the client at once: replies not yet sent are dropped.
		c.s.log.Warn("possible SECURITY ATTACK detected: HTTP request on the RESP port", "addr", c.addr)
		c.w.Reset()
		c.segs = c.segs[:0]
		c.replyStart = 0
		c.closing = true
		c.kill()
		return 0
	}
	cc, dc, errMsg := c.s.lookup(argv)
	call.start = c.touch(cc, dc)
	call.cc, call.dc, call.outcome = cc, dc, callRejected
	isExec := cc != nil && cc.name == "exec"
	if errMsg != "" {
		if cc == nil {
			// An arity error names a data command that lookup does not
			// return; an unknown (sub)command names none.
			call.dc, _ = c.s.backend.Table().Resolve(argv)
		}
		return c.reject(isExec, errMsg)
	}
	if cc != nil && cc.protectedBy != "" {
		return c.reject(isExec, protectedError(cc))
	}
	if c.authRequired() && (cc == nil || !cc.noAuth) {
		return c.reject(isExec, errNoAuth)
	}
	if c.multi && cc != nil && hasFlag(cc.flags, "no_multi") {
		return c.reject(isExec, "ERR Command not allowed inside a transaction")
	}
	if c.multi && dc != nil && dc.External {
		return c.reject(isExec, engine.ErrMigrateHere)
	}
	if e := c.checkACL(cc, dc, argv); e != "" {
		return c.reject(isExec, e)
	}
	if c.inPubSubMode() && c.w.Proto() == 2 && (cc == nil || !allowedWhileSubscribed[cc.name]) {
		// After cluster redirection, as in processCommand.
		if dc != nil {
			if e := c.redirect(dc, argv); e != "" {
				return c.reject(isExec, e)
			}
		}
		name := ""
		if cc != nil {
			name = cc.name
		} else {
			name = dc.Name
		}
		return c.reject(isExec, pubsubModeError(name))
	}
	if dc != nil && !c.multi {
		// Without waiting for the script: it may be the one to stop, or
		// to report.
		switch dc.Name {
		case "script|kill", "function|kill":
			return c.scriptKill(dc.Name == "function|kill")
		case "function|stats":
			if c.runningFunctionStats() {
				return 0
			}
		case "script|debug":
			if c.replyStart > 0 { // earlier replies of this batch are pending
				call.outcome = callRan
				c.errorReply(engine.ErrScriptDebugPipeline)
				return 0
			}
		}
	}
	if e := c.busyScript(cc, dc); e != "" {
		return c.reject(isExec, e)
	}
	if e := c.checkMemory(cc, dc, argv); e != "" {
		return c.reject(isExec, e)
	}
	if c.monitorRefuses(cc, dc, argv) {
		return c.reject(isExec, errMonitorKeyspace)
	}
	if (cc == nil || cc.name != "quit") && !c.waitPause(cc, dc, argv) {
		return 0
	}
	if c.multi && (cc == nil || !cc.runsInMulti) {
		if dc != nil {
			if e := c.redirect(dc, argv); e != "" {
				c.multiErr = true
				c.errorReply(e)
				return 0
			}
		}
		if !c.multiErr {
			c.queued = append(c.queued, cloneArgv(argv))
			c.setMultiLen(len(c.queued))
		}
		call.outcome = callQueued
		c.w.Simple("QUEUED")
		return 0
	}
	if dc != nil {
		if e := c.redirect(dc, argv); e != "" {
			c.errorReply(e)
			return 0
		}
		call.outcome = callRan
		if dc.HasFlag(engine.FlagBlocking) {
			return c.block(dc, argv, call)
		}
		if dc.External {
			c.redact(engine.MigrateRedactions(argv)...)
		}
		return c.s.backend.Do(&c.state, argv, c.w)
	}
	call.outcome = callRan
	if isExec {
		call.queued = c.queued
	}
	return cc.handler(c, argv)
}

// reject replies a command's rejection (rejectCommand): it makes a pending
// EXEC fail, and a rejected EXEC discards the transaction.
func (c *conn) reject(isExec bool, msg string) Ticket {
	if c.multi {
		c.multiErr = true
	}
	if isExec {
		c.discard()
		c.errorReply("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
		return 0
	}
	c.errorReply(msg)
	return 0
}

// errorReply replies an error; recordCall counts it from the reply.
func (c *conn) errorReply(msg string) {
	c.w.Error(msg)
}

// authRequired is Redis's authRequired: the default user has a password
// or is off, and the connection has not authenticated.
func (c *conn) authRequired() bool { return !c.authed && !c.s.defaultAuthed() }

// touch records the command for CLIENT LIST (cmd=, idle=). It returns
// the time it used, from which INFO times the command: a clock read costs
// tens of nanoseconds, and the command path reads it once.
func (c *conn) touch(cc *connCommand, dc *engine.Command) time.Time {
	name := "NULL"
	switch {
	case cc != nil:
		name = cc.name
	case dc != nil:
		name = dc.Name
	}
	now := time.Now()
	c.mu.Lock()
	c.lastCmd = name
	c.lastActive = now
	c.mu.Unlock()
	return now
}

// lookup finds argv's command: a connection command (cc) or a data command
// (dc). errMsg is Redis's unknown-command, unknown-subcommand or arity
// error; cc is set with an arity error, to recognise a rejected EXEC. A
// connection subcommand the engine runs (inEngine) is looked up as data.
func (s *Server) lookup(argv [][]byte) (cc *connCommand, dc *engine.Command, errMsg string) {
	if cc = lookupConn(connTable, argv[0]); cc != nil {
		if cc.subs != nil && len(argv) >= 2 {
			sub := lookupConn(cc.subs, argv[1])
			if sub == nil {
				return nil, nil, fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.",
					cString(argv[1], 128), strings.ToUpper(cc.name))
			}
			cc = sub
		}
		if !cc.inEngine {
			if !arityOK(cc.arity, len(argv)) {
				return cc, nil, engine.ArityError(cc.name)
			}
			return cc, nil, ""
		}
	}
	// Resolve words the unknown-command, unknown-subcommand and arity
	// errors as Redis does.
	dc, errMsg = s.backend.Table().Resolve(argv)
	if errMsg != "" {
		return nil, nil, errMsg
	}
	return nil, dc, ""
}

func lookupConn(t map[string]*connCommand, name []byte) *connCommand {
	return engine.LookupFold(t, name)
}

func arityOK(arity, argc int) bool {
	if arity >= 0 {
		return argc == arity
	}
	return argc >= -arity
}

// cString is b as printf's %.Ns prints a C string: up to the first NUL, at
// most n bytes.
func cString(b []byte, n int) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func equalFold(b []byte, s string) bool { return len(b) == len(s) && strings.EqualFold(string(b), s) }

func cloneArgv(argv [][]byte) [][]byte {
	out := make([][]byte, len(argv))
	for i, a := range argv {
		out[i] = bytes.Clone(a)
		if out[i] == nil {
			out[i] = []byte{}
		}
	}
	return out
}
