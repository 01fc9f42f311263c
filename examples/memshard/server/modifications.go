package server

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
