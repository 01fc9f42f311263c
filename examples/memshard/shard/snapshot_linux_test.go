//go:build linux

package shard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// TestWriteSnapshot_DiskFull writes snapshots into a 1 MiB tmpfs: one that
// does not fit fails with ENOSPC, leaves no partial file behind, and the
// snapshot that was there still restores.
func TestWriteSnapshot_DiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (CI runs as root)")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount a 1 MiB tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, 0) })
	ctx, st := context.Background(), mustDirStore(t, dir)

	small := engine.New()
	small.Set(&engine.Call{}, "k", []byte("v"), 0)
	if _, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: "l", ID: 1}, small); err != nil {
		t.Fatal(err)
	}
	big := testDB(t)
	for i := range 3000 {
		big.Set(&engine.Call{}, fmt.Sprintf("big:%d", i), make([]byte, 1000), 0)
	}
	_, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: "l", ID: 2}, big)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("WriteSnapshot of ~3 MB into 1 MiB = %v, want ENOSPC", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 1 || len(hidden) != 0 {
		t.Fatalf("files after the failed write: %q %q, want only the first snapshot", left, hidden)
	}
	info, db, err := LoadLatestSnapshot(ctx, st, "l")
	if err != nil || info.ID != 1 || db.Len() != 1 {
		t.Fatalf("after the failed write: %+v, %v", info, err)
	}
}
