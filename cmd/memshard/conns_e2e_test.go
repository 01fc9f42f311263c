package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// TestE2E_ThousandsOfConnections holds 3,000 client connections open on
// the primary at once, each writing a key and reading it back in one
// pipelined round trip; every reply must be exact, INFO must count every
// connection, and a replica must hold every key afterwards.
func TestE2E_ThousandsOfConnections(t *testing.T) {
	const n = 3000
	e := newEnv(t, envOptions{})
	p := e.primary()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.DialTimeout("tcp", e.addrs[p], 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.Close()
		conns[i] = c
	}
	proctest.WaitFor(t, 10*time.Second, func() error {
		info, err := e.rc(p).Info(t.Context(), "clients").Result()
		if err != nil {
			return err
		}
		for line := range strings.SplitSeq(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_clients:"); ok {
				if got, _ := strconv.Atoi(v); got < n {
					return fmt.Errorf("INFO connected_clients:%s with %d connections open", v, n)
				}
				return nil
			}
		}
		return fmt.Errorf("INFO clients has no connected_clients:\n%s", info)
	})

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Go(func() {
			k, v := fmt.Sprintf("conn:%d", i), fmt.Sprintf("value-%d", i)
			c.SetDeadline(time.Now().Add(60 * time.Second))
			req := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(k), k, len(v), v, len(k), k)
			if _, err := io.WriteString(c, req); err != nil {
				errs <- fmt.Errorf("connection %d: write: %w", i, err)
				return
			}
			want := fmt.Sprintf("+OK\r\n$%d\r\n%s\r\n", len(v), v)
			got := make([]byte, len(want))
			if _, err := io.ReadFull(bufio.NewReader(c), got); err != nil || string(got) != want {
				errs <- fmt.Errorf("connection %d: got %q (%v), want %q", i, got, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	r := (p + 1) % 3
	want, err := e.appliedID(p)
	if err != nil {
		t.Fatal(err)
	}
	e.waitReplica(r, want)
	rc := newRedis(e.addrs[r], true)
	defer rc.Close()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("conn:%d", i)
	}
	vals, err := rc.MGet(t.Context(), keys...).Result()
	if err != nil {
		t.Fatalf("replica %s: MGET: %v", e.ids[r], err)
	}
	for i, v := range vals {
		if v != fmt.Sprintf("value-%d", i) {
			t.Fatalf("replica %s: %s = %v", e.ids[r], keys[i], v)
		}
	}
}
