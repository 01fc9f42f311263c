package logstore

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Store's Prometheus metrics. They are always updated;
// registered only when Config.Metrics is set, and unregistered by Close so
// that a store can be reopened on the same Registerer.
type metrics struct {
	reg        prometheus.Registerer // nil: nothing registered
	collectors []prometheus.Collector

	applySeconds    prometheus.Histogram // one observation per Apply
	fsyncSeconds    prometheus.Histogram // one observation per successful Sync
	logs            prometheus.Gauge     // set by Apply, Open and Restore
	bytes           prometheus.Gauge     // set by Apply, Open and Restore
	recordsAppended prometheus.Counter   // added once per Apply
	recentBytes     prometheus.Gauge     // set with the size gauges
	recentReads     prometheus.Counter   // Reads served from recent records
}

// newMetrics builds the store's metrics and registers them with reg (nil:
// no registration, the updates cost the same and go nowhere).
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		reg: reg,
		applySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_logstore_apply_seconds",
			Help:    "Time to apply one raft entry to the store (page-cache writes, no fsync).",
			Buckets: prometheus.ExponentialBuckets(10e-6, 2, 16), // 10µs .. 0.33s
		}),
		fsyncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_logstore_fsync_seconds",
			Help:    "Time of one Sync: fsync of the segments written since the last one, then META.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 18), // 100µs .. 13s
		}),
		logs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "quorumlog_logstore_logs",
			Help: "Number of logs in the store.",
		}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "quorumlog_logstore_bytes",
			Help: "Bytes of segment files held by the store (trimmed segments leave it when trimmed, their files at the next Sync).",
		}),
		recordsAppended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorumlog_logstore_records_appended_total",
			Help: "Records appended by Apply.",
		}),
	}
	m.recentBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "quorumlog_logstore_recent_bytes",
		Help: "Payload bytes of the recent records kept in memory for the followers of logs (see recentStoreBudget).",
	})
	m.recentReads = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "quorumlog_logstore_recent_reads_total",
		Help: "Reads served from a followed log's recent records in memory instead of its segment files.",
	})
	m.collectors = []prometheus.Collector{m.applySeconds, m.fsyncSeconds, m.logs, m.bytes, m.recordsAppended, m.recentBytes, m.recentReads}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range m.collectors[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("logstore: register metrics: %w", err)
		}
	}
	return m, nil
}

// unregister removes the metrics from the Registerer they were registered with.
func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

// observeApply records one successful Apply that appended records.
func (m *metrics) observeApply(start time.Time, records int) {
	m.applySeconds.Observe(time.Since(start).Seconds())
	if records > 0 {
		m.recordsAppended.Add(float64(records))
	}
}

// setSizeLocked updates the size gauges from s. Called with s.mu held.
func (s *Store) setSizeLocked() {
	s.metrics.logs.Set(float64(len(s.logs)))
	s.metrics.bytes.Set(float64(s.bytes))
	s.metrics.recentBytes.Set(float64(s.recentBytes))
}
