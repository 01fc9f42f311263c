package shard

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// TestShard_KeysInSlotWaitForTheCommit: CLUSTER COUNTKEYSINSLOT and
// GETKEYSINSLOT are keyless reads for the client blocking layer: while
// the log holds a write, neither answers on the primary (the key it
// creates could still be lost), in MULTI or not; once it commits, both
// count it. A replica answers from its own keys, without MOVED, with or
// without READONLY.
func TestShard_KeysInSlotWaitForTheCommit(t *testing.T) {
	ts, gate := newGatedShard(t)
	ts.start(0)
	ts.start(1)
	p := ts.primary()
	paddr, raddr := ts.serveNode(p), ts.serveNode(1-p)
	slot := strconv.Itoa(hashslot.Of("{s}"))

	w := redisdiff.Dial(t, paddr)
	if got := w.Do("SET", "{s}0", "v"); string(got) != "+OK\r\n" {
		t.Fatalf("SET {s}0 = %q", got)
	}
	gate.close()
	w.Send(redisdiff.Encode("SET", "{s}1", "v"))
	// The SET has run once the primary holds both keys.
	s := ts.nodes[p].s
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if n := s.db.Len(); n != 2 {
			return fmt.Errorf("the primary holds %d keys, want 2", n)
		}
		return nil
	})
	count, get, multi := redisdiff.Dial(t, paddr), redisdiff.Dial(t, paddr), redisdiff.Dial(t, paddr)
	count.Send(redisdiff.Encode("CLUSTER", "COUNTKEYSINSLOT", slot))
	get.Send(redisdiff.Encode("CLUSTER", "GETKEYSINSLOT", slot, "10"))
	multi.Send(append(append(redisdiff.Encode("MULTI"), redisdiff.Encode("CLUSTER", "COUNTKEYSINSLOT", slot)...), redisdiff.Encode("EXEC")...))
	if got := multi.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("MULTI = %q", got)
	}
	if got := multi.Read(); string(got) != "+QUEUED\r\n" {
		t.Fatalf("CLUSTER COUNTKEYSINSLOT in MULTI = %q", got)
	}
	if !count.Idle(500*time.Millisecond) || !get.Idle(0) || !multi.Idle(0) || !w.Idle(0) {
		t.Fatal("a reply came out while the log held the write")
	}
	gate.open()
	if got := w.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("SET {s}1 = %q", got)
	}
	if got := count.Read(); string(got) != ":2\r\n" {
		t.Fatalf("CLUSTER COUNTKEYSINSLOT %s = %q, want 2", slot, got)
	}
	if got := string(get.Read()); got != "*2\r\n$4\r\n{s}0\r\n$4\r\n{s}1\r\n" && got != "*2\r\n$4\r\n{s}1\r\n$4\r\n{s}0\r\n" {
		t.Fatalf("CLUSTER GETKEYSINSLOT %s 10 = %q, want both keys", slot, got)
	}
	if got := multi.Read(); string(got) != "*1\r\n:2\r\n" {
		t.Fatalf("EXEC = %q, want [2]", got)
	}

	// The replica, once it has applied the write, answers from its keys.
	rc, ro := redisdiff.Dial(t, raddr), redisdiff.Dial(t, raddr)
	if got := ro.Do("READONLY"); string(got) != "+OK\r\n" {
		t.Fatalf("READONLY on the replica = %q", got)
	}
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		for _, c := range []*redisdiff.Conn{rc, ro} {
			if got := string(c.Do("CLUSTER", "COUNTKEYSINSLOT", slot)); got != ":2\r\n" {
				return fmt.Errorf("CLUSTER COUNTKEYSINSLOT %s on the replica = %q, want 2", slot, got)
			}
			if got := string(c.Do("CLUSTER", "GETKEYSINSLOT", slot, "1")); got != "*1\r\n$4\r\n{s}0\r\n" && got != "*1\r\n$4\r\n{s}1\r\n" {
				return fmt.Errorf("CLUSTER GETKEYSINSLOT %s 1 on the replica = %q, want one of the keys", slot, got)
			}
		}
		return nil
	})
}
