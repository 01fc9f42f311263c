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
	dir := moveToSmallDisk(t, c, f)
	load := startFullDiskLoad(t, c, "full")
	stuck, exited := waitFallenBehind(t, c, f)
	load.finish()
	if !exited {
		t.Fatalf("%s fell behind (applied index %d) but stayed up: its raft log refuses every entry until it restarts", c.nodes[f].id, stuck)
	}
	growAndRestart(t, c, f, dir)
	load.check(c)
	t.Logf("%d records acknowledged; %s fell behind (exited: %v, applied index %d) and caught up after a restart", len(load.acked), c.nodes[f].id, exited, stuck)
}

// The leader's disk fills. It can no longer write its raft log, so it can
// neither acknowledge an append nor stay leader: the other two elect one
// and keep acknowledging (a majority in two zones), and the full node
// stops. After a restart with room it catches up. Every acknowledged record
// is on every node, in order, once, and some were acknowledged only after
// the leader's disk had filled.
func TestE2E_LeaderWithAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (CI runs as root)")
	}
	c := newCluster(t, clusterOptions{})
	f := c.leader()
	dir := moveToSmallDisk(t, c, f)
	// The restart cost f its leadership: restart the leader until f wins
	// an election (each time one of two nodes wins).
	for try := 0; ; try++ {
		l := c.leader()
		if l == f {
			break
		}
		if try == 12 {
			t.Fatalf("%s never became leader again", c.nodes[f].id)
		}
		c.stop(l)
		proctest.WaitFor(t, 20*time.Second, func() error {
			if nl, err := c.leaderOnce(); err != nil || nl == l {
				return fmt.Errorf("no new leader yet (%v)", err)
			}
			return nil
		})
		c.restart(l)
	}
	load := startFullDiskLoad(t, c, "full")
	stuck, exited := waitFallenBehind(t, c, f)
	// Appends go on, through another leader.
	before := load.count()
	proctest.WaitFor(t, 30*time.Second, func() error {
		if n := load.count(); n < before+50 {
			return fmt.Errorf("%d appends acknowledged since %s's disk filled, want 50", n-before, c.nodes[f].id)
		}
		return nil
	})
	load.finish()
	if l := c.leader(); l == f {
		t.Fatalf("%s still leads with a full disk", c.nodes[f].id)
	}
	if !exited {
		t.Fatalf("%s fell behind (applied index %d) but stayed up", c.nodes[f].id, stuck)
	}
	growAndRestart(t, c, f, dir)
	load.check(c)
	t.Logf("%d records acknowledged (%d after the leader's disk filled); %s stopped when its raft log could not go on, and caught up after a restart",
		len(load.acked), len(load.acked)-before, c.nodes[f].id)
}

// moveToSmallDisk moves node i's data dir onto a 160 MiB tmpfs and
// restarts it there; it returns the mount point. raft-wal takes its log in
// 64 MiB segments: the second one does not fit beside the records applied
// by then, so the raft log fails first.
func moveToSmallDisk(t *testing.T, c *cluster, i int) string {
	t.Helper()
	nd := c.nodes[i]
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=160m"); err != nil {
		t.Fatalf("mount a 160 MiB tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	c.stop(i)
	if out, err := exec.Command("cp", "-a", nd.dataDir+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy %s's data dir: %v\n%s", nd.id, err, out)
	}
	for j, a := range nd.args {
		if a == "--data-dir" {
			nd.args[j+1] = dir
		}
	}
	nd.dataDir = dir
	c.restart(i)
	return dir
}

// waitFallenBehind waits until node f has stopped (exited is true) or has
// fallen 300 entries behind the others; stuck is its last applied index.
func waitFallenBehind(t *testing.T, c *cluster, f int) (stuck uint64, exited bool) {
	t.Helper()
	nd := c.nodes[f]
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
	return stuck, exited
}

// growAndRestart gives node f's tmpfs room and restarts the node.
func growAndRestart(t *testing.T, c *cluster, f int, dir string) {
	t.Helper()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_REMOUNT, "size=1g"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	if c.nodes[f].running() {
		c.stop(f)
	}
	c.restart(f)
}

// fullDiskLoad is 8 writers of 100 KB records, each record naming its
// writer and sequence number, at most 375 each (the 160 MiB tmpfs holds
// fewer than 1,600).
type fullDiskLoad struct {
	t     *testing.T
	log   string
	mu    sync.Mutex
	acked map[[2]uint32]bool
	wg    sync.WaitGroup
	stop  chan struct{}
}

const fullDiskWriters, fullDiskRecord = 8, 100_000

func startFullDiskLoad(t *testing.T, c *cluster, log string) *fullDiskLoad {
	t.Helper()
	cl := c.client()
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	l := &fullDiskLoad{t: t, log: log, acked: map[[2]uint32]bool{}, stop: make(chan struct{})}
	for w := range fullDiskWriters {
		l.wg.Go(func() {
			for i := range 375 {
				select {
				case <-l.stop:
					return
				default:
				}
				p := make([]byte, fullDiskRecord)
				binary.BigEndian.PutUint32(p, uint32(w))
				binary.BigEndian.PutUint32(p[4:], uint32(i))
				_, err := cl.Append(t.Context(), log, [][]byte{p})
				switch {
				case err == nil:
					l.mu.Lock()
					l.acked[[2]uint32{uint32(w), uint32(i)}] = true
					l.mu.Unlock()
				case errors.Is(err, client.ErrOutcomeUnknown), errors.Is(err, client.ErrUnavailable):
				default:
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	return l
}

// count returns how many appends have been acknowledged so far.
func (l *fullDiskLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// finish stops the writers and waits for them.
func (l *fullDiskLoad) finish() {
	close(l.stop)
	l.wg.Wait()
	if l.t.Failed() {
		l.t.FailNow()
	}
}

// check waits until every node has the log's records and fails unless
// each holds every acknowledged record, in order, once.
func (l *fullDiskLoad) check(c *cluster) {
	t := l.t
	t.Helper()
	info := c.waitConverged(l.log, uint64(len(l.acked)))
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), l.log, 1)
		if err != nil || uint64(len(recs)) != info.Records {
			t.Fatalf("%s reads %d records, %v; want %d", c.nodes[i].id, len(recs), err, info.Records)
		}
		seen := map[[2]uint32]bool{}
		last := make([]int64, fullDiskWriters)
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
		for k := range l.acked {
			if !seen[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			slices.SortFunc(missing, func(a, b [2]uint32) int { return int(a[0]-b[0])*1000 + int(a[1]) - int(b[1]) })
			t.Fatalf("%s lacks %d acknowledged records, e.g. %v", c.nodes[i].id, len(missing), missing[0])
		}
	}
}
