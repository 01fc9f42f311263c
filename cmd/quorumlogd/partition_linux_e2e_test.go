//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// Under concurrent appends and linearizable Describes (one describer per
// node, asking only that node), the leader is cut off from the other two
// nodes (iptables drops every packet between its address and theirs;
// clients still reach every node), then healed; then the next leader is
// frozen (SIGSTOP) and thawed. Each time the other two elect a leader and
// go on acknowledging. Every node then holds the same log, every
// acknowledged append at its ID, once, and no append the client called
// failed; and the history of every operation is linearizable (porcupine):
// a write acknowledged by the old leader and later lost, or a stale read
// it served, would show up.
func TestE2E_PartitionedLeader(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for iptables (CI runs as root)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Fatal("iptables is not installed (make deps installs it)")
	}
	bad := []porcupine.Operation{ // the checker must reject a lost write
		{ClientId: 0, Input: logInput{append: true, value: "a"}, Output: logOutput{id: 1}, Call: 0, Return: 10},
		{ClientId: 1, Input: logInput{}, Output: logOutput{}, Call: 20, Return: 30},
	}
	if porcupine.CheckOperations(logModel, bad) {
		t.Fatal("the model accepts a read that misses an acknowledged append")
	}

	hosts := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13"}
	c := newCluster(t, clusterOptions{hosts: hosts})
	cl := c.client()
	const log = "partitioned"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var mu sync.Mutex
	var history []porcupine.Operation
	acked := map[string]uint64{} // value -> ID
	failed := map[string]bool{}  // appends the client called failed: never applied
	unknown := map[string]bool{} // appends of unknown outcome
	var wg sync.WaitGroup
	// Paced, so that the history stays small enough to check (about 400
	// operations a second) while spanning both partitions.
	const appenders, maxOps, pace = 4, 2000, 15 * time.Millisecond
	// Describers ask one node each, four per node: a node cut off or frozen
	// is asked too, and must not answer from its stale state (when a frozen
	// leader is thawed, their requests are waiting for it).
	var describers []*client.Client
	for i := range c.nodes {
		for range 4 {
			describers = append(describers, c.nodeClient(i))
		}
	}
	for w := range appenders + len(describers) {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil && n < maxOps; n++ {
				op := porcupine.Operation{ClientId: w, Call: now()}
				octx, cancel := context.WithTimeout(ctx, 5*time.Second)
				var err error
				if w < appenders {
					v := fmt.Sprintf("w%d.%d", w, n)
					op.Input = logInput{append: true, value: v}
					var res client.AppendResult
					res, err = cl.Append(octx, log, [][]byte{[]byte(v)})
					op.Output = logOutput{id: res.LastID}
					mu.Lock()
					switch {
					case err == nil:
						acked[v] = res.LastID
					case errors.Is(err, client.ErrOutcomeUnknown):
						op.Output, op.Return = logOutput{unknown: true}, math.MaxInt64
						unknown[v] = true
					default:
						failed[v] = true
					}
					mu.Unlock()
				} else {
					op.Input = logInput{}
					var info client.LogInfo
					info, err = describers[w-appenders].Describe(octx, log, client.Linearizable())
					op.Output = logOutput{id: info.LastID, sum: info.Checksum}
				}
				cancel()
				if op.Return == 0 {
					op.Return = now()
				}
				mu.Lock()
				if err == nil || op.Output.(logOutput).unknown {
					history = append(history, op)
				}
				mu.Unlock()
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
			heal = partition(t, hosts[l], others...)
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

	// Every node holds the same log, with every acknowledged append at its
	// ID, once, and no append the client called failed.
	want := c.waitConverged(log, 0)
	applied := map[string]uint64{} // value -> ID, as every node has it
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil || uint64(len(recs)) != want.LastID {
			t.Fatalf("%s: %d records, %v; want %d", c.nodes[i].id, len(recs), err, want.LastID)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			v := string(r.Payload)
			switch {
			case seen[v]:
				t.Fatalf("%s: %q appears twice", c.nodes[i].id, v)
			case failed[v]:
				t.Fatalf("%s: %q is in the log, but its append failed", c.nodes[i].id, v)
			case acked[v] == 0 && !unknown[v]:
				t.Fatalf("%s: %q was never appended", c.nodes[i].id, v)
			case acked[v] != 0 && acked[v] != r.ID:
				t.Fatalf("%s: %q at ID %d, acknowledged at %d", c.nodes[i].id, v, r.ID, acked[v])
			case i > 0 && applied[v] != r.ID:
				t.Fatalf("%s: %q at ID %d, %s has it at %d", c.nodes[i].id, v, r.ID, c.nodes[0].id, applied[v])
			}
			seen[v] = true
			applied[v] = r.ID
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
	checked := history[:0]
	for _, op := range history {
		if out := op.Output.(logOutput); out.unknown {
			v := op.Input.(logInput).value
			if applied[v] == 0 {
				dropped++
				continue
			}
			op.Output = logOutput{id: applied[v]}
			resolved++
		}
		checked = append(checked, op)
	}
	t.Logf("%d operations checked: %d appends acknowledged, %d of unknown outcome (%d applied, %d not), %d failed",
		len(checked), len(acked), len(unknown), resolved, dropped, len(failed))
	res, info := porcupine.CheckOperationsVerbose(logModel, checked, 2*time.Minute)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		path := filepath.Join(os.TempDir(), fmt.Sprintf("quorumlog-partition-%d.html", time.Now().UnixNano()))
		if err := porcupine.VisualizePath(logModel, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatal("the history is not linearizable")
	default:
		t.Fatalf("porcupine could not decide within two minutes: %v", res)
	}
}

// partition drops every packet between ip and each of others, both ways,
// until heal is called (at the latest in t.Cleanup). Clients reach every
// node still: their connections come from 127.0.0.1.
func partition(t *testing.T, ip string, others ...string) (heal func()) {
	t.Helper()
	var rules [][]string
	for _, o := range others {
		for _, pair := range [][2]string{{ip, o}, {o, ip}} {
			rules = append(rules, []string{"INPUT", "-s", pair[0], "-d", pair[1], "-m", "comment", "--comment", "quorumlog-e2e", "-j", "DROP"})
		}
	}
	iptables := func(op string, rule []string) error {
		out, err := exec.Command("iptables", append([]string{op}, rule...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("iptables %s %s: %v: %s", op, strings.Join(rule, " "), err, out)
		}
		return nil
	}
	var once sync.Once
	heal = func() {
		once.Do(func() {
			for _, r := range rules {
				if err := iptables("-D", r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i, r := range rules {
		if err := iptables("-I", r); err != nil {
			for _, done := range rules[:i] {
				iptables("-D", done)
			}
			t.Fatal(err)
		}
	}
	t.Cleanup(heal)
	return heal
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
