package main

// Helpers of memshard's end-to-end tests: build the real quorumlogd and
// memshard binaries once, run three of each as subprocesses on 127.0.0.1,
// kill, freeze, thaw and restart them, and look at the shard through Redis
// clients and at its log through the QuorumLog client.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/quorumlog/quorumlog/examples/memshard/shard"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial to a killed node; the tests count
	// those errors themselves.
	redis.SetLogger(quietLogger{})
	proctest.Main(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// hold waits for d unless the test ends first. It is a scenario's
// duration (how long a process stays frozen), never a synchronisation.
func hold(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-time.After(d):
	case <-t.Context().Done():
		t.Fatalf("test ended during a %v hold", d)
	}
}

// shardLog is the QuorumLog log every test shard uses.
const shardLog = "s1"

// envOptions shape an e2e environment.
type envOptions struct {
	lease     time.Duration // memshard --lease; default 1s
	snapshots []string      // memshard flags naming the snapshot store; default none
	shard     []string      // extra memshard flags
	logFlags  []string      // extra quorumlogd flags
	// logDataDir, if set, is called with each QuorumLog node's data dir
	// before the node starts (a test mounts a disk of its own there).
	logDataDir func(i int, dir string)
	// logHosts and shardHosts are the IPs of the QuorumLog and memshard
	// nodes, one each (default 127.0.0.1): distinct ones let
	// proctest.Partition cut one node off.
	logHosts, shardHosts []string
	// logPKI, if set, turns TLS on in the log cluster (each node a
	// certificate of its own from it); the test's log client and the
	// memshard nodes (--log-tls-*) present client certificates of it.
	logPKI *clienttest.PKI
	// tls, if set, is the test clients' TLS configuration: the shard
	// serves TLS (its TLS flags are in shard).
	tls *tls.Config
}

// hostOf returns hosts[i], or 127.0.0.1.
func hostOf(hosts []string, i int) string {
	if i < len(hosts) {
		return hosts[i]
	}
	return "127.0.0.1"
}

// env is a 3-node QuorumLog cluster (zones a, b, c) and a 3-node memshard
// shard (m1, m2, m3) on it. Its methods must be called from the test
// goroutine.
type env struct {
	t        *testing.T
	lease    time.Duration
	logNodes []*proctest.Proc // quorumlogd n1..n3
	nodes    []*proctest.Proc // memshard m1..m3
	ids      []string
	addrs    []string // memshard RESP addresses
	log      *client.Client
	mbin     string      // the memshard binary
	logAddrs string      // the QuorumLog nodes' gRPC addresses, as --log-endpoints
	tls      *tls.Config // the clients' TLS configuration; nil: plaintext

	mu      sync.Mutex
	clients map[int]*redis.Client // per node, for ROLE and INFO
}

// newEnv starts the QuorumLog cluster, waits for its leader, then starts
// the shard and waits for its primary. Everything is killed in t.Cleanup;
// if the test failed, the tails of every process's stderr are logged.
func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	bins := proctest.Build(t, "quorumlogd", "memshard")
	qbin, mbin := bins["quorumlogd"], bins["memshard"]
	if opts.lease == 0 {
		opts.lease = time.Second
	}
	e := &env{t: t, lease: opts.lease, clients: map[int]*redis.Client{}, tls: opts.tls}
	t.Cleanup(e.cleanup) // before the processes' own: it runs after them

	qa := make([]string, 6) // gRPC then raft addresses
	for i := range 3 {
		a := proctest.FreeAddrsOn(t, hostOf(opts.logHosts, i), 2)
		qa[i], qa[3+i] = a[0], a[1]
	}
	var peers, grpcAddrs []string
	for i, zone := range []string{"a", "b", "c"} {
		peers = append(peers, fmt.Sprintf("n%d=%s@%s", i+1, qa[3+i], zone))
		grpcAddrs = append(grpcAddrs, qa[i])
	}
	for i, zone := range []string{"a", "b", "c"} {
		id := fmt.Sprintf("n%d", i+1)
		dir := t.TempDir()
		if opts.logDataDir != nil {
			opts.logDataDir(i, dir)
		}
		args := []string{"--id", id, "--zone", zone, "--data-dir", dir,
			"--grpc-addr", qa[i], "--raft-addr", qa[3+i], "--log-level", "warn",
			"--bootstrap", strings.Join(peers, ","),
		}
		if opts.logPKI != nil {
			cert, key := opts.logPKI.Issue(t, id)
			args = append(args, "--tls-ca-file", opts.logPKI.CAFile, "--tls-cert-file", cert, "--tls-key-file", key)
		}
		e.logNodes = append(e.logNodes, proctest.New(t, "quorumlogd "+id, qbin, append(args, opts.logFlags...)...))
	}
	for _, p := range e.logNodes {
		p.Start(t)
	}
	var logTLS *tls.Config
	var shardTLSFlags []string // memshard's --log-tls-*
	if opts.logPKI != nil {
		cert, key := opts.logPKI.Issue(t, "memshard")
		shardTLSFlags = []string{"--log-tls-ca-file", opts.logPKI.CAFile, "--log-tls-cert-file", cert, "--log-tls-key-file", key}
		var err error
		if logTLS, err = client.LoadTLS(opts.logPKI.CAFile, cert, key); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := client.New(t.Context(), client.Config{
		TLS: logTLS, Endpoints: grpcAddrs, DialTimeout: 2 * time.Second,
		RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	e.log = cl
	proctest.WaitFor(t, 30*time.Second, func() error { return e.logLeader(grpcAddrs) })

	e.mbin, e.logAddrs = mbin, strings.Join(grpcAddrs, ",")
	for i := range 3 {
		e.addrs = append(e.addrs, proctest.FreeAddrsOn(t, hostOf(opts.shardHosts, i), 1)[0])
	}
	for i := range 3 {
		id := fmt.Sprintf("m%d", i+1)
		e.ids = append(e.ids, id)
		args := []string{"--id", id, "--addr", e.addrs[i], "--log-endpoints", e.logAddrs,
			"--shard", shardLog, "--lease", opts.lease.String(), "--node-timeout", "1s", "--log-level", "info"}
		args = append(args, opts.snapshots...)
		args = append(args, shardTLSFlags...)
		args = append(args, opts.shard...)
		e.nodes = append(e.nodes, proctest.New(t, "memshard "+id, mbin, args...))
	}
	for _, p := range e.nodes {
		p.Start(t)
	}
	e.primary()
	return e
}

// logLeader returns nil once every QuorumLog node agrees on one leader.
func (e *env) logLeader(addrs []string) error {
	leader := ""
	for _, a := range addrs {
		ctx, cancel := context.WithTimeout(e.t.Context(), time.Second)
		st, err := e.log.StatusOf(ctx, a)
		cancel()
		if err != nil {
			return fmt.Errorf("status of %s: %w", a, err)
		}
		if st.LeaderID == "" || leader != "" && st.LeaderID != leader {
			return fmt.Errorf("no agreed leader: %s says %q", a, st.LeaderID)
		}
		leader = st.LeaderID
	}
	return nil
}

// cleanup closes the clients. The processes are killed, and the tails of
// their stderr logged if the test failed, by their own cleanups, which run
// before this one.
func (e *env) cleanup() {
	e.mu.Lock()
	for _, c := range e.clients {
		c.Close()
	}
	e.mu.Unlock()
	if e.log != nil {
		e.log.Close()
	}
}

// up reports whether memshard node i runs and is not frozen.
func (e *env) up(i int) bool { return e.nodes[i].Running() && !e.nodes[i].Stopped() }

// rc returns a plain Redis client of node i (no retries, no READONLY),
// closed in cleanup. Safe for concurrent use.
func (e *env) rc(i int) *redis.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.clients[i]; c != nil {
		return c
	}
	c := newRedisTLS(e.addrs[i], false, e.tls)
	e.clients[i] = c
	return c
}

// newRedis returns a client of one node, without retries; with readOnly
// every connection sends READONLY first (replica reads).
func newRedis(addr string, readOnly bool) *redis.Client { return newRedisTLS(addr, readOnly, nil) }

// newRedisTLS is newRedis over TLS with tlsCfg (nil: plaintext).
func newRedisTLS(addr string, readOnly bool, tlsCfg *tls.Config) *redis.Client {
	opt := &redis.Options{
		TLSConfig: tlsCfg,
		Addr:      addr, MaxRetries: -1, DialTimeout: 500 * time.Millisecond,
		ReadTimeout: 5 * time.Second, WriteTimeout: 2 * time.Second, PoolSize: 4,
		ContextTimeoutEnabled: true,
	}
	if readOnly {
		opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error { return cn.ReadOnly(ctx).Err() }
	}
	return redis.NewClient(opt)
}

// role returns what ROLE says on node i: "master" or "slave".
func (e *env) role(i int) (string, error) {
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Second)
	defer cancel()
	v, err := e.rc(i).Do(ctx, "ROLE").Slice()
	if err != nil {
		return "", fmt.Errorf("ROLE on %s: %w", e.ids[i], err)
	}
	if len(v) == 0 {
		return "", fmt.Errorf("ROLE on %s: empty reply", e.ids[i])
	}
	s, _ := v[0].(string)
	return s, nil
}

// primaryOnce returns the index of the one running, unfrozen node whose
// ROLE says master.
func (e *env) primaryOnce() (int, error) {
	p := -1
	for i := range e.nodes {
		if !e.up(i) {
			continue
		}
		r, err := e.role(i)
		if err != nil {
			return -1, err
		}
		if r == "master" {
			if p >= 0 {
				return -1, fmt.Errorf("two masters: %s and %s", e.ids[p], e.ids[i])
			}
			p = i
		}
	}
	if p < 0 {
		return -1, errors.New("no master")
	}
	return p, nil
}

// primary polls ROLE on every running node until exactly one says master.
func (e *env) primary() int {
	e.t.Helper()
	p := -1
	proctest.WaitFor(e.t, 20*time.Second, func() (err error) {
		p, err = e.primaryOnce()
		return err
	})
	return p
}

// pauseLog freezes every quorumlogd process (SIGSTOP); resumeLog thaws them.
func (e *env) pauseLog() {
	e.t.Helper()
	for _, q := range e.logNodes {
		q.Stop(e.t)
	}
}

// logStates returns the process states of the log nodes ("T" = stopped).
func (e *env) logStates() string {
	var s []string
	for i, q := range e.logNodes {
		s = append(s, fmt.Sprintf("n%d=%s", i+1, q.State()))
	}
	return strings.Join(s, " ")
}

func (e *env) resumeLog() {
	e.t.Helper()
	for _, q := range e.logNodes {
		q.Cont(e.t)
	}
}

func (e *env) kill9(i int)   { e.t.Helper(); e.nodes[i].Kill(e.t) }
func (e *env) sigstop(i int) { e.t.Helper(); e.nodes[i].Stop(e.t) }
func (e *env) sigcont(i int) { e.t.Helper(); e.nodes[i].Cont(e.t) }

// restart starts a killed or stopped node i again with the same flags.
func (e *env) restart(i int) {
	e.t.Helper()
	e.mu.Lock()
	if c := e.clients[i]; c != nil {
		c.Close()
		delete(e.clients, i)
	}
	e.mu.Unlock()
	e.nodes[i].Start(e.t)
}

// appliedID returns node i's quorumlog_applied_id from INFO replication.
func (e *env) appliedID(i int) (uint64, error) {
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Second)
	defer cancel()
	info, err := e.rc(i).Info(ctx, "replication").Result()
	if err != nil {
		return 0, fmt.Errorf("INFO replication on %s: %w", e.ids[i], err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "quorumlog_applied_id:"); ok {
			return strconv.ParseUint(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("INFO replication on %s has no quorumlog_applied_id:\n%s", e.ids[i], info)
}

// waitReplica waits until node i says ROLE slave, connected to a primary,
// and has applied at least minID.
func (e *env) waitReplica(i int, minID uint64) {
	e.t.Helper()
	proctest.WaitFor(e.t, 20*time.Second, func() error {
		ctx, cancel := context.WithTimeout(e.t.Context(), time.Second)
		defer cancel()
		v, err := e.rc(i).Do(ctx, "ROLE").Slice()
		if err != nil {
			return err
		}
		if len(v) != 5 || v[0] != "slave" || v[3] != "connected" {
			return fmt.Errorf("ROLE on %s = %v, want a connected slave", e.ids[i], v)
		}
		id, err := e.appliedID(i)
		if err != nil {
			return err
		}
		if id < minID {
			return fmt.Errorf("%s applied %d, want at least %d", e.ids[i], id, minID)
		}
		return nil
	})
}

// onEveryNode waits until every replica has applied what the primary p had
// applied when called, then calls check on each node (p included) through
// a client that sent READONLY.
func (e *env) onEveryNode(p int, check func(i int, c *redis.Client)) {
	e.t.Helper()
	want, err := e.appliedID(p)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range e.nodes {
		if i != p {
			e.waitReplica(i, want)
		}
		c := newRedisTLS(e.addrs[i], true, e.tls)
		check(i, c)
		c.Close()
	}
}

// lastID returns the shard log's last ID (linearizable).
func (e *env) lastID() uint64 {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	info, err := e.log.Describe(ctx, shardLog, client.Linearizable())
	if err != nil {
		e.t.Fatalf("Describe(%q) = %v", shardLog, err)
	}
	return info.LastID
}

// logRecord is a decoded record of the shard log (the format of
// examples/memshard/shard/record.go).
type logRecord struct {
	id      uint64
	kind    byte       // 'E', 'H' or 'V'
	node    string     // 'H' and 'V'
	effects [][]string // 'E'
}

func (r logRecord) String() string {
	if r.kind == 'E' {
		return fmt.Sprintf("#%d E%q", r.id, r.effects)
	}
	return fmt.Sprintf("#%d %c(%s)", r.id, r.kind, r.node)
}

// readLog reads the shard log from fromID to its end (linearizably) and
// decodes every record; a batch in parts is one logRecord with the ID of
// its last part. fromID must not be inside such a batch.
func (e *env) readLog(fromID uint64) []logRecord {
	e.t.Helper()
	recs := e.logRecords(fromID)
	out := make([]logRecord, 0, len(recs))
	var rs shard.Records
	for _, rec := range recs {
		lr, ok, err := decodeLogRecord(&rs, rec.Payload)
		if err != nil {
			e.t.Fatalf("record %d of %q: %v (% x)", rec.ID, shardLog, err, rec.Payload[:min(len(rec.Payload), 64)])
		}
		if !ok {
			continue // a part of a batch that continues in the next record
		}
		lr.id = rec.ID
		out = append(out, lr)
	}
	return out
}

// logRecords reads the shard log's records from fromID to its end
// (linearizably), undecoded.
func (e *env) logRecords(fromID uint64) []client.Record {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 30*time.Second)
	defer cancel()
	r, err := e.log.Read(ctx, shardLog, fromID, client.Linearizable())
	if err != nil {
		e.t.Fatalf("Read(%q, %d) = %v", shardLog, fromID, err)
	}
	defer r.Close()
	recs, err := r.All()
	if err != nil {
		e.t.Fatalf("reading %q from %d: %v", shardLog, fromID, err)
	}
	return recs
}

// decodeLogRecord decodes the next record with the shard package's own
// decoder, which joins a batch's parts (ok is false before the last).
func decodeLogRecord(rs *shard.Records, b []byte) (lr logRecord, ok bool, err error) {
	rec, ok, err := rs.Next(b)
	if !ok || err != nil {
		return logRecord{}, ok, err
	}
	r := logRecord{kind: rec.Kind, node: rec.Node}
	for _, argv := range rec.Effects {
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = string(a)
		}
		r.effects = append(r.effects, args)
	}
	return r, true, nil
}

// isRetryableReject reports whether err is one of the errors a node that
// must not serve a write answers with.
func isRetryableReject(err error) bool {
	if err == nil {
		return false
	}
	for _, p := range []string{"MOVED ", "CLUSTERDOWN ", "TRYAGAIN ", "READONLY "} {
		if strings.HasPrefix(err.Error(), p) {
			return true
		}
	}
	return false
}

// A killed replica leaves the primary's CLUSTER SLOTS once it has answered
// no PING for the node timeout (1 s here), shows as failed in CLUSTER
// NODES, and is listed again once restarted, so cluster clients stop
// routing reads to a dead node without any configuration change.
func TestE2E_DeadReplicaLeavesClusterSlots(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % 3
	ctx := t.Context()
	inSlots := func() (bool, error) {
		slots, err := e.rc(p).ClusterSlots(ctx).Result()
		if err != nil || len(slots) != 1 {
			return false, fmt.Errorf("CLUSTER SLOTS = %v, %v", slots, err)
		}
		if slots[0].Nodes[0].Addr != e.addrs[p] {
			return false, fmt.Errorf("CLUSTER SLOTS lists %s first, want the primary %s", slots[0].Nodes[0].Addr, e.addrs[p])
		}
		for _, n := range slots[0].Nodes[1:] {
			if n.Addr == e.addrs[r] {
				return true, nil
			}
		}
		return false, nil
	}
	proctest.WaitFor(t, 10*time.Second, func() error {
		if ok, err := inSlots(); !ok {
			return fmt.Errorf("replica %s not in CLUSTER SLOTS yet (%v)", e.ids[r], err)
		}
		return nil
	})

	e.kill9(r)
	proctest.WaitFor(t, 20*time.Second, func() error {
		if ok, err := inSlots(); ok || err != nil {
			return fmt.Errorf("killed replica %s still in CLUSTER SLOTS (%v)", e.ids[r], err)
		}
		return nil
	})
	nodes, err := e.rc(p).ClusterNodes(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(nodes, "\n") {
		if strings.Contains(l, " "+e.addrs[r]+"@") {
			line = l
		}
	}
	if f := strings.Fields(line); len(f) < 8 || f[2] != "slave,fail" || f[7] != "disconnected" {
		t.Errorf("CLUSTER NODES line of the killed replica = %q, want flags slave,fail and link disconnected", line)
	}

	e.restart(r)
	proctest.WaitFor(t, 20*time.Second, func() error {
		if ok, err := inSlots(); !ok {
			return fmt.Errorf("restarted replica %s not back in CLUSTER SLOTS (%v)", e.ids[r], err)
		}
		return nil
	})
}
