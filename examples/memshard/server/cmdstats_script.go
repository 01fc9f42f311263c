package server

import "github.com/quorumlog/quorumlog/examples/memshard/engine"

// Commands a script calls count as Redis 7.0's scriptCall counts them: it
// runs each through call() with CMD_CALL_STATS|CMD_CALL_SLOWLOG, and
// refuses some first (scriptVerify*), counting those with afterErrorReply
// and ERROR_COMMAND_REJECTED. As redis-server 7.0.15 shows
// (scriptstats_test.go):
//   - a command that ran counts in its calls, usec, latency histogram and
//     total_commands_processed; an error reply makes it failed and counts
//     in errorstats, whether redis.pcall catches it or not;
//   - a refused command (arity, noscript, ACL, OOM, read-only) counts in
//     rejected_calls and in errorstats (an unknown command only there);
//   - the EVAL or FCALL counts as usual, but an error reply that repeats
//     an error already counted (redis.call's raised error, or pcall's
//     error table returned) counts only in its failed_calls; an error
//     nested in its reply's array counts too (once), and fails it;
//   - with slowlog-log-slower-than 0 each command that ran has its own
//     SLOWLOG entry, before the script's, with the client address "?:0"
//     and no name (the script's fake client).

// scriptPeer is the address SLOWLOG shows for a script's commands: the
// Lua client's, which has no connection.
const scriptPeer = "?:0"

// scriptCalled is the connection's ConnState.ScriptCalled: it counts one
// command a script of this connection called. The backend calls it on
// the connection's goroutine, while the script runs.
func (c *conn) scriptCalled(sc *engine.ScriptCalled) {
	if sc.ScriptReply {
		if len(sc.Argv) == 0 {
			return
		}
		if !sc.Counted {
			c.s.countError(sc.Reply) // nested: recordCall sees only the reply's first byte
		}
		c.scriptReplies = append(c.scriptReplies, scriptReplyNote{&sc.Argv[0], sc.Nested, sc.Counted})
		return
	}
	cc := c.queuedConnCommand(sc.Argv)
	var dc *engine.Command
	if cc == nil {
		dc, _ = c.s.backend.Table().Resolve(sc.Argv)
	}
	st := c.s.stats.info.cmds.of(cc, dc)
	if !sc.Ran {
		c.s.stats.errors.Add(1)
		if len(sc.Refusal) > 0 && sc.Refusal[0] == '-' {
			c.s.stats.info.errs.add(errorPrefix([]byte(sc.Refusal)))
		} else {
			c.s.stats.info.errs.add(prefixERR)
		}
		if st != nil {
			st.rejected.Add(1)
		}
		return
	}
	c.s.stats.commands.Add(1)
	isErr := len(sc.Reply) > 0 && sc.Reply[0] == '-'
	if isErr {
		c.s.countError(sc.Reply)
	}
	if cc == nil || !hasFlag(cc.flags, "skip_slowlog") {
		c.maybeLogAs(sc.Argv, nil, sc.Took, scriptPeer, "")
	}
	c.sampleLatency(isFast(cc, dc), sc.Took)
	if st == nil {
		return
	}
	st.calls.Add(1)
	st.nanos.Add(int64(sc.Took))
	st.histogram().record(int64(sc.Took))
	if isErr {
		st.failed.Add(1)
	}
}

// scriptReplyNote is what scriptCalled noted of an error in the reply of
// the script run by the request whose argv[0] is at, until recordCall.
type scriptReplyNote struct {
	at      *[]byte
	nested  bool // inside an array: the reply's first byte does not show it
	counted bool // a top-level error already counted
}

// scriptReplyErrors reports, and forgets, what the script the request argv
// ran said of its reply: whether its top-level error reply was already
// counted, and whether an error nested in it makes the request failed.
func (c *conn) scriptReplyErrors(argv [][]byte) (counted, nestedErr bool) {
	if len(c.scriptReplies) == 0 || len(argv) == 0 {
		return false, false
	}
	kept := c.scriptReplies[:0]
	for _, n := range c.scriptReplies {
		if n.at != &argv[0] {
			kept = append(kept, n)
			continue
		}
		if n.nested {
			nestedErr = true
		} else {
			counted = counted || n.counted
		}
	}
	c.scriptReplies = kept
	return counted, nestedErr
}
