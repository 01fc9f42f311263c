package engine

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// ScriptCalled is what one redis.call or redis.pcall did, for the
// server's INFO commandstats, errorstats, latencystats and SLOWLOG: Redis
// 7.0's scriptCall runs the command through call() with its stats and
// slowlog flags, so a command a script calls counts as if a client had
// sent it (Call.ScriptCalled).
type ScriptCalled struct {
	Argv [][]byte
	// Ran: the command ran (it counts in calls, usec, the latency
	// histogram and total_commands_processed, and in failed_calls if Reply
	// is an error); else it was refused before running (rejected_calls),
	// and Refusal says why.
	Ran   bool
	Took  time.Duration // the command's run time, if it ran
	Reply []byte        // its reply, if it ran
	// Refusal is the error that refused the command: "-CODE message", or
	// a message without a code (errorstats counts it under ERR, as
	// afterErrorReply does).
	Refusal string
	// ScriptReply is set on a report of no command but of an error in
	// the script's own reply (Argv is the EVAL's or FCALL's, Reply the
	// error, "-CODE message"): Nested if it is inside an array or map (the
	// server sees only a top-level one), Counted if it repeats an error
	// already counted (its table has ignore_error_stats_update). Redis
	// counts every error reply once, and the call that replied it as
	// failed.
	ScriptReply, Nested, Counted bool
}

// scriptCalled reports sc to the call's hook, if it has one.
func (run *scriptRun) scriptCalled(sc *ScriptCalled) {
	if f := run.c.ScriptCalled; f != nil {
		f(sc)
	}
}

// replyErrorStats reports an error the script replies, at depth in its
// reply, from the error table t, unless the server's own look at the
// reply's first byte is enough: a top-level error not counted yet.
func (s *luaState) replyErrorStats(t *lua.LTable, msg string, depth int) {
	counted := lua.LVAsBool(t.RawGetString("ignore_error_stats_update"))
	if s.run == nil || depth == 0 && !counted {
		return
	}
	s.run.scriptCalled(&ScriptCalled{Argv: s.run.c.Argv, Reply: []byte("-" + msg + "\r\n"),
		ScriptReply: true, Nested: depth > 0, Counted: counted})
}
