package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/redis/go-redis/v9"
)

// TestE2E_ManualFailoverUnderLoad: `redis-cli CLUSTER FAILOVER` on a
// replica, three times under the cluster client's write load. Each time the
// primary hands over: the replica becomes primary without waiting for the
// lease, the old primary turns replica and appends nothing after the ELECT
// it wrote for its successor, and the client carries on. At the end every
// acknowledged write is on every node.
func TestE2E_ManualFailoverUnderLoad(t *testing.T) {
	e := newEnv(t, envOptions{})
	acks := &ackTracker{}
	w := startWriters(t, e, 6, func(c *redis.Client) { c.AddHook(ackHook{addr: c.Options().Addr, acks: acks}) })
	var took []time.Duration
	for round := range 3 {
		p := e.primary()
		r := (p + 1) % len(e.nodes)
		waitAcks(t, &w.acked, 300)
		from := e.lastID()
		asked := time.Now()
		acks.arm(asked)
		if out := strings.TrimSpace(cli(t, "redis-cli", "-p", port(e.addrs[r]), "CLUSTER", "FAILOVER")); out != "OK" {
			t.Fatalf("CLUSTER FAILOVER on %s: %q", e.ids[r], out)
		}
		proctest.WaitFor(t, 20*time.Second, func() error {
			if acks.firstAck(e.addrs[r]).IsZero() {
				return fmt.Errorf("no write acknowledged by %s yet", e.ids[r])
			}
			return nil
		})
		d := acks.firstAck(e.addrs[r]).Sub(asked)
		took = append(took, d)
		if np := e.primary(); np != r {
			t.Fatalf("round %d: primary %s after CLUSTER FAILOVER on %s", round, e.ids[np], e.ids[r])
		}
		e.waitReplica(p, from)
		waitAcks(t, &w.acked, 300)
		recs := e.readLog(from + 1)
		at := slices.IndexFunc(recs, func(rec logRecord) bool { return rec.kind == 'V' })
		if at < 0 || recs[at].node != e.ids[r] {
			t.Fatalf("round %d: no ELECT of %s in the log after ID %d: %v", round, e.ids[r], from, recs)
		}
		// The handover's ELECT made r primary (r's first acknowledged write
		// is checked above); the old primary appends nothing after it,
		// until any later election. (A later one can
		// happen: a new primary whose append times out, as when the log
		// itself changes leader on a loaded machine, steps down and a
		// replica stands. It is another failover, not this handover's.)
		term := recs[at+1:]
		if n := slices.IndexFunc(term, func(rec logRecord) bool { return rec.kind == 'V' }); n >= 0 {
			t.Logf("round %d: a later election after the handover's: %v", round, term[n])
			term = term[:n]
		}
		for _, rec := range recs[:at] {
			if rec.kind != 'E' && rec.node != e.ids[p] {
				t.Errorf("round %d: record %v before the handover: only %s appends", round, rec, e.ids[p])
			}
		}
		checkNoRecordFrom(t, term, e.ids[p], e.ids[r])
		t.Logf("round %d: %s handed over to %s; CLUSTER FAILOVER -> first acknowledged write on %s: %v",
			round, e.ids[p], e.ids[r], e.ids[r], d.Round(time.Millisecond))
	}
	hists, _ := w.finish()
	slices.Sort(took)
	t.Logf("manual failover times (CLUSTER FAILOVER -> first acknowledged write): %v; p50 %v, max %v",
		took, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	e.onEveryNode(e.primary(), func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
}

// TestE2E_LinearizableUnderHandover is TestE2E_LinearizableUnderFailover's
// check across three CLUSTER FAILOVER handovers: the old primary must
// serve no read once its successor may have taken a write, and the new one
// must have every acknowledged write; porcupine finds no sequential order
// for a history where either failed.
func TestE2E_LinearizableUnderHandover(t *testing.T) {
	e := newEnv(t, envOptions{})
	h := startKVLoad(t, e)
	hold(t, time.Second)
	for range 3 {
		p := e.primary()
		r := handOver(t, e, p)
		t.Logf("%s handed over to %s", e.ids[p], e.ids[r])
		hold(t, 500*time.Millisecond)
	}
	h.check()
}

// handOver runs redis-cli CLUSTER FAILOVER on the replica after primary p
// and waits until it reports itself master; it returns that replica.
func handOver(t *testing.T, e *env, p int) int {
	t.Helper()
	r := (p + 1) % len(e.nodes)
	if out := strings.TrimSpace(cli(t, "redis-cli", "-p", port(e.addrs[r]), "CLUSTER", "FAILOVER")); out != "OK" {
		t.Fatalf("CLUSTER FAILOVER on %s: %q", e.ids[r], out)
	}
	proctest.WaitFor(t, 20*time.Second, func() error {
		if role, err := e.role(r); err != nil || role != "master" {
			return fmt.Errorf("%s: ROLE %q, %v", e.ids[r], role, err)
		}
		return nil
	})
	return r
}
