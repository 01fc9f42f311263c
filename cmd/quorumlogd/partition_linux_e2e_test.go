//go:build linux

package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// Under a logLoad (appends, conditional appends and linearizable
// Describes on every node), the leader is cut off from the other two
// nodes (iptables drops every packet between its address and theirs;
// clients still reach every node), then healed; then the next leader is
// frozen (SIGSTOP) and thawed. Each time the other two elect a leader and
// go on acknowledging. Every node then holds the same log, every
// acknowledged append at its ID, once, and no append the client called
// failed; and the history of every operation is linearizable (porcupine):
// a write acknowledged by the old leader and later lost, or a stale read
// it served, would show up.
func TestE2E_PartitionedLeader(t *testing.T) {
	proctest.NeedIptables(t)
	hosts := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13"}
	c := newCluster(t, clusterOptions{hosts: hosts})
	load := startLogLoad(c)
	hold(t, time.Second)
	for round, fault := range []string{"cut off", "froze"} {
		l := c.leader()
		others := allBut(hosts, l)
		var heal func()
		if fault == "cut off" {
			heal = proctest.Partition(t, hosts[l], others...)
		} else {
			// SIGSTOP: once thawed, the old leader still thinks it leads
			// until it hears of the newer term; it must not serve a read
			// from its state meanwhile.
			c.nodes[l].proc.Stop(t)
			heal = func() { c.nodes[l].proc.Cont(t) }
		}
		newLeader := c.leaderAmong(others)
		hold(t, 2*time.Second) // the new leader acknowledges; the old one cannot
		heal()
		t.Logf("round %d: %s leader %s; %s took over; healed (%d appends acknowledged so far)",
			round, fault, c.nodes[l].id, c.nodes[newLeader].id, load.ackedCount())
		hold(t, time.Second)
	}
	load.finish()
	load.check("quorumlog-partition")
}

// allBut returns hosts without hosts[i].
func allBut(hosts []string, i int) []string {
	return slices.Delete(slices.Clone(hosts), i, i+1)
}

// leaderAmong waits until one of the nodes on hosts is the leader and the
// others on hosts agree, and returns its index (the nodes elsewhere, cut
// off, may still think otherwise).
func (c *cluster) leaderAmong(hosts []string) int {
	c.t.Helper()
	leader := -1
	proctest.WaitFor(c.t, 30*time.Second, func() error {
		leader = -1
		var leaderIDs []string
		for i, nd := range c.nodes {
			if !slices.Contains(hosts, strings.Split(nd.grpcAddr, ":")[0]) {
				continue
			}
			st, err := c.status(i)
			if err != nil {
				return fmt.Errorf("status of %s: %w", nd.id, err)
			}
			if st.State == "Leader" {
				leader = i
			}
			leaderIDs = append(leaderIDs, st.LeaderID)
		}
		if leader < 0 {
			return fmt.Errorf("no leader among %v yet", hosts)
		}
		for _, id := range leaderIDs {
			if id != c.nodes[leader].id {
				return fmt.Errorf("nodes on %v disagree on the leader: %q", hosts, leaderIDs)
			}
		}
		return nil
	})
	return leader
}
