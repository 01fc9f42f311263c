package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// The QuorumLog leader is killed (kill -9) under memshard's load, again
// and again, and restarted. The primary's appends in flight end with an
// unknown outcome, which its client settles by reading the log, or the
// primary steps down and a replica takes over. Writers carry on after each
// kill, without a redirect loop, and at the end every acknowledged write
// is on every memshard node, in order, once, and nothing unacknowledged is
// there twice.
func TestE2E_LogLeaderKilledUnderLoad(t *testing.T) {
	const writers = 6
	kills, between := 3, int64(300)
	if testing.Short() {
		kills = 2
	}
	e := newEnv(t, envOptions{})
	w := startWriters(t, e, writers, nil)
	for round := range kills {
		waitAcks(t, &w.acked, between)
		l := e.logLeaderIndex()
		p := e.primary()
		before := w.acked.Load()
		e.logNodes[l].Kill(t)
		waitAcks(t, &w.acked, between) // on the two log nodes left
		e.logNodes[l].Start(t)
		t.Logf("round %d: killed QuorumLog leader n%d under load (memshard primary %s before, %s after); %d writes acknowledged since",
			round, l+1, e.ids[p], e.ids[e.primary()], w.acked.Load()-before)
	}
	waitAcks(t, &w.acked, between) // with every log node back
	hists, errs := w.finish()
	// go-redis follows three MOVED redirects; an error of MOVED is a loop,
	// such as a node that stepped down sending clients back to itself.
	if errs["MOVED"] > 0 {
		t.Errorf("%d writes ended in a MOVED redirect loop", errs["MOVED"])
	}
	e.onEveryNode(e.primary(), func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
}

// logLeaderIndex waits until the running QuorumLog nodes agree on a leader
// and returns its index in e.logNodes.
func (e *env) logLeaderIndex() int {
	e.t.Helper()
	addrs := strings.Split(e.logAddrs, ",")
	leader := -1
	proctest.WaitFor(e.t, 30*time.Second, func() error {
		agreed := ""
		for i, a := range addrs {
			if !e.logNodes[i].Running() {
				continue
			}
			ctx, cancel := context.WithTimeout(e.t.Context(), time.Second)
			st, err := e.log.StatusOf(ctx, a)
			cancel()
			if err != nil {
				return fmt.Errorf("status of n%d: %w", i+1, err)
			}
			if st.LeaderID == "" || agreed != "" && st.LeaderID != agreed {
				return fmt.Errorf("no agreed leader: n%d says %q", i+1, st.LeaderID)
			}
			agreed = st.LeaderID
		}
		if _, err := fmt.Sscanf(agreed, "n%d", &leader); err != nil || leader < 1 || leader > len(addrs) {
			return errors.New("leader " + agreed + " is not one of n1..n3")
		}
		leader--
		return nil
	})
	return leader
}
