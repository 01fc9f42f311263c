//go:build linux

package proctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// LoopFS is an ext4 filesystem in an image file, loop-mounted on a
// directory: a disk of its own that a test can stall (Freeze) the way a
// stuck volume does, every write to it blocking until Thaw.
type LoopFS struct {
	t      *testing.T
	dir    string
	frozen bool
}

// NeedLoopDevices skips t unless it runs as root (CI does) on a machine
// with loop devices.
func NeedLoopDevices(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a loop device (CI runs as root)")
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skipf("no loop devices: %v", err)
	}
}

// MountLoopFS makes an ext4 filesystem of sizeMiB MiB and mounts it on dir
// (hiding what dir held). It is thawed and unmounted in t.Cleanup; a
// process writing to it must be killed after the thaw (cleanups run last
// in, first out), or killing it waits for ever.
func MountLoopFS(t *testing.T, dir string, sizeMiB int) *LoopFS {
	t.Helper()
	img := filepath.Join(t.TempDir(), "fs.img")
	f, err := os.Create(img)
	if err == nil {
		err = f.Truncate(int64(sizeMiB) << 20)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	run(t, "mkfs.ext4", "-q", "-F", img)
	run(t, "mount", "-o", "loop", img, dir)
	fs := &LoopFS{t: t, dir: dir}
	t.Cleanup(func() {
		fs.Thaw()
		// Lazily (-l): the processes using it may only be killed by a
		// later cleanup; the filesystem and its loop device go once they
		// are.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return fs
}

// Freeze blocks every write to the filesystem (fsfreeze) until Thaw.
func (fs *LoopFS) Freeze() {
	fs.t.Helper()
	run(fs.t, "fsfreeze", "-f", fs.dir)
	fs.frozen = true
}

// Thaw lets writes go on; a no-op if the filesystem is not frozen.
func (fs *LoopFS) Thaw() {
	fs.t.Helper()
	if fs.frozen {
		run(fs.t, "fsfreeze", "-u", fs.dir)
		fs.frozen = false
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}
