package main

// Helpers of the end-to-end tests: build the real quorumlogd and logctl
// binaries once, run nodes as subprocesses on 127.0.0.1, kill and restart
// them, and poll the cluster through the Go client.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

func TestMain(m *testing.M) { proctest.Main(m) }

// clusterOptions shape an e2e cluster. The zero value is three nodes in
// zones a, b, c on the default raft log store.
type clusterOptions struct {
	zones             []string // one per node; default a, b, c
	hosts             []string // the IP of each node; default 127.0.0.1 for all
	logStore          string   // --raft-log-store; "" for the default
	maxRecordBytes    int      // --max-record-bytes; 0 for the default
	raftLogBytes      int64    // --raft-log-bytes; 0 for the default
	allowZoneMajority bool
	extraArgs         []string // more flags for every node
	// pki, if set, turns TLS on: every node gets a certificate of its own
	// from it (--tls-*), and the test's clients present one too.
	pki *clienttest.PKI
}

// node is one quorumlogd subprocess and what it needs to restart.
type node struct {
	id, zone           string
	grpcAddr, raftAddr string
	dataDir            string
	args               []string       // the flags of its next start
	proc               *proctest.Proc // started by cluster.start
}

func (n *node) running() bool { return n.proc.Running() }

// cluster is a set of quorumlogd processes. Its methods must be called from
// the test goroutine.
type cluster struct {
	t     *testing.T
	bin   string
	opts  clusterOptions
	nodes []*node
	probe *client.Client // for StatusOf; knows every node
	// tls is what the test's clients connect with: nil, or a client
	// certificate of opts.pki (tlsFiles are its files, for logctl).
	tls      *tls.Config
	tlsFiles []string
}

// newCluster starts a bootstrapped cluster and waits until it has a leader
// and every member has registered its zone and gRPC address. Every process
// is killed in t.Cleanup, and the tails of their stderr are logged if the
// test failed.
func newCluster(t *testing.T, opts clusterOptions) *cluster {
	t.Helper()
	c := prepareCluster(t, opts)
	for i := range c.nodes {
		c.start(i)
	}
	c.waitReady()
	return c
}

// prepareCluster allocates the nodes' ports and directories without
// starting anything.
func prepareCluster(t *testing.T, opts clusterOptions) *cluster {
	t.Helper()
	bin := proctest.Build(t, "quorumlogd", "logctl")["quorumlogd"]
	if len(opts.zones) == 0 {
		opts.zones = []string{"a", "b", "c"}
	}
	c := &cluster{t: t, bin: bin, opts: opts}
	t.Cleanup(c.cleanup) // before the nodes' own: it runs after them
	var peers []string
	for i, z := range opts.zones {
		host := "127.0.0.1"
		if i < len(opts.hosts) {
			host = opts.hosts[i]
		}
		addrs := proctest.FreeAddrsOn(t, host, 2)
		nd := &node{
			id: fmt.Sprintf("n%d", i+1), zone: z,
			grpcAddr: addrs[0], raftAddr: addrs[1],
			dataDir: t.TempDir(),
		}
		nd.proc = proctest.New(t, nd.id, bin)
		c.nodes = append(c.nodes, nd)
		peers = append(peers, fmt.Sprintf("%s=%s@%s", nd.id, nd.raftAddr, z))
	}
	bootstrap := strings.Join(peers, ",")
	for _, nd := range c.nodes {
		nd.args = append(c.nodeArgs(nd), "--bootstrap", bootstrap)
	}
	if opts.pki != nil {
		cert, key := opts.pki.Issue(t, "test-client")
		c.tlsFiles = []string{"--tls-ca-file", opts.pki.CAFile, "--tls-cert-file", cert, "--tls-key-file", key}
		var err error
		if c.tls, err = client.LoadTLS(opts.pki.CAFile, cert, key); err != nil {
			t.Fatal(err)
		}
	}
	probe, err := client.New(t.Context(), client.Config{Endpoints: c.grpcAddrs(), DialTimeout: time.Second, TLS: c.tls})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	c.probe = probe
	return c
}

// nodeArgs returns the flags every node of c gets, without --bootstrap or --join.
func (c *cluster) nodeArgs(nd *node) []string {
	args := []string{
		"--id", nd.id, "--zone", nd.zone, "--data-dir", nd.dataDir,
		"--grpc-addr", nd.grpcAddr, "--raft-addr", nd.raftAddr,
		"--log-level", "info",
	}
	if c.opts.logStore != "" {
		args = append(args, "--raft-log-store", c.opts.logStore)
	}
	if c.opts.maxRecordBytes != 0 {
		args = append(args, "--max-record-bytes", fmt.Sprint(c.opts.maxRecordBytes))
	}
	if c.opts.raftLogBytes != 0 {
		args = append(args, "--raft-log-bytes", fmt.Sprint(c.opts.raftLogBytes))
	}
	if c.opts.allowZoneMajority {
		args = append(args, "--allow-zone-majority")
	}
	if c.opts.pki != nil {
		cert, key := c.opts.pki.Issue(c.t, nd.id)
		args = append(args, "--tls-ca-file", c.opts.pki.CAFile, "--tls-cert-file", cert, "--tls-key-file", key)
	}
	return append(args, c.opts.extraArgs...)
}

// addNode adds a node to c that joins the cluster through the gRPC address
// of node via, and starts it. It returns the new node's index.
func (c *cluster) addNode(zone string, via int) int {
	c.t.Helper()
	addrs := proctest.FreeAddrs(c.t, 2)
	nd := &node{
		id: fmt.Sprintf("n%d", len(c.nodes)+1), zone: zone,
		grpcAddr: addrs[0], raftAddr: addrs[1], dataDir: c.t.TempDir(),
	}
	nd.proc = proctest.New(c.t, nd.id, c.bin)
	nd.args = append(c.nodeArgs(nd), "--join", c.nodes[via].grpcAddr)
	c.nodes = append(c.nodes, nd)
	i := len(c.nodes) - 1
	c.start(i)
	return i
}

func (c *cluster) grpcAddrs() []string {
	var addrs []string
	for _, nd := range c.nodes {
		addrs = append(addrs, nd.grpcAddr)
	}
	return addrs
}

// start starts node i (again) with nd.args, appending its stderr to its
// stderr file.
func (c *cluster) start(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	nd.proc.Args = nd.args
	nd.proc.Start(c.t)
}

// kill9 kills node i with SIGKILL and waits for it to exit.
func (c *cluster) kill9(i int) { c.t.Helper(); c.nodes[i].proc.Kill(c.t) }

// stop sends node i SIGTERM and waits for it to exit; a node that does not
// exit within 20s is killed and fails the test, and so does a non-zero
// exit status.
func (c *cluster) stop(i int) { c.t.Helper(); c.nodes[i].proc.Term(c.t) }

// restart starts a stopped or killed node i again on the same data dir.
func (c *cluster) restart(i int) { c.t.Helper(); c.start(i) }

// restartAll takes every node down with down (c.stop or c.kill9), starts
// them all again and waits until they are ready.
func (c *cluster) restartAll(down func(i int)) {
	c.t.Helper()
	for i := range c.nodes {
		down(i)
	}
	for i := range c.nodes {
		c.restart(i)
	}
	c.waitReady()
}

// cleanup closes the probe client. The nodes' processes are killed, and
// the tails of their stderr logged if the test failed, by their own
// cleanups, which run before this one.
func (c *cluster) cleanup() {
	if c.probe != nil {
		c.probe.Close()
	}
}

// status returns node i's own status.
func (c *cluster) status(i int) (*client.Status, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), 2*time.Second)
	defer cancel()
	return c.probe.StatusOf(ctx, c.nodes[i].grpcAddr)
}

// leaderOnce returns the index of the node that says it is the leader
// and whose leadership every other running node acknowledges.
func (c *cluster) leaderOnce() (int, error) {
	leader, leaderID := -1, ""
	var ids []string
	for i, nd := range c.nodes {
		if !nd.running() {
			continue
		}
		st, err := c.status(i)
		if err != nil {
			return -1, fmt.Errorf("status of %s: %w", nd.id, err)
		}
		if st.State == "Leader" {
			if leader >= 0 {
				return -1, fmt.Errorf("two leaders: %s and %s", leaderID, st.NodeID)
			}
			leader, leaderID = i, st.NodeID
		}
		ids = append(ids, st.LeaderID)
	}
	if leader < 0 {
		return -1, errors.New("no node is the leader")
	}
	for _, id := range ids {
		if id != leaderID {
			return -1, fmt.Errorf("nodes disagree on the leader: %q", ids)
		}
	}
	return leader, nil
}

// leader waits for a leader and returns its index.
func (c *cluster) leader() int {
	c.t.Helper()
	var l int
	proctest.WaitFor(c.t, 30*time.Second, func() (err error) {
		l, err = c.leaderOnce()
		return err
	})
	return l
}

// waitReady waits until there is a leader whose status lists every node
// of c as a voter with its zone and gRPC address.
func (c *cluster) waitReady() {
	c.t.Helper()
	proctest.WaitFor(c.t, 30*time.Second, func() error {
		for _, nd := range c.nodes {
			if !nd.running() {
				return fmt.Errorf("%s exited: %v\n%s", nd.id, nd.proc.Wait(), nd.proc.StderrTail(20))
			}
		}
		l, err := c.leaderOnce()
		if err != nil {
			return err
		}
		st, err := c.status(l)
		if err != nil {
			return err
		}
		var got, want []client.Member
		for _, m := range st.Members {
			got = append(got, client.Member{ID: m.ID, RaftAddr: m.RaftAddr, GRPCAddr: m.GRPCAddr, Zone: m.Zone, Suffrage: m.Suffrage})
		}
		for _, nd := range c.nodes {
			want = append(want, client.Member{ID: nd.id, RaftAddr: nd.raftAddr, GRPCAddr: nd.grpcAddr, Zone: nd.zone, Suffrage: "voter"})
		}
		slices.SortFunc(got, func(a, b client.Member) int { return strings.Compare(a.ID, b.ID) })
		if !slices.Equal(got, want) {
			return fmt.Errorf("members %+v, want %+v", got, want)
		}
		return nil
	})
}

// client returns a client of every node, closed in t.Cleanup.
func (c *cluster) client() *client.Client {
	c.t.Helper()
	return newTestClient(c.t, c.tls, c.grpcAddrs()...)
}

// nodeClient returns a client of node i alone: its reads and Describes are
// served by node i (serializable unless Linearizable is asked for).
func (c *cluster) nodeClient(i int) *client.Client {
	c.t.Helper()
	return newTestClient(c.t, c.tls, c.nodes[i].grpcAddr)
}

// newTestClient returns a client of endpoints, over TLS with tlsCfg if it
// is set, closed in t.Cleanup.
func newTestClient(t *testing.T, tlsCfg *tls.Config, endpoints ...string) *client.Client {
	t.Helper()
	cl, err := client.New(t.Context(), client.Config{
		TLS:             tlsCfg,
		Endpoints:       endpoints,
		DialTimeout:     2 * time.Second,
		RetryBackoff:    5 * time.Millisecond,
		MaxRetryBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("client.New(%q): %v", endpoints, err)
	}
	t.Cleanup(func() {
		if err := cl.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return cl
}

// describeOn returns log's description as node i has applied it.
func (c *cluster) describeOn(cl *client.Client, log string) (client.LogInfo, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), 5*time.Second)
	defer cancel()
	return cl.Describe(ctx, log)
}

// waitConverged waits until every running node reports the same LastID
// and checksum for log, at least minLastID, and returns that description.
func (c *cluster) waitConverged(log string, minLastID uint64) client.LogInfo {
	c.t.Helper()
	var nodes []*node
	var clients []*client.Client
	for i, nd := range c.nodes {
		if nd.running() {
			nodes, clients = append(nodes, nd), append(clients, c.nodeClient(i))
		}
	}
	var info client.LogInfo
	proctest.WaitFor(c.t, 60*time.Second, func() error {
		var infos []client.LogInfo
		for i, cl := range clients {
			in, err := c.describeOn(cl, log)
			if err != nil {
				return fmt.Errorf("Describe(%q) on %s: %w", log, nodes[i].id, err)
			}
			infos = append(infos, in)
		}
		for i, in := range infos {
			if in.LastID < minLastID {
				return fmt.Errorf("%s: last id %d, want at least %d", nodes[i].id, in.LastID, minLastID)
			}
			if in.LastID != infos[0].LastID || in.Checksum != infos[0].Checksum {
				return fmt.Errorf("nodes disagree: %s has last id %d checksum %08x, %s has %d %08x",
					nodes[0].id, infos[0].LastID, infos[0].Checksum, nodes[i].id, in.LastID, in.Checksum)
			}
		}
		info = infos[0]
		return nil
	})
	return info
}

// readAll reads log from fromID to its end on whichever node cl serves from,
// serializably.
func readAll(ctx context.Context, cl *client.Client, log string, fromID uint64) ([]client.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := cl.Read(ctx, log, fromID)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.All()
}

// runLogctl runs the logctl binary with args and stdin; it returns stdout,
// stderr and the exit code.
func runLogctl(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin := proctest.Build(t, "quorumlogd", "logctl")["logctl"]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("logctl %q: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// sendGarbage writes b to addr on a fresh TCP connection, half-closes it,
// reads whatever comes back until the server hangs up (at most 2s), and
// closes it.
func sendGarbage(addr string, b []byte) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write(b); err != nil {
		return nil // the server may hang up before reading everything
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, conn)
	return nil
}
