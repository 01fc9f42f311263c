package shard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// appendGate holds the log's appends while it is closed, and fails them
// (as if they timed out, outcome unknown, never sent) while failing: a
// client-side interceptor on the unary Append.
type appendGate struct {
	failing atomic.Bool
	mu      sync.Mutex
	opened  chan struct{} // closed while appends pass
}

func newAppendGate() *appendGate {
	g := &appendGate{opened: make(chan struct{})}
	close(g.opened)
	return g
}

func (g *appendGate) close() {
	g.mu.Lock()
	g.opened = make(chan struct{})
	g.mu.Unlock()
}

func (g *appendGate) open() {
	g.mu.Lock()
	close(g.opened)
	g.mu.Unlock()
}

func (g *appendGate) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if method == "/quorumlog.v1.LogService/Append" {
		if g.failing.Load() {
			return status.Error(codes.DeadlineExceeded, "test: append dropped")
		}
		g.mu.Lock()
		opened := g.opened
		g.mu.Unlock()
		select {
		case <-opened:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// serveNode runs a server.Server over node i on 127.0.0.1:0 and returns
// its address.
func (ts *testShard) serveNode(i int) string {
	ts.t.Helper()
	return ts.serveNodeWith(i, server.Config{})
}

// TestShard_KeyspaceEventsWaitForTheCommit runs a primary and a replica on
// a real log, each behind a server with notify-keyspace-events set: a
// subscriber on the primary gets a write's notification only once the
// write has committed (never while the log holds it, when its reply is
// held too), and a subscriber on the replica gets the notifications of
// the effects the replica applies (SPOP shows as "srem" there, as on a
// Redis replica).
func TestShard_KeyspaceEventsWaitForTheCommit(t *testing.T) {
	ts, gate := newGatedShard(t)
	ts.start(0)
	ts.start(1)
	p := ts.primary()
	r := 1 - p
	paddr, raddr := ts.serveNode(p), ts.serveNode(r)

	subs := map[string]*redisdiff.Conn{}
	for name, addr := range map[string]string{"primary": paddr, "replica": raddr} {
		if got := redisdiff.Dial(t, addr).Do("CONFIG", "SET", "notify-keyspace-events", "E$sg"); string(got) != "+OK\r\n" {
			t.Fatalf("CONFIG SET on the %s = %q", name, got)
		}
		subs[name] = redisdiff.Dial(t, addr)
		subs[name].Do("PSUBSCRIBE", "__keyevent@0__:*")
	}
	expect := func(name string, events ...string) {
		t.Helper()
		for _, ev := range events {
			got := string(subs[name].Read())
			if want := strings.SplitN(ev, " ", 2); !strings.HasSuffix(got, fmt.Sprintf("__keyevent@0__:%s\r\n$%d\r\n%s\r\n", want[0], len(want[1]), want[1])) {
				t.Fatalf("the %s's subscriber got %q, want %s", name, got, ev)
			}
		}
	}
	w := redisdiff.Dial(t, paddr)
	if got := w.Do("SET", "k0", "v"); string(got) != "+OK\r\n" {
		t.Fatalf("SET k0 = %q", got)
	}
	expect("primary", "set k0")
	expect("replica", "set k0")

	// The log holds the next record: neither the reply nor the
	// notification may come out.
	gate.close()
	w.Send(redisdiff.Encode("SET", "k1", "v"))
	if !w.Idle(500*time.Millisecond) || !subs["primary"].Idle(0) || !subs["replica"].Idle(0) {
		t.Fatal("a reply or notification of an uncommitted write came out")
	}
	gate.open()
	if got := w.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("SET k1 = %q", got)
	}
	expect("primary", "set k1")
	expect("replica", "set k1")

	// Effects, not commands, reach the replica.
	w.Do("SADD", "s", "a")
	w.Do("SPOP", "s")
	expect("primary", "sadd s", "spop s", "del s")
	expect("replica", "sadd s", "srem s", "del s")
	w.Do("DEL", "k0")
	expect("primary", "del k0")
	expect("replica", "del k0")
}

// TestShard_KeyspaceEventsOfALostWriteAreDropped: a write whose record
// loses to another node's (the log held the primary's append past its
// lease, and the replica was elected meanwhile) gets TRYAGAIN, and its
// notification is never published.
func TestShard_KeyspaceEventsOfALostWriteAreDropped(t *testing.T) {
	ts, gate := newGatedPrimaryShard(t)
	addr := ts.serveNode(0)
	redisdiff.Dial(t, addr).Do("CONFIG", "SET", "notify-keyspace-events", "E$")
	sub := redisdiff.Dial(t, addr)
	sub.Do("SUBSCRIBE", "__keyevent@0__:set")
	w := redisdiff.Dial(t, addr)
	quorumtest.WaitFor(t, 15*time.Second, func() error {
		if !ts.nodes[1].s.Topology().Serving {
			return errors.New("node 1 has not caught up")
		}
		return nil
	})
	if got := w.Do("SET", "k", "v"); string(got) != "+OK\r\n" {
		t.Fatalf("SET k = %q", got)
	}
	if got := string(sub.Read()); !strings.HasSuffix(got, "$1\r\nk\r\n") {
		t.Fatalf("notification %q, want set k", got)
	}

	gate.close()
	w.Send(redisdiff.Encode("SET", "lost", "v"))
	quorumtest.WaitFor(t, 15*time.Second, func() error {
		if top := ts.nodes[1].s.Topology(); top.Role != rolePrimary {
			return errors.New("node 1 is not primary yet")
		}
		return nil
	})
	gate.open()
	if got := string(w.Read()); !strings.HasPrefix(got, "-TRYAGAIN") {
		t.Fatalf("SET lost = %q, want TRYAGAIN", got)
	}
	// Node 0, a replica now, publishes the new primary's writes.
	raddr := ts.serveNode(1)
	redisdiff.Dial(t, raddr).Do("SET", "after", "v")
	if got := string(sub.Read()); !strings.HasSuffix(got, "$5\r\nafter\r\n") {
		t.Fatalf("notification %q, want set after (and never set lost)", got)
	}
}

// newGatedPrimaryShard starts a shard of two nodes on a real log: node 0,
// the primary, appends through gate; node 1, a replica, does not, so it
// can be elected while the gate holds node 0's appends.
func newGatedPrimaryShard(t *testing.T) (*testShard, *appendGate) {
	t.Helper()
	gate := newAppendGate()
	qc := servertest.StartWith(t, 3, servertest.Options{})
	gated := gatedClient(t, qc.Addrs, gate)
	free, err := client.New(t.Context(), client.Config{Endpoints: qc.Addrs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { free.Close() })
	// Node 0 appends through the gate and starts alone, so it is the
	// primary; node 1 does not.
	ts := &testShard{t: t, log: gated}
	ts.start(0)
	if p := ts.primary(); p != 0 {
		t.Fatalf("primary %d, want 0", p)
	}
	ts.tune = func(cfg *Config) { cfg.Client = free }
	ts.start(1)
	return ts, gate
}

// gatedClient returns a client of the log at addrs whose appends (unary,
// so that each passes the interceptor) go through gate.
func gatedClient(t *testing.T, addrs []string, gate *appendGate) *client.Client {
	t.Helper()
	c, err := client.New(t.Context(), client.Config{Endpoints: addrs, UnaryAppend: true,
		DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(gate.intercept)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newGatedShard returns a shard, no node started, on a real log that
// every node appends to through gate, with a 2 s lease (the gate may hold
// appends for a while without a failover).
func newGatedShard(t *testing.T) (*testShard, *appendGate) {
	t.Helper()
	gate := newAppendGate()
	qc := servertest.StartWith(t, 3, servertest.Options{})
	c := gatedClient(t, qc.Addrs, gate)
	return &testShard{t: t, log: c, tune: func(cfg *Config) { cfg.Lease = 2 * time.Second }}, gate
}
