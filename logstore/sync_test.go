package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// workload returns the ops of entry index of a deterministic workload over
// a few logs: creates, appends (some conditional), trims and deletes. It
// tracks last IDs in lastIDs so appends use predictable payloads.
func workload(index uint64, lastIDs map[string]uint64) []Op {
	var ops []Op
	for k := range 3 {
		name := fmt.Sprintf("w%d", (int(index)+k)%5)
		last, ok := lastIDs[name]
		switch {
		case !ok:
			ops = append(ops, createOp(name))
			lastIDs[name] = 0
		case index%17 == 0 && k == 0:
			ops = append(ops, deleteOp(name))
			delete(lastIDs, name)
		case index%5 == 0:
			ops = append(ops, trimOp(name, last-last/3))
		default:
			n := 1 + int(index*7+uint64(k))%20
			op := appendOp(name, last, n, 30+int(index%50))
			if index%3 == 0 {
				// Alternately right and wrong: a failed condition changes nothing.
				op.Conditional, op.ExpectedLastID = true, last+index%2
				if index%2 == 1 {
					break
				}
			}
			ops = append(ops, op)
			lastIDs[name] = last + uint64(n)
		}
	}
	return ops
}

// runWorkload applies entries from..to of the workload to s; lastIDs must be
// the workload's state after entry from-1.
func runWorkload(t *testing.T, s *Store, from, to uint64, lastIDs map[string]uint64) {
	t.Helper()
	for i := from; i <= to; i++ {
		mustApply(t, s, i, workload(i, lastIDs)...)
	}
}

func TestStore_ReopenReplayMatchesUncrashed(t *testing.T) {
	cfg := testConfig(t)
	cfg.SegmentBytes = 4 << 10
	s := mustOpen(t, cfg)
	ids := map[string]uint64{}
	runWorkload(t, s, 1, 120, ids)
	if got := mustSync(t, s); got != 120 {
		t.Fatalf("Sync() = %d, want 120", got)
	}
	atSync := dump(t, s)
	idsAtSync := make(map[string]uint64)
	for k, v := range ids {
		idsAtSync[k] = v
	}
	runWorkload(t, s, 121, 200, ids) // lost in the "crash"
	s.Close()

	s = mustOpen(t, cfg)
	if got := s.AppliedIndex(); got != 120 {
		t.Fatalf("AppliedIndex() after reopen = %d, want 120", got)
	}
	if diff := cmp.Diff(atSync, dump(t, s)); diff != "" {
		t.Fatalf("state after reopen differs from the Sync state (-want +got):\n%s", diff)
	}
	runWorkload(t, s, 121, 200, idsAtSync) // raft replays

	ref := mustOpen(t, testConfig(t))
	ref.cfg.SegmentBytes = cfg.SegmentBytes
	runWorkload(t, ref, 1, 200, map[string]uint64{})
	if diff := cmp.Diff(dump(t, ref), dump(t, s)); diff != "" {
		t.Errorf("replayed store differs from one that never crashed (-want +got):\n%s", diff)
	}
	// And once more across a Sync + reopen.
	mustSync(t, s)
	want := dump(t, s)
	s.Close()
	s = mustOpen(t, cfg)
	if diff := cmp.Diff(want, dump(t, s)); diff != "" {
		t.Errorf("after Sync and reopen (-want +got):\n%s", diff)
	}
}

func TestStore_TornTail(t *testing.T) {
	cfg := testConfig(t)
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 50, 40))
	mustSync(t, s)
	want := dump(t, s)
	mustApply(t, s, 2, appendOp("a", 50, 50, 40))
	seg := s.segPath(s.logs["a"].num, 1)
	syncedLen := s.logs["a"].segs[0].size - 50*(frameHeaderLen+40)
	s.Close()

	// Tear the unsynced tail: cut it mid-frame, scribble, then append garbage.
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b = b[:syncedLen+int64(frameHeaderLen+40)*10+7]
	for i := syncedLen; i < int64(len(b)); i += 13 {
		b[i] ^= 0x5a
	}
	b = append(b, []byte("garbage garbage garbage")...)
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, cfg)
	if diff := cmp.Diff(want, dump(t, s)); diff != "" {
		t.Fatalf("after torn tail (-want +got):\n%s", diff)
	}
	if _, err := s.Read("a", 52, 1, 1); !errors.Is(err, ErrBeyondTail) {
		t.Errorf("Read past the Sync = %v, want ErrBeyondTail", err)
	}
	res := mustApply(t, s, 2, appendOp("a", 50, 5, 40))
	if res[0].FirstID != 51 {
		t.Fatalf("append after recovery = %+v", res[0])
	}
	got := mustRead(t, s, "a", 51, 100, 1<<20)
	if len(got) != 5 {
		t.Fatalf("Read after recovery = %d records, want 5", len(got))
	}
	for _, r := range got {
		if !cmp.Equal(r.Payload, payloadFor("a", r.ID, 40)) {
			t.Errorf("record %d = %x", r.ID, r.Payload)
		}
	}
}

func TestStore_CorruptSyncedData(t *testing.T) {
	cfg := testConfig(t)
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 200, 40))
	mustSync(t, s)
	seg := s.segPath(s.logs["a"].num, 1)
	s.Close()

	for _, tc := range []struct {
		name string
		off  int64
	}{
		{"payload", segHeaderLen + 100*(frameHeaderLen+40) + frameHeaderLen + 3},
		{"header", segHeaderLen + 150*(frameHeaderLen+40) + 2},
		{"segment header", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.OpenFile(seg, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			var b [1]byte
			f.ReadAt(b[:], tc.off)
			f.WriteAt([]byte{b[0] ^ 0x01}, tc.off)
			defer func() { f.WriteAt(b[:], tc.off); f.Close() }()

			s := mustOpen(t, cfg) // Open does not read segments: it succeeds
			defer s.Close()
			_, err = s.Read("a", 1, 1000, 1<<20)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Read over corrupt %s = %v, want ErrCorrupt", tc.name, err)
			}
		})
	}
}

func TestStore_CorruptMeta(t *testing.T) {
	cfg := testConfig(t)
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("a"))
	mustSync(t, s)
	meta := filepath.Join(s.dir, metaFile)
	s.Close()
	b, _ := os.ReadFile(meta)
	b[10] ^= 1
	os.WriteFile(meta, b, 0o644)
	if _, err := Open(cfg); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with corrupt META = %v, want ErrCorrupt", err)
	}
}

func TestStore_DeleteThenReopen(t *testing.T) {
	t.Run("before Sync", func(t *testing.T) {
		cfg := testConfig(t)
		s := mustOpen(t, cfg)
		mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 5, 10))
		mustSync(t, s)
		want := dump(t, s)
		mustApply(t, s, 2, deleteOp("a"))
		if len(s.List()) != 0 {
			t.Fatalf("List after delete = %v", s.List())
		}
		s.Close()
		s = mustOpen(t, cfg) // META still lists a: it comes back from trash
		if diff := cmp.Diff(want, dump(t, s)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("after Sync", func(t *testing.T) {
		cfg := testConfig(t)
		s := mustOpen(t, cfg)
		mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 5, 10))
		mustSync(t, s)
		num := s.logs["a"].num
		mustApply(t, s, 2, deleteOp("a"))
		mustSync(t, s)
		for _, d := range []string{s.logDir(num), filepath.Join(s.dir, "trash", logDirName(num))} {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s after delete + Sync: %v", d, err)
			}
		}
		s.Close()
		s = mustOpen(t, cfg)
		if got := s.List(); len(got) != 0 {
			t.Errorf("List after reopen = %v", got)
		}
	})
	t.Run("recreate", func(t *testing.T) {
		cfg := testConfig(t)
		s := mustOpen(t, cfg)
		mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 5, 10), trimOp("a", 2))
		mustApply(t, s, 2, deleteOp("a"), createOp("a"), stringsOp("a", "new"))
		mustSync(t, s)
		s.Close()
		s = mustOpen(t, cfg)
		info, _ := s.Describe("a")
		want := Info{Name: "a", FirstID: 1, LastID: 1, Records: 1, Bytes: segHeaderLen + frameHeaderLen + 3,
			Checksum: checksumOf([]Record{rec([]byte("new"))})}
		if diff := cmp.Diff(want, info); diff != "" {
			t.Errorf("recreated log (-want +got):\n%s", diff)
		}
	})
	t.Run("created after Sync", func(t *testing.T) {
		cfg := testConfig(t)
		s := mustOpen(t, cfg)
		mustSync(t, s)
		mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 5, 10))
		s.Close()
		s = mustOpen(t, cfg)
		if got := s.List(); len(got) != 0 {
			t.Errorf("List after reopen = %v, want none", got)
		}
		if ents, _ := os.ReadDir(filepath.Join(s.dir, "logs")); len(ents) != 0 {
			t.Errorf("logs/ holds %d entries after reopen", len(ents))
		}
		mustApply(t, s, 1, createOp("a"), appendOp("a", 0, 1, 10))
		if got := mustRead(t, s, "a", 1, 10, 100); len(got) != 1 {
			t.Errorf("Read after re-applying = %v", got)
		}
	})
}

func TestStore_SyncWhileApplying(t *testing.T) {
	cfg := testConfig(t)
	cfg.SegmentBytes = 2 << 10
	s := mustOpen(t, cfg)
	done := make(chan error)
	go func() {
		var err error
		for range 20 {
			if _, err = s.Sync(); err != nil {
				break
			}
		}
		done <- err
	}()
	runWorkload(t, s, 1, 300, map[string]uint64{})
	if err := <-done; err != nil {
		t.Fatalf("Sync() = %v", err)
	}
	idx := mustSync(t, s)
	want := dump(t, s)
	s.Close()
	s = mustOpen(t, cfg)
	if s.AppliedIndex() != idx {
		t.Errorf("AppliedIndex() = %d, want %d", s.AppliedIndex(), idx)
	}
	if diff := cmp.Diff(want, dump(t, s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
