package quorum_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// The raft log stays within Config.RaftLogBytes whatever the entries'
// size (raft itself counts entries: 100,000 of them by default), on every
// node, and every record stays readable from the logstore, also on a
// follower restarted afterwards.
func TestCluster_RaftLogStaysWithinItsByteBudget(t *testing.T) {
	const budget = 8 << 20
	c := quorumtest.NewCluster(t, 3, quorumtest.Options{Configure: func(cfg *quorum.Config) {
		cfg.RaftLogBytes = budget
		cfg.RetentionInterval = 20 * time.Millisecond
	}})
	mustPropose(t, c, logstore.Op{Kind: logstore.OpCreate, Log: "l"})
	const appends, size = 120, 256 << 10 // 30 MiB in all
	for i := range appends {
		appendExactlyOnce(t, c, "l", uint64(i), bytes.Repeat([]byte{byte(i)}, size))
	}
	c.WaitConverged()
	for i := range c.Size() {
		quorumtest.WaitFor(t, 10*time.Second, func() error {
			entries, n, err := c.Node(i).RaftLogSize()
			if err != nil {
				return err
			}
			if n > budget+size {
				return fmt.Errorf("node %d: raft log of %d entries, %d bytes: over the budget of %d", i, entries, n, budget)
			}
			return nil
		})
	}
	follower := (c.Leader() + 1) % 3
	c.Restart(follower)
	c.WaitConverged()
	for i := range c.Size() {
		recs := readAll(t, c.Node(i), "l")
		if len(recs) != appends {
			t.Fatalf("node %d holds %d records, want %d", i, len(recs), appends)
		}
		for j, r := range recs {
			if len(r.Payload) != size || r.Payload[0] != byte(j) {
				t.Fatalf("node %d record %d differs", i, r.ID)
			}
		}
	}
}

// appendExactlyOnce appends payload to log, whose last ID is lastID,
// conditionally on it: a proposal whose outcome is unknown (leadership lost
// while committing, as on a loaded machine) is proposed again, and a
// condition that fails then means the first one applied.
func appendExactlyOnce(t *testing.T, c *quorumtest.Cluster, log string, lastID uint64, payload []byte) {
	t.Helper()
	op := quorumtest.AppendOp(log, payload)
	op.Conditional, op.ExpectedLastID = true, lastID
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		res, err := c.Propose(ctx, op)
		cancel()
		var cond *logstore.ConditionError
		switch {
		case err == nil && res.Err == nil:
			return
		case errors.As(res.Err, &cond) && try > 0 && cond.Actual == lastID+1:
			// Propose returns an op's outcome as its error too (err ==
			// res.Err): the earlier try applied.
			return
		case err != nil && try < 5:
			t.Logf("append after ID %d: %v; proposing again", lastID, err)
			continue
		}
		t.Fatalf("append after ID %d: %v, %+v", lastID, err, res)
	}
}
