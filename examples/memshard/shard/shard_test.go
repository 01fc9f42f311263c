package shard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// node is one shard node running in the test.
type node struct {
	s      *Shard
	cancel context.CancelFunc
	done   chan struct{}
}

type testShard struct {
	t     *testing.T
	log   *client.Client
	nodes []*node
	tune  func(*Config) // applied to every node's Config
}

// newTestShard starts a 3-node QuorumLog cluster (in-process, real gRPC)
// and n memshard shard nodes on one log.
func newTestShard(t *testing.T, n int) *testShard { return newTestShardTuned(t, n, nil) }

func newTestShardDepth(t *testing.T, n, depth int) *testShard {
	return newTestShardTuned(t, n, func(c *Config) { c.PipelineDepth = depth })
}

// newTestShardTuned is newTestShard with tune applied to every node's
// Config (which starts with a 300 ms lease).
func newTestShardTuned(t *testing.T, n int, tune func(*Config)) *testShard {
	t.Helper()
	return newTestShardOn(t, n, servertest.Options{}, tune)
}

// newTestShardOn is newTestShardTuned on a cluster started with opts.
func newTestShardOn(t *testing.T, n int, opts servertest.Options, tune func(*Config)) *testShard {
	t.Helper()
	qc := servertest.StartWith(t, 3, opts)
	c, err := client.New(t.Context(), client.Config{Endpoints: qc.Addrs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ts := &testShard{t: t, log: c, tune: tune}
	for i := range n {
		ts.start(i)
	}
	return ts
}

func (ts *testShard) start(i int) {
	ts.t.Helper()
	cfg := Config{
		NodeID: fmt.Sprintf("m%d", i+1), Addr: fmt.Sprintf("127.0.0.1:%d", 16001+i), Log: "shard1",
		Client: ts.log, Lease: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(ts.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if ts.tune != nil {
		ts.tune(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		ts.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	nd := &node{s: s, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(nd.done); _ = s.Run(ctx) }()
	ts.t.Cleanup(func() { nd.stop() })
	for len(ts.nodes) <= i {
		ts.nodes = append(ts.nodes, nil)
	}
	ts.nodes[i] = nd
}

func (nd *node) stop() {
	nd.cancel()
	<-nd.done
}

// primary waits until exactly one running node serves as primary.
func (ts *testShard) primary() int {
	ts.t.Helper()
	idx := -1
	quorumtest.WaitFor(ts.t, 15*time.Second, func() error {
		idx = -1
		for i, nd := range ts.nodes {
			if nd == nil {
				continue
			}
			if top := nd.s.Topology(); top.Role == rolePrimary && top.Serving {
				if idx >= 0 {
					return errors.New("two serving primaries")
				}
				idx = i
			}
		}
		if idx < 0 {
			return errors.New("no serving primary")
		}
		return nil
	})
	return idx
}

// startSets starts writers goroutines that each SET rounds keys
// w<writer>:<round> to value on node i, one at a time and each on its own
// connection. The returned wait waits for them and fails the test if any
// reply was not OK.
func (ts *testShard) startSets(i, writers, rounds int, value string) (wait func()) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			conn := &server.ConnState{ID: int64(w + 1)}
			for r := range rounds {
				if got, err := ts.doOn(i, conn, "SET", fmt.Sprintf("w%d:%d", w, r), value); err != nil || got != "+OK\r\n" {
					errs <- fmt.Errorf("writer %d round %d: %q, %v", w, r, got, err)
					return
				}
			}
		})
	}
	return func() {
		ts.t.Helper()
		wg.Wait()
		close(errs)
		for err := range errs {
			ts.t.Fatal(err)
		}
	}
}

// shardRecords returns the payloads of the shard log's records.
func (ts *testShard) shardRecords() [][]byte {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(ts.t.Context(), 10*time.Second)
	defer cancel()
	r, err := ts.log.Read(ctx, "shard1", 0, client.Linearizable())
	if err != nil {
		ts.t.Fatal(err)
	}
	recs, err := r.All()
	if err != nil {
		ts.t.Fatal(err)
	}
	out := make([][]byte, len(recs))
	for i, rec := range recs {
		out[i] = rec.Payload
	}
	return out
}

// shardBatches decodes the shard log's records, joining parts (Records),
// and returns them with the size of the largest record and the number of
// parts.
func (ts *testShard) shardBatches() (recs []Record, largest, parts int) {
	ts.t.Helper()
	var rs Records
	for _, payload := range ts.shardRecords() {
		largest = max(largest, len(payload))
		if len(payload) > 1 && (payload[1] == kindPart || payload[1] == kindLastPart) {
			parts++
		}
		r, ok, err := rs.Next(payload)
		if err != nil {
			ts.t.Fatal(err)
		}
		if ok {
			recs = append(recs, r)
		}
	}
	return recs, largest, parts
}

// waitEveryNode waits until every running node answers each command of
// want (space-separated arguments) with its reply.
func (ts *testShard) waitEveryNode(want map[string]string) {
	ts.t.Helper()
	for i, nd := range ts.nodes {
		if nd == nil {
			continue
		}
		quorumtest.WaitFor(ts.t, 10*time.Second, func() error {
			for cmd, w := range want {
				if got, _ := ts.do(i, strings.Fields(cmd)...); got != w {
					return fmt.Errorf("node %d: %s = %.40q, want %.40q", i, cmd, got, w)
				}
			}
			return nil
		})
	}
}

// do runs argv on node i and waits for its reply to be released.
func (ts *testShard) do(i int, argv ...string) (string, error) {
	return ts.doOn(i, &server.ConnState{ID: 1}, argv...)
}

// doOn is do on the connection conn.
func (ts *testShard) doOn(i int, conn *server.ConnState, argv ...string) (string, error) {
	w := resp.NewWriter(2)
	b := make([][]byte, len(argv))
	for j, a := range argv {
		b[j] = []byte(a)
	}
	nd := ts.nodes[i]
	t := nd.s.Do(conn, b, w)
	if t != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if e := nd.s.Wait(ctx, t); e != "" {
			return "", errors.New(e)
		}
	}
	return string(w.Bytes()), nil
}

func TestShard_ElectsExactlyOnePrimaryAndReplicates(t *testing.T) {
	ts := newTestShard(t, 3)
	p := ts.primary()
	for i := range 20 {
		if got, err := ts.do(p, "SET", fmt.Sprintf("k%d", i), fmt.Sprint(i)); err != nil || got != "+OK\r\n" {
			t.Fatalf("SET k%d on primary = %q, %v", i, got, err)
		}
	}
	for i := range ts.nodes {
		quorumtest.WaitFor(t, 10*time.Second, func() error {
			got, _ := ts.do(i, "GET", "k19")
			if got != "$2\r\n19\r\n" {
				return fmt.Errorf("node %d GET k19 = %q", i, got)
			}
			return nil
		})
	}
	for i := range ts.nodes {
		if i == p {
			continue
		}
		if got, _ := ts.do(i, "SET", "x", "1"); got != "-"+errReadOnly+"\r\n" {
			t.Errorf("SET on replica %d = %q, want READONLY", i, got)
		}
	}
}

func TestShard_FailoverKeepsEveryAcknowledgedWrite(t *testing.T) {
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprintf("pipeline=%d", depth), func(t *testing.T) { testFailover(t, depth) })
	}
}

func testFailover(t *testing.T, depth int) {
	ts := newTestShardDepth(t, 3, depth)
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := range 3 {
		p := ts.primary()
		var wg sync.WaitGroup // concurrent writers, so batches pipeline
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					k := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					if got, err := ts.do(p, "SET", k, k); err == nil && got == "+OK\r\n" {
						mu.Lock()
						acked[k] = true
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		ts.nodes[p].stop()
		ts.nodes[p] = nil
		np := ts.primary()
		for k := range acked {
			if got, _ := ts.do(np, "GET", k); got != fmt.Sprintf("$%d\r\n%s\r\n", len(k), k) {
				t.Fatalf("after failover %d, new primary %d GET %s = %q: an acknowledged write is lost", round, np, k, got)
			}
		}
		ts.start(p) // the old primary comes back as a replica
	}
	t.Logf("%d acknowledged writes survived 3 failovers", len(acked))
}

// TestShard_OnlyReplicasTail: a primary does not follow the log (every
// record after its election is its own); once deposed by another writer's
// record it follows again, and the shard carries on under a new primary.
func TestShard_OnlyReplicasTail(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	r := 1 - p
	tailing := func(want map[int]bool) {
		t.Helper()
		quorumtest.WaitFor(t, 10*time.Second, func() error {
			for i, w := range want {
				if got := ts.nodes[i].s.tailing.Load(); got != w {
					return fmt.Errorf("node %d tailing = %v, want %v", i, got, w)
				}
			}
			return nil
		})
	}
	tailing(map[int]bool{p: false, r: true})
	if got, err := ts.do(p, "SET", "a", "1"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET a = %q, %v", got, err)
	}

	// Another writer's record: the primary's next conditional append fails,
	// it steps down and follows the log again.
	rec := appendLeaseRecord(nil, kindHeartbeat, "intruder", "127.0.0.1:1", 300)
	if _, err := ts.log.Append(t.Context(), "shard1", [][]byte{rec}); err != nil {
		t.Fatal(err)
	}
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		if top := ts.nodes[p].s.Topology(); top.Role == rolePrimary {
			return errors.New("the old primary has not stepped down")
		}
		return nil
	})
	p2 := ts.primary() // one of the two, elected after the intruder's lease
	tailing(map[int]bool{p2: false, 1 - p2: true})
	if got, err := ts.do(p2, "SET", "b", "2"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET b on the new primary = %q, %v", got, err)
	}
	ts.waitEveryNode(map[string]string{"GET a": "$1\r\n1\r\n", "GET b": "$1\r\n2\r\n"})
}
