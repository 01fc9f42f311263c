package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/redis/go-redis/v9"
)

// TestE2E_ShutdownHandsOver: `redis-cli SHUTDOWN` on the primary, then
// SIGTERM to the next one, under the cluster client's write load. Each
// hands over to a replica before it exits with status 0: a replica asks it
// to in the members log (CLUSTER FAILOVER's path), so no replica has to
// wait out its lease. Restarted, each comes back as a replica. At the end
// every acknowledged write is on every node.
func TestE2E_ShutdownHandsOver(t *testing.T) {
	e := newEnv(t, envOptions{})
	w := startWriters(t, e, 4, nil)
	for _, how := range []string{"SHUTDOWN", "SIGTERM"} {
		p := e.primary()
		waitAcks(t, &w.acked, 200)
		before := len(e.memberRecords())
		switch how {
		case "SHUTDOWN":
			if out := strings.TrimSpace(cli(t, "redis-cli", "-p", port(e.addrs[p]), "SHUTDOWN")); out != "" {
				t.Fatalf("redis-cli SHUTDOWN on %s: %q", e.ids[p], out)
			}
			if err := e.nodes[p].Wait(); err != nil {
				t.Fatalf("%s after SHUTDOWN: %v, want exit status 0", e.ids[p], err)
			}
		case "SIGTERM":
			e.nodes[p].Term(t)
		}
		if asked := e.handoversSince(before); asked != 1 {
			t.Fatalf("%s: %d handover requests in the members log, want 1 (the primary handing over)", how, asked)
		}
		np := e.primary()
		if np == p {
			t.Fatalf("%s: %s is still the primary", how, e.ids[p])
		}
		waitAcks(t, &w.acked, 200)
		e.restart(p)
		proctest.WaitFor(t, 30*time.Second, func() error {
			if role, err := e.role(p); err != nil || role != "slave" {
				return fmt.Errorf("%s restarted: ROLE %q, %v", e.ids[p], role, err)
			}
			return nil
		})
		t.Logf("%s: %s handed over to %s", how, e.ids[p], e.ids[np])
	}
	hists, _ := w.finish()
	e.onEveryNode(e.primary(), func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
}

// handoversSince counts the handover requests in the shard's members log
// after its first before records.
func (e *env) handoversSince(before int) int {
	asked := 0
	for _, rec := range e.memberRecords()[before:] {
		var m map[string]json.RawMessage
		if json.Unmarshal(rec, &m) == nil && m["handover"] != nil {
			asked++
		}
	}
	return asked
}

// memberRecords reads the shard's members log (linearizably).
func (e *env) memberRecords() [][]byte {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 30*time.Second)
	defer cancel()
	r, err := e.log.Read(ctx, shardLog+".members", 0, client.Linearizable())
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	recs, err := r.All()
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([][]byte, len(recs))
	for i, rec := range recs {
		out[i] = rec.Payload
	}
	return out
}
