package server

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// CLUSTER FAILOVER's arguments and the refusal on a primary answer as
// Redis 7.0 does (a one-node Redis cluster is its own primary).
func TestClusterFailover_AsRedis(t *testing.T) {
	_, _, rc := startRedisClusterNode(t)
	f := newFakeBackend()
	self := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	f.setTopology(Topology{Role: "master", Self: self, Primary: self, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	mc := dial(t, addr)
	for _, argv := range [][]string{
		{"CLUSTER", "FAILOVER"},
		{"CLUSTER", "FAILOVER", "FORCE"},
		{"cluster", "failover", "takeover"},
		{"CLUSTER", "FAILOVER", "foo"},
		{"CLUSTER", "FAILOVER", "a", "b"},
		{"COMMAND", "INFO", "cluster|failover"},
	} {
		if got, want := string(mc.Do(argv...)), string(rc.Do(argv...)); got != want {
			t.Errorf("%q: memshard %q, Redis %q", argv, got, want)
		}
	}
}

// A primary handing over holds the commands it gets until the handover
// ends, as Redis pauses its clients during a manual failover, and then
// redirects them to the new primary: no CLUSTERDOWN for a planned failover.
func TestClusterFailover_CommandsWaitForTheHandover(t *testing.T) {
	f := newFakeBackend()
	end := make(chan struct{})
	f.handoverEnd.Store(end)
	f.handingOver.Store(true)
	_, addr := startServer(t, Config{Backend: f})
	c := dial(t, addr)
	c.Send(redisdiff.Encode("SET", "k", "v"))
	nc, err := net.Dial("tcp", addr) // another connection: PING does not wait
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := nc.Read(buf); err != nil || string(buf[:n]) != "+PONG\r\n" {
		t.Fatalf("PING during the handover = %q, %v", buf[:n], err)
	}
	next := Node{ID: strings.Repeat("b", 40), Addr: "127.0.0.1:7002"}
	self := f.Topology().Self
	f.setTopology(Topology{Role: "slave", Self: self, Primary: next, Serving: true})
	f.handingOver.Store(false)
	close(end)
	if got, want := string(c.Read()), fmt.Sprintf("-MOVED %d %s\r\n", hashslot.Of("k"), next.Addr); got != want {
		t.Fatalf("SET held by the handover = %q, want %q", got, want)
	}
}
