// Package quorumtest runs in-process QuorumLog clusters for tests: real
// quorum.Nodes with real on-disk stores in t.TempDir(), connected by
// hashicorp/raft's in-memory transport so tests can partition them.
package quorumtest

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
)

// Options shape a cluster. The zero value is a 3-node cluster on raft-wal.
type Options struct {
	LogStore string
	// Configure, if set, adjusts each node's config before it opens.
	Configure func(*quorum.Config)
}

// Cluster is a set of in-process nodes. Methods must be called from the test goroutine.
type Cluster struct {
	t     testing.TB
	opts  Options
	mu    sync.Mutex
	nodes []*quorum.Node // nil while stopped
	trans []*raft.InmemTransport
	cfgs  []quorum.Config
}

// NewCluster starts n bootstrapped nodes in zones a, b, c, ... and waits for
// a leader. Nodes close in t.Cleanup.
func NewCluster(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	c := &Cluster{t: t, opts: opts, nodes: make([]*quorum.Node, n), trans: make([]*raft.InmemTransport, n)}
	var peers []quorum.Peer
	for i := range n {
		peers = append(peers, quorum.Peer{ID: nodeID(i), RaftAddr: nodeID(i), Zone: zone(i)})
	}
	for i := range n {
		cfg := quorum.Config{
			ID: nodeID(i), Zone: zone(i), DataDir: t.TempDir(), GRPCAddr: "grpc-" + nodeID(i),
			LogStore: opts.LogStore, Bootstrap: peers,
			Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: logLevel()})),
			Tune: func(rc *raft.Config) {
				rc.HeartbeatTimeout = 500 * time.Millisecond
				rc.ElectionTimeout = 500 * time.Millisecond
				rc.LeaderLeaseTimeout = 250 * time.Millisecond
			},
		}
		if opts.Configure != nil {
			opts.Configure(&cfg)
		}
		c.cfgs = append(c.cfgs, cfg)
	}
	for i := range n {
		c.start(i)
	}
	t.Cleanup(c.Close)
	c.Leader()
	return c
}

func nodeID(i int) string { return fmt.Sprintf("n%d", i+1) }
func zone(i int) string   { return string(rune('a' + i)) }

// start opens node i on its data dir with a fresh transport connected to
// every running peer.
func (c *Cluster) start(i int) {
	c.t.Helper()
	_, tr := raft.NewInmemTransport(raft.ServerAddress(nodeID(i)))
	cfg := c.cfgs[i]
	cfg.Transport = tr
	c.mu.Lock()
	c.trans[i] = tr
	for j, other := range c.trans {
		if j != i && other != nil {
			tr.Connect(other.LocalAddr(), other)
			other.Connect(tr.LocalAddr(), tr)
		}
	}
	c.mu.Unlock()
	n, err := quorum.Open(cfg)
	if err != nil {
		c.t.Fatalf("open node %s: %v", nodeID(i), err)
	}
	c.mu.Lock()
	c.nodes[i] = n
	c.mu.Unlock()
}

// Node returns node i (nil while stopped).
func (c *Cluster) Node(i int) *quorum.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// Size is the number of nodes, running or not.
func (c *Cluster) Size() int { return len(c.nodes) }

// Stop closes node i, as a crash that loses nothing synced would.
func (c *Cluster) Stop(i int) {
	c.t.Helper()
	c.mu.Lock()
	n, tr := c.nodes[i], c.trans[i]
	c.nodes[i], c.trans[i] = nil, nil
	c.mu.Unlock()
	if n == nil {
		return
	}
	for _, other := range c.trans {
		if other != nil {
			other.Disconnect(tr.LocalAddr())
		}
	}
	tr.DisconnectAll()
	if err := n.Close(); err != nil {
		c.t.Errorf("close node %s: %v", nodeID(i), err)
	}
}

// Restart stops node i if it runs and starts it again on the same data.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.Stop(i)
	c.start(i)
}

// Disconnect cuts node i off from every other node (both directions).
func (c *Cluster) Disconnect(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.trans[i]
	for j, other := range c.trans {
		if j != i && other != nil {
			other.Disconnect(tr.LocalAddr())
			tr.Disconnect(other.LocalAddr())
		}
	}
}

// Reconnect undoes Disconnect.
func (c *Cluster) Reconnect(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.trans[i]
	for j, other := range c.trans {
		if j != i && other != nil {
			other.Connect(tr.LocalAddr(), tr)
			tr.Connect(other.LocalAddr(), other)
		}
	}
}

// Close stops every node.
func (c *Cluster) Close() {
	for i := range c.nodes {
		c.Stop(i)
	}
}

// Leader waits (up to 10 s) for exactly one running node to lead and returns its index.
func (c *Cluster) Leader() int {
	c.t.Helper()
	var idx int
	WaitFor(c.t, 10*time.Second, func() error {
		idx = -1
		for i := range c.nodes {
			if n := c.Node(i); n != nil && n.IsLeader() {
				if idx >= 0 {
					return errors.New("two leaders")
				}
				idx = i
			}
		}
		if idx < 0 {
			return errors.New("no leader")
		}
		return nil
	})
	return idx
}

// WaitConverged waits until every running node has applied what the leader has.
func (c *Cluster) WaitConverged() {
	c.t.Helper()
	WaitFor(c.t, 20*time.Second, func() error {
		leader := c.Node(c.Leader())
		want := leader.Store().AppliedIndex()
		for i := range c.nodes {
			if n := c.Node(i); n != nil && n.Store().AppliedIndex() < want {
				return fmt.Errorf("node %s applied %d, leader %d", nodeID(i), n.Store().AppliedIndex(), want)
			}
		}
		return nil
	})
}

// WaitFor polls f until it returns nil or total elapses (then fails the test
// with f's last error). Like nats-server's checkFor.
func WaitFor(t testing.TB, total time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v: %v", total, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AppendOp builds an append of payloads with their CRCs.
func AppendOp(log string, payloads ...[]byte) logstore.Op {
	op := logstore.Op{Kind: logstore.OpAppend, Log: log}
	for _, p := range payloads {
		op.Records = append(op.Records, logstore.Record{Payload: p, CRC: crc32.Checksum(p, castagnoli)})
	}
	return op
}

// Propose proposes op on the current leader, retrying while leadership moves
// before anything was proposed.
func (c *Cluster) Propose(ctx context.Context, op logstore.Op) (logstore.Result, error) {
	for {
		i := c.Leader()
		n := c.Node(i)
		if n == nil {
			continue
		}
		res, err := n.Propose(ctx, op)
		if errors.Is(err, quorum.ErrNotLeader) || errors.Is(err, quorum.ErrClosed) {
			if ctx.Err() != nil {
				return res, err
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		return res, err
	}
}

// logLevel is Warn, or what QUORUMTEST_LOG says (debug, info, ...).
func logLevel() slog.Level {
	var l slog.Level = slog.LevelWarn
	if v := os.Getenv("QUORUMTEST_LOG"); v != "" {
		_ = l.UnmarshalText([]byte(v))
	}
	return l
}
