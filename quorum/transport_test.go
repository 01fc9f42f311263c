package quorum

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// A node's raft dials leave from the IP it listens on, so that nodes on
// one host's loopback addresses can be told apart (and partitioned, see
// cmd/quorumlogd's partition test), with SO_REUSEADDR set. A wildcard
// address is refused: peers could not reach it.
func TestTCPTransport_DialsFromItsOwnAddress(t *testing.T) {
	cfg := &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second}
	a, err := newTCPTransport("127.0.0.2:0", cfg, nil)
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
	// SO_REUSEADDR: see reuseAddr.
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	reuse, serr := 0, error(nil)
	raw.Control(func(fd uintptr) {
		reuse, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR)
	})
	if serr != nil || reuse == 0 {
		t.Errorf("the dialed socket's SO_REUSEADDR is %d (%v): its TIME_WAIT could keep a restarting peer from binding its port", reuse, serr)
	}
	if ip := peer.RemoteAddr().(*net.TCPAddr).IP.String(); ip != "127.0.0.2" {
		t.Errorf("the peer sees the dial come from %s, want 127.0.0.2", ip)
	}
	if got := string(a.LocalAddr()); !strings.HasPrefix(got, "127.0.0.2:") {
		t.Errorf("transport advertises %q, want 127.0.0.2:port", got)
	}

	if tr, err := newTCPTransport("0.0.0.0:0", &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second}, nil); err == nil {
		tr.Close()
		t.Error("a transport on 0.0.0.0 was made; want an error: peers cannot reach that address")
	}
}

// A peer that refuses (its process down, its host up) is dialled again
// until it listens or the dial's timeout passes, so that raft's back-off
// after failed AppendEntries does not grow while the peer is down; once
// the node closes, a dial gives up at once.
func TestTCPStreamLayer_DialWaitsForARefusingPeer(t *testing.T) {
	tr, err := newTCPTransport("127.0.0.1:0", &raft.NetworkTransportConfig{MaxPool: 1, Timeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // refuses from now on

	// The peer comes back while the dial retries.
	dialed := make(chan error, 1)
	go func() {
		c, err := tr.stream.Dial(raft.ServerAddress(addr), 30*time.Second)
		if err == nil {
			c.Close()
		}
		dialed <- err
	}()
	time.Sleep(10 * refusedRetry)
	select {
	case err := <-dialed:
		t.Fatalf("the dial returned while the peer refused: %v", err)
	default:
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := <-dialed; err != nil {
		t.Fatalf("the peer listens again; dial: %v", err)
	}

	// A dial that outlives its timeout gets the refusal.
	ln.Close()
	if _, err := tr.stream.Dial(raft.ServerAddress(addr), 4*refusedRetry); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial of a refusing peer for %v: %v, want ECONNREFUSED", 4*refusedRetry, err)
	}

	// Closing gives up on a dial in progress (of an hour).
	go func() {
		_, err := tr.stream.Dial(raft.ServerAddress(addr), time.Hour)
		dialed <- err
	}()
	time.Sleep(4 * refusedRetry)
	tr.stream.stopRetrying()
	select {
	case err := <-dialed:
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("dial after stopRetrying: %v, want ECONNREFUSED", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a dial still retries 20s after stopRetrying")
	}
}
