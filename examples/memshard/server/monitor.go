package server

import (
	"fmt"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MONITOR: a connection that sends it is shown every command this node
// runs from then on, as Redis's replicationFeedMonitors shows them: after
// each runs (EVAL and FCALL before, then the commands they run), one
// status line of its time, its client's address (or "lua" for a script's
// commands) and its arguments, quoted. Admin commands are not shown, nor
// commands refused before they run; nor what the node does on its own
// (expiry, eviction) or applies from the log (a replica's effects): those
// are not clients' commands here.

// monitorSet is the node's MONITOR connections.
type monitorSet struct {
	n     atomic.Int32 // len(conns): the command path reads only this
	mu    sync.Mutex
	conns []*conn
}

func (ms *monitorSet) add(c *conn) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.conns = append(ms.conns, c)
	ms.n.Store(int32(len(ms.conns)))
}

func (ms *monitorSet) remove(c *conn) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if i := slices.Index(ms.conns, c); i >= 0 {
		ms.conns = slices.Delete(ms.conns, i, i+1)
	}
	ms.n.Store(int32(len(ms.conns)))
}

// monitored reports whether MONITOR shows the command's calls (as
// engine.Command.Monitored).
func (cc *connCommand) monitored() bool { return !hasFlag(cc.flags, "admin") }

// errMonitorKeyspace refuses a MONITOR connection's commands that read or
// write keys or may replicate: Redis treats the connection as a replica.
const errMonitorKeyspace = "ERR Replica can't interact with the keyspace"

// monitorRefuses reports whether a MONITOR connection may not run the
// command (processCommand's check that replicas do not touch keys).
func (c *conn) monitorRefuses(cc *connCommand, dc *engine.Command, argv [][]byte) bool {
	if !c.monitoring.Load() {
		return false
	}
	if dc != nil {
		return dc.IsWriteCall(argv) || dc.HasFlag(engine.FlagReadOnly) || dc.MayReplicateCall(argv)
	}
	return cc.name == "publish" || cc.name == "spublish" // may_replicate
}

// monitorCmd is MONITOR.
func monitorCmd(c *conn, argv [][]byte) Ticket {
	if c.inExec {
		// EXEC's commands must each reply (CLIENT_DENY_BLOCKING).
		c.errorReply("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return 0
	}
	if c.monitoring.Load() {
		return 0 // already: no reply, as Redis ignores it
	}
	c.monitoring.Store(true)
	c.s.monitors.add(c)
	c.w.OK()
	return 0
}

// stopMonitoring ends MONITOR mode (RESET, and the connection's end).
func (c *conn) stopMonitoring() {
	if c.monitoring.Swap(false) {
		c.s.monitors.remove(c)
	}
}

// feedMonitors shows argv, run by from (by its script if script is set),
// to every MONITOR connection; redacted are the arguments shown as
// "(redacted)" (AUTH's password). from's own line goes into its reply
// after the command's, as in Redis.
func (s *Server) feedMonitors(from *conn, argv [][]byte, script bool, redacted []int) {
	s.feedMonitorsAt(time.Now(), from, argv, script, redacted)
}

// feedMonitorsAt is feedMonitors of a command run at a given time.
func (s *Server) feedMonitorsAt(at time.Time, from *conn, argv [][]byte, script bool, redacted []int) {
	if s.monitors.n.Load() == 0 {
		return
	}
	line := monitorLine(at, from.addr, argv, script, redacted)
	s.monitors.mu.Lock()
	conns := slices.Clone(s.monitors.conns)
	s.monitors.mu.Unlock()
	for _, m := range conns {
		m.deliverFrom(from, line)
	}
}

// monitorLine formats one MONITOR line: +<seconds>.<micros> [0 <addr>]
// then each argument quoted as sdscatrepr quotes it.
func monitorLine(now time.Time, addr string, argv [][]byte, script bool, redacted []int) []byte {
	b := fmt.Appendf(nil, "+%d.%06d [0 ", now.Unix(), now.Nanosecond()/1000)
	if script {
		addr = "lua"
	}
	b = append(b, addr...)
	b = append(b, ']')
	for i, a := range argv {
		if slices.Contains(redacted, i) {
			a = []byte("(redacted)")
		}
		b = append(b, ' ')
		b = appendRepr(b, a)
	}
	return append(b, "\r\n"...)
}

// appendRepr appends s quoted as Redis's sdscatrepr quotes it: \\, \",
// \n, \r, \t, \a and \b escaped, other unprintable bytes as \xHH.
func appendRepr(b, s []byte) []byte {
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = fmt.Appendf(b, "\\x%02x", ch)
			}
		}
	}
	return append(b, '"')
}

// execMonitor holds the MONITOR lines of the data commands of an EXEC
// whose block also has connection commands, which the server runs after
// the backend has run the data commands: each data command's lines (its
// own, and those of the commands its script ran) are shown when the
// server reaches its place in the block, so that MONITOR shows the block
// in its order, as Redis does.
type execMonitor struct {
	lines  []execMonitorLine
	groups map[*[]byte][]execMonitorLine // by the block command's argv[0]
}

type execMonitorLine struct {
	at     time.Time
	key    *[]byte // &argv[0] of the argv the backend was given
	argv   [][]byte
	script bool
}

// record is the Call.Monitor hook while the backend runs the block.
func (m *execMonitor) record(argv [][]byte, script bool) {
	// A script's arguments may be reused: kept as a copy.
	kept := make([][]byte, len(argv))
	for i, a := range argv {
		kept[i] = slices.Clone(a)
	}
	m.lines = append(m.lines, execMonitorLine{time.Now(), &argv[0], kept, script})
}

// index groups the lines by block command: a command's own line (its
// argv is the block's, so its argv[0] is the same slice element), then
// the lines of the commands its script ran. A command hidden from
// MONITOR (admin) has no group.
func (m *execMonitor) index() {
	if m == nil {
		return
	}
	m.groups = make(map[*[]byte][]execMonitorLine)
	var cur *[]byte
	for _, l := range m.lines {
		if !l.script {
			cur = l.key
		}
		m.groups[cur] = append(m.groups[cur], l)
	}
}

// feed shows the lines of the block command argv.
func (m *execMonitor) feed(c *conn, argv [][]byte) {
	if m == nil {
		return
	}
	for _, l := range m.groups[&argv[0]] {
		c.s.feedMonitorsAt(l.at, c, l.argv, l.script, nil)
	}
}
