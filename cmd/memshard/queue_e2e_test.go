package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/redis/go-redis/v9"
)

// clusterClient returns a go-redis cluster client of e's nodes with pool
// connections, closed when the test ends.
func (e *env) clusterClient(pool int) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: e.addrs, DialTimeout: 300 * time.Millisecond, ReadTimeout: 3 * time.Second,
		WriteTimeout: time.Second, PoolSize: pool, ContextTimeoutEnabled: true,
	})
	e.t.Cleanup(func() { cc.Close() })
	return cc
}

// waitCount waits until counter reaches n (what it counts says the error).
func waitCount(t *testing.T, counter *atomic.Int64, n int64, what string) {
	t.Helper()
	proctest.WaitFor(t, 60*time.Second, func() error {
		if got := counter.Load(); got < n {
			return fmt.Errorf("%d %s, waiting for %d", got, what, n)
		}
		return nil
	})
}

// TestE2E_ReliableQueueAcrossFailovers: the work queue Redis users build
// with blocking commands (producers RPUSH; consumers BLMOVE each item to a
// processing list, then LREM it once handled), with go-redis cluster
// clients, through a CLUSTER FAILOVER and a kill -9 of the primary. Blocked
// consumers follow the primary (MOVED); a consumer whose reply was lost
// finds its item still in the processing list. At the end every
// acknowledged item was handled or is still queued or in processing, and
// none was handed out twice.
func TestE2E_ReliableQueueAcrossFailovers(t *testing.T) {
	e := newEnv(t, envOptions{})
	const (
		items     = 1500
		consumers = 3
		queue     = "{q}:queue" // one hash tag: BLMOVE's keys share a slot
		busy      = "{q}:processing"
	)
	cc := e.clusterClient(consumers + 2)
	ctx, stop := context.WithCancel(t.Context())
	defer stop()

	var (
		mu       sync.Mutex
		acked    = map[string]bool{} // pushes acknowledged
		handled  = map[string]int{}  // items consumers received, and how often
		produced atomic.Int64
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		for i := range items {
			item := fmt.Sprintf("job-%d", i)
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := cc.RPush(pctx, queue, item).Err()
			cancel()
			if err == nil {
				mu.Lock()
				acked[item] = true
				mu.Unlock()
			}
			produced.Add(1)
			time.Sleep(time.Millisecond) // a steady trickle, so that consumers block
		}
	})
	for range consumers {
		wg.Go(func() {
			for ctx.Err() == nil {
				item, err := cc.BLMove(ctx, queue, busy, "LEFT", "RIGHT", 500*time.Millisecond).Result()
				if errors.Is(err, redis.Nil) || err != nil {
					continue // a timeout, or a failover under way: ask again
				}
				mu.Lock()
				handled[item]++
				mu.Unlock()
				for ctx.Err() == nil && cc.LRem(ctx, busy, 1, item).Err() != nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}

	waitProduced := func(n int64) { waitCount(t, &produced, n, "items produced") }
	waitProduced(items / 3)
	p := e.primary()
	r := handOver(t, e, p)
	t.Logf("%s handed over to %s", e.ids[p], e.ids[r])
	waitProduced(2 * items / 3)
	e.kill9(r)
	np := e.primary()
	t.Logf("killed primary %s; %s took over", e.ids[r], e.ids[np])
	e.restart(r)
	e.waitReplica(r, 0)
	waitProduced(items)
	proctest.WaitFor(t, 60*time.Second, func() error {
		if n, err := cc.LLen(ctx, queue).Result(); err != nil || n != 0 {
			return fmt.Errorf("queue length %d, %v", n, err)
		}
		return nil
	})
	stop()
	wg.Wait()

	rest, err := cc.LRange(t.Context(), busy, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	inBusy := map[string]bool{}
	for _, item := range rest {
		if inBusy[item] {
			t.Errorf("%s twice in the processing list", item)
		}
		inBusy[item] = true // moved; its consumer may never have learnt it
	}
	for item, n := range handled {
		if n > 1 {
			t.Errorf("%s handed out %d times", item, n)
		}
	}
	lost := 0
	for item := range acked {
		if handled[item] == 0 && !inBusy[item] {
			lost++
			t.Errorf("acknowledged %s was neither handled nor left in processing", item)
		}
	}
	t.Logf("%d items pushed (%d acknowledged), %d handed to consumers, %d left in processing, %d lost",
		items, len(acked), len(handled), len(rest), lost)
	if len(acked) < items/2 {
		t.Fatalf("only %d of %d pushes acknowledged: the test saw too little", len(acked), items)
	}
}
