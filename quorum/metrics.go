package quorum

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Node's Prometheus metrics. They are always updated;
// registered only when Config.Metrics is set, and unregistered by Close so
// that a node can be reopened on the same Registerer. The node passes the
// same Registerer to its logstore (quorumlog_logstore_*).
type metrics struct {
	reg        prometheus.Registerer // nil: nothing registered
	collectors []prometheus.Collector

	// node is set once raft runs; the func-valued metrics read it (0 before).
	node atomic.Pointer[Node]

	commitSeconds    prometheus.Histogram // per raft entry: raft.Apply to result
	batchRecords     prometheus.Histogram // per raft entry
	batchOperations  prometheus.Histogram // per raft entry
	leaderChanges    prometheus.Counter
	readIndexSeconds prometheus.Histogram
}

// latencyBuckets span 100µs to 6.5s.
var latencyBuckets = prometheus.ExponentialBuckets(100e-6, 2, 17)

// newMetrics builds the node's metrics and registers them with reg (nil: no
// registration, the updates cost the same and go nowhere).
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		reg: reg,
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_quorum_commit_seconds",
			Help:    "Time from raft.Apply of an entry to its result (committed and applied on the leader), per entry.",
			Buckets: latencyBuckets,
		}),
		batchRecords: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_quorum_batch_records",
			Help:    "Records per proposed raft entry (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12), // 1 .. 2048
		}),
		batchOperations: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_quorum_batch_operations",
			Help:    "Operations (appends, creates, trims, ...) per proposed raft entry.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		leaderChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "quorumlog_quorum_leader_changes_total",
			Help: "Times this node learned of a new leader.",
		}),
		readIndexSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "quorumlog_quorum_read_index_seconds",
			Help:    "Time to obtain a read index on the leader (barrier once per term, then a VerifyLeader round).",
			Buckets: latencyBuckets,
		}),
	}
	gauge := func(name, help string, f func(n *Node) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, m.read(f))
	}
	counter := func(name, help string, f func(n *Node) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, m.read(f))
	}
	m.collectors = []prometheus.Collector{
		m.commitSeconds, m.batchRecords, m.batchOperations, m.leaderChanges, m.readIndexSeconds,
		gauge("quorumlog_quorum_proposals_queued", "Proposals waiting for the sequencer.",
			func(n *Node) float64 { return float64(len(n.queue)) }),
		gauge("quorumlog_quorum_is_leader", "1 if this node is the raft leader, else 0.",
			func(n *Node) float64 { return boolFloat(n.raft.State() == raft.Leader) }),
		gauge("quorumlog_quorum_applied_index", "Index of the last raft entry applied to the logstore.",
			func(n *Node) float64 { return float64(n.store.AppliedIndex()) }),
		gauge("quorumlog_quorum_commit_index", "Index of the last raft entry known to be committed.",
			func(n *Node) float64 { return float64(n.raft.CommitIndex()) }),
		counter("quorumlog_quorum_snapshots_total", "Snapshots this node has taken (logstore Syncs) since it opened.",
			func(n *Node) float64 { return float64(n.snapshotsTaken.Load()) }),
		counter("quorumlog_quorum_snapshots_installed_total", "Snapshots from a leader this node has installed since it opened.",
			func(n *Node) float64 { return float64(n.snapshotsInstalled.Load()) }),
	}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range m.collectors[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("quorum: register metrics: %w", err)
		}
	}
	return m, nil
}

// read adapts f to a metric function that reports 0 until the node runs.
func (m *metrics) read(f func(n *Node) float64) func() float64 {
	return func() float64 {
		if n := m.node.Load(); n != nil {
			return f(n)
		}
		return 0
	}
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

// observeEntry records one committed entry that started at start and
// carried records records in operations operations.
func (m *metrics) observeEntry(start time.Time, records, operations int) {
	m.commitSeconds.Observe(time.Since(start).Seconds())
	m.batchRecords.Observe(float64(records))
	m.batchOperations.Observe(float64(operations))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// watchLeader counts leader changes until the node closes. Started by Open
// with n.wg; raft never blocks on the observer (it drops when the buffer is
// full, which a leader change every few milliseconds would need).
func (n *Node) watchLeader(ch <-chan raft.Observation) {
	defer n.wg.Done()
	for {
		select {
		case o := <-ch:
			if lo, ok := o.Data.(raft.LeaderObservation); ok && lo.LeaderID != "" {
				n.metrics.leaderChanges.Inc()
			}
		case <-n.closing:
			return
		}
	}
}

func isLeaderObservation(o *raft.Observation) bool {
	_, ok := o.Data.(raft.LeaderObservation)
	return ok
}
