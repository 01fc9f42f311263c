package quorum_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// sample returns the sample of family name whose "node" label is node, or
// nil. A counter's or gauge's value is Value(), a histogram's count and sum
// are in GetHistogram().
func sample(t *testing.T, g prometheus.Gatherer, name, node string) *dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "node" && l.GetValue() == node {
					return m
				}
			}
		}
	}
	return nil
}

// value is a counter's or gauge's value, or -1 when the sample is missing.
func value(m *dto.Metric) float64 {
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	return -1
}

func TestNode_MetricsOfThreeNodesInOneRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{Configure: func(cfg *quorum.Config) {
		// As `quorumlogd dev` does: one registry, a node label per node.
		cfg.Metrics = prometheus.WrapRegistererWith(prometheus.Labels{"node": cfg.ID}, reg)
	}})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "m"})
	for i := range 5 {
		mustPropose(t, c, quorumtest.AppendOp("m", fmt.Appendf(nil, "a%d", i), fmt.Appendf(nil, "b%d", i)))
	}
	c.WaitConverged()
	li := c.Leader()
	leader := c.Node(li)
	if _, err := leader.ReadIndex(t.Context()); err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}

	id := leader.ID()
	if h := sample(t, reg, "quorumlog_quorum_batch_records", id).GetHistogram(); h.GetSampleCount() == 0 || h.GetSampleSum() < 10 {
		t.Errorf("leader batch_records: count %d sum %v, want count > 0 and sum >= 10", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, name := range []string{"quorumlog_quorum_commit_seconds", "quorumlog_quorum_batch_operations", "quorumlog_quorum_read_index_seconds"} {
		if n := sample(t, reg, name, id).GetHistogram().GetSampleCount(); n == 0 {
			t.Errorf("leader %s has no observations", name)
		}
	}
	if got := value(sample(t, reg, "quorumlog_quorum_leader_changes_total", id)); got < 1 {
		t.Errorf("leader leader_changes_total = %v, want >= 1", got)
	}
	for i := range c.Size() {
		n := c.Node(i)
		wantLeader := 0.0
		if i == li {
			wantLeader = 1
		}
		// Read before the gauge is: an entry may apply in between (the
		// gauge reads the same index when gathered), never the other way.
		applied := n.Store().AppliedIndex()
		checks := []struct {
			name string
			ok   func(float64) bool
			want string
		}{
			{"quorumlog_quorum_is_leader", func(v float64) bool { return v == wantLeader }, fmt.Sprint(wantLeader)},
			{"quorumlog_quorum_applied_index", func(v float64) bool { return v >= float64(applied) && v > 0 }, fmt.Sprintf(">= %d and > 0", applied)},
			{"quorumlog_quorum_commit_index", func(v float64) bool { return v > 0 }, "> 0"},
			{"quorumlog_quorum_proposals_queued", func(v float64) bool { return v == 0 }, "0"},
			{"quorumlog_logstore_records_appended_total", func(v float64) bool { return v >= 10 }, ">= 10"},
			{"quorumlog_logstore_logs", func(v float64) bool { return v >= 1 }, ">= 1"},
			{"quorumlog_logstore_bytes", func(v float64) bool { return v > 0 }, "> 0"},
			{"quorumlog_quorum_snapshots_total", func(v float64) bool { return v >= 0 }, "present"},
		}
		for _, ch := range checks {
			if got := value(sample(t, reg, ch.name, n.ID())); !ch.ok(got) {
				t.Errorf("%s{node=%q} = %v, want %s", ch.name, n.ID(), got, ch.want)
			}
		}
		if n := sample(t, reg, "quorumlog_logstore_apply_seconds", n.ID()).GetHistogram().GetSampleCount(); n == 0 {
			t.Errorf("node %d: logstore apply_seconds has no observations", i)
		}
	}

	// Close unregisters, so a node reopens on the same registry.
	follower := (li + 1) % 3
	c.Restart(follower)
	c.WaitConverged()
	if got := value(sample(t, reg, "quorumlog_logstore_logs", c.Node(follower).ID())); got < 1 {
		t.Errorf("restarted follower: logstore_logs = %v, want >= 1", got)
	}
}

func TestNode_MetricsCollideWithoutNodeLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	open := func(id string) (*quorum.Node, error) {
		_, tr := raft.NewInmemTransport(raft.ServerAddress(id))
		return quorum.Open(quorum.Config{ID: id, Zone: "a", DataDir: t.TempDir(), Transport: tr, Metrics: reg})
	}
	n1, err := open("n1")
	if err != nil {
		t.Fatalf("Open(n1) = %v", err)
	}
	defer n1.Close()
	n2, err := open("n2")
	var are prometheus.AlreadyRegisteredError
	if err == nil || !errors.As(err, &are) || !strings.Contains(err.Error(), "quorum: register metrics") {
		if n2 != nil {
			n2.Close()
		}
		t.Fatalf("second Open on the same registry = %v, want an AlreadyRegisteredError", err)
	}
	// Closing n1 frees the names.
	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	n2, err = open("n2")
	if err != nil {
		t.Fatalf("Open(n2) after closing n1 = %v", err)
	}
	if err := n2.Close(); err != nil {
		t.Fatal(err)
	}
}
