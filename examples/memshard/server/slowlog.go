package server

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// SLOWLOG GET|LEN|RESET|HELP, as Redis 7.0.15 answers them (slowlog.c).
//
// Every command that ran (not one refused before running, nor one queued
// by MULTI) and took at least slowlog-log-slower-than microseconds is
// logged, newest first, and the log keeps slowlog-max-len entries. A
// negative threshold logs nothing. EXEC is not logged (skip_slowlog); the
// commands it ran are, each with an equal share of its time, as INFO
// commandstats counts them (recordExec). Passwords are logged as
// "(redacted)", as Redis's commands redact them (redactions).
//
// The time is what the command took in the server, not the wait for the
// log that may hold its reply: a write's reply leaves once its record
// commits, but it ran, like Redis's, in microseconds.

const (
	slowlogMaxArgs   = 32  // SLOWLOG_ENTRY_MAX_ARGC
	slowlogMaxString = 128 // SLOWLOG_ENTRY_MAX_STRING
)

type slowEntry struct {
	id     int64
	unix   int64 // when it was logged, in seconds
	micros int64 // how long the command took
	argv   [][]byte
	peer   string
	name   string
}

// slowLog is the server's slow log.
type slowLog struct {
	mu      sync.Mutex
	entries []slowEntry // oldest first
	nextID  int64       // ids are never reused, not even after RESET
}

// redact marks arguments of the running command that the slow log must
// not show (Redis's redactClientCommandArgument): its handler calls it.
func (c *conn) redact(args ...int) { c.redacted = append(c.redacted, args...) }

// maybeLog logs argv, which took took, if the thresholds say so; the
// arguments at redacted read "(redacted)".
func (c *conn) maybeLog(argv [][]byte, redacted []int, took time.Duration) {
	c.maybeLogAs(argv, redacted, took, c.addr, c.name /* written only by this goroutine */)
}

// maybeLogAs is maybeLog of a command run by the client at peer named
// name (a script's commands are its Lua client's).
func (c *conn) maybeLogAs(argv [][]byte, redacted []int, took time.Duration, peer, name string) {
	slower := c.s.config.slowlogSlower.Load()
	micros := took.Microseconds()
	if slower < 0 || micros < slower {
		return
	}
	e := slowEntry{unix: time.Now().Unix(), micros: micros, argv: slowlogArgs(argv, redacted), peer: peer, name: name}
	l := &c.s.slowlog
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	// slowlogPushEntryIfNeeded trims only when it logs: a lower
	// slowlog-max-len shows at the next entry.
	if max := c.s.config.slowlogMaxLen.Load(); int64(len(l.entries)) > max {
		drop := len(l.entries) - int(max)
		l.entries = append(l.entries[:0], l.entries[drop:]...)
	}
}

// slowlogArgs copies argv as slowlogCreateEntry keeps it: at most 32
// arguments, the last of them then saying how many more there were, and
// each at most 128 bytes and a note of how many more; redacted arguments
// read "(redacted)".
func slowlogArgs(argv [][]byte, redacted []int) [][]byte {
	n := min(len(argv), slowlogMaxArgs)
	out := make([][]byte, n)
	for j := range n {
		switch {
		case n != len(argv) && j == n-1:
			out[j] = fmt.Appendf(nil, "... (%d more arguments)", len(argv)-n+1)
		case slices.Contains(redacted, j):
			out[j] = []byte("(redacted)")
		case len(argv[j]) > slowlogMaxString:
			out[j] = fmt.Appendf(append([]byte(nil), argv[j][:slowlogMaxString]...), "... (%d more bytes)", len(argv[j])-slowlogMaxString)
		default:
			out[j] = append([]byte(nil), argv[j]...)
		}
	}
	return out
}

func slowlogSubcommands() map[string]*connCommand {
	f := []string{"admin", "loading", "stale"}
	return subTable(
		&connCommand{name: "get", arity: -2, flags: f, acl: aAdmin, summary: "Get the slow log's entries", handler: slowlogGetCmd},
		&connCommand{name: "len", arity: 2, flags: f, acl: aAdmin, summary: "Get the slow log's length", handler: slowlogLenCmd},
		&connCommand{name: "reset", arity: 2, flags: f, acl: aAdmin, summary: "Clear all entries from the slow log", handler: slowlogResetCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, summary: "Show helpful text about the different subcommands", handler: slowlogHelpCmd},
	)
}

func slowlogGetCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 3 {
		c.errorReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try SLOWLOG HELP.", cString(argv[1], len(argv[1]))))
		return 0
	}
	l := &c.s.slowlog
	l.mu.Lock()
	defer l.mu.Unlock()
	count := int64(10)
	if len(argv) == 3 {
		n, ok := string2ll(argv[2])
		if !ok || n < -1 {
			c.errorReply("ERR count should be greater than or equal to -1")
			return 0
		}
		count = n
	}
	if count < 0 || count > int64(len(l.entries)) {
		count = int64(len(l.entries))
	}
	w := c.w
	w.Array(int(count))
	for i := range int(count) {
		e := l.entries[len(l.entries)-1-i]
		w.Array(6)
		w.Int(e.id)
		w.Int(e.unix)
		w.Int(e.micros)
		w.Array(len(e.argv))
		for _, a := range e.argv {
			w.Bulk(a)
		}
		w.BulkString(e.peer)
		w.BulkString(e.name)
	}
	return 0
}

func slowlogLenCmd(c *conn, argv [][]byte) Ticket {
	l := &c.s.slowlog
	l.mu.Lock()
	n := len(l.entries)
	l.mu.Unlock()
	c.w.Int(int64(n))
	return 0
}

func slowlogResetCmd(c *conn, argv [][]byte) Ticket {
	l := &c.s.slowlog
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
	c.w.OK()
	return 0
}

func slowlogHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
	return 0
}
