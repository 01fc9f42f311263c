package logstore

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gathered returns the value of the single sample of family name in reg: a
// counter's or gauge's value, a histogram's sample count; -1 if absent.
func gathered(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// checkSizeMetrics checks the size gauges against what List reports.
func checkSizeMetrics(t *testing.T, reg prometheus.Gatherer, s *Store, when string) {
	t.Helper()
	var total uint64
	infos := s.List()
	for _, in := range infos {
		total += in.Bytes
	}
	if got := gathered(t, reg, "quorumlog_logstore_logs"); got != float64(len(infos)) {
		t.Errorf("%s: logs gauge = %v, want %d", when, got, len(infos))
	}
	if got := gathered(t, reg, "quorumlog_logstore_bytes"); got != float64(total) {
		t.Errorf("%s: bytes gauge = %v, want %d (sum of Info.Bytes)", when, got, total)
	}
}

func TestStore_Metrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	cfg := testConfig(t)
	cfg.SegmentBytes = 1000
	cfg.Metrics = reg
	s := mustOpen(t, cfg)
	checkSizeMetrics(t, reg, s, "empty")

	mustApply(t, s, 1, createOp("a"), createOp("b"), createOp("c"))
	for i := range 5 { // a spans several segments
		mustApply(t, s, uint64(2+i), appendOp("a", uint64(i*10), 10, 100-frameHeaderLen), stringsOp("b", "x"))
	}
	failed := Op{Kind: OpAppend, Log: "b", Conditional: true, ExpectedLastID: 99, Records: []Record{rec([]byte("no"))}}
	mustApply(t, s, 7, failed, stringsOp("c", "y", "z"))
	checkSizeMetrics(t, reg, s, "after appends")
	if got, want := gathered(t, reg, "quorumlog_logstore_records_appended_total"), 5*11+2.0; got != want {
		t.Errorf("records_appended_total = %v, want %v (a failed condition appends nothing)", got, want)
	}
	if got := gathered(t, reg, "quorumlog_logstore_apply_seconds"); got != 7 {
		t.Errorf("apply_seconds count = %v, want 7 (one per Apply)", got)
	}

	mustApply(t, s, 8, trimOp("a", 35), deleteOp("c"))
	checkSizeMetrics(t, reg, s, "after trim and delete")
	if got := gathered(t, reg, "quorumlog_logstore_fsync_seconds"); got != 0 {
		t.Errorf("fsync_seconds count before Sync = %v, want 0", got)
	}
	mustSync(t, s)
	if got := gathered(t, reg, "quorumlog_logstore_fsync_seconds"); got != 1 {
		t.Errorf("fsync_seconds count = %v, want 1 (one per Sync)", got)
	}
	_, img := exportBytes(t, s)

	// Close unregisters; a reopened store registers again and starts from
	// what it recovered.
	s.Close()
	if got := gathered(t, reg, "quorumlog_logstore_logs"); got != -1 {
		t.Errorf("logs gauge after Close = %v, want unregistered", got)
	}
	s = mustOpen(t, cfg)
	checkSizeMetrics(t, reg, s, "after reopen")
	if got := gathered(t, reg, "quorumlog_logstore_records_appended_total"); got != 0 {
		t.Errorf("records_appended_total after reopen = %v, want 0", got)
	}

	other := testConfig(t)
	other.Metrics = prometheus.NewPedanticRegistry()
	if _, err := Open(Config{Dir: t.TempDir(), Metrics: reg}); err == nil {
		t.Errorf("a second store on the same registry opened; want a registration error")
	}
	r := mustOpen(t, other)
	mustApply(t, r, 1, createOp("z"))
	if err := r.Restore(bytes.NewReader(img)); err != nil {
		t.Fatalf("Restore = %v", err)
	}
	checkSizeMetrics(t, other.Metrics.(prometheus.Gatherer), r, "after restore")
}
