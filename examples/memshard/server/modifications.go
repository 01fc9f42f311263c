package server

import "github.com/quorumlog/quorumlog/examples/memshard/engine"

// Modifications collects what a backend's commands change, for
// Backend.OnModified: a backend feeds it from its DB's hooks and reports
// at the end of each command, EXEC, applied record or expiry run. The
// backend's lock guards it.
type Modifications struct {
	report func(by *ConnState, mods []Modified)
	mods   []Modified
}

// SetReport sets the function Report calls (Backend.OnModified's f).
func (m *Modifications) SetReport(f func(by *ConnState, mods []Modified)) { m.report = f }

// Key records a change of key. A flush's keys are not recorded one by one
// (flushing: engine.DB.Flushing); Flushed stands for them all.
func (m *Modifications) Key(key string, flushing bool) {
	if m.report != nil && !flushing {
		m.mods = append(m.mods, Modified{Key: key})
	}
}

// Ran records, after a command of conn ran, the keys it read if conn
// tracks keys and the command is one whose keys are remembered
// (trackedRead): in their place among the changes, so a key the command
// changed first (an expired key deleted) is remembered after, as Redis
// remembers keys once the command has run.
func (m *Modifications) Ran(conn *ConnState, t engine.Table, argv [][]byte) {
	if m.report == nil || conn == nil || !conn.Tracking {
		return
	}
	if cmd, _ := t.Resolve(argv); cmd != nil && trackedRead(cmd) {
		m.read(cmd.Keys(argv))
	}
}

// ReadsOf returns the engine.Call.TrackReads of a call by conn: nil
// unless conn tracks keys, else what records the keys its scripts read,
// in order with the changes.
func (m *Modifications) ReadsOf(conn *ConnState) func(keys [][]byte) {
	if m.report == nil || conn == nil || !conn.Tracking {
		return nil
	}
	return m.read
}

func (m *Modifications) read(keys [][]byte) {
	for _, k := range keys {
		m.mods = append(m.mods, Modified{Key: string(k), Read: true})
	}
}

// Flushed records that every key went.
func (m *Modifications) Flushed() {
	if m.report != nil {
		m.mods = append(m.mods, Modified{Flushed: true})
	}
}

// Report passes what was recorded since the last Report to the report
// function, as changed by by's command (nil: by none).
func (m *Modifications) Report(by *ConnState) {
	if len(m.mods) == 0 {
		return
	}
	m.report(by, m.mods)
	clear(m.mods)
	m.mods = m.mods[:0]
}
