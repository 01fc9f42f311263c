//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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
	load := startRecordLoad(t, c, "full")
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
	load := startRecordLoad(t, c, "full")
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
