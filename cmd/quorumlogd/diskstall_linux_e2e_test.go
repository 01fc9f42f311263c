//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// The leader's disk stalls (fsfreeze of the ext4 filesystem its data dir
// is on: every write blocks). hashicorp/raft's leader then blocks in the
// raft log write while its heartbeats go on, so no follower ever stands
// for election: every write would wait for the disk. A node whose raft
// log write has not returned for --max-sync-duration stops instead; the
// other two elect a leader and go on acknowledging. Once the disk thaws
// and the old leader is restarted it catches up. Under a logLoad
// throughout, every node then holds every acknowledged append at its ID,
// once, and the history is linearizable.
func TestE2E_LeaderDiskStalls(t *testing.T) {
	proctest.NeedLoopDevices(t)
	hosts := []string{"127.0.0.61", "127.0.0.62", "127.0.0.63"}
	c := prepareCluster(t, clusterOptions{hosts: hosts, extraArgs: []string{"--max-sync-duration", "2s"}})
	disks := make([]*proctest.LoopFS, len(c.nodes))
	for i, nd := range c.nodes {
		disks[i] = proctest.MountLoopFS(t, nd.dataDir, 512)
	}
	for i := range c.nodes {
		c.start(i)
	}
	c.waitReady()
	load := startLogLoad(c)
	hold(t, time.Second)

	l := c.leader()
	old := c.nodes[l]
	others := allBut(hosts, l)
	disks[l].Freeze()
	frozeAt := time.Now()
	nl := c.leaderAmong(others)
	t.Logf("froze %s's disk; %s leads after %v", old.id, c.nodes[nl].id, time.Since(frozeAt).Round(time.Millisecond))
	before := load.ackedCount()
	proctest.WaitFor(t, 20*time.Second, func() error {
		if after := load.ackedCount(); after <= before {
			return fmt.Errorf("no append acknowledged under the new leader %s", c.nodes[nl].id)
		}
		return nil
	})
	hold(t, time.Second)

	disks[l].Thaw()
	proctest.WaitFor(t, 30*time.Second, func() error {
		if old.running() {
			return fmt.Errorf("%s, whose disk stalled, is still running", old.id)
		}
		return nil
	})
	if tail := old.proc.StderrTail(20); !strings.Contains(tail, "max-sync-duration") {
		t.Fatalf("%s stopped without saying its disk stalled:\n%s", old.id, tail)
	}
	c.restart(l)
	hold(t, time.Second)
	load.finish()
	load.check("quorumlog-diskstall")
}
