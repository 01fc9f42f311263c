package quorum

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// A node's raft dials leave from the IP it listens on, so that nodes on
// one host's loopback addresses can be told apart (and partitioned, see
// cmd/quorumlogd's partition test). A wildcard address is refused: peers
// could not reach it.
func TestTCPTransport_DialsFromItsOwnAddress(t *testing.T) {
	cfg := &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second}
	a, err := newTCPTransport("127.0.0.2:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := cfg.Stream.Dial(raft.ServerAddress(ln.Addr().String()), time.Second) // a's stream layer
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if ip := peer.RemoteAddr().(*net.TCPAddr).IP.String(); ip != "127.0.0.2" {
		t.Errorf("the peer sees the dial come from %s, want 127.0.0.2", ip)
	}
	if got := string(a.LocalAddr()); !strings.HasPrefix(got, "127.0.0.2:") {
		t.Errorf("transport advertises %q, want 127.0.0.2:port", got)
	}

	if tr, err := newTCPTransport("0.0.0.0:0", &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second}); err == nil {
		tr.Close()
		t.Error("a transport on 0.0.0.0 was made; want an error: peers cannot reach that address")
	}
}
