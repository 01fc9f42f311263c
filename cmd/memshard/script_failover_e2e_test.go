package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestE2E_ScriptsAtomicAcrossFailover: scripts of three writes each (an
// INCR, an RPUSH, a SET) run through a go-redis cluster client while the
// primary is killed with -9. A script's writes are one record in the
// log, so on every node each script's writes are all there or none: the
// counter equals the list's length and the number of SET keys, every
// acknowledged script is in the list once, and no script is in twice.
func TestE2E_ScriptsAtomicAcrossFailover(t *testing.T) {
	e := newEnv(t, envOptions{})
	cc := e.clusterClient(4)
	script := redis.NewScript(`redis.call('INCR', KEYS[1]) redis.call('RPUSH', KEYS[2], ARGV[1]) return redis.call('SET', KEYS[3] .. ARGV[1], ARGV[1])`)
	keys := []string{"{s}:count", "{s}:list", "{s}:done:"}
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		runs  atomic.Int64
		wg    sync.WaitGroup
	)
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < 100000; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err := script.Run(rctx, cc, keys, id).Err()
				cancel()
				if err == nil {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
				runs.Add(1)
			}
		})
	}
	waitRuns := func(n int64) { waitCount(t, &runs, runs.Load()+n, "scripts run") }
	waitRuns(300)
	p := e.primary()
	e.kill9(p)
	np := e.primary()
	t.Logf("killed primary %s; %s took over", e.ids[p], e.ids[np])
	waitRuns(300)
	e.restart(p)
	e.waitReplica(p, 0)
	waitRuns(100)
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	e.onEveryNode(e.primary(), func(i int, c *redis.Client) {
		ctx := context.Background()
		count, _ := c.Get(ctx, keys[0]).Int64()
		list, err := c.LRange(ctx, keys[1], 0, -1).Result()
		if err != nil {
			t.Fatalf("%s: LRANGE: %v", e.ids[i], err)
		}
		seen := map[string]bool{}
		done := 0
		for _, id := range list {
			if seen[id] {
				t.Errorf("%s: script %s applied twice", e.ids[i], id)
			}
			seen[id] = true
			if v, err := c.Get(ctx, keys[2]+id).Result(); err == nil && v == id {
				done++
			} else {
				t.Errorf("%s: script %s pushed its id but its SET is missing (%q, %v)", e.ids[i], id, v, err)
			}
		}
		if count != int64(len(list)) || done != len(list) {
			t.Errorf("%s: counter %d, list %d, SET keys %d: a script applied in part", e.ids[i], count, len(list), done)
		}
		for id := range acked {
			if !seen[id] {
				t.Errorf("%s: acknowledged script %s is missing", e.ids[i], id)
			}
		}
		t.Logf("%s: %d scripts applied (%d acknowledged), each whole", e.ids[i], len(list), len(acked))
	})
}
