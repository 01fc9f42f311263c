package quorum

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// TestZeroAheadFile_KeepsEveryWrite: the zeros written ahead never land on
// data, stay ahead of the writes, and stop at the preallocated size.
func TestZeroAheadFile_KeepsEveryWrite(t *testing.T) {
	dir := t.TempDir()
	const size = 3*zeroAheadChunk + 12345
	wf, err := (&walFS{}).Create(dir, "seg.wal", size)
	if err != nil {
		t.Fatal(err)
	}
	f := wf.(*zeroAheadFile)
	want := make([]byte, size)
	off := int64(0)
	for i := 0; off < size; i++ {
		n := min(int64(1000+i*37), size-off)
		p := bytes.Repeat([]byte{byte(i%250) + 1}, int(n))
		if _, err := f.WriteAt(p, off); err != nil {
			t.Fatal(err)
		}
		copy(want[off:], p)
		off += n
		if f.frontier < min(off+zeroAheadChunk/2, size) || f.frontier > size {
			t.Fatalf("after a write ending at %d the zeroed prefix ends at %d", off, f.frontier)
		}
		if i%50 == 0 {
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "seg.wal"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != size {
		t.Fatalf("file is %d bytes, want the preallocated %d", len(got), size)
	}
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("byte %d is %d, want %d", i, got[i], want[i])
	}
}

// TestWALFS_RaftWALRoundTrip runs raft-wal itself on walFS across segment
// rotations and reopenings (the reopened tail segment takes the OpenWriter
// path): every stored entry reads back intact.
func TestWALFS_RaftWALRoundTrip(t *testing.T) {
	dir := t.TempDir()
	open := func() *raftwal.WAL {
		t.Helper()
		w, err := raftwal.Open(dir, raftwal.WithSegmentSize(2*zeroAheadChunk+4096),
			raftwal.WithSegmentFiler(segment.NewFiler(dir, &walFS{})))
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	data := func(i uint64) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("entry %d;", i)), 300) // ~3.5 KB
	}
	next := uint64(1)
	store := func(w *raftwal.WAL, n int) {
		t.Helper()
		for range n {
			logs := make([]*raft.Log, 4)
			for j := range logs {
				logs[j] = &raft.Log{Index: next, Term: 1, Type: raft.LogCommand, Data: data(next)}
				next++
			}
			if err := w.StoreLogs(logs); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(w *raftwal.WAL) {
		t.Helper()
		last, err := w.LastIndex()
		if err != nil || last != next-1 {
			t.Fatalf("last index %d (%v), want %d", last, err, next-1)
		}
		var l raft.Log
		for i := uint64(1); i < next; i++ {
			if err := w.GetLog(i, &l); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
			if !bytes.Equal(l.Data, data(i)) {
				t.Fatalf("entry %d reads back changed", i)
			}
		}
	}
	w := open()
	store(w, 500) // ~7 MB: many rotations
	check(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = open()
	check(w)
	store(w, 100) // appends to the reopened tail, then rotates
	check(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = open()
	defer w.Close()
	check(w)
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) < 3 {
		t.Fatalf("%d segment files: the test did not rotate", len(segs))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// countingFile counts the bytes written through it.
type countingFile struct {
	types.WritableFile
	written int64
}

func (c *countingFile) WriteAt(p []byte, off int64) (int, error) {
	c.written += int64(len(p))
	return c.WritableFile.WriteAt(p, off)
}

// A write larger than the zeroed prefix is not zeroed first: only the half
// chunk to a chunk beyond it is, so a large entry is written once.
func TestZeroAheadFile_ZeroesOnlyBeyondTheData(t *testing.T) {
	const size = 8 * zeroAheadChunk
	wf, err := (&walFS{}).Create(t.TempDir(), "seg.wal", size)
	if err != nil {
		t.Fatal(err)
	}
	f := wf.(*zeroAheadFile)
	defer f.Close()
	c := &countingFile{WritableFile: f.WritableFile}
	f.WritableFile = c
	big := bytes.Repeat([]byte{7}, 3*zeroAheadChunk+100)
	if _, err := f.WriteAt(big, 0); err != nil {
		t.Fatal(err)
	}
	if zeros := c.written - int64(len(big)); zeros != zeroAheadChunk {
		t.Fatalf("a %d-byte write at 0 wrote %d bytes of zeros, want %d (one chunk beyond it)", len(big), zeros, zeroAheadChunk)
	}
	if want := int64(len(big)) + zeroAheadChunk; f.frontier != want {
		t.Fatalf("zeroed prefix ends at %d, want %d", f.frontier, want)
	}
}
