package logstore

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exportBytes exports s and reads the whole image, checking its Size.
func exportBytes(t *testing.T, s *Store) (uint64, []byte) {
	t.Helper()
	im, err := s.Export()
	if err != nil {
		t.Fatalf("Export() = %v", err)
	}
	defer im.Close()
	b, err := io.ReadAll(im)
	if err != nil {
		t.Fatalf("reading image: %v", err)
	}
	if int64(len(b)) != im.Size {
		t.Fatalf("image streamed %d bytes, Size says %d", len(b), im.Size)
	}
	return im.Index, b
}

func TestStore_ExportRestore(t *testing.T) {
	src := mustOpen(t, testConfig(t))
	src.cfg.SegmentBytes = 4 << 10
	runWorkload(t, src, 1, 150, map[string]uint64{})
	want := dump(t, src)
	index, img := exportBytes(t, src)
	if index != 150 {
		t.Errorf("image index = %d, want 150", index)
	}

	cfg := testConfig(t)
	cfg.SegmentBytes = src.cfg.SegmentBytes
	dst := mustOpen(t, cfg)
	mustApply(t, dst, 1, createOp("old"), createOp("w1"), stringsOp("old", "x"))
	if err := dst.Restore(bytes.NewReader(img)); err != nil {
		t.Fatalf("Restore() = %v", err)
	}
	if got := dst.AppliedIndex(); got != 150 {
		t.Errorf("AppliedIndex() after Restore = %d, want 150", got)
	}
	if diff := cmp.Diff(want, dump(t, dst)); diff != "" {
		t.Fatalf("restored state (-want +got):\n%s", diff)
	}
	// The restored state is durable without a Sync, and keeps working.
	dst.Close()
	dst = mustOpen(t, cfg)
	if diff := cmp.Diff(want, dump(t, dst)); diff != "" {
		t.Fatalf("restored state after reopen (-want +got):\n%s", diff)
	}
	ids := map[string]uint64{}
	for name, d := range want {
		ids[name] = d.Info.LastID
	}
	ids2 := map[string]uint64{}
	for k, v := range ids {
		ids2[k] = v
	}
	runWorkload(t, dst, 151, 200, ids)
	runWorkload(t, src, 151, 200, ids2)
	if diff := cmp.Diff(dump(t, src), dump(t, dst)); diff != "" {
		t.Errorf("after more entries (-src +dst):\n%s", diff)
	}
}

func TestStore_RestoreRejectsBadImage(t *testing.T) {
	src := mustOpen(t, testConfig(t))
	runWorkload(t, src, 1, 30, map[string]uint64{})
	_, img := exportBytes(t, src)
	dst := mustOpen(t, testConfig(t))
	mustApply(t, dst, 1, createOp("keep"), stringsOp("keep", "x"))
	want := dump(t, dst)
	for name, bad := range map[string][]byte{
		"truncated": img[:len(img)-10],
		"flipped":   append(append([]byte(nil), img[:len(img)/2]...), append([]byte{img[len(img)/2] ^ 1}, img[len(img)/2+1:]...)...),
		"empty":     nil,
	} {
		if err := dst.Restore(bytes.NewReader(bad)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Restore(%s) = %v, want ErrCorrupt", name, err)
		}
		if diff := cmp.Diff(want, dump(t, dst)); diff != "" {
			t.Errorf("failed Restore(%s) changed the state (-want +got):\n%s", name, diff)
		}
	}
}

func TestStore_RestoreWakesWaiters(t *testing.T) {
	src := mustOpen(t, testConfig(t))
	mustApply(t, src, 1, createOp("kept"), createOp("gone"))
	mustApply(t, src, 2, deleteOp("gone"))
	_, img := exportBytes(t, src)

	dst := mustOpen(t, testConfig(t))
	mustApply(t, dst, 1, createOp("kept"), createOp("gone"))
	kept := waitAsync(t.Context(), dst, "kept", 0)
	gone := waitAsync(t.Context(), dst, "gone", 0)
	eventually(t, "waiters", func() bool { return hasWaiter(dst, "kept") && hasWaiter(dst, "gone") })
	if err := dst.Restore(bytes.NewReader(img)); err != nil {
		t.Fatal(err)
	}
	if err := result(t, gone); !errors.Is(err, ErrNoLog) {
		t.Errorf("waiter of a log the image lacks = %v, want ErrNoLog", err)
	}
	select {
	case err := <-kept:
		t.Fatalf("waiter of a kept log returned %v before any append", err)
	default:
	}
	mustApply(t, dst, 3, stringsOp("kept", "x"))
	if err := result(t, kept); err != nil {
		t.Errorf("waiter of a kept log = %v, want nil", err)
	}
}

// TestStore_ExportConcurrent exports while entries append, trim and delete
// and Sync removes files: each image must restore to exactly the state the
// store had at the image's index.
func TestStore_ExportConcurrent(t *testing.T) {
	src := mustOpen(t, testConfig(t))
	src.cfg.SegmentBytes = 2 << 10
	const entries = 400
	var (
		mu     sync.Mutex
		states = map[uint64][]Info{} // List() right after each entry
	)
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		ids := map[string]uint64{}
		for i := uint64(1); i <= entries; i++ {
			ops := workload(i, ids)
			if err := src.Apply(i, ops, make([]Result, len(ops))); err != nil {
				t.Errorf("Apply(%d) = %v", i, err)
				return
			}
			list := src.List()
			mu.Lock()
			states[i] = list
			mu.Unlock()
			if i%25 == 0 {
				if _, err := src.Sync(); err != nil {
					t.Errorf("Sync() = %v", err)
					return
				}
			}
		}
	}()
	var images [][]byte
	for k := uint64(1); k*30 <= entries; k++ {
		if err := src.WaitApplied(t.Context(), k*30); err != nil {
			t.Fatal(err)
		}
		_, img := exportBytes(t, src)
		images = append(images, img)
	}
	<-applied
	for _, img := range images {
		dst := mustOpen(t, testConfig(t))
		if err := dst.Restore(bytes.NewReader(img)); err != nil {
			t.Fatalf("Restore() = %v", err)
		}
		idx := dst.AppliedIndex()
		mu.Lock()
		want, ok := states[idx]
		mu.Unlock()
		if !ok && idx != 0 {
			t.Fatalf("image index %d never applied", idx)
		}
		got := dump(t, dst)
		if diff := cmp.Diff(want, dst.List(), equateEmpty); diff != "" {
			t.Errorf("image at %d: List (-want +got):\n%s", idx, diff)
		}
		for name, d := range got {
			for _, r := range d.Records {
				if !bytes.Equal(r.Payload, payloadFor(name, r.ID, len(r.Payload))) {
					t.Fatalf("image at %d: log %s record %d payload %x", idx, name, r.ID, r.Payload)
				}
			}
		}
		dst.Close()
	}
	t.Logf("checked %d images", len(images))
}

func TestStore_ExportSurvivesTrimAndDelete(t *testing.T) {
	src := mustOpen(t, testConfig(t))
	src.cfg.SegmentBytes = 1 << 10
	mustApply(t, src, 1, createOp("a"), appendOp("a", 0, 100, 50), createOp("b"), appendOp("b", 0, 10, 50))
	want := dump(t, src)
	im, err := src.Export()
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	mustApply(t, src, 2, trimOp("a", 90), deleteOp("b"))
	mustSync(t, src) // deletes the trimmed segments and b's directory

	dst := mustOpen(t, testConfig(t))
	if err := dst.Restore(im); err != nil {
		t.Fatalf("Restore(image taken before trim) = %v", err)
	}
	if diff := cmp.Diff(want, dump(t, dst)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestStore_RestoreInterruptedKeepsOldState(t *testing.T) {
	cfg := testConfig(t)
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("a"), stringsOp("a", "x"))
	mustSync(t, s)
	want := dump(t, s)
	next := filepath.Join(cfg.Dir, stateDirName(s.gen+1))
	s.Close()
	// A Restore that crashed before switching CURRENT leaves a half-built
	// state directory behind.
	if err := os.MkdirAll(filepath.Join(next, "logs", logDirName(1)), 0o755); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, cfg)
	if diff := cmp.Diff(want, dump(t, s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := os.Stat(next); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover state directory: %v", err)
	}
}
