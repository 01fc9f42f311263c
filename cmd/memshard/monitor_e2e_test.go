package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// TestE2E_Monitor: MONITOR on the primary shows a client's write and the
// commands of its script; MONITOR on a replica shows the reads it serves
// (and not the effects it applies from the log, which no client sent it).
func TestE2E_Monitor(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	ctx := t.Context()
	monitor := func(i int) *bufio.Reader {
		nc, err := net.Dial("tcp", e.addrs[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		nc.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := nc.Write([]byte("MONITOR\r\n")); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(nc)
		if line, err := br.ReadString('\n'); err != nil || line != "+OK\r\n" {
			t.Fatalf("MONITOR on %s: %q, %v", e.ids[i], line, err)
		}
		return br
	}
	// expect reads the lines a monitor shows until each of want in turn
	// (the end of a line: `] "set" "k" "v"`), skipping only the commands
	// go-redis sends on its own (HELLO, CLIENT, PING, READONLY).
	expect := func(br *bufio.Reader, node string, want ...string) {
		t.Helper()
		for _, w := range want {
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("%s's monitor, waiting for %q: %v", node, w, err)
				}
				line = strings.TrimSuffix(line, "\r\n")
				if strings.HasSuffix(line, w) {
					break
				}
				_, args, _ := strings.Cut(line, "] ")
				cmd, _, _ := strings.Cut(strings.ToLower(args), " ")
				switch cmd {
				case `"hello"`, `"client"`, `"ping"`, `"readonly"`:
				default:
					t.Fatalf("%s's monitor showed %q, want a line ending %q", node, line, w)
				}
			}
		}
	}
	pm, rm := monitor(p), monitor(r)

	w := newRedis(e.addrs[p], false)
	t.Cleanup(func() { w.Close() })
	if err := w.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Eval(ctx, "return redis.call('incr', KEYS[1])", []string{"n"}).Err(); err != nil {
		t.Fatal(err)
	}
	expect(pm, e.ids[p], `] "set" "k" "v"`, `] "eval" "return redis.call('incr', KEYS[1])" "1" "n"`, `lua] "incr" "n"`)

	rc := newRedis(e.addrs[r], true)
	t.Cleanup(func() { rc.Close() })
	proctest.WaitFor(t, 10*time.Second, func() error {
		if v, err := rc.Get(ctx, "k").Result(); err != nil || v != "v" {
			return fmt.Errorf("GET k on the replica: %q, %v", v, err)
		}
		return nil
	})
	// The replica shows its clients' commands only: not the SET and the
	// INCR it applied from the log.
	expect(rm, e.ids[r], `] "get" "k"`)
}
