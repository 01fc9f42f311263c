package main

// End-to-end tests of memshard: three real memshard processes on a real
// three-node QuorumLog cluster, driven through go-redis, redis-cli and
// redis-benchmark, with kill -9, SIGSTOP/SIGCONT and restarts. Helpers are
// in e2ecluster_test.go.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// onceStatus and onceInt are go-redis commands the cluster client never
// retries after an error that leaves the outcome open (EOF, timeout,
// TRYAGAIN, CLUSTERDOWN): each call executes at most once, so the test can
// count attempts. MOVED and READONLY (never executed) are still followed.
type onceStatus struct{ *redis.StatusCmd }

func (onceStatus) NoRetry() bool { return true }

type onceInt struct{ *redis.IntCmd }

func (onceInt) NoRetry() bool { return true }

// ackTracker records, per node address, the first acknowledged write after
// it was armed: the end of a failover.
type ackTracker struct {
	mu    sync.Mutex
	since time.Time
	first map[string]time.Time
}

func (a *ackTracker) arm(at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.since, a.first = at, map[string]time.Time{}
}

func (a *ackTracker) ack(addr string) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.since.IsZero() && now.After(a.since) && a.first[addr].IsZero() {
		a.first[addr] = now
	}
}

func (a *ackTracker) firstAck(addr string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first[addr]
}

// ackHook is installed on every node client of the cluster client: it sees
// each attempt at that node.
type ackHook struct {
	addr string
	acks *ackTracker
}

func (h ackHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h ackHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err == nil && slices.Contains([]string{"set", "incr", "rpush"}, cmd.Name()) {
			h.acks.ack(h.addr)
		}
		return err
	}
}

func (h ackHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// pushAck is an acknowledged RPUSH: element i, and the list's length after it.
type pushAck struct {
	i   int
	len int64
}

// history is what one writer goroutine did and saw acknowledged.
type history struct {
	g         int
	sets      []int // n of every acknowledged SET k:<g>:<n> v:<g>:<n>
	incrTries int64 // INCR c:<g> calls (each executes at most once)
	incrMax   int64 // largest acknowledged INCR result
	pushTries int   // RPUSH l:<g> <i> was called for every i < pushTries
	pushAcks  []pushAck
	errs      map[string]int // unacknowledged calls by error class
}

func setKey(g, n int) string  { return fmt.Sprintf("k:%d:%d", g, n) }
func setVal(g, n int) string  { return fmt.Sprintf("v:%d:%d", g, n) }
func counterKey(g int) string { return fmt.Sprintf("c:%d", g) }
func listKey(g int) string    { return fmt.Sprintf("l:%d", g) }

// errClass is an error's first word (MOVED, CLUSTERDOWN...) or its kind.
func errClass(err error) string {
	var re redis.Error
	if errors.As(err, &re) {
		if w, _, _ := strings.Cut(re.Error(), " "); w != "" {
			return w
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "refused"
	case strings.Contains(err.Error(), "EOF"), strings.Contains(err.Error(), "reset by peer"):
		return "conn-lost"
	}
	return "other"
}

// runWriter cycles SET, INCR and RPUSH until ctx ends, recording every
// acknowledged reply. Errors are expected during failovers: they are
// counted, the cluster client is told to reload the topology, and the
// writer carries on after a short pause.
func runWriter(ctx context.Context, cc *redis.ClusterClient, g int, acked *atomic.Int64) *history {
	h := &history{g: g, errs: map[string]int{}}
	for n := 0; ctx.Err() == nil; n++ {
		octx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var err error
		switch n % 3 {
		case 0:
			cmd := redis.NewStatusCmd(octx, "set", setKey(g, n), setVal(g, n))
			if err = cc.Process(octx, onceStatus{cmd}); err == nil {
				h.sets = append(h.sets, n)
			}
		case 1:
			cmd := redis.NewIntCmd(octx, "incr", counterKey(g))
			h.incrTries++
			if err = cc.Process(octx, onceInt{cmd}); err == nil {
				h.incrMax = max(h.incrMax, cmd.Val())
			}
		case 2:
			i := h.pushTries
			h.pushTries++
			cmd := redis.NewIntCmd(octx, "rpush", listKey(g), strconv.Itoa(i))
			if err = cc.Process(octx, onceInt{cmd}); err == nil {
				h.pushAcks = append(h.pushAcks, pushAck{i, cmd.Val()})
			}
		}
		cancel()
		if err == nil {
			acked.Add(1)
			continue
		}
		if ctx.Err() != nil {
			break
		}
		h.errs[errClass(err)]++
		cc.ReloadState(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	return h
}

// waitAcks waits until acked has grown by n.
func waitAcks(t *testing.T, acked *atomic.Int64, n int64) {
	t.Helper()
	target := acked.Load() + n
	proctest.WaitFor(t, 30*time.Second, func() error {
		if got := acked.Load(); got < target {
			return fmt.Errorf("%d writes acknowledged, waiting for %d", got, target)
		}
		return nil
	})
}

// checkNoRecordFrom fails if a heartbeat or ELECT of node id is among recs,
// or if one of another node than primary is.
func checkNoRecordFrom(t *testing.T, recs []logRecord, id, primary string) {
	t.Helper()
	for _, r := range recs {
		if r.kind == 'E' {
			continue
		}
		if r.node == id {
			t.Errorf("log record %v: node %s appended after its restart", r, id)
		} else if r.node != primary {
			t.Errorf("log record %v: only the primary %s may append", r, primary)
		}
	}
}

func TestE2E_FailoverUnderLoad(t *testing.T) { failoverUnderLoad(t, false) }

// TestE2E_FailoverUnderLoadWithSnapshots is the same with the snapshot
// process run while the killed primary is down: it trims the log past the
// dead node, which must come back from the snapshot, and every
// acknowledged write must still be on every node.
func TestE2E_FailoverUnderLoadWithSnapshots(t *testing.T) { failoverUnderLoad(t, true) }

func failoverUnderLoad(t *testing.T, snapshots bool) {
	const writers = 6
	kills, between := 3, int64(600)
	if testing.Short() {
		kills, between = 2, 300
	}
	if n, err := strconv.Atoi(os.Getenv("MEMSHARD_E2E_KILLS")); err == nil && n > 0 {
		kills = min(n, 20) // for measuring failover times (make test never sets it)
	}
	var opts envOptions
	if snapshots {
		opts.snapshots = []string{"--snapshot-dir", t.TempDir()}
	}
	e := newEnv(t, opts)
	acks := &ackTracker{}
	w := startWriters(t, e, writers, func(c *redis.Client) { c.AddHook(ackHook{addr: c.Options().Addr, acks: acks}) })
	acked := &w.acked

	var failovers []time.Duration
	for round := range kills {
		p := e.primary()
		waitAcks(t, acked, between)
		killAt := time.Now()
		acks.arm(killAt)
		e.kill9(p)
		np := e.primary()
		proctest.WaitFor(t, 20*time.Second, func() error {
			if acks.firstAck(e.addrs[np]).IsZero() {
				return fmt.Errorf("no write acknowledged by the new primary %s yet", e.ids[np])
			}
			return nil
		})
		d := acks.firstAck(e.addrs[np]).Sub(killAt)
		failovers = append(failovers, d)
		t.Logf("round %d: killed primary %s, %s took over; kill -> first acknowledged write on %s: %v",
			round, e.ids[p], e.ids[np], e.ids[np], d.Round(time.Millisecond))

		if snapshots {
			// Trims the log past the dead node: it must restore the snapshot.
			t.Logf("round %d: %s", round, strings.TrimSpace(runSnapshotCmd(t, e, opts.snapshots)))
		}
		// The killed node comes back as a replica and appends nothing.
		restartFrom := e.lastID()
		e.restart(p)
		e.waitReplica(p, restartFrom)
		if snapshots && !strings.Contains(e.nodes[p].StderrTail(100), "restored a snapshot") {
			t.Errorf("restarted %s did not restore the snapshot", e.ids[p])
		}
		waitAcks(t, acked, between)
		if r, err := e.role(p); err != nil || r != "slave" {
			t.Errorf("ROLE of restarted %s = %q, %v; want slave", e.ids[p], r, err)
		}
		recs := e.readLog(restartFrom + 1)
		checkNoRecordFrom(t, recs, e.ids[p], e.ids[np])
		t.Logf("round %d: %s restarted as a replica; %d log records since, none of them its own", round, e.ids[p], len(recs))
	}
	hists, _ := w.finish()
	slices.Sort(failovers)
	t.Logf("failover times (kill -> first acknowledged write): %v; p50 %v, max %v",
		failovers, failovers[len(failovers)/2].Round(time.Millisecond), failovers[len(failovers)-1].Round(time.Millisecond))

	e.onEveryNode(e.primary(), func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
}

// writerLoad is writers running runWriter through one cluster client.
type writerLoad struct {
	t     *testing.T
	acked atomic.Int64
	hists []*history
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// startWriters starts n writers on a cluster client of e's nodes; onNode,
// if set, is called with each node client the cluster client makes.
func startWriters(t *testing.T, e *env, n int, onNode func(*redis.Client)) *writerLoad {
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:       e.addrs,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 3 * time.Second, WriteTimeout: 2 * time.Second,
		PoolSize: n + 2, ContextTimeoutEnabled: true, TLSConfig: e.tls,
	})
	if onNode != nil {
		cc.OnNewNode(onNode)
	}
	w := &writerLoad{t: t, hists: make([]*history, n)}
	var ctx context.Context
	ctx, w.stop = context.WithCancel(t.Context())
	for g := range n {
		w.wg.Go(func() { w.hists[g] = runWriter(ctx, cc, g, &w.acked) })
	}
	t.Cleanup(func() { w.stop(); w.wg.Wait(); cc.Close() })
	return w
}

// finish stops the writers, logs what they saw, and returns their
// histories and the unacknowledged calls by error class.
func (w *writerLoad) finish() ([]*history, map[string]int) {
	w.t.Helper()
	w.stop()
	w.wg.Wait()
	total := map[string]int{}
	for _, h := range w.hists {
		for k, v := range h.errs {
			total[k] += v
		}
	}
	var errs []string
	for k, v := range total {
		errs = append(errs, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(errs)
	w.t.Logf("%d writes acknowledged; unacknowledged by error: %s", w.acked.Load(), strings.Join(errs, " "))
	return w.hists, total
}

// verifyHistories checks node id's keyspace against every writer's
// acknowledged replies.
func verifyHistories(t *testing.T, c *redis.Client, id string, hists []*history) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, h := range hists {
		for chunk := range slices.Chunk(h.sets, 500) {
			keys := make([]string, len(chunk))
			for j, n := range chunk {
				keys[j] = setKey(h.g, n)
			}
			vals, err := c.MGet(ctx, keys...).Result()
			if err != nil {
				t.Fatalf("%s: MGET = %v", id, err)
			}
			for j, v := range vals {
				if want := setVal(h.g, chunk[j]); v != want {
					t.Errorf("%s: GET %s = %v, want %q (acknowledged)", id, keys[j], v, want)
				}
			}
		}

		n, err := c.Get(ctx, counterKey(h.g)).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("%s: GET %s = %v", id, counterKey(h.g), err)
		}
		if n < h.incrMax || n > h.incrTries {
			t.Errorf("%s: %s = %d, want between the largest acknowledged INCR %d and the INCR calls %d",
				id, counterKey(h.g), n, h.incrMax, h.incrTries)
		}

		elems, err := c.LRange(ctx, listKey(h.g), 0, -1).Result()
		if err != nil {
			t.Fatalf("%s: LRANGE %s = %v", id, listKey(h.g), err)
		}
		prev := -1
		for j, s := range elems {
			v, err := strconv.Atoi(s)
			if err != nil || v <= prev || v >= h.pushTries {
				t.Errorf("%s: %s[%d] = %q after %d: want the writer's pushes in order, each at most once, below %d",
					id, listKey(h.g), j, s, prev, h.pushTries)
				break
			}
			prev = v
		}
		for _, a := range h.pushAcks {
			if int64(len(elems)) < a.len {
				t.Errorf("%s: %s has %d elements, but RPUSH %d acknowledged length %d", id, listKey(h.g), len(elems), a.i, a.len)
				break
			}
			if got := elems[a.len-1]; got != strconv.Itoa(a.i) {
				t.Errorf("%s: %s[%d] = %q, want %d (RPUSH acknowledged length %d)", id, listKey(h.g), a.len-1, got, a.i, a.len)
			}
		}
	}
}

func TestE2E_RacingReplicasElectOne(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	before := e.lastID()
	e.kill9(p)
	killAt := time.Now()

	// Sample ROLE on the survivors every 50ms until three leases after the
	// first master appeared: never two masters, and never a change of master.
	winner, samples := -1, 0
	var elected time.Time
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for deadline := killAt.Add(20 * time.Second); ; {
		masters := 0
		for i := range e.nodes {
			if i == p {
				continue
			}
			r, err := e.role(i)
			if err != nil {
				t.Errorf("sample %d: %v", samples, err)
				continue
			}
			if r != "master" {
				continue
			}
			masters++
			if winner < 0 {
				winner, elected = i, time.Now()
			} else if winner != i {
				t.Errorf("sample %d: %s says master after %s did", samples, e.ids[i], e.ids[winner])
			}
		}
		samples++
		if masters > 1 {
			t.Errorf("sample %d (%v after the kill): %d masters", samples, time.Since(killAt).Round(time.Millisecond), masters)
		}
		if winner >= 0 && time.Since(elected) > 3*e.lease {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no master among the survivors %v after killing %s", time.Since(killAt), e.ids[p])
		}
		<-tick.C
	}
	t.Logf("killed %s; %s elected after %v; %d samples, never two masters", e.ids[p], e.ids[winner],
		elected.Sub(killAt).Round(time.Millisecond), samples)
	for i := range e.nodes {
		if i != p && i != winner {
			if r, err := e.role(i); err != nil || r != "slave" {
				t.Errorf("ROLE of the loser %s = %q, %v; want slave", e.ids[i], r, err)
			}
		}
	}

	recs := e.readLog(before + 1)
	var votes []logRecord
	for _, r := range recs {
		switch {
		case r.kind == 'V':
			votes = append(votes, r)
		case r.kind == 'H' && len(votes) == 0 && r.node != e.ids[p]:
			t.Errorf("log record %v: heartbeat of %s before any election", r, r.node)
		case r.kind == 'H' && len(votes) > 0 && r.node != e.ids[winner]:
			t.Errorf("log record %v: heartbeat of %s after %s's election", r, r.node, e.ids[winner])
		}
	}
	if len(votes) != 1 || votes[0].node != e.ids[winner] {
		t.Errorf("ELECT records after id %d = %v, want exactly one, of %s", before, votes, e.ids[winner])
	}
}

func TestE2E_FrozenPrimaryStopsServing(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	old := e.rc(p)
	if err := old.Set(ctx, "x", "old", 0).Err(); err != nil {
		t.Fatalf("SET x old on the primary %s = %v", e.ids[p], err)
	}
	before := e.lastID()
	e.sigstop(p)
	stoppedAt := time.Now()
	np := e.primary()
	t.Logf("froze %s; %s elected after %v", e.ids[p], e.ids[np], time.Since(stoppedAt).Round(time.Millisecond))
	if err := e.rc(np).Set(ctx, "x", "new", 0).Err(); err != nil {
		t.Fatalf("SET x new on the new primary %s = %v", e.ids[np], err)
	}
	if rest := 3*e.lease - time.Since(stoppedAt); rest > 0 {
		hold(t, rest)
	}
	e.sigcont(p)

	// From the moment it wakes up, the old primary must refuse to serve:
	// every SET and GET gets an error, until it knows it is a replica.
	var sets, replies []string
	err := proctest.Poll(ctx, 20*time.Second, func() error {
		k := fmt.Sprintf("frozen:%d", len(sets))
		sets = append(sets, k)
		octx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err := old.Set(octx, k, "stale", 0).Err()
		if !isRetryableReject(err) {
			t.Errorf("SET %s on the resumed old primary %s = %v, want MOVED, CLUSTERDOWN, TRYAGAIN or READONLY", k, e.ids[p], err)
		}
		v, gerr := old.Get(octx, "x").Result()
		if !isRetryableReject(gerr) {
			t.Errorf("GET x on the resumed old primary %s = %q, %v, want MOVED or CLUSTERDOWN", e.ids[p], v, gerr)
		}
		if len(replies) < 4 {
			replies = append(replies, fmt.Sprintf("SET: %v; GET: %v", err, gerr))
		}
		if r, err := e.role(p); err != nil || r != "slave" {
			return fmt.Errorf("ROLE of %s = %q, %v; want slave", e.ids[p], r, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the resumed %s refused %d SETs and GETs (%s), then said slave", e.ids[p], len(sets), strings.Join(replies, " | "))

	e.onEveryNode(np, func(i int, c *redis.Client) {
		n, err := c.Exists(ctx, sets...).Result()
		x, xerr := c.Get(ctx, "x").Result()
		if err != nil || n != 0 {
			t.Errorf("%s: EXISTS of the SETs sent to the old primary = %d, %v; want 0", e.ids[i], n, err)
		}
		if xerr != nil || x != "new" {
			t.Errorf("%s: GET x = %q, %v; want new", e.ids[i], x, xerr)
		}
	})

	recs := e.readLog(before + 1)
	elected := false
	for _, r := range recs {
		switch r.kind {
		case 'V':
			if elected || r.node != e.ids[np] {
				t.Errorf("log record %v: want exactly one ELECT, of %s", r, e.ids[np])
			}
			elected = true
		case 'H':
			if elected && r.node != e.ids[np] {
				t.Errorf("log record %v: heartbeat of %s after %s's election", r, r.node, e.ids[np])
			}
		case 'E':
			for _, eff := range r.effects {
				for _, a := range eff[1:] {
					if strings.HasPrefix(a, "frozen:") {
						t.Errorf("log record %v: holds a write sent to the deposed primary", r)
					}
				}
			}
		}
	}
	if !elected {
		t.Errorf("no ELECT record after id %d", before)
	}
}

// waitCmdSeen waits until CLIENT LIST, asked on c, shows that the
// connection named name has run cmd: its command has been executed in
// memory (replies may still be held).
func waitCmdSeen(t *testing.T, c *redis.Client, name, cmd string, total time.Duration) {
	t.Helper()
	proctest.WaitFor(t, total, func() error {
		list, err := c.ClientList(t.Context()).Result()
		if err != nil {
			return err
		}
		for line := range strings.SplitSeq(list, "\n") {
			if strings.Contains(line, " name="+name+" ") && strings.Contains(line, " cmd="+cmd) {
				return nil
			}
		}
		return fmt.Errorf("%s's %s not seen in CLIENT LIST:\n%s", name, cmd, list)
	})
}

// reply is what one Redis call returned, and when.
type reply struct {
	val string
	err error
	at  time.Time
}

func TestE2E_BlockingLayer(t *testing.T) {
	const lease = 4 * time.Second
	pause := lease / 3 // well under lease/2: the primary keeps its lease throughout
	e := newEnv(t, envOptions{lease: lease})
	p := e.primary()
	ctx := t.Context()
	a, b, c := heldClient(t, e.addrs[p], "A"), heldClient(t, e.addrs[p], "B"), heldClient(t, e.addrs[p], "C")
	if err := c.Set(ctx, "k2", "x", 0).Err(); err != nil {
		t.Fatalf("SET k2 x = %v", err)
	}
	if err := b.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING on B = %v", err)
	}
	if err := a.Set(ctx, "k1", "v1", 0).Err(); err != nil { // renews the primary's lease
		t.Fatalf("SET k1 v1 = %v", err)
	}
	if err := a.Ping(ctx).Err(); err != nil { // CLIENT LIST now says cmd=ping for A
		t.Fatalf("PING on A = %v", err)
	}

	before := e.lastID()
	e.pauseLog()
	pausedAt := time.Now()
	aDone, bDone := make(chan reply, 1), make(chan reply, 1)
	go func() {
		v, err := a.Set(ctx, "k1", "v2", 0).Result()
		aDone <- reply{v, err, time.Now()}
	}()
	// B reads only once A's SET has run in memory.
	waitCmdSeen(t, c, "A", "set", pause/2)
	go func() {
		v, err := b.Get(ctx, "k1").Result()
		bDone <- reply{v, err, time.Now()}
	}()
	cctx, cancel := context.WithTimeout(ctx, pause/2)
	k2, err := c.Get(cctx, "k2").Result()
	cancel()
	cAt := time.Now()
	if err != nil || k2 != "x" {
		t.Errorf("GET k2 on C while the log is paused = %q, %v; want x at once", k2, err)
	}

	// Until the log resumes, neither A nor B may return.
	var ra, rb reply
	gotA, gotB := false, false
	for timer := time.After(pause - time.Since(pausedAt)); ; {
		select {
		case ra = <-aDone:
			gotA = true
			t.Errorf("SET k1 v2 on A returned %q, %v while the log was paused (log nodes' states: %s)", ra.val, ra.err, e.logStates())
			continue
		case rb = <-bDone:
			gotB = true
			if rb.err == nil && rb.val == "v2" {
				t.Errorf("GET k1 on B returned the uncommitted v2 while the log was paused")
			} else {
				t.Logf("GET k1 on B returned %q, %v during the pause (it was served before A's SET)", rb.val, rb.err)
			}
			continue
		case <-timer:
		}
		break
	}
	e.resumeLog()
	resumedAt := time.Now()
	wait := func(ch chan reply, what string) reply {
		select {
		case r := <-ch:
			return r
		case <-time.After(20 * time.Second):
			t.Fatalf("%s has not returned 20s after the log resumed", what)
		}
		return reply{}
	}
	if !gotA {
		ra = wait(aDone, "SET k1 v2 on A")
	} else {
		// Diagnostics of a reply released during the pause: is the
		// record in the log, and when was it appended?
		t.Logf("shard log records after ID %d (the last before the pause): %v", before, e.readLog(before+1))
	}
	if !gotB {
		rb = wait(bDone, "GET k1 on B")
	}
	t.Logf("paused the log for %v; C's GET k2 returned after %v; after the resume A got %q, %v (+%v), B got %q, %v (+%v)",
		resumedAt.Sub(pausedAt).Round(time.Millisecond), cAt.Sub(pausedAt).Round(time.Millisecond),
		ra.val, ra.err, ra.at.Sub(resumedAt).Round(time.Millisecond), rb.val, rb.err, rb.at.Sub(resumedAt).Round(time.Millisecond))
	if !cAt.Before(resumedAt) {
		t.Errorf("GET k2 on C returned only after the log resumed")
	}
	if ra.err != nil && !isRetryableReject(ra.err) {
		t.Errorf("SET k1 v2 on A = %v, want OK or a retryable error", ra.err)
	}
	if rb.err == nil && rb.val == "v2" {
		if ra.err != nil {
			t.Errorf("GET k1 on B = v2, but A's SET failed: %v", ra.err)
		}
		if rb.at.Before(resumedAt) {
			t.Errorf("GET k1 on B = v2 before the log resumed")
		}
	}
	if ra.err == nil {
		np := e.primary()
		if got, err := e.rc(np).Get(ctx, "k1").Result(); err != nil || got != "v2" {
			t.Errorf("after A's acknowledged SET, GET k1 on the primary %s = %q, %v; want v2", e.ids[np], got, err)
		}
	}
}

// cli runs a Redis tool and returns its output; it fails the test if the
// tool does not exit 0 within 60s.
func cli(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func port(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

func TestE2E_RedisCLIAndBenchmark(t *testing.T) {
	for _, tool := range []string{"redis-cli", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	if out := cli(t, "redis-cli", "-c", "-h", "127.0.0.1", "-p", port(e.addrs[p]), "SET", "a", "1"); strings.TrimSpace(out) != "OK" {
		t.Errorf("redis-cli -c SET a 1 on the primary = %q, want OK", out)
	}
	if out := cli(t, "redis-cli", "-c", "-h", "127.0.0.1", "-p", port(e.addrs[r]), "GET", "a"); strings.TrimSpace(out) != "1" {
		t.Errorf("redis-cli -c GET a on the replica %s = %q, want 1 (following MOVED)", e.ids[r], out)
	}

	n := "2000"
	if testing.Short() {
		n = "1000"
	}
	out := cli(t, "redis-benchmark", "-h", "127.0.0.1", "-p", port(e.addrs[p]),
		"-t", "set,get,incr,lpush,hset,zadd", "-n", n, "-c", "10", "-q")
	var rates []string
	for _, test := range []string{"SET", "GET", "INCR", "LPUSH", "HSET", "ZADD"} {
		m := regexp.MustCompile(`(?m)(?:^|\r)` + test + `: ([0-9.]+) requests per second`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("redis-benchmark printed no rate for %s:\n%s", test, out)
			continue
		}
		if rps, err := strconv.ParseFloat(m[1], 64); err != nil || rps <= 0 {
			t.Errorf("redis-benchmark %s: %q requests per second", test, m[1])
		}
		rates = append(rates, test+"="+m[1])
	}
	t.Logf("redis-benchmark -n %s -c 10 (rps): %s", n, strings.Join(rates, " "))

	want, err := e.appliedID(p)
	if err != nil {
		t.Fatal(err)
	}
	e.waitReplica(r, want)
	c := newRedis(e.addrs[r], true)
	defer c.Close()
	if size, err := c.DBSize(t.Context()).Result(); err != nil || size == 0 {
		t.Errorf("DBSIZE on the replica %s = %d, %v; want > 0", e.ids[r], size, err)
	}
}

func TestE2E_RestartReplaysLog(t *testing.T) {
	const keys = 500
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	pipe := e.rc(p).Pipeline()
	for i := range keys {
		pipe.Set(ctx, fmt.Sprintf("r:%d", i), fmt.Sprintf("v%d", i), 0)
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatalf("writing %d keys on the primary %s: %v", keys, e.ids[p], err)
	}
	for _, c := range cmds {
		if c.Err() != nil {
			t.Fatalf("%v: %v", c.Args(), c.Err())
		}
	}
	for i := range e.nodes {
		e.nodes[i].Term(t)
	}
	for i := range e.nodes {
		e.restart(i)
	}
	np := e.primary()
	t.Logf("%s was primary; after a restart of all nodes %s is", e.ids[p], e.ids[np])
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprintf("r:%d", i)
	}
	e.onEveryNode(np, func(i int, c *redis.Client) {
		vals, err := c.MGet(ctx, names...).Result()
		if err != nil {
			t.Fatalf("MGET on %s = %v", e.ids[i], err)
		}
		missing := 0
		for j, v := range vals {
			if v != fmt.Sprintf("v%d", j) {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("%s: %d of %d keys missing or wrong after the restart", e.ids[i], missing, keys)
		}
	})
}

// heldClient returns a client of addr named name with one connection, whose
// replies may be held for long.
func heldClient(t *testing.T, addr, name string) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr: addr, ClientName: name, MaxRetries: -1, PoolSize: 1, ContextTimeoutEnabled: true,
		DialTimeout: time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 2 * time.Second,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// A write that changes nothing (SETNX on an existing key) still reads its
// keys: its reply must wait for their uncommitted writes, as a GET's does.
func TestE2E_EffectlessWriteWaitsForUncommittedKeys(t *testing.T) {
	e := newEnv(t, envOptions{lease: 4 * time.Second})
	p := e.primary()
	ctx := t.Context()
	a, d := heldClient(t, e.addrs[p], "A"), heldClient(t, e.addrs[p], "D")
	if err := a.Set(ctx, "warm", "1", 0).Err(); err != nil {
		t.Fatalf("SET warm 1 = %v", err)
	}
	if err := a.Ping(ctx).Err(); err != nil { // CLIENT LIST now says cmd=ping for A
		t.Fatalf("PING on A = %v", err)
	}
	if err := d.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING = %v", err)
	}
	before := e.lastID()
	e.pauseLog()
	aDone := make(chan error, 1)
	go func() { aDone <- a.Set(ctx, "k3", "v", 0).Err() }()
	waitCmdSeen(t, d, "A", "set", time.Second)
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	ok, err := d.SetNX(dctx, "k3", "y", 0).Result()
	cancel()
	states := e.logStates()
	e.resumeLog()
	if err == nil {
		t.Errorf("SETNX k3 = %v while k3's only write was uncommitted (the log paused; log nodes' states then: %s); want it held until that write settles", ok, states)
		t.Logf("shard log records after ID %d (the last before the pause): %v", before, e.readLog(before+1))
	}
	select {
	case err := <-aDone:
		t.Logf("SET k3 v = %v", err)
	case <-time.After(20 * time.Second):
		t.Fatalf("SET k3 v has not returned 20s after the log resumed")
	}
}

// TRYAGAIN tells a Redis client that the write did not happen and may be
// retried (go-redis retries it by itself): a write memshard answers with
// TRYAGAIN must never be in the log.
func TestE2E_TryAgainMeansNotWritten(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	a := heldClient(t, e.addrs[p], "A")
	if err := a.Set(ctx, "warm", "1", 0).Err(); err != nil {
		t.Fatalf("SET warm 1 = %v", err)
	}
	e.pauseLog() // longer than the lease: the append's ctx ends while the request waits in the leader's socket
	actx, cancel := context.WithTimeout(ctx, 5*e.lease)
	err := a.Incr(actx, "n").Err()
	cancel()
	e.resumeLog()
	t.Logf("INCR n with the log paused = %v", err)
	np := e.primary()
	want, werr := e.appliedID(np)
	if werr != nil {
		t.Fatal(werr)
	}
	var inLog bool
	for _, r := range e.readLog(1) {
		for _, eff := range r.effects {
			inLog = inLog || len(eff) > 1 && eff[1] == "n"
		}
	}
	for i := range e.nodes {
		if i != np {
			e.waitReplica(i, want)
		}
	}
	n, gerr := e.rc(np).Get(ctx, "n").Result()
	t.Logf("after the resume: n in the log: %v; GET n on the primary %s = %q, %v", inLog, e.ids[np], n, gerr)
	if strings.HasPrefix(fmt.Sprint(err), "TRYAGAIN ") && inLog {
		t.Errorf("INCR n was answered %v, but its effect is in the log (n = %q): a client retrying it increments twice", err, n)
	}
}
