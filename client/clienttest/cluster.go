// Package clienttest runs fake QuorumLog clusters on loopback for tests of
// the client and of programs built on it, such as logctl.
//
// A fake cluster is N gRPC servers sharing one in-memory store: appends
// are visible on every node at once. One node is the leader; the others
// answer writes with UNAVAILABLE + NotLeader naming it, as real followers
// do. Knobs inject the faults clients must survive: broken append streams,
// unknown outcomes, leader changes, stopped nodes, corrupt records.
//
// It is a test double, not a model of the server: no raft, no durability.
package clienttest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// Fault is a failure injected into the leader's handling of one append.
type Fault int

const (
	// BreakAfterApply commits the append, then breaks its stream (or, for a
	// unary Append, fails with UNAVAILABLE and no detail) without answering.
	BreakAfterApply Fault = iota + 1
	// BreakBeforeApply breaks the stream without committing the append.
	BreakBeforeApply
	// UnknownAfterApply commits, then answers UNAVAILABLE + OutcomeUnknown.
	UnknownAfterApply
	// UnknownBeforeApply answers UNAVAILABLE + OutcomeUnknown without committing.
	UnknownBeforeApply
)

// Cluster is a running fake cluster. Its methods are safe for concurrent use.
type Cluster struct {
	nodes []*Node

	mu sync.Mutex
	// Guarded by mu:
	leader   int // index of the leader node; -1 for none
	logs     map[string]*fakeLog
	changed  chan struct{} // closed and replaced on every change
	index    uint64        // count of writes, reported as commit/applied index
	appends  int           // append requests that reached the leader's store
	received int           // append requests received by the leader
	streams  int           // AppendStream RPCs opened on the leader
	faults   []Fault
	held     chan struct{}          // non-nil while appends are held
	breaks   map[chan struct{}]bool // open append streams' break channels
	corrupt  map[string]map[uint64]bool
}

type fakeLog struct {
	records []*quorumlogpb.Record // record i has ID i+1, trimmed ones included
	trimmed uint64
	sums    []uint32 // running checksum after each record
	bytes   uint64
}

func (l *fakeLog) last() uint64 { return uint64(len(l.records)) }

func (l *fakeLog) checksum() uint32 {
	if len(l.sums) == 0 {
		return 0
	}
	return l.sums[len(l.sums)-1]
}

func (l *fakeLog) info(name string) *quorumlogpb.LogInfo {
	return &quorumlogpb.LogInfo{
		Name:           name,
		FirstId:        l.trimmed + 1,
		LastId:         l.last(),
		Records:        l.last() - l.trimmed,
		Bytes:          l.bytes,
		Checksum:       l.checksum(),
		TrimmedThrough: l.trimmed,
	}
}

// Start runs a cluster of n nodes (zones a, b, c, …) on 127.0.0.1:0 with
// node 0 as leader, their gRPC servers made with opts (such as TLS
// credentials). Stop it with Close.
func Start(n int, opts ...grpc.ServerOption) (*Cluster, error) {
	c := &Cluster{
		logs:    make(map[string]*fakeLog),
		changed: make(chan struct{}),
		breaks:  make(map[chan struct{}]bool),
		corrupt: make(map[string]map[uint64]bool),
	}
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Close()
			return nil, err
		}
		nd := &Node{
			c:    c,
			i:    i,
			ID:   fmt.Sprintf("n%d", i+1),
			Zone: string(rune('a' + i%26)),
			Addr: lis.Addr().String(),
			srv:  grpc.NewServer(append([]grpc.ServerOption{grpc.WaitForHandlers(true)}, opts...)...),
		}
		quorumlogpb.RegisterLogServiceServer(nd.srv, &logService{n: nd})
		quorumlogpb.RegisterClusterServiceServer(nd.srv, &clusterService{n: nd})
		c.nodes = append(c.nodes, nd)
		go func() { _ = nd.srv.Serve(lis) }()
	}
	return c, nil
}

// New starts a cluster of n nodes and closes it when the test ends.
func New(t testing.TB, n int, opts ...grpc.ServerOption) *Cluster {
	t.Helper()
	c, err := Start(n, opts...)
	if err != nil {
		t.Fatalf("clienttest.Start(%d): %v", n, err)
	}
	t.Cleanup(c.Close)
	return c
}

// Close stops every node and waits for their handlers.
func (c *Cluster) Close() {
	c.mu.Lock()
	c.leader = -1
	c.mu.Unlock()
	for _, n := range c.nodes {
		n.Stop()
	}
}

// Addrs returns the nodes' gRPC addresses, in node order.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// Node returns node i.
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// Leader returns the leader's index, -1 if none.
func (c *Cluster) Leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader
}

// SetLeader makes node i the leader; -1 leaves the cluster without one.
func (c *Cluster) SetLeader(i int) {
	c.mu.Lock()
	c.leader = i
	c.mu.Unlock()
}

// Inject queues faults for the next appends the leader receives, one each.
func (c *Cluster) Inject(faults ...Fault) {
	c.mu.Lock()
	c.faults = append(c.faults, faults...)
	c.mu.Unlock()
}

// Hold makes the leader wait before applying appends until Release.
func (c *Cluster) Hold() {
	c.mu.Lock()
	if c.held == nil {
		c.held = make(chan struct{})
	}
	c.mu.Unlock()
}

// Release lets held appends proceed.
func (c *Cluster) Release() {
	c.mu.Lock()
	if c.held != nil {
		close(c.held)
		c.held = nil
	}
	c.mu.Unlock()
}

// BreakStreams breaks every open append stream: requests without an answer
// get none.
func (c *Cluster) BreakStreams() {
	c.mu.Lock()
	for ch := range c.breaks {
		close(ch)
	}
	clear(c.breaks)
	c.mu.Unlock()
}

// Corrupt makes reads of record id of log carry a wrong CRC32C.
func (c *Cluster) Corrupt(log string, id uint64) {
	c.mu.Lock()
	if c.corrupt[log] == nil {
		c.corrupt[log] = make(map[uint64]bool)
	}
	c.corrupt[log][id] = true
	c.mu.Unlock()
}

// Counters of the leader's append handling.
type Counters struct {
	Received int // append requests received by a leader (faulted ones too)
	Applied  int // append requests that reached the store (condition failures too)
	Streams  int // AppendStream RPCs opened on a leader
}

// Counters returns the counters so far.
func (c *Cluster) Counters() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Counters{Received: c.received, Applied: c.appends, Streams: c.streams}
}

// Records returns the payloads of log from ID 1 (trimmed ones included).
func (c *Cluster) Records(log string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.logs[log]
	if l == nil {
		return nil
	}
	out := make([][]byte, len(l.records))
	for i, r := range l.records {
		out[i] = r.GetPayload()
	}
	return out
}

// Node is one fake node.
type Node struct {
	c    *Cluster
	i    int
	ID   string
	Zone string
	Addr string
	srv  *grpc.Server

	mu    sync.Mutex
	reads int // open Read streams; guarded by mu
}

// Stop stops the node's server: its connections break. Idempotent.
func (n *Node) Stop() { n.srv.Stop() }

// Reads returns the number of Read streams the node is serving.
func (n *Node) Reads() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.reads
}

// notLeader returns the error a follower answers writes with, or nil on
// the leader.
func (n *Node) notLeader() error {
	n.c.mu.Lock()
	leader := n.c.leader
	n.c.mu.Unlock()
	if leader == n.i {
		return nil
	}
	nl := &quorumlogpb.NotLeader{}
	if leader >= 0 {
		nl.LeaderId, nl.LeaderAddr = n.c.nodes[leader].ID, n.c.nodes[leader].Addr
	}
	return withDetail(codes.Unavailable, "not the leader", nl)
}

// takeFault counts a received append and returns its fault, if any.
func (c *Cluster) takeFault() Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received++
	if len(c.faults) == 0 {
		return 0
	}
	f := c.faults[0]
	c.faults = c.faults[1:]
	return f
}

// wait blocks while appends are held, until done or brk closes.
func (c *Cluster) wait(done, brk <-chan struct{}) bool {
	c.mu.Lock()
	held := c.held
	c.mu.Unlock()
	if held == nil {
		return true
	}
	select {
	case <-held:
		return true
	case <-done:
		return false
	case <-brk:
		return false
	}
}

func (c *Cluster) notifyLocked() {
	c.index++
	close(c.changed)
	c.changed = make(chan struct{})
}

// apply commits req to the store.
func (c *Cluster) apply(req *quorumlogpb.AppendRequest) (*quorumlogpb.AppendResponse, error) {
	if req.GetLog() == "" {
		return nil, withDetail(codes.InvalidArgument, "empty log name", &quorumlogpb.BadRequest{Field: "log"})
	}
	if len(req.GetRecords()) == 0 {
		return nil, withDetail(codes.InvalidArgument, "no records", &quorumlogpb.BadRequest{Field: "records"})
	}
	for i, r := range req.GetRecords() {
		if len(r.GetPayload()) == 0 || crc32.Checksum(r.GetPayload(), castagnoli) != r.GetCrc32C() {
			return nil, withDetail(codes.InvalidArgument, fmt.Sprintf("record %d: empty or bad crc32c", i),
				&quorumlogpb.BadRequest{Field: fmt.Sprintf("records[%d]", i)})
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.appends++
	l := c.logs[req.GetLog()]
	if l == nil {
		return nil, status.Errorf(codes.NotFound, "log %q not found", req.GetLog())
	}
	if req.IfLastId != nil && req.GetIfLastId() != l.last() {
		return nil, withDetail(codes.Aborted,
			fmt.Sprintf("condition failed: expected last id %d, actual %d", req.GetIfLastId(), l.last()),
			&quorumlogpb.ConditionFailed{Log: req.GetLog(), ExpectedLastId: req.GetIfLastId(), ActualLastId: l.last()})
	}
	first := l.last() + 1
	for _, r := range req.GetRecords() {
		id := l.last() + 1
		l.records = append(l.records, &quorumlogpb.Record{Id: id, Payload: r.GetPayload(), Crc32C: r.GetCrc32C()})
		l.sums = append(l.sums, nextChecksum(l.checksum(), r.GetPayload()))
		l.bytes += uint64(len(r.GetPayload()))
	}
	c.notifyLocked()
	return &quorumlogpb.AppendResponse{FirstId: first, LastId: l.last(), Checksum: l.checksum()}, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// nextChecksum is the running checksum of DESIGN.md, written out again
// here so that the fake does not trust the client's copy.
func nextChecksum(prev uint32, payload []byte) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(payload, castagnoli))
	return crc32.Update(prev, castagnoli, b[:])
}

func withDetail(code codes.Code, msg string, detail protoadapt.MessageV1) error {
	st, err := status.New(code, msg).WithDetails(detail)
	if err != nil {
		panic(err) // our own messages always marshal
	}
	return st.Err()
}
