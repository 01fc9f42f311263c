//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// Under concurrent appends, conditional appends and linearizable
// Describes (four describers per node, each asking only its node), the leader is cut off from the other two
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
	for name, bad := range map[string][]porcupine.Operation{ // histories the checker must reject
		"a read that misses an acknowledged append": {
			{ClientId: 0, Input: logInput{op: opAppend, value: "a"}, Output: logOutput{id: 1}, Call: 0, Return: 10},
			{ClientId: 1, Input: logInput{op: opDescribe}, Output: logOutput{}, Call: 20, Return: 30},
		},
		"two conditional appends on the same last ID that both succeed": {
			{ClientId: 0, Input: logInput{op: opCondAppend, value: "a"}, Output: logOutput{id: 1}, Call: 0, Return: 10},
			{ClientId: 1, Input: logInput{op: opCondAppend, value: "b"}, Output: logOutput{id: 2}, Call: 0, Return: 10},
		},
	} {
		if porcupine.CheckOperations(logModel, bad) {
			t.Fatalf("the model accepts %s", name)
		}
	}

	hosts := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13"}
	c := newCluster(t, clusterOptions{hosts: hosts})
	cl := c.client()
	// Plain appends go to one log; conditional appenders race each other
	// on another, as memshard's would-be primaries do.
	logs := []string{"plain", "raced"}
	for _, l := range logs {
		if err := cl.CreateLog(t.Context(), l); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var mu sync.Mutex
	var history []porcupine.Operation
	var pending []porcupine.Operation // appends of unknown outcome
	acked := map[string]uint64{}      // value -> ID
	failed := map[string]bool{}       // appends certainly not applied
	unknown := map[string]bool{}      // appends of unknown outcome
	var wg sync.WaitGroup
	// Paced, so that the history stays small enough to check (about 600
	// operations a second) while spanning both faults.
	const appenders, condAppenders, maxOps, pace = 4, 2, 2000, 15 * time.Millisecond
	// Describers ask one node each, four per node: a node cut off or frozen
	// is asked too, and must not answer from its stale state (when a frozen
	// leader is thawed, their requests are waiting for it).
	var describers []*client.Client
	for i := range c.nodes {
		for range 4 {
			describers = append(describers, c.nodeClient(i))
		}
	}
	for w := range appenders + condAppenders + len(describers) {
		wg.Go(func() {
			var expected uint64 // a conditional appender's idea of the last ID
			for n := 0; ctx.Err() == nil && n < maxOps; n++ {
				op := porcupine.Operation{ClientId: w, Call: now()}
				octx, cancel := context.WithTimeout(ctx, 5*time.Second)
				var err error
				if w < appenders+condAppenders {
					in := logInput{log: logs[0], op: opAppend, value: fmt.Sprintf("w%d.%d", w, n)}
					var opts []client.AppendOption
					if w >= appenders {
						in.log, in.op, in.expected = logs[1], opCondAppend, expected
						opts = append(opts, client.IfLastID(expected))
					}
					op.Input = in
					var res client.AppendResult
					res, err = cl.Append(octx, in.log, [][]byte{[]byte(in.value)}, opts...)
					op.Output = logOutput{id: res.LastID}
					var ce *client.ConditionError
					mu.Lock()
					switch {
					case err == nil:
						acked[in.value], expected = res.LastID, res.LastID
					case errors.As(err, &ce):
						op.Output, err = logOutput{id: ce.Actual, failed: true}, nil
						failed[in.value], expected = true, ce.Actual
					case errors.Is(err, client.ErrOutcomeUnknown):
						// It may take effect at any time from its call on, or
						// never: resolved from the final log below.
						op.Return = math.MaxInt64
						pending = append(pending, op)
						unknown[in.value] = true
					default:
						failed[in.value] = true
					}
					mu.Unlock()
				} else {
					in := logInput{log: logs[n%2], op: opDescribe}
					op.Input = in
					var info client.LogInfo
					info, err = describers[w-appenders-condAppenders].Describe(octx, in.log, client.Linearizable())
					op.Output = logOutput{id: info.LastID, sum: info.Checksum}
				}
				cancel()
				op.Return = max(op.Return, now())
				if err == nil {
					mu.Lock()
					history = append(history, op)
					mu.Unlock()
				}
				select {
				case <-ctx.Done():
				case <-time.After(pace):
				}
			}
		})
	}

	hold := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-t.Context().Done():
		}
	}
	hold(time.Second)
	for round, fault := range []string{"cut off", "froze"} {
		l := c.leader()
		var others []string
		for i, h := range hosts {
			if i != l {
				others = append(others, h)
			}
		}
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
		hold(2 * time.Second) // the new leader acknowledges; the old one cannot
		heal()
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		t.Logf("round %d: %s leader %s; %s took over; healed (%d appends acknowledged so far)",
			round, fault, c.nodes[l].id, c.nodes[newLeader].id, n)
		hold(time.Second)
	}
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 100 {
		t.Fatalf("only %d appends acknowledged: the load did not run", len(acked))
	}

	// Every node holds the same logs, with every acknowledged append at its
	// ID, once, and no append the client called failed.
	applied := map[string]uint64{} // value -> ID, as every node has it
	for i := range c.nodes {
		seen := map[string]bool{}
		for _, l := range logs {
			want := c.waitConverged(l, 0)
			recs, err := readAll(t.Context(), c.nodeClient(i), l, 1)
			if err != nil || uint64(len(recs)) != want.LastID {
				t.Fatalf("%s: log %s: %d records, %v; want %d", c.nodes[i].id, l, len(recs), err, want.LastID)
			}
			checkRecords(t, c.nodes[i].id, recs, seen, applied, acked, failed, unknown, i == 0)
		}
		for v, id := range acked {
			if !seen[v] {
				t.Fatalf("%s: acknowledged %q (ID %d) is missing", c.nodes[i].id, v, id)
			}
		}
	}
	// An append of unknown outcome took effect at the ID the log has it at,
	// at some time after its call, or never: its output is that ID (its
	// return time stays open), or it leaves the history.
	resolved, dropped := 0, 0
	checked := history
	for _, op := range pending {
		id := applied[op.Input.(logInput).value]
		if id == 0 {
			dropped++
			continue
		}
		op.Output = logOutput{id: id}
		checked = append(checked, op)
		resolved++
	}
	condOK, condFailed := 0, 0
	for _, op := range history {
		if op.Input.(logInput).op == opCondAppend {
			if op.Output.(logOutput).failed {
				condFailed++
			} else {
				condOK++
			}
		}
	}
	t.Logf("%d operations checked: %d appends acknowledged (%d conditional; %d conditions failed), %d of unknown outcome (%d applied, %d not), %d other failures",
		len(checked), len(acked), condOK, condFailed, len(unknown), resolved, dropped, len(failed)-condFailed)
	proctest.CheckLinearizable(t, logModel, checked, 2*time.Minute, "quorumlog-partition")
}

// checkRecords checks one log's records as node id holds them: no value
// twice (seen spans the node's logs), none whose append failed or was
// never made, each acknowledged one at its ID. The first node's IDs are
// noted in applied; every other node's must match them.
func checkRecords(t *testing.T, id string, recs []client.Record, seen map[string]bool, applied, acked map[string]uint64, failed, unknown map[string]bool, first bool) {
	t.Helper()
	for _, r := range recs {
		v := string(r.Payload)
		switch {
		case seen[v]:
			t.Fatalf("%s: %q appears twice", id, v)
		case failed[v]:
			t.Fatalf("%s: %q is in the log, but its append failed", id, v)
		case acked[v] == 0 && !unknown[v]:
			t.Fatalf("%s: %q was never appended", id, v)
		case acked[v] != 0 && acked[v] != r.ID:
			t.Fatalf("%s: %q at ID %d, acknowledged at %d", id, v, r.ID, acked[v])
		case !first && applied[v] != r.ID:
			t.Fatalf("%s: %q at ID %d, the first node has it at %d", id, v, r.ID, applied[v])
		}
		seen[v] = true
		applied[v] = r.ID
	}
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
