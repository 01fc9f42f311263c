package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testConfig returns a config in a fresh temp dir that logs to the test.
func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

func mustOpen(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open(%s) = %v", cfg.Dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustApply applies ops as entry index and returns the results.
func mustApply(t testing.TB, s *Store, index uint64, ops ...Op) []Result {
	t.Helper()
	res := make([]Result, len(ops))
	if err := s.Apply(index, ops, res); err != nil {
		t.Fatalf("Apply(%d) = %v", index, err)
	}
	return res
}

func mustSync(t testing.TB, s *Store) uint64 {
	t.Helper()
	idx, err := s.Sync()
	if err != nil {
		t.Fatalf("Sync() = %v", err)
	}
	return idx
}

func mustRead(t testing.TB, s *Store, log string, from uint64, max, maxBytes int) []Record {
	t.Helper()
	recs, err := s.Read(log, from, max, maxBytes)
	if err != nil {
		t.Fatalf("Read(%q, %d) = %v", log, from, err)
	}
	return recs
}

func rec(payload []byte) Record { return Record{Payload: payload, CRC: crc32c(payload)} }

// payloadFor is the deterministic payload of record id of log in workloads,
// so any reader can check what it got.
func payloadFor(log string, id uint64, size int) []byte {
	p := make([]byte, max(size, 8))
	binary.LittleEndian.PutUint64(p, id)
	for i := 8; i < len(p); i++ {
		p[i] = byte(len(log)) + byte(i) + byte(id)
	}
	return p
}

func createOp(log string) Op { return Op{Kind: OpCreate, Log: log} }
func deleteOp(log string) Op { return Op{Kind: OpDelete, Log: log} }
func trimOp(log string, through uint64) Op {
	return Op{Kind: OpTrim, Log: log, ThroughID: through}
}

// appendOp appends n records of the given size whose payloads payloadFor
// predicts, given that the log's last ID is lastID.
func appendOp(log string, lastID uint64, n, size int) Op {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = rec(payloadFor(log, lastID+uint64(i)+1, size))
	}
	return Op{Kind: OpAppend, Log: log, Records: recs}
}

func stringsOp(log string, payloads ...string) Op {
	op := Op{Kind: OpAppend, Log: log}
	for _, p := range payloads {
		op.Records = append(op.Records, rec([]byte(p)))
	}
	return op
}

// dumpLog is a log's Info and every readable record.
type dumpLog struct {
	Info    Info
	Records []Record
}

// dump returns the whole visible state of s.
func dump(t testing.TB, s *Store) map[string]dumpLog {
	t.Helper()
	out := make(map[string]dumpLog)
	for _, info := range s.List() {
		d := dumpLog{Info: info}
		for from := info.FirstID; from <= info.LastID; {
			recs := mustRead(t, s, info.Name, from, 100000, 64<<20)
			d.Records = append(d.Records, recs...)
			from = recs[len(recs)-1].ID + 1
		}
		out[info.Name] = d
	}
	return out
}

// checksumOf recomputes the running checksum of a log's whole history.
func checksumOf(recs []Record) uint32 {
	var c uint32
	for _, r := range recs {
		c = nextChecksum(c, len(r.Payload), r.CRC)
	}
	return c
}

var equateEmpty = cmpopts.EquateEmpty()

func TestConfig_Validate(t *testing.T) {
	for _, tc := range []struct {
		cfg     Config
		wantErr bool
	}{
		{Config{Dir: "x"}, false},
		{Config{}, true},
		{Config{Dir: "x", SegmentBytes: -1}, true},
	} {
		if err := tc.cfg.Validate(); (err != nil) != tc.wantErr {
			t.Errorf("%+v.Validate() = %v, want error %v", tc.cfg, err, tc.wantErr)
		}
	}
}

func TestStore_AppendReadDescribe(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	res := mustApply(t, s, 1, createOp("a"), stringsOp("a", "one", "two", "three"))
	want := Result{FirstID: 1, LastID: 3, Checksum: checksumOf([]Record{rec([]byte("one")), rec([]byte("two")), rec([]byte("three"))})}
	if diff := cmp.Diff(want, res[1]); diff != "" {
		t.Errorf("append result (-want +got):\n%s", diff)
	}
	got := mustRead(t, s, "a", 0, 10, 1<<20)
	wantRecs := []Record{
		{ID: 1, Payload: []byte("one"), CRC: crc32c([]byte("one"))},
		{ID: 2, Payload: []byte("two"), CRC: crc32c([]byte("two"))},
		{ID: 3, Payload: []byte("three"), CRC: crc32c([]byte("three"))},
	}
	if diff := cmp.Diff(wantRecs, got); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
	info, err := s.Describe("a")
	if err != nil {
		t.Fatal(err)
	}
	wantInfo := Info{Name: "a", FirstID: 1, LastID: 3, Records: 3, Checksum: want.Checksum,
		Bytes: segHeaderLen + 3*frameHeaderLen + uint64(len("onetwothree"))}
	if diff := cmp.Diff(wantInfo, info); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}

	// Limits: max records, and maxBytes after the first record.
	if got := mustRead(t, s, "a", 2, 1, 1<<20); len(got) != 1 || got[0].ID != 2 {
		t.Errorf("Read(from 2, max 1) = %v", got)
	}
	if got := mustRead(t, s, "a", 1, 10, 1); len(got) != 1 {
		t.Errorf("Read(maxBytes 1) returned %d records, want 1", len(got))
	}
	if got := mustRead(t, s, "a", 1, 10, 6); len(got) != 2 {
		t.Errorf("Read(maxBytes 6) returned %d records, want 2", len(got))
	}
	if got := mustRead(t, s, "a", 4, 10, 1<<20); got != nil {
		t.Errorf("Read(LastID+1) = %v, want nil", got)
	}
	var re *RangeError
	if _, err := s.Read("a", 5, 10, 1<<20); !errors.As(err, &re) || !errors.Is(err, ErrBeyondTail) || re.LastID != 3 {
		t.Errorf("Read(5) = %v, want RangeError ErrBeyondTail", err)
	}
	if _, err := s.Read("b", 1, 10, 1<<20); !errors.Is(err, ErrNoLog) {
		t.Errorf("Read(no log) = %v, want ErrNoLog", err)
	}
	if _, err := s.Describe("b"); !errors.Is(err, ErrNoLog) {
		t.Errorf("Describe(no log) = %v, want ErrNoLog", err)
	}

	// Empty log.
	mustApply(t, s, 2, createOp("."))
	info, _ = s.Describe(".")
	if diff := cmp.Diff(Info{Name: ".", FirstID: 1}, info); diff != "" {
		t.Errorf("Describe(empty) (-want +got):\n%s", diff)
	}
	if got := s.AppliedIndex(); got != 2 {
		t.Errorf("AppliedIndex() = %d, want 2", got)
	}
}

func TestStore_ReturnedPayloadsDoNotAlias(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("a"), stringsOp("a", "aaaa", "bbbb"))
	got := mustRead(t, s, "a", 1, 10, 100)
	got[0].Payload = append(got[0].Payload, 'x') // must not overwrite record 2
	mustApply(t, s, 2, stringsOp("a", "cccc"))
	for _, r := range mustRead(t, s, "a", 1, 10, 100) {
		if len(r.Payload) != 4 {
			t.Errorf("record %d payload %q", r.ID, r.Payload)
		}
	}
	if string(got[1].Payload) != "bbbb" {
		t.Errorf("earlier read's payload changed to %q", got[1].Payload)
	}
}

func TestStore_ApplyIndex(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 5)
	if got := s.AppliedIndex(); got != 5 {
		t.Errorf("AppliedIndex() after empty Apply = %d, want 5", got)
	}
	for _, idx := range []uint64{5, 4} {
		if err := s.Apply(idx, []Op{createOp("a")}, make([]Result, 1)); err == nil {
			t.Errorf("Apply(%d) after 5 = nil, want error", idx)
		}
	}
	if err := s.Apply(6, []Op{createOp("a")}, nil); err == nil {
		t.Errorf("Apply with short results = nil, want error")
	}
	if len(s.List()) != 0 {
		t.Errorf("rejected Apply created a log: %v", s.List())
	}
}

func TestStore_CloseIdempotent(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("a"), stringsOp("a", "x"))
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
	}
	if _, err := s.Read("a", 1, 1, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close = %v, want ErrClosed", err)
	}
	if err := s.Apply(2, nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close = %v, want ErrClosed", err)
	}
}

func TestStore_ManyLogs(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	cfg := testConfig(t)
	s := mustOpen(t, cfg)
	var idx uint64
	t0 := time.Now()
	for start := 0; start < n; start += 1000 {
		var ops []Op
		for i := start; i < min(start+1000, n); i++ {
			name := fmt.Sprintf("log-%05d", i)
			ops = append(ops, createOp(name), appendOp(name, 0, 1+i%3, 20))
		}
		idx++
		mustApply(t, s, idx, ops...)
	}
	t1 := time.Now()
	mustSync(t, s)
	t2 := time.Now()
	want := s.List()
	s.Close()

	s = mustOpen(t, cfg)
	t.Logf("%d logs: apply %v, sync %v, reopen %v", n, t1.Sub(t0), t2.Sub(t1), time.Since(t2))
	if got := s.List(); !cmp.Equal(want, got) {
		t.Fatalf("List after reopen differs: %s", cmp.Diff(want, got))
	}
	for i := 0; i < n; i += 997 {
		name := fmt.Sprintf("log-%05d", i)
		got := mustRead(t, s, name, 1, 10, 1<<20)
		if len(got) != 1+i%3 {
			t.Fatalf("Read(%s) = %d records, want %d", name, len(got), 1+i%3)
		}
		for _, r := range got {
			if !cmp.Equal(r.Payload, payloadFor(name, r.ID, 20)) {
				t.Errorf("Read(%s) record %d payload %x", name, r.ID, r.Payload)
			}
		}
	}
}
