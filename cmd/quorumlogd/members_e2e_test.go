package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// A dead node is replaced with logctl: after kill -9 of a follower it is
// removed (`logctl members remove`), the two left go on acknowledging, and
// a new, empty node in the dead one's zone joins and catches up; then
// every node holds every acknowledged record. Removing a member that does
// not exist fails with not found, and removing one of the two left, which
// would leave one zone with a majority, is refused. Last, the leader
// removes itself: its process ends, and another node leads.
func TestE2E_ReplaceDeadNode(t *testing.T) {
	c := newCluster(t, clusterOptions{})
	endpoints := strings.Join(c.grpcAddrs(), ",")
	logctl := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		stdout, stderr, code := runLogctl(t, "", append([]string{"--endpoints", endpoints}, args...)...)
		if code != wantCode {
			t.Fatalf("logctl %q exited %d, want %d; stdout:\n%s\nstderr:\n%s", args, code, wantCode, stdout, stderr)
		}
		return stdout, stderr
	}
	cl := c.client()
	const log = "replace"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	var want []string
	appendN := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			p := fmt.Sprintf("%s-%d", prefix, i)
			if _, err := cl.Append(t.Context(), log, [][]byte{[]byte(p)}); err != nil {
				t.Fatalf("Append(%q) = %v", p, err)
			}
			want = append(want, p)
		}
	}
	appendN("three", 20)

	dead := (c.leader() + 1) % 3
	deadID, deadZone := c.nodes[dead].id, c.nodes[dead].zone
	c.kill9(dead)
	if out, _ := logctl(0, "members", "remove", deadID); out != "removed member "+deadID+"\n" {
		t.Fatalf("members remove %s printed %q", deadID, out)
	}
	out, _ := logctl(0, "members")
	if strings.Contains(out, deadID+" ") || strings.Count(out, "\n") != 3 {
		t.Fatalf("members after removing %s:\n%s", deadID, out)
	}
	if _, stderr := logctl(1, "members", "remove", "nobody"); !strings.Contains(stderr, "no such member") {
		t.Fatalf("members remove nobody: stderr %q, want it to say no such member", stderr)
	}
	left := (dead + 1) % 3
	if _, stderr := logctl(1, "members", "remove", c.nodes[left].id); !strings.Contains(stderr, "majority") {
		t.Fatalf("members remove %s (one of the two left): stderr %q, want a zone-majority refusal", c.nodes[left].id, stderr)
	}
	appendN("two", 20)

	n4 := c.addNode(deadZone, left)
	proctest.WaitFor(t, 30*time.Second, func() error {
		st, err := c.status(n4)
		if err != nil {
			return fmt.Errorf("status of %s: %w", c.nodes[n4].id, err)
		}
		if diff := cmp.Diff(map[string]int{"a": 1, "b": 1, "c": 1}, st.VotersPerZone); diff != "" {
			return fmt.Errorf("%s's voters per zone differ (-want +got):\n%s", c.nodes[n4].id, diff)
		}
		return nil
	})
	appendN("replaced", 20)
	c.waitConverged(log, uint64(len(want)))
	for i, nd := range c.nodes {
		if !nd.running() {
			continue
		}
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil {
			t.Fatalf("%s: %v", nd.id, err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Payload))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("records on %s differ (-want +got):\n%s", nd.id, diff)
		}
	}
	st, err := cl.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got, wantIDs []string
	for _, m := range st.Members {
		got = append(got, m.ID)
	}
	for _, nd := range c.nodes {
		if nd.id != deadID {
			wantIDs = append(wantIDs, nd.id)
		}
	}
	if diff := cmp.Diff(wantIDs, got); diff != "" {
		t.Errorf("members after the replacement differ (-want +got):\n%s", diff)
	}

	// The dead node comes back on its old data dir. No leader will ever
	// send it anything; it asks the members it knew, hears from the
	// leader that it is no longer one, and stops, saying so.
	c.restart(dead)
	restarted := time.Now()
	proctest.WaitFor(t, 60*time.Second, func() error {
		if c.nodes[dead].running() {
			return fmt.Errorf("the removed %s, restarted, is still running", deadID)
		}
		return nil
	})
	if err := c.nodes[dead].proc.Wait(); err == nil || !strings.Contains(c.nodes[dead].proc.StderrTail(5), "was removed from the cluster") {
		t.Fatalf("the removed %s, restarted, exited with %v; its stderr:\n%s", deadID, err, c.nodes[dead].proc.StderrTail(5))
	}
	t.Logf("the removed %s, restarted, exited %v later", deadID, time.Since(restarted).Round(100*time.Millisecond))
	appendN("after-restart", 5)

	// The leader may remove itself: it steps down and its process ends,
	// saying why (a removed node left running would serve a state that no
	// longer follows the cluster); one of the other two leads, and appends
	// go on.
	l := c.leader()
	if out, _ := logctl(0, "members", "remove", c.nodes[l].id); out != "removed member "+c.nodes[l].id+"\n" {
		t.Fatalf("members remove of the leader %s printed %q", c.nodes[l].id, out)
	}
	proctest.WaitFor(t, 20*time.Second, func() error {
		if c.nodes[l].running() {
			return fmt.Errorf("the removed %s is still running", c.nodes[l].id)
		}
		return nil
	})
	if err := c.nodes[l].proc.Wait(); err == nil || !strings.Contains(c.nodes[l].proc.StderrTail(5), "was removed from the cluster") {
		t.Fatalf("the removed %s exited with %v; its stderr:\n%s", c.nodes[l].id, err, c.nodes[l].proc.StderrTail(5))
	}
	nl := c.leader()
	appendN("after-leader", 5)
	t.Logf("removed the leader %s, which stopped; %s leads", c.nodes[l].id, c.nodes[nl].id)
}
