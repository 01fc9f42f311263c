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

// TestE2E_PubSubAcrossNodes: subscribers on every node of the shard
// receive what is published on any node (through the shard's Pub/Sub log),
// each publisher's messages in the order it published them; PUBLISH
// counts the receivers on its own node, as in Redis Cluster.
func TestE2E_PubSubAcrossNodes(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	ctx := t.Context()
	subs := make([]*redis.PubSub, len(e.nodes))
	chans := make([]<-chan *redis.Message, len(e.nodes))
	for i, addr := range e.addrs {
		c := newRedis(addr, false)
		t.Cleanup(func() { c.Close() })
		subs[i] = c.PSubscribe(ctx, "news.*")
		t.Cleanup(func() { subs[i].Close() })
		if _, err := subs[i].Receive(ctx); err != nil { // the confirmation
			t.Fatalf("PSUBSCRIBE on %s: %v", e.ids[i], err)
		}
		// A channel, not ReceiveMessage with a deadline: a receive that
		// times out makes go-redis reconnect, and resubscribe.
		chans[i] = subs[i].Channel(redis.WithChannelSize(4 * 300))
	}
	pubs := []*redis.Client{newRedis(e.addrs[p], false), newRedis(e.addrs[r], false)}
	for _, c := range pubs {
		t.Cleanup(func() { c.Close() })
	}
	// A node follows the log from where it stood when it started: wait
	// until every node delivers what the others publish.
	next := func(i int, d time.Duration) (string, bool) {
		select {
		case m := <-chans[i]:
			return m.Channel + " " + m.Payload, true
		case <-time.After(d):
			return "", false
		}
	}
	proctest.WaitFor(t, 20*time.Second, func() error {
		for k, c := range pubs {
			if err := c.Publish(ctx, "news.warmup", fmt.Sprint(k)).Err(); err != nil {
				return err
			}
		}
		for i := range subs {
			seen := map[string]bool{}
			for {
				m, ok := next(i, 300*time.Millisecond)
				if !ok {
					break
				}
				seen[m] = true
			}
			if !seen["news.warmup 0"] || !seen["news.warmup 1"] {
				return fmt.Errorf("%s has not received both publishers' warm-up yet", e.ids[i])
			}
		}
		return nil
	})
	const n = 300
	for j := range n {
		for k, c := range pubs {
			got, err := c.Publish(ctx, fmt.Sprintf("news.%d", k), fmt.Sprint(j)).Result()
			if err != nil || got != 1 {
				t.Fatalf("PUBLISH on %s = %d, %v; want 1 (its own subscriber)", e.addrs[[]int{p, r}[k]], got, err)
			}
		}
	}
	for i := range subs {
		var got [2][]string
		for len(got[0])+len(got[1]) < 2*n {
			m, ok := next(i, 10*time.Second)
			if !ok {
				t.Fatalf("%s received %d of %d messages", e.ids[i], len(got[0])+len(got[1]), 2*n)
			}
			if strings.HasPrefix(m, "news.warmup") {
				continue
			}
			k := int(m[len("news.")] - '0')
			got[k] = append(got[k], m[len("news.0 "):])
		}
		for k := range got {
			want := make([]string, n)
			for j := range want {
				want[j] = fmt.Sprint(j)
			}
			if !slices.Equal(got[k], want) {
				t.Errorf("%s: publisher %d's messages out of order or missing: %v...", e.ids[i], k, got[k][:min(10, len(got[k]))])
			}
		}
	}
}
