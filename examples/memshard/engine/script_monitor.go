package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// ScriptMonitor lets a backend see, without the lock a script runs
// under, the script running now: since when and whether it has written;
// and stop it (SCRIPT KILL). Redis answers other clients BUSY once a
// script has run longer than busy-reply-threshold, and lets SCRIPT KILL
// stop one that has not written; memshard's server does the same through
// the backend's monitor, while the script holds the backend's lock.
type ScriptMonitor struct {
	// started is when the running script started, in unix nanoseconds
	// (0: none runs): read on every command, so an atomic, not mu.
	started atomic.Int64
	mu      sync.Mutex
	wrote   bool
	killed  bool
	cancel  context.CancelFunc
}

// Errors of SCRIPT KILL, and of the script it killed.
const (
	errScriptNotBusy    = "NOTBUSY No scripts in execution right now."
	errScriptUnkillable = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	errScriptKilled     = "ERR Script killed by user with SCRIPT KILL..."
)

// begin records that a script starts; cancel stops it.
func (m *ScriptMonitor) begin(cancel context.CancelFunc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wrote, m.killed, m.cancel = false, false, cancel
	m.started.Store(time.Now().UnixNano())
}

// end records that the script has ended.
func (m *ScriptMonitor) end() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.started.Store(0)
	m.cancel = nil
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

// Kill stops the running script unless it has written (then it must run
// to its end, as in Redis). It returns "" if it stopped one, else Redis's
// error (without "-").
func (m *ScriptMonitor) Kill() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.started.Load() == 0 || m.cancel == nil:
		return errScriptNotBusy
	case m.wrote:
		return errScriptUnkillable
	}
	m.killed = true
	m.cancel()
	return ""
}
