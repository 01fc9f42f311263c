package shard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// blockOn starts argv as a blocking command on node i and returns a
// channel that receives its reply once released (or its error).
func (ts *testShard) blockOn(i int, conn *server.ConnState, argv ...string) (blocked <-chan struct{}, reply <-chan string) {
	b := make([][]byte, len(argv))
	for j, a := range argv {
		b[j] = []byte(a)
	}
	onBlock := make(chan struct{})
	out := make(chan string, 1)
	go func() {
		w := resp.NewWriter(2)
		res := ts.nodes[i].s.Block(context.Background(), conn, b, w, func() { close(onBlock) })
		switch {
		case res.Redirect:
			out <- "redirect"
			return
		case res.Ticket != 0:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if e := ts.nodes[i].s.Wait(ctx, res.Ticket); e != "" {
				out <- "-" + e
				return
			}
		}
		out <- string(w.Bytes())
	}()
	return onBlock, out
}

func recv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no reply")
		return ""
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not block")
	}
}

// TestShard_BlockedPopGoesThroughTheLog: a client blocked in BLPOP is
// served by a later RPUSH; its pop is replicated (every replica's list
// ends without the element taken) and its reply waits for the log.
func TestShard_BlockedPopGoesThroughTheLog(t *testing.T) {
	ts := newTestShard(t, 3)
	p := ts.primary()
	blocked, reply := ts.blockOn(p, &server.ConnState{ID: 7}, "BLPOP", "q", "0")
	waitClosed(t, blocked)
	blocked2, reply2 := ts.blockOn(p, &server.ConnState{ID: 8}, "BLMOVE", "q2", "out", "LEFT", "RIGHT", "0")
	waitClosed(t, blocked2)
	if got, err := ts.do(p, "RPUSH", "q", "a", "b"); err != nil || got != ":2\r\n" {
		t.Fatalf("RPUSH = %q, %v", got, err)
	}
	if got := recv(t, reply); got != "*2\r\n$1\r\nq\r\n$1\r\na\r\n" {
		t.Fatalf("BLPOP = %q", got)
	}
	if got, err := ts.do(p, "RPUSH", "q2", "x"); err != nil || got != ":1\r\n" {
		t.Fatalf("RPUSH = %q, %v", got, err)
	}
	if got := recv(t, reply2); got != "$1\r\nx\r\n" {
		t.Fatalf("BLMOVE = %q", got)
	}
	ts.waitEveryNode(map[string]string{
		"LRANGE q 0 -1":   "*1\r\n$1\r\nb\r\n",
		"EXISTS q2":       ":0\r\n",
		"LRANGE out 0 -1": "*1\r\n$1\r\nx\r\n",
	})
}

// TestShard_HandoverRedirectsBlockedClients: a primary that hands over
// (CLUSTER FAILOVER) ends its clients' waits for a redirect, and takes
// nothing for them afterwards; the new primary serves the next waiter.
func TestShard_HandoverRedirectsBlockedClients(t *testing.T) {
	ts := newTestShardTuned(t, 3, func(c *Config) { c.Lease = 2 * time.Second })
	p := ts.primary()
	r := (p + 1) % 3
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if top := ts.nodes[r].s.Topology(); top.Primary.ID == "" || !top.Serving {
			return fmt.Errorf("replica %d: primary %q, serving %v", r, top.Primary.ID, top.Serving)
		}
		return nil
	})
	blocked, reply := ts.blockOn(p, &server.ConnState{ID: 7}, "BZPOPMIN", "z", "0")
	waitClosed(t, blocked)
	if msg := ts.nodes[r].s.Failover(t.Context(), false); msg != "" {
		t.Fatalf("Failover = %q", msg)
	}
	if got := recv(t, reply); got != "redirect" {
		t.Fatalf("BZPOPMIN on the old primary = %q, want a redirect", got)
	}
	if got := ts.primary(); got != r {
		t.Fatalf("primary %d after the handover, want %d", got, r)
	}
	blocked, reply = ts.blockOn(r, &server.ConnState{ID: 9}, "BZPOPMIN", "z", "0")
	waitClosed(t, blocked)
	if got, err := ts.do(r, "ZADD", "z", "1", "m"); err != nil || got != ":1\r\n" {
		t.Fatalf("ZADD = %q, %v", got, err)
	}
	if got := recv(t, reply); got != "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n" {
		t.Fatalf("BZPOPMIN on the new primary = %q", got)
	}
	ts.waitEveryNode(map[string]string{"EXISTS z": ":0\r\n"})
}
