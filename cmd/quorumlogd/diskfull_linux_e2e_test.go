//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// A follower whose disk fills falls behind while the other two keep
// acknowledging writes (a majority in two zones); its raft log cannot start
// a segment, and the node stops (a node left up would refuse every entry
// until restarted). Once it has room again and is restarted it catches up,
// and holds every acknowledged record, in order, once. (Before, the node
// stayed up refusing, and hashicorp/raft's pipelined replication deadlocked
// on the refusal: the follower got heartbeats but never another entry, even
// restarted.)
func TestE2E_FollowerWithAFullDiskCatchesUp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (CI runs as root)")
	}
	c := newCluster(t, clusterOptions{})
	f := (c.leader() + 1) % len(c.nodes)
	nd := c.nodes[f]

	// Move the follower's data dir onto a 160 MiB tmpfs. raft-wal takes its
	// log in 64 MiB segments: the second one does not fit beside the records
	// applied by then, so the raft log fails first and the follower refuses
	// AppendEntries.
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=160m"); err != nil {
		t.Fatalf("mount a 160 MiB tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	c.stop(f)
	if out, err := exec.Command("cp", "-a", nd.dataDir+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy %s's data dir: %v\n%s", nd.id, err, out)
	}
	for i, a := range nd.args {
		if a == "--data-dir" {
			nd.args[i+1] = dir
		}
	}
	nd.dataDir = dir
	c.restart(f)

	cl := c.client()
	const log = "full"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	// 8 writers of 100 KB records, each record naming its writer and
	// sequence number, until the follower has stopped applying for a while
	// (its 160 MiB hold fewer than 1,600 records); at most 3,000 records.
	const writers, size = 8, 100_000
	var mu sync.Mutex
	acked := map[[2]uint32]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for i := range 375 {
				select {
				case <-stop:
					return
				default:
				}
				p := make([]byte, size)
				binary.BigEndian.PutUint32(p, uint32(w))
				binary.BigEndian.PutUint32(p[4:], uint32(i))
				_, err := cl.Append(t.Context(), log, [][]byte{p})
				switch {
				case err == nil:
					mu.Lock()
					acked[[2]uint32{uint32(w), uint32(i)}] = true
					mu.Unlock()
				case errors.Is(err, client.ErrOutcomeUnknown), errors.Is(err, client.ErrUnavailable):
				default:
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	var stuck uint64
	exited := false
	proctest.WaitFor(t, 60*time.Second, func() error {
		if !nd.running() {
			exited = true // the node stops when its raft log cannot go on
			return nil
		}
		st, err := c.status(f)
		if err != nil {
			return err
		}
		var ahead uint64
		for i := range c.nodes {
			if i != f {
				if o, err := c.status(i); err == nil {
					ahead = max(ahead, o.AppliedIndex)
				}
			}
		}
		if ahead < st.AppliedIndex+300 {
			return fmt.Errorf("%s keeps up: applied %d, the others %d", nd.id, st.AppliedIndex, ahead)
		}
		stuck = st.AppliedIndex
		return nil
	})
	close(stop)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if !exited {
		t.Fatalf("%s fell behind (applied index %d) but stayed up: its raft log refuses every entry until it restarts", nd.id, stuck)
	}

	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_REMOUNT, "size=1g"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	if nd.running() {
		c.stop(f)
	}
	c.restart(f)
	info := c.waitConverged(log, uint64(len(acked)))
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil || uint64(len(recs)) != info.Records {
			t.Fatalf("%s reads %d records, %v; want %d", c.nodes[i].id, len(recs), err, info.Records)
		}
		seen := map[[2]uint32]bool{}
		last := make([]int64, writers)
		for w := range last {
			last[w] = -1
		}
		for _, r := range recs {
			k := [2]uint32{binary.BigEndian.Uint32(r.Payload), binary.BigEndian.Uint32(r.Payload[4:])}
			if seen[k] || int64(k[1]) <= last[k[0]] {
				t.Fatalf("%s: record %d (writer %d, #%d) twice or out of order", c.nodes[i].id, r.ID, k[0], k[1])
			}
			seen[k], last[k[0]] = true, int64(k[1])
		}
		var missing [][2]uint32
		for k := range acked {
			if !seen[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			slices.SortFunc(missing, func(a, b [2]uint32) int { return int(a[0]-b[0])*1000 + int(a[1]) - int(b[1]) })
			t.Fatalf("%s lacks %d acknowledged records, e.g. %v", c.nodes[i].id, len(missing), missing[0])
		}
	}
	t.Logf("%d records acknowledged; %s fell behind (exited: %v, applied index %d) and caught up after a restart", len(acked), nd.id, exited, stuck)
}
