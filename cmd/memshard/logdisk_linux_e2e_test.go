//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// The QuorumLog leader's disk stalls (fsfreeze) under memshard's load.
// The log node stops once its raft log write has waited --max-sync-duration
// (quorumlogd's stall watchdog), the other two elect a leader, and the
// primary's appends go on there: writers carry on. The disk thaws and the
// old log node is restarted. At the end every acknowledged write is on
// every memshard node, in order, once, and nothing unacknowledged is there
// twice.
func TestE2E_LogLeaderDiskStalls(t *testing.T) {
	proctest.NeedLoopDevices(t)
	disks := make([]*proctest.LoopFS, 3)
	e := newEnv(t, envOptions{
		logFlags:   []string{"--max-sync-duration", "2s"},
		logDataDir: func(i int, dir string) { disks[i] = proctest.MountLoopFS(t, dir, 512) },
	})
	// The processes' cleanups (kill, then wait) run before the disks' own:
	// a process blocked on a frozen disk would never exit. Thaw first.
	t.Cleanup(func() {
		for _, d := range disks {
			d.Thaw()
		}
	})
	const between = 300
	w := startWriters(t, e, 6, nil)
	waitAcks(t, &w.acked, between)
	l := e.logLeaderIndex()
	disks[l].Freeze()
	frozeAt := time.Now()
	waitAcks(t, &w.acked, between) // through the log's new leader
	resumed := time.Since(frozeAt)
	disks[l].Thaw()
	old := e.logNodes[l]
	proctest.WaitFor(t, 30*time.Second, func() error {
		if old.Running() {
			return fmt.Errorf("QuorumLog node n%d, whose disk stalled, is still running", l+1)
		}
		return nil
	})
	if tail := old.StderrTail(20); !strings.Contains(tail, "max-sync-duration") {
		t.Fatalf("n%d stopped without saying its disk stalled:\n%s", l+1, tail)
	}
	old.Start(t)
	waitAcks(t, &w.acked, between) // with every log node back
	t.Logf("froze QuorumLog leader n%d's disk; %d more writes acknowledged within %v", l+1, between, resumed.Round(time.Millisecond))
	hists, errs := w.finish()
	if errs["MOVED"] > 0 {
		t.Errorf("%d writes ended in a MOVED redirect loop", errs["MOVED"])
	}
	e.onEveryNode(e.primary(), func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
}
