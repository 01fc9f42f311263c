package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestE2E_ClientPauseOnThePrimary: with the primary's clients paused for
// writes, a write waits (shown as a blocked client) while reads are
// served, a key past its expiry reads as missing but is not deleted (no
// DEL reaches the log); CLIENT UNPAUSE lets the write run, and it reaches
// the replicas.
func TestE2E_ClientPauseOnThePrimary(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	ctl, writer := redisdiff.Dial(t, e.addrs[p]), redisdiff.Dial(t, e.addrs[p])
	if got := string(ctl.Do("SET", "short", "v", "PX", "200")); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := string(ctl.Do("CLIENT", "PAUSE", "100000", "WRITE")); got != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE: %q", got)
	}
	writer.Send(redisdiff.Encode("SET", "k", "after-pause"))
	proctest.WaitFor(t, 10*time.Second, func() error {
		if got := string(ctl.Do("INFO", "clients")); !strings.Contains(got, "blocked_clients:1\r\n") {
			return fmt.Errorf("the SET is not postponed yet: %q", got)
		}
		return nil
	})
	if got := string(ctl.Do("GET", "k")); got != "$-1\r\n" {
		t.Fatalf("GET k during the pause: %q", got)
	}
	proctest.WaitFor(t, 10*time.Second, func() error {
		if got := string(ctl.Do("PTTL", "short")); got != ":-2\r\n" {
			return fmt.Errorf("PTTL short: %q, not yet past its expiry", got)
		}
		return nil
	})
	if got := string(ctl.Do("GET", "short")); got != "$-1\r\n" {
		t.Fatalf("GET of an expired key during the pause: %q", got)
	}
	if got := string(ctl.Do("DBSIZE")); got != ":1\r\n" {
		t.Fatalf("DBSIZE during the pause: %q, want the expired key still counted", got)
	}
	if got := string(ctl.Do("CLIENT", "UNPAUSE")); got != "+OK\r\n" {
		t.Fatalf("CLIENT UNPAUSE: %q", got)
	}
	if got := string(writer.Read()); got != "+OK\r\n" {
		t.Fatalf("the postponed SET: %q", got)
	}
	rc := redisdiff.Dial(t, e.addrs[r])
	rc.Do("READONLY")
	proctest.WaitFor(t, 10*time.Second, func() error {
		if got := string(rc.Do("GET", "k")); got != "$11\r\nafter-pause\r\n" {
			return fmt.Errorf("GET k on the replica: %q", got)
		}
		return nil
	})
}
