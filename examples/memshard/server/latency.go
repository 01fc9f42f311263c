package server

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// LATENCY LATEST|HISTORY|RESET|GRAPH|DOCTOR|HISTOGRAM|HELP, as Redis
// 7.0.15 answers them (latency.c, sparkline.c).
//
// The latency monitor is off until latency-monitor-threshold (ms) is set.
// Then every command that ran for at least that long is a sample of the
// event "fast-command" (commands flagged fast) or "command" (the others),
// as Redis's call() samples them; the events Redis samples in its
// persistence, expiry and eviction code have no counterpart here. Each
// event keeps one sample a second (the highest), the last 160, and its
// all-time high. HISTOGRAM reads the per-command histograms of INFO
// latencystats.

const (
	latencyTSLen     = 160 // LATENCY_TS_LEN
	latencyGraphCols = 80  // LATENCY_GRAPH_COLS
)

type latencySample struct {
	unix int64 // 0: an empty slot
	ms   int64
}

// latencySeries is one event's samples, a ring (latencyTimeSeries).
type latencySeries struct {
	idx     int
	max     int64
	samples [latencyTSLen]latencySample
}

// latencyMonitor holds the events sampled so far, in the order they first
// happened (Redis lists them in its dict's order, which is no order).
type latencyMonitor struct {
	mu     sync.Mutex
	names  []string
	events map[string]*latencySeries
}

// add records a sample of ms for event at unix (latencyAddSample).
func (m *latencyMonitor) add(event string, ms, unix int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[event]
	if ts == nil {
		if m.events == nil {
			m.events = make(map[string]*latencySeries)
		}
		ts = new(latencySeries)
		m.events[event] = ts
		m.names = append(m.names, event)
	}
	ts.max = max(ts.max, ms)
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.unix == unix { // one sample a second: the highest
		prev.ms = max(prev.ms, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{unix: unix, ms: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// ordered returns the series' samples, oldest first.
func (ts *latencySeries) ordered() []latencySample {
	var out []latencySample
	for j := range latencyTSLen {
		if s := ts.samples[(ts.idx+j)%latencyTSLen]; s.unix != 0 {
			out = append(out, s)
		}
	}
	return out
}

// sampleLatency samples a command that ran for took, if the monitor is on.
func (c *conn) sampleLatency(fast bool, took time.Duration) {
	th := c.s.config.latencyThreshold.Load()
	if ms := took.Milliseconds(); th > 0 && ms >= th {
		event := "command"
		if fast {
			event = "fast-command"
		}
		c.s.latency.add(event, ms, time.Now().Unix())
	}
}

func latencySubcommands() map[string]*connCommand {
	f := []string{"admin", "noscript", "loading", "stale"}
	return subTable(
		&connCommand{name: "latest", arity: 2, flags: f, acl: aAdmin, summary: "Return the latest latency samples for all events.", handler: latencyLatestCmd},
		&connCommand{name: "history", arity: 3, flags: f, acl: aAdmin, summary: "Return timestamp-latency samples for an event.", handler: latencyHistoryCmd},
		&connCommand{name: "reset", arity: -2, flags: f, acl: aAdmin, summary: "Reset latency data for one or more events.", handler: latencyResetCmd},
		&connCommand{name: "graph", arity: 3, flags: f, acl: aAdmin, summary: "Return a latency graph for an event.", handler: latencyGraphCmd},
		&connCommand{name: "doctor", arity: 2, flags: f, acl: aAdmin, summary: "Return a human-readable latency analysis report.", handler: latencyDoctorCmd},
		&connCommand{name: "histogram", arity: -2, flags: f, acl: aAdmin, summary: "Return the cumulative distribution of latencies of a subset or all commands.", handler: latencyHistogramCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, summary: "Show helpful text about the different subcommands.", handler: latencyHelpCmd},
	)
}

func latencyLatestCmd(c *conn, argv [][]byte) Ticket {
	m := &c.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	c.w.Array(len(m.names))
	for _, name := range m.names {
		ts := m.events[name]
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		c.w.Array(4)
		c.w.BulkString(name)
		c.w.Int(last.unix)
		c.w.Int(last.ms)
		c.w.Int(ts.max)
	}
	return 0
}

func latencyHistoryCmd(c *conn, argv [][]byte) Ticket {
	m := &c.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[string(argv[2])]
	if ts == nil {
		c.w.Array(0)
		return 0
	}
	samples := ts.ordered()
	c.w.Array(len(samples))
	for _, s := range samples {
		c.w.Array(2)
		c.w.Int(s.unix)
		c.w.Int(s.ms)
	}
	return 0
}

// latencyResetCmd resets the events named (matched without case, as
// Redis's strcasecmp does), or all of them.
func latencyResetCmd(c *conn, argv [][]byte) Ticket {
	m := &c.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	resets := 0
	drop := func(match func(string) bool) {
		kept := m.names[:0]
		for _, name := range m.names {
			if match(name) {
				delete(m.events, name)
				resets++
			} else {
				kept = append(kept, name)
			}
		}
		m.names = kept
	}
	if len(argv) == 2 {
		drop(func(string) bool { return true })
	}
	for _, a := range argv[2:] {
		drop(func(name string) bool { return strings.EqualFold(name, string(a)) })
	}
	c.w.Int(int64(resets))
	return 0
}

func latencyGraphCmd(c *conn, argv [][]byte) Ticket {
	m := &c.s.latency
	m.mu.Lock()
	ts := m.events[string(argv[2])]
	var graph string
	if ts != nil {
		graph = latencyGraph(string(argv[2]), ts, time.Now().Unix())
	}
	m.mu.Unlock()
	if ts == nil {
		c.errorReply(fmt.Sprintf("ERR No samples available for event '%s'", cString(argv[2], len(argv[2]))))
		return 0
	}
	c.verbatim(graph)
	return 0
}

// latencyGraph is latencyCommandGenSparkeline: a header, a rule, and the
// samples as a 4-row sparkline labelled with how long ago each was.
func latencyGraph(event string, ts *latencySeries, now int64) string {
	var seq sparkline
	var lo, hi int64
	for i, s := range ts.ordered() {
		if i == 0 {
			lo, hi = s.ms, s.ms
		}
		lo, hi = min(lo, s.ms), max(hi, s.ms)
		elapsed := now - s.unix
		var label string
		switch {
		case elapsed < 60:
			label = fmt.Sprintf("%ds", elapsed)
		case elapsed < 3600:
			label = fmt.Sprintf("%dm", elapsed/60)
		case elapsed < 3600*24:
			label = fmt.Sprintf("%dh", elapsed/3600)
		default:
			label = fmt.Sprintf("%dd", elapsed/(3600*24))
		}
		seq.add(float64(s.ms), label)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, ts.max)
	b.WriteString(strings.Repeat("-", latencyGraphCols))
	b.WriteString("\n")
	seq.render(&b, latencyGraphCols, 4)
	return b.String()
}

func latencyDoctorCmd(c *conn, argv [][]byte) Ticket {
	m := &c.s.latency
	m.mu.Lock()
	report := c.s.latencyReport(time.Now().Unix())
	m.mu.Unlock()
	c.verbatim(report)
	return 0
}

// latencyReport is createLatencyReport, for the events memshard samples:
// each event's statistics, then advice. m.mu is held.
func (s *Server) latencyReport(now int64) string {
	m := &s.latency
	threshold := s.config.latencyThreshold.Load()
	if len(m.names) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	advices := 0
	var slowlogEnabled, slowlogTuning, slowlogInspect, scheduler, largeObjects, disableTHP bool
	for i, name := range m.names {
		ts := m.events[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		st := analyzeLatency(ts, now)
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			i+1, name, st.samples, st.avg, st.mad, float64(st.period)/float64(st.samples), ts.max)
		switch strings.ToLower(name) {
		case "command":
			switch slower := s.config.slowlogSlower.Load(); {
			case slower < 0:
				slowlogEnabled = true
				advices++
			case slower/1000 > threshold:
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		}
		b.WriteString("\n")
	}
	if anonHugePages() > 0 {
		disableTHP = true
		advices++
	}
	switch {
	case len(m.names) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case len(m.names) > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogEnabled {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold*1000)
		}
		if slowlogTuning {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", threshold*1000)
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if disableTHP {
			b.WriteString("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n")
		}
	}
	return b.String()
}

// latencyStats is what DOCTOR reports of an event's samples (Redis's
// latencyStats also has min and max, which its report does not print).
type latencyStats struct {
	samples  int64
	avg, mad int64 // mean, and mean absolute deviation from it, in ms
	period   int64 // seconds since the oldest sample (at least 1)
}

// analyzeLatency is analyzeLatencyForEvent.
func analyzeLatency(ts *latencySeries, now int64) (st latencyStats) {
	samples := ts.ordered()
	if len(samples) == 0 {
		return st
	}
	var sum int64
	oldest := samples[0].unix
	for _, s := range samples {
		sum += s.ms
		oldest = min(oldest, s.unix)
	}
	st.samples = int64(len(samples))
	st.avg = sum / st.samples
	st.period = max(now-oldest, 1)
	var dev int64
	for _, s := range samples {
		d := st.avg - s.ms
		dev += max(d, -d)
	}
	st.mad = dev / st.samples
	return st
}

// anonHugePages is THPGetAnonHugePagesSize: the process's anonymous huge
// pages, in kB (0 if it cannot tell). A variable so that a test can ask
// about redis-server's process instead.
var anonHugePages = func() int64 { return anonHugePagesOf("/proc/self/smaps_rollup") }

// anonHugePagesOf reads the AnonHugePages line of an smaps_rollup file.
func anonHugePagesOf(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

func latencyHistogramCmd(c *conn, argv [][]byte) Ticket {
	cs := &c.s.stats.info.cmds
	var stats []*commandStat
	if len(argv) == 2 {
		for _, st := range cs.all {
			if st.latency.Load() != nil {
				stats = append(stats, st)
			}
		}
	} else {
		for _, name := range argv[2:] {
			stats = append(stats, cs.named(strings.ToLower(string(name)))...)
		}
	}
	c.w.Map(len(stats))
	var snap histSnapshot
	for _, st := range stats {
		st.latency.Load().snapshot(&snap)
		c.w.BulkString(st.name)
		c.w.Map(2)
		c.w.BulkString("calls")
		c.w.Int(int64(snap.total))
		c.w.BulkString("histogram_usec")
		cdf := snap.cdf()
		c.w.Map(len(cdf))
		for _, p := range cdf {
			c.w.Int(p[0])
			c.w.Int(p[1])
		}
	}
	return 0
}

func latencyHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
	return 0
}
