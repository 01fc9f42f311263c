package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// INFO commandstats, latencystats and errorstats: what Redis 7.0 counts in
// call() and afterErrorReply, counted here by recordCall once dispatch has
// run a request.
//
// The rules, as redis-server 7.0.15 applies them (info_test.go checks them
// against it):
//   - calls, usec and the latency histogram count commands that ran,
//     including each command EXEC runs; not commands queued by MULTI, not
//     rejected ones. total_commands_processed counts the same.
//   - rejected_calls counts commands refused before running: arity,
//     NOAUTH, MOVED, CLUSTERDOWN, READONLY, a queued command's arity.
//     Unknown commands and subcommands belong to no command.
//   - failed_calls counts commands that ran and replied an error; an error
//     inside EXEC's array fails the command that made it, not EXEC.
//   - Every error reply counts in total_error_replies and under its prefix
//     in errorstats, protocol errors and MOVED included.

// commandStat is one command's (or subcommand's) counters. The command
// path only adds to them.
type commandStat struct {
	name     string // "get", "client|id": Redis's fullname
	calls    atomic.Int64
	nanos    atomic.Int64 // time spent running, for usec
	rejected atomic.Int64
	failed   atomic.Int64
	// latency is allocated by the first call, as Redis allocates a
	// command's histogram, so that unused commands cost 8 bytes, not
	// 24 KiB; CONFIG RESETSTAT drops it.
	latency atomic.Pointer[latencyHistogram]
}

func (st *commandStat) histogram() *latencyHistogram {
	if h := st.latency.Load(); h != nil {
		return h
	}
	h := new(latencyHistogram)
	if !st.latency.CompareAndSwap(nil, h) {
		if cur := st.latency.Load(); cur != nil {
			return cur
		}
	}
	return h
}

func (st *commandStat) reset() {
	st.calls.Store(0)
	st.nanos.Store(0)
	st.rejected.Store(0)
	st.failed.Store(0)
	st.latency.Store(nil)
}

// commandStats finds a command's counters from the table entry dispatch
// resolved: the maps are keyed by entry pointer and never change after
// newCommandStats, so the command path reads them without a lock and
// without hashing a name.
type commandStats struct {
	conn map[*connCommand]*commandStat
	data map[*engine.Command]*commandStat
	all  []*commandStat // INFO's order: by name, subcommands after their command
}

func newCommandStats(table engine.Table) commandStats {
	cs := commandStats{conn: make(map[*connCommand]*commandStat), data: make(map[*engine.Command]*commandStat)}
	add := func(name string) *commandStat {
		st := &commandStat{name: name}
		cs.all = append(cs.all, st)
		return st
	}
	for _, cc := range connTable {
		cs.conn[cc] = add(cc.name)
		for _, sub := range cc.subs {
			cs.conn[sub] = add(sub.name)
		}
	}
	for _, dc := range table {
		if cc := connTable[dc.Name]; cc != nil {
			// Lookup never finds dc, but returns those of its subcommands
			// the server's entry hands to the engine (inEngine): they
			// count under that entry's name.
			for name, sub := range dc.Subcommands {
				if csub := cc.subs[name]; csub != nil && csub.inEngine {
					cs.data[sub] = cs.conn[csub]
				}
			}
			continue
		}
		cs.data[dc] = add(dc.Name)
		for _, sub := range dc.Subcommands {
			cs.data[sub] = add(sub.Name)
		}
	}
	// "client|id" sorts after "client" and before "clientx" ('|' > 'z'
	// would put it after): compare the parts.
	slices.SortFunc(cs.all, func(a, b *commandStat) int {
		ap, as, _ := strings.Cut(a.name, "|")
		bp, bs, _ := strings.Cut(b.name, "|")
		if c := strings.Compare(ap, bp); c != 0 {
			return c
		}
		return strings.Compare(as, bs)
	})
	return cs
}

func (cs *commandStats) of(cc *connCommand, dc *engine.Command) *commandStat {
	if cc != nil {
		return cs.conn[cc]
	}
	if dc != nil {
		return cs.data[dc]
	}
	return nil
}

// named returns the counters LATENCY HISTOGRAM shows for a command name
// (lookupCommandBySds: "config|set" names a subcommand): the command's, if
// it has run, then those of its subcommands that have. An unknown name
// has none.
func (cs *commandStats) named(name string) []*commandStat {
	var out []*commandStat
	for _, st := range cs.all {
		if st.latency.Load() == nil {
			continue
		}
		if st.name == name || (!strings.Contains(name, "|") && strings.HasPrefix(st.name, name+"|")) {
			out = append(out, st)
		}
	}
	return out
}

// isFast reports whether a command is flagged fast (the latency monitor's
// "fast-command" event).
func isFast(cc *connCommand, dc *engine.Command) bool {
	if cc != nil {
		return hasFlag(cc.flags, "fast")
	}
	return dc != nil && hasFlag(dc.Flags, engine.FlagFast)
}

func (cs *commandStats) reset() {
	for _, st := range cs.all {
		st.reset()
	}
}

// errorStats counts error replies by prefix (errorstats). The map is
// copied on insert and swapped in, so counting a known prefix takes no
// lock; Redis 7.0 sets no bound on the prefixes, and memshard's come from
// its own fixed messages.
type errorStats struct {
	mu     sync.Mutex // serialises inserts and reset
	counts atomic.Pointer[map[string]*atomic.Int64]
}

func (es *errorStats) add(prefix []byte) {
	if m := es.counts.Load(); m != nil {
		if n := (*m)[string(prefix)]; n != nil {
			n.Add(1)
			return
		}
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	old := es.counts.Load()
	m := make(map[string]*atomic.Int64)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	n := m[string(prefix)]
	if n == nil {
		n = new(atomic.Int64)
		m[string(prefix)] = n
	}
	n.Add(1)
	es.counts.Store(&m)
}

func (es *errorStats) reset() {
	es.mu.Lock()
	es.counts.Store(nil)
	es.mu.Unlock()
}

// errorPrefix is the errorstats key of an error reply ("-CODE message\r\n"):
// the code, when a space ends it within the first 32 bytes, else ERR
// (afterErrorReply).
func errorPrefix(reply []byte) []byte {
	end := min(len(reply), 32)
	for i := 1; i < end; i++ {
		switch reply[i] {
		case ' ':
			return reply[1:i]
		case '\r':
			end = i
		}
	}
	return prefixERR
}

// prefixERR is errorPrefix's fallback; never written.
var prefixERR = []byte("ERR")

// callOutcome is what dispatch did with a request.
type callOutcome uint8

const (
	callNone     callOutcome = iota // no command ran or was refused: unknown, HTTP, closing
	callRejected                    // refused before running
	callQueued                      // queued by MULTI
	callRan
)

// callInfo is what recordCall needs to know of one request: dispatch
// fills it in.
type callInfo struct {
	outcome   callOutcome
	cc        *connCommand
	dc        *engine.Command
	argv      [][]byte      // the request
	queued    [][][]byte    // for EXEC, the transaction it ran
	replyFrom int           // where the request's reply starts in c.w
	start     time.Time     // when the command started, once looked up
	blocked   time.Duration // how long a blocking command waited: not its run time
}

// recordCall counts one request after dispatch: its command's counters,
// and the errors its reply holds. With the clock read that times the
// command, it is the whole of INFO's cost on the command path: atomic
// adds, a pointer-keyed map read, no allocation, no lock.
func (c *conn) recordCall(call *callInfo) {
	is := &c.s.stats.info
	reply := c.w.Bytes()
	reply = reply[min(call.replyFrom, len(reply)):]
	isErr := len(reply) > 0 && reply[0] == '-'
	counted, nestedErr := c.scriptReplyErrors(call.argv)
	if isErr && !counted {
		c.s.countError(reply)
	}
	st := is.cmds.of(call.cc, call.dc)
	switch call.outcome {
	case callRejected:
		if st != nil {
			st.rejected.Add(1)
		}
	case callRan:
		if call.cc != nil && call.cc.monitored() {
			c.s.feedMonitors(c, call.argv, false, c.redacted) // data commands: the backend feeds them
		}
		c.s.stats.commands.Add(1)
		if st == nil {
			return
		}
		took := time.Since(call.start) - call.blocked
		if call.cc == nil || !hasFlag(call.cc.flags, "skip_slowlog") {
			c.maybeLog(call.argv, c.redacted, took)
		}
		c.sampleLatency(isFast(call.cc, call.dc), took)
		st.calls.Add(1)
		st.nanos.Add(int64(took))
		st.histogram().record(int64(took))
		if isErr || nestedErr {
			st.failed.Add(1)
		}
		if len(call.queued) > 0 && len(reply) > 0 && reply[0] == '*' {
			c.recordExec(call.queued, reply, took)
		}
	}
}

// recordExec counts the commands EXEC ran, from EXEC's array of their
// replies. The backend runs them in one call, so each is given an equal
// share of EXEC's time: their own times are not observable, and the
// shares add up to the time spent.
func (c *conn) recordExec(queued [][][]byte, reply []byte, took time.Duration) {
	defer func() { c.execRedact = nil }()
	replies, ok := splitArray(reply, len(queued))
	if !ok {
		return
	}
	cs := &c.s.stats.info.cmds
	share := int64(took) / int64(len(queued))
	for i, argv := range queued {
		c.s.stats.commands.Add(1)
		isErr := replies[i][0] == '-'
		counted, nestedErr := c.scriptReplyErrors(argv)
		if isErr && !counted {
			c.s.countError(replies[i])
		}
		var redacted []int
		if i < len(c.execRedact) {
			redacted = c.execRedact[i]
		}
		c.maybeLog(argv, redacted, time.Duration(share))
		cc := c.queuedConnCommand(argv)
		var dc *engine.Command
		if cc == nil {
			dc, _ = c.s.backend.Table().Resolve(argv)
		}
		c.sampleLatency(isFast(cc, dc), time.Duration(share))
		st := cs.of(cc, dc)
		if st == nil {
			continue
		}
		st.calls.Add(1)
		st.nanos.Add(share)
		st.histogram().record(share)
		if isErr || nestedErr {
			st.failed.Add(1)
		}
	}
}

// countError counts one error reply: total_error_replies and errorstats.
func (s *Server) countError(reply []byte) {
	s.stats.errors.Add(1)
	s.stats.info.errs.add(errorPrefix(reply))
}

// fields renders INFO commandstats.
func (cs *commandStats) fields() []infoField {
	var out []infoField
	for _, st := range cs.all {
		calls, rejected, failed := st.calls.Load(), st.rejected.Load(), st.failed.Load()
		if calls == 0 && rejected == 0 && failed == 0 {
			continue
		}
		usec := st.nanos.Load() / 1000
		perCall := float32(0)
		if calls != 0 {
			perCall = float32(usec) / float32(calls) // Redis divides in float
		}
		out = append(out, infoField{"cmdstat_" + infoSafe(st.name), fmt.Sprintf(
			"calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			calls, usec, perCall, rejected, failed)})
	}
	return out
}

// latencyFields renders INFO latencystats: the percentiles ps of the
// commands that have run since start or CONFIG RESETSTAT, in microseconds
// with three decimals.
func (cs *commandStats) latencyFields(ps []latencyPercentile) []infoField {
	var out []infoField
	var snap histSnapshot
	for _, st := range cs.all {
		h := st.latency.Load()
		if h == nil {
			continue
		}
		h.snapshot(&snap)
		var b strings.Builder
		for i, lp := range ps {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "p%s=%.3f", lp.label, float64(snap.valueAt(lp.p))/1000)
		}
		out = append(out, infoField{"latency_percentiles_usec_" + infoSafe(st.name), b.String()})
	}
	return out
}

// fields renders INFO errorstats, by prefix in byte order (Redis keeps
// them in a radix tree).
func (es *errorStats) fields() []infoField {
	m := es.counts.Load()
	if m == nil {
		return nil
	}
	names := make([]string, 0, len(*m))
	for k := range *m {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]infoField, 0, len(names))
	for _, k := range names {
		out = append(out, infoField{"errorstat_" + infoSafe(k), "count=" + strconv.FormatInt((*m)[k].Load(), 10)})
	}
	return out
}

// infoSafe replaces the characters that would break INFO's format, as
// getSafeInfoString does.
func infoSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '#', ':', '\n', '\r':
			return '_'
		}
		return r
	}, s)
}
