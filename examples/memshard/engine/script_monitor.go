package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// ScriptMonitor lets a backend see, without the lock a script runs
// under, the script running now (an EVAL or a function): since when,
// which, and whether it has written; and stop it (SCRIPT KILL, FUNCTION
// KILL). Redis answers other clients BUSY once a script has run longer
// than busy-reply-threshold, lets SCRIPT KILL or FUNCTION KILL stop one
// that has not written, and answers FUNCTION STATS about it; memshard's
// server does the same through the backend's monitor, while the script
// holds the backend's lock. Its methods are safe for concurrent use.
type ScriptMonitor struct {
	// started is when the running script started, in unix nanoseconds
	// (0: none runs): read on every command, so an atomic, not mu.
	started atomic.Int64
	mu      sync.Mutex
	wrote   bool
	killed  bool
	cancel  context.CancelFunc
	run     runningScript
}

// runningScript is what FUNCTION STATS and the BUSY error say of the
// running script.
type runningScript struct {
	function string // the function's name; "" for an EVAL
	// argv is the call's arguments. It is the caller's, not a copy: the
	// connection that sent them waits for the call to return, and end
	// forgets them first.
	argv                 [][]byte
	libraries, functions int // FUNCTION STATS's counts, fixed while a function runs
}

// Errors of SCRIPT KILL and FUNCTION KILL, of the script they killed, and
// of the commands refused while a script runs (Redis's shared.slowevalerr
// and shared.slowscripterr).
const (
	errScriptNotBusy    = "NOTBUSY No scripts in execution right now."
	errScriptUnkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	errScriptKilled     = "ERR Script killed by user with SCRIPT KILL..."
	errBusyEval         = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction     = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)

// begin records that a script starts; cancel stops it.
func (m *ScriptMonitor) begin(cancel context.CancelFunc, run runningScript) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wrote, m.killed, m.cancel, m.run = false, false, cancel, run
	m.started.Store(time.Now().UnixNano())
}

// end records that the script has ended.
func (m *ScriptMonitor) end() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.started.Store(0)
	m.cancel, m.run = nil, runningScript{}
}

// noteWrite records that the running script has changed the dataset.
func (m *ScriptMonitor) noteWrite() {
	m.mu.Lock()
	m.wrote = true
	m.mu.Unlock()
}

// wasKilled reports whether the running script was stopped by Kill.
func (m *ScriptMonitor) wasKilled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.killed
}

// RunningFor returns how long the running script has run; 0 if none runs.
func (m *ScriptMonitor) RunningFor() time.Duration {
	started := m.started.Load()
	if started == 0 {
		return 0
	}
	return max(time.Duration(time.Now().UnixNano()-started), 1)
}

// BusyError returns the error Redis refuses commands with while the
// running script runs (without "-"): its wording names SCRIPT KILL for an
// EVAL, FUNCTION KILL for a function; "" if none runs.
func (m *ScriptMonitor) BusyError() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started.Load() == 0 {
		return ""
	}
	return m.busyErrorLocked()
}

func (m *ScriptMonitor) busyErrorLocked() string {
	if m.run.function == "" {
		return errBusyEval
	}
	return errBusyFunction
}

// Kill stops the running script unless it has written (then it must run
// to its end, as in Redis), or unless it is a function and function is
// false (SCRIPT KILL), or an EVAL and function is true (FUNCTION KILL):
// those get the BUSY error of what runs, as Redis's scriptKill answers. It
// returns "" if it stopped one, else Redis's error (without "-").
func (m *ScriptMonitor) Kill(function bool) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.started.Load() == 0 || m.cancel == nil:
		return errScriptNotBusy
	case m.wrote:
		return errScriptUnkillable
	case function != (m.run.function != ""):
		return m.busyErrorLocked()
	}
	m.killed = true
	m.cancel()
	return ""
}

// FunctionStats answers FUNCTION STATS into w if a script runs (the
// running function, or the BUSY error if an EVAL runs, as Redis does) and
// reports whether it did; if none runs, the caller runs the command.
func (m *ScriptMonitor) FunctionStats(w *resp.Writer) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	started := m.started.Load()
	if started == 0 {
		return false
	}
	if m.run.function == "" {
		w.Error(errBusyEval)
		return true
	}
	writeFunctionStats(w, &m.run, time.Duration(time.Now().UnixNano()-started), m.run.libraries, m.run.functions)
	return true
}
