package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// The leader is killed with SIGKILL under load, and its files are left as a
// crash in the middle of its next writes would leave them: its raft log
// (raft-wal) gets a torn entry after its last commit, half an entry frame
// then zeros, and every log's newest logstore segment gets garbage past
// what the node had synced. Restarted, the node must drop both, catch up
// from the others and serve what they serve. Every acknowledged record is
// on every node, in order, once, and nothing else is.
func TestE2E_TornTailsAfterKill(t *testing.T) {
	c := newCluster(t, clusterOptions{})
	load := startRecordLoad(t, c, "torn")
	waitAcked(t, load, 100)
	l := c.leader()
	c.kill9(l)
	proctest.WaitFor(t, 20*time.Second, func() error {
		if nl, err := c.leaderOnce(); err != nil || nl == l {
			return fmt.Errorf("no new leader yet (%v)", err)
		}
		return nil
	})
	nd := c.nodes[l]
	wal := tearRaftWAL(t, filepath.Join(nd.dataDir, "raft", "wal"))
	segs := tearLogstore(t, filepath.Join(nd.dataDir, "logstore"))
	before := load.count()
	waitAcked(t, load, before+50) // the others go on meanwhile
	c.restart(l)
	waitAcked(t, load, load.count()+50)
	load.finish()
	load.check(c)
	t.Logf("%d records acknowledged; %s killed after %d, its raft log torn at offset %d of %s and %d logstore segments given garbage, then restarted",
		len(load.acked), nd.id, before, wal.offset, filepath.Base(wal.file), segs)
}

// waitAcked waits until the load has n acknowledged appends.
func waitAcked(t *testing.T, load *recordLoad, n int) {
	t.Helper()
	proctest.WaitFor(t, 30*time.Second, func() error {
		if got := load.count(); got < n {
			return fmt.Errorf("%d appends acknowledged, want %d", got, n)
		}
		return nil
	})
}

// walTear is where tearRaftWAL wrote its torn frame.
type walTear struct {
	file   string
	offset int64
}

// raft-wal's segment format (github.com/hashicorp/raft-wal/segment): a
// 32-byte file header, then 8-byte-aligned frames, each an 8-byte header
// (type, 3 reserved bytes, then the payload length, or a CRC for a commit
// frame, which has no payload), and zeros after the last.
const (
	walFileHeaderLen  = 32
	walFrameHeaderLen = 8
	walFrameEntry     = 1
	walFrameCommit    = 3
)

// tearRaftWAL writes, after the last frame of the newest segment in dir,
// what a crash in the middle of writing an entry leaves: the frame header
// of a 4 KiB entry and the first 1,000 bytes of it (random), no commit.
func tearRaftWAL(t *testing.T, dir string) walTear {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no raft-wal segment in %s (%v)", dir, err)
	}
	slices.Sort(names)
	file := names[len(names)-1]
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(walFileHeaderLen)
	for off+walFrameHeaderLen <= int64(len(b)) {
		h := b[off : off+walFrameHeaderLen]
		if h[0] == 0 {
			break // zeros: the end of what was written
		}
		size := int64(walFrameHeaderLen)
		if h[0] != walFrameCommit {
			n := int64(binary.LittleEndian.Uint32(h[4:8]))
			size += n + (walFrameHeaderLen-n%walFrameHeaderLen)%walFrameHeaderLen
		}
		off += size
	}
	torn := make([]byte, walFrameHeaderLen+1000)
	torn[0] = walFrameEntry
	binary.LittleEndian.PutUint32(torn[4:8], 4096)
	rand.Read(torn[walFrameHeaderLen:])
	if off+int64(walFrameHeaderLen+4096) > int64(len(b)) {
		t.Fatalf("%s: no room after the last frame at offset %d", file, off)
	}
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(torn, off); err != nil {
		t.Fatal(err)
	}
	return walTear{file: file, offset: off}
}

// tearLogstore appends 1,000 random bytes to the newest segment of every
// log in the logstore under dir: bytes past the length the node's last
// sync recorded, as a write cut short by the crash. It returns how many
// segments it tore.
func tearLogstore(t *testing.T, dir string) int {
	t.Helper()
	logDirs, err := filepath.Glob(filepath.Join(dir, "state-*", "logs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ld := range logDirs {
		segs, err := filepath.Glob(filepath.Join(ld, "*"))
		if err != nil || len(segs) == 0 {
			continue
		}
		slices.Sort(segs)
		f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		garbage := make([]byte, 1000)
		rand.Read(garbage)
		_, err = f.Write(garbage)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no logstore segment under %s", dir)
	}
	return n
}
