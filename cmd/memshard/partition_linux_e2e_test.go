//go:build linux

package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// The primary is cut off from every QuorumLog node (iptables drops every
// packet between its address and theirs) while clients still reach it,
// under concurrent GETs and SETs; then healed. It cannot renew its lease,
// so it stops serving before a replica may take over; once healed it finds
// the newer election and follows as a replica, and nothing it held is
// acknowledged. The history is checked for linearizability (porcupine): a
// read served by the cut-off primary after the new one took a write, or a
// write acknowledged and then lost, would show up. Finally the old primary
// appended nothing after its term ended.
func TestE2E_PrimaryCutOffFromTheLog(t *testing.T) {
	proctest.NeedIptables(t)
	logHosts := []string{"127.0.0.31", "127.0.0.32", "127.0.0.33"}
	shardHosts := []string{"127.0.0.41", "127.0.0.42", "127.0.0.43"}
	e := newEnv(t, envOptions{logHosts: logHosts, shardHosts: shardHosts})
	h := startKVLoad(t, e)
	hold(t, time.Second)

	p := e.primary()
	heal := proctest.Partition(t, shardHosts[p], logHosts...)
	var np int
	proctest.WaitFor(t, 20*time.Second, func() error {
		for i := range e.nodes {
			if r, err := e.role(i); i != p && err == nil && r == "master" {
				np = i
				return nil
			}
		}
		return fmt.Errorf("no replica has taken over from the cut-off %s yet", e.ids[p])
	})
	electedAt := e.lastID()
	// A key written on the new primary: the cut-off one, which may still
	// think it leads, must not answer for it (nor for any key).
	ctx := t.Context()
	if err := e.rc(np).Set(ctx, "cutoff:probe", "new", 0).Err(); err != nil {
		t.Fatalf("SET on the new primary %s: %v", e.ids[np], err)
	}
	old := newRedis(e.addrs[p], false)
	defer old.Close()
	if v, err := old.Get(ctx, "cutoff:probe").Result(); err == nil || errClass(err) != "CLUSTERDOWN" {
		t.Fatalf("GET on the cut-off primary %s after %s took a write = %q, %v; want CLUSTERDOWN", e.ids[p], e.ids[np], v, err)
	}
	hold(t, 1500*time.Millisecond) // the new primary acknowledges; the old one must serve nothing
	heal()
	proctest.WaitFor(t, 20*time.Second, func() error {
		if r, err := e.role(p); err != nil || r != "slave" {
			return fmt.Errorf("ROLE of the healed %s = %q, %v; want slave", e.ids[p], r, err)
		}
		return nil
	})
	t.Logf("cut off primary %s from the log; %s took over; healed, %s follows", e.ids[p], e.ids[np], e.ids[p])
	hold(t, time.Second)
	h.check()
	checkNoRecordFrom(t, e.readLog(electedAt+1), e.ids[p], e.ids[np])
}
