package logstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStore_ConditionalAppend(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("a"), stringsOp("a", "x", "y"))
	before, _ := s.Describe("a")

	op := stringsOp("a", "z")
	op.Conditional, op.ExpectedLastID = true, 1
	res := mustApply(t, s, 2, op)
	var ce *ConditionError
	if !errors.As(res[0].Err, &ce) || !errors.Is(res[0].Err, ErrConditionFailed) {
		t.Fatalf("conditional append Err = %v, want *ConditionError", res[0].Err)
	}
	if diff := cmp.Diff(&ConditionError{Log: "a", Expected: 1, Actual: 2, ActualChecksum: before.Checksum}, ce); diff != "" {
		t.Errorf("ConditionError (-want +got):\n%s", diff)
	}
	if after, _ := s.Describe("a"); after != before {
		t.Errorf("failed condition changed the log: %+v, was %+v", after, before)
	}

	// The right last ID with the wrong checksum fails too.
	op.ExpectedLastID = 2
	op.CheckChecksum, op.ExpectedChecksum = true, before.Checksum+1
	res = mustApply(t, s, 3, op)
	if !errors.As(res[0].Err, &ce) || ce.Actual != 2 || ce.ActualChecksum != before.Checksum {
		t.Fatalf("checksum-conditional append with a wrong checksum = %v, want a ConditionError", res[0].Err)
	}
	if after, _ := s.Describe("a"); after != before {
		t.Errorf("failed checksum condition changed the log: %+v, was %+v", after, before)
	}

	op.ExpectedChecksum = before.Checksum
	res = mustApply(t, s, 4, op)
	if res[0].Err != nil || res[0].FirstID != 3 || res[0].LastID != 3 {
		t.Errorf("conditional append = %+v, want IDs 3..3", res[0])
	}
}

func TestStore_MixedOpsOneApply(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	cond := stringsOp("b", "never")
	cond.Conditional, cond.ExpectedLastID = true, 7
	ops := []Op{
		createOp("a"),
		createOp("b"),
		createOp("a"),            // exists
		stringsOp("a", "1", "2"), // 1..2
		stringsOp("c", "x"),      // no log
		cond,                     // condition fails
		stringsOp("b", "b1"),     // 1..1
		stringsOp("a", "3"),      // 3..3
		trimOp("a", 1),
		deleteOp("c"), // no log
		createOp("d"),
		stringsOp("d", "gone"),
		deleteOp("d"), // buffered frames dropped with the log
		createOp("d"), // a fresh log of the same name
		stringsOp("d", "fresh"),
	}
	res := mustApply(t, s, 1, ops...)
	wantErrs := []error{nil, nil, ErrExists, nil, ErrNoLog, ErrConditionFailed, nil, nil, nil, ErrNoLog, nil, nil, nil, nil, nil}
	for i, want := range wantErrs {
		if want == nil && res[i].Err != nil || want != nil && !errors.Is(res[i].Err, want) {
			t.Errorf("op %d (%s %q): Err = %v, want %v", i, ops[i].Kind, ops[i].Log, res[i].Err, want)
		}
	}
	for i, want := range map[int][2]uint64{3: {1, 2}, 6: {1, 1}, 7: {3, 3}, 8: {2, 3}, 14: {1, 1}} {
		if got := [2]uint64{res[i].FirstID, res[i].LastID}; got != want {
			t.Errorf("op %d: IDs %v, want %v", i, got, want)
		}
	}
	got := map[string][]string{}
	for _, info := range s.List() {
		for _, r := range mustRead(t, s, info.Name, 0, 100, 1<<20) {
			got[info.Name] = append(got[info.Name], string(r.Payload))
		}
	}
	want := map[string][]string{"a": {"2", "3"}, "b": {"b1"}, "d": {"fresh"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("contents (-want +got):\n%s", diff)
	}
}

func TestStore_Trim(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 10, 10))
	for i, tc := range []struct {
		through, wantFirst uint64
	}{
		{3, 4},
		{3, 4}, // idempotent
		{2, 4}, // monotone
		{0, 4},
		{7, 8},
		{100, 11}, // clamps to LastID
	} {
		res := mustApply(t, s, uint64(2+i), trimOp("a", tc.through))
		if res[0].Err != nil || res[0].FirstID != tc.wantFirst || res[0].LastID != 10 {
			t.Errorf("Trim(%d) = %+v, want FirstID %d LastID 10", tc.through, res[0], tc.wantFirst)
		}
	}
	info, _ := s.Describe("a")
	if info.FirstID != 11 || info.TrimmedThrough != 10 || info.Records != 0 || info.LastID != 10 {
		t.Errorf("Describe after trim = %+v", info)
	}
	var re *RangeError
	if _, err := s.Read("a", 5, 10, 1<<20); !errors.As(err, &re) || !errors.Is(err, ErrTrimmed) || re.FirstID != 11 {
		t.Errorf("Read below trim = %v, want RangeError{FirstID 11, ErrTrimmed}", err)
	}
	if got := mustRead(t, s, "a", 0, 10, 1<<20); got != nil {
		t.Errorf("Read(0) of fully trimmed log = %v", got)
	}
	res := mustApply(t, s, 20, appendOp("a", 10, 2, 10))
	if res[0].FirstID != 11 || res[0].LastID != 12 {
		t.Errorf("append after trim assigned %d..%d, want 11..12", res[0].FirstID, res[0].LastID)
	}
	if got := mustRead(t, s, "a", 0, 10, 1<<20); len(got) != 2 || got[0].ID != 11 {
		t.Errorf("Read after trim+append = %v", got)
	}
	if res := mustApply(t, s, 21, trimOp("zz", 1)); !errors.Is(res[0].Err, ErrNoLog) {
		t.Errorf("Trim(no log) Err = %v, want ErrNoLog", res[0].Err)
	}
}

// segFiles lists the segment files of log num in the live state directory.
func segFiles(t *testing.T, s *Store, num uint64) []string {
	t.Helper()
	ents, err := os.ReadDir(s.logDir(num))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestStore_TrimThenSyncDeletesSegments(t *testing.T) {
	cfg := testConfig(t)
	cfg.SegmentBytes = 1000
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("a"))
	for i := range 10 { // 10 segments of 10 records of 100 bytes
		mustApply(t, s, uint64(2+i), appendOp("a", uint64(i*10), 10, 100-frameHeaderLen))
	}
	num := s.logs["a"].num
	if got := len(segFiles(t, s, num)); got != 10 {
		t.Fatalf("%d segment files, want 10", got)
	}
	mustSync(t, s)
	res := mustApply(t, s, 20, trimOp("a", 45))
	if res[0].FirstID != 46 {
		t.Fatalf("trim = %+v", res[0])
	}
	info, _ := s.Describe("a")
	if want := uint64(6 * (segHeaderLen + 1000)); info.Bytes != want {
		t.Errorf("Bytes after trim = %d, want %d", info.Bytes, want)
	}
	if got := len(segFiles(t, s, num)); got != 10 {
		t.Errorf("trim deleted files before Sync: %d left", got)
	}
	mustSync(t, s)
	want := []string{segFileName(41), segFileName(51), segFileName(61), segFileName(71), segFileName(81), segFileName(91)}
	if diff := cmp.Diff(want, segFiles(t, s, num)); diff != "" {
		t.Errorf("files after Sync (-want +got):\n%s", diff)
	}
	if got := mustRead(t, s, "a", 0, 100, 1<<20); len(got) != 55 || got[0].ID != 46 {
		t.Errorf("Read after trim = %d records from %d", len(got), got[0].ID)
	}
	s.Close()

	s = mustOpen(t, cfg)
	info2, _ := s.Describe("a")
	if info2 != info {
		t.Errorf("Describe after reopen = %+v, want %+v", info2, info)
	}
	if _, err := s.Read("a", 45, 1, 1); !errors.Is(err, ErrTrimmed) {
		t.Errorf("Read(45) after reopen = %v, want ErrTrimmed", err)
	}
	if _, err := os.Stat(filepath.Join(s.logDir(num), segFileName(1))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("trimmed segment still on disk: %v", err)
	}
}
