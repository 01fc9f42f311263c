package main

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestE2E_KeyspaceNotifications: with notify-keyspace-events set on each
// node (CONFIG is per node, as in Redis Cluster), a go-redis subscriber on
// the primary and one on a replica receive the notifications of a write
// made on the primary: the primary's once the write has committed (none
// while the log is frozen), the replica's as it applies the write's
// effects (SPOP as "srem" there, as on a Redis replica).
func TestE2E_KeyspaceNotifications(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	ctx := t.Context()
	type sub struct {
		name string
		ch   <-chan *redis.Message
	}
	var subs []sub
	for _, i := range []int{p, r} {
		c := newRedis(e.addrs[i], false)
		t.Cleanup(func() { c.Close() })
		if err := c.ConfigSet(ctx, "notify-keyspace-events", "E$sg").Err(); err != nil {
			t.Fatalf("CONFIG SET on %s: %v", e.ids[i], err)
		}
		ps := c.PSubscribe(ctx, "__keyevent@0__:*")
		t.Cleanup(func() { ps.Close() })
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatalf("PSUBSCRIBE on %s: %v", e.ids[i], err)
		}
		subs = append(subs, sub{e.ids[i], ps.Channel()})
	}
	expect := func(s sub, events ...string) {
		t.Helper()
		for _, want := range events {
			select {
			case m := <-s.ch:
				if got := m.Channel[len("__keyevent@0__:"):] + " " + m.Payload; got != want {
					t.Fatalf("%s's subscriber got %q, want %q", s.name, got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s's subscriber got nothing, want %q", s.name, want)
			}
		}
	}
	w := newRedis(e.addrs[p], false)
	t.Cleanup(func() { w.Close() })
	if err := w.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	expect(subs[0], "set k")
	expect(subs[1], "set k")

	// While the log is frozen, the write waits, and so does its
	// notification.
	e.pauseLog()
	done := make(chan error, 1)
	go func() { done <- w.Set(ctx, "frozen", "v", 0).Err() }()
	select {
	case m := <-subs[0].ch:
		e.resumeLog()
		t.Fatalf("notification %s %s of a write the log has not taken", m.Channel, m.Payload)
	case err := <-done:
		e.resumeLog()
		t.Fatalf("SET replied (%v) while the log was frozen", err)
	case <-time.After(300 * time.Millisecond):
	}
	e.resumeLog()
	if err := <-done; err != nil {
		t.Fatalf("SET frozen: %v", err)
	}
	expect(subs[0], "set frozen")
	expect(subs[1], "set frozen")

	if err := w.SAdd(ctx, "s", "a").Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.SPop(ctx, "s").Err(); err != nil {
		t.Fatal(err)
	}
	expect(subs[0], "sadd s", "spop s", "del s")
	expect(subs[1], "sadd s", "srem s", "del s")
}
