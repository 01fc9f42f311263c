package main

import (
	"fmt"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestE2E_ClientTrackingOnPrimaryAndReplica: RESP3 clients that track the
// keys they read, one on the primary and one on a replica (READONLY), get
// an invalidation for each write of a key they read, the replica's when it
// applies the write from the log; a read after the invalidation returns
// the write's value, never an older one, so a client-side cache refilled
// then is current. A BCAST client on the replica sees every key under its
// prefix; FLUSHALL invalidates everything.
func TestE2E_ClientTrackingOnPrimaryAndReplica(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	open := func(addr string, readonly bool, tracking ...string) *redisdiff.Conn {
		c := redisdiff.Dial(t, addr)
		c.Do("HELLO", "3")
		if readonly {
			c.Do("READONLY")
		}
		if got := string(c.Do(append([]string{"CLIENT", "TRACKING", "ON"}, tracking...)...)); got != "+OK\r\n" {
			t.Fatalf("CLIENT TRACKING ON %q on %s: %q", tracking, addr, got)
		}
		return c
	}
	onPrimary, onReplica := open(e.addrs[p], false), open(e.addrs[r], true)
	bcast := open(e.addrs[r], true, "BCAST", "PREFIX", "user:")
	writer := redisdiff.Dial(t, e.addrs[p])
	invalidation := func(keys ...string) string {
		s := fmt.Sprintf(">2\r\n$10\r\ninvalidate\r\n*%d\r\n", len(keys))
		for _, k := range keys {
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(k), k)
		}
		return s
	}
	bulk := func(v string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(v), v) }
	const rounds = 100
	for i := range rounds {
		v := fmt.Sprint("v", i)
		onPrimary.Do("GET", "user:1")
		// The replica applies the previous write before it serves this
		// read only if it has caught up: reading it is what tracks it.
		onReplica.Do("GET", "user:1")
		if got := string(writer.Do("SET", "user:1", v)); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
		for name, c := range map[string]*redisdiff.Conn{"primary": onPrimary, "replica": onReplica, "bcast on the replica": bcast} {
			if got := string(c.Read()); got != invalidation("user:1") {
				t.Fatalf("round %d: %s client read %q, want the invalidation of user:1", i, name, got)
			}
		}
		// After the invalidation, a read is at least as new as the write.
		if got := string(onPrimary.Do("GET", "user:1")); got != bulk(v) {
			t.Fatalf("round %d: GET on the primary after its invalidation = %q, want %q", i, got, bulk(v))
		}
		if got := string(onReplica.Do("GET", "user:1")); got != bulk(v) {
			t.Fatalf("round %d: GET on the replica after its invalidation = %q, want %q", i, got, bulk(v))
		}
	}
	if got := string(writer.Do("FLUSHALL")); got != "+OK\r\n" {
		t.Fatalf("FLUSHALL: %q", got)
	}
	for name, c := range map[string]*redisdiff.Conn{"primary": onPrimary, "replica": onReplica, "bcast on the replica": bcast} {
		// One null for everything, not the keys one by one.
		if got := string(c.Read()); got != ">2\r\n$10\r\ninvalidate\r\n_\r\n" {
			t.Fatalf("%s client read %q after FLUSHALL, want the null invalidation", name, got)
		}
		if got := string(c.Do("PING")); got != "+PONG\r\n" {
			t.Fatalf("%s client: %q after the flush's invalidation, want nothing more", name, got)
		}
	}
}
