package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// infoStats are INFO's counters beyond serverStats' totals: per command,
// per error prefix, and the samples behind the instantaneous rates and the
// memory peak. The command path only adds to atomics and reads maps that
// never change after init; mu guards what the sampler and INFO share.
type infoStats struct {
	backend    Backend
	cmds       commandStats
	errs       errorStats
	reads      atomic.Int64  // total_reads_processed: reads from client sockets
	writes     atomic.Int64  // total_writes_processed: writes to them
	blocked    atomic.Int64  // blocked_clients: connections inside a blocking command
	startupMem uint64        // used_memory when the server was made (used_memory_startup)
	peakMem    atomic.Uint64 // used_memory_peak; CONFIG RESETSTAT keeps it, as Redis does

	mu sync.Mutex
	// rates are instantaneous_ops_per_sec, _input_kbps and _output_kbps.
	rates [3]instantMetric
	// baseline holds the backend's counters at the last CONFIG RESETSTAT:
	// the backend keeps counting from its start, INFO shows the difference.
	baseline map[string]int64
}

// Which of infoStats.rates.
const (
	rateOps = iota
	rateNetIn
	rateNetOut
)

// Sampling, as serverCron samples every 100 ms and INFO averages the
// last 16 samples (STATS_METRIC_SAMPLES): a rate over the last 1.6 s.
const (
	sampleEvery = 100 * time.Millisecond
	rateSamples = 16
)

// resettableBackendStats are the backend's stats fields Redis's CONFIG
// RESETSTAT zeroes.
var resettableBackendStats = []string{"expired_keys", "evicted_keys", "total_eviction_exceeded_time", "keyspace_hits", "keyspace_misses"}

// init prepares the counters of a new server.
func (is *infoStats) init(b Backend) {
	is.backend = b
	is.cmds = newCommandStats(b.Table())
	is.startupMem = readMemory().heapObjects
	is.peakMem.Store(is.startupMem)
	now := time.Now()
	for i := range is.rates {
		is.rates[i].lastTime = now
	}
}

// reset is CONFIG RESETSTAT's share of INFO (resetCommandTableStats,
// resetErrorTableStats, the instantaneous metrics of resetServerStats).
func (is *infoStats) reset() {
	is.cmds.reset()
	is.errs.reset()
	is.reads.Store(0)
	is.writes.Store(0)
	base := make(map[string]int64)
	for _, f := range parseInfoLines(is.backend.Info("stats")) {
		if n, err := strconv.ParseInt(f.value, 10, 64); err == nil {
			base[f.name] = n
		}
	}
	now := time.Now()
	is.mu.Lock()
	defer is.mu.Unlock()
	for i := range is.rates {
		is.rates[i] = instantMetric{lastTime: now}
	}
	is.baseline = make(map[string]int64)
	for _, name := range resettableBackendStats {
		if n, ok := base[name]; ok {
			is.baseline[name] = n
		}
	}
}

// sinceReset returns a backend counter as of the last CONFIG RESETSTAT.
// A counter below its baseline has restarted (a new backend state): it is
// shown as is.
func (is *infoStats) sinceReset(name, value string) string {
	is.mu.Lock()
	base, ok := is.baseline[name]
	is.mu.Unlock()
	n, err := strconv.ParseInt(value, 10, 64)
	if !ok || err != nil || n < base {
		return value
	}
	return strconv.FormatInt(n-base, 10)
}

// notePeak raises the memory peak to used if it is higher.
func (is *infoStats) notePeak(used uint64) {
	for {
		peak := is.peakMem.Load()
		if used <= peak || is.peakMem.CompareAndSwap(peak, used) {
			return
		}
	}
}

// instantMetric is one of Redis's instantaneous metrics
// (trackInstantaneousMetric): per-second rates sampled every 100 ms.
type instantMetric struct {
	samples   [rateSamples]int64
	next      int
	lastTime  time.Time
	lastCount int64
}

// track records the rate since the previous sample, in units per second,
// truncated as Redis's integer arithmetic truncates.
func (m *instantMetric) track(now time.Time, count int64) {
	ms := now.Sub(m.lastTime).Milliseconds()
	rate := int64(0)
	if ms > 0 {
		rate = (count - m.lastCount) * 1000 / ms
	}
	m.samples[m.next] = rate
	m.next = (m.next + 1) % rateSamples
	m.lastTime, m.lastCount = now, count
}

// value is the mean of the samples (getInstantaneousMetric).
func (m *instantMetric) value() int64 {
	var sum int64
	for _, v := range m.samples {
		sum += v
	}
	return sum / rateSamples
}

// instantaneous returns the current value of rates[which].
func (is *infoStats) instantaneous(which int) int64 {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.rates[which].value()
}

// sampleStats is the server's stats cron: every 100 ms it samples the
// rates and the memory peak, until the server closes. Close waits for it.
func (s *Server) sampleStats() {
	defer s.wg.Done()
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.sampleOnce(now)
		}
	}
}

func (s *Server) sampleOnce(now time.Time) {
	is := &s.stats.info
	is.notePeak(readHeapObjects())
	is.mu.Lock()
	is.rates[rateOps].track(now, s.stats.commands.Load())
	is.rates[rateNetIn].track(now, s.stats.netIn.Load())
	is.rates[rateNetOut].track(now, s.stats.netOut.Load())
	is.mu.Unlock()
}
