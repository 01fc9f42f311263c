package quorum

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
)

// tcpTransport is raft's NetworkTransport over a tcpStreamLayer, with
// append pipelines that cannot wedge (pipeline.go).
type tcpTransport struct {
	*raft.NetworkTransport
	stream *tcpStreamLayer
}

// newTCPTransport returns raft's TCP transport on addr, whose stream layer
// dials from addr's IP. raft's own dials from whatever source the kernel
// picks: for nodes on one host's loopback addresses (127.0.0.1, .2, .3 as
// zones), 127.0.0.1 for every one of them, so a peer, a firewall rule or a
// packet capture could not tell the nodes' raft traffic apart. With rt
// (from Config.RaftTLS) every connection, both ways, is mutual TLS.
func newTCPTransport(addr string, cfg *raft.NetworkTransportConfig, rt *raftTLS) (*tcpTransport, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	bound := ln.Addr().(*net.TCPAddr)
	if bound.IP == nil || bound.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("%s is not an address peers can reach: give the node's own IP", addr)
	}
	s := &tcpStreamLayer{ln: ln, local: &net.TCPAddr{IP: bound.IP}, tls: rt, stop: make(chan struct{})}
	cfg.Stream = s
	return &tcpTransport{NetworkTransport: raft.NewNetworkTransportWithConfig(cfg), stream: s}, nil
}

// refusedRetry is how often Dial tries a peer that refused again.
const refusedRetry = 25 * time.Millisecond

// tcpStreamLayer is a raft.StreamLayer over TCP that dials from local,
// over TLS if tls is set.
type tcpStreamLayer struct {
	ln       net.Listener
	local    *net.TCPAddr
	tls      *raftTLS      // nil: plaintext
	stop     chan struct{} // closed by stopRetrying
	stopOnce sync.Once
}

// Dial connects to address from s.local. A peer whose process is down,
// on a host that is up, refuses at once, and raft backs off after each
// failed AppendEntries (10 ms, doubling, up to 10 s): restarted after a
// few seconds down, the peer would get no entries for as long again,
// though heartbeats resume at once. So Dial tries a refusing peer again
// every refusedRetry until timeout, as a dial into a partition waits for
// its answer, and the peer gets its entries once it listens again. With
// TLS the handshake is done here, within the same timeout, so that a peer
// whose certificate fails fails the dial.
func (s *tcpStreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	for {
		d := net.Dialer{Deadline: deadline, LocalAddr: s.local, Control: reuseAddr}
		c, err := d.Dial("tcp", string(address))
		if err == nil && s.tls != nil {
			return s.tls.dial(c, string(address), deadline)
		}
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Until(deadline) < refusedRetry {
			return c, err
		}
		select {
		case <-time.After(refusedRetry):
		case <-s.stop:
			return nil, err
		}
	}
}

// reuseAddr sets SO_REUSEADDR on a socket about to dial. Dialling a port
// nobody listens on, on one's own IP, can connect the socket to itself
// (TCP's simultaneous open, when the kernel picks that very port as the
// source); Go closes such a connection and dials again, but the closed
// socket stays in TIME_WAIT for a minute, and without SO_REUSEADDR on it
// the peer, restarting, cannot bind its port (nodes sharing an IP, as on
// one test host, retrying a down peer every refusedRetry, hit this).
func reuseAddr(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return serr
}

// stopRetrying makes Dial give up on a refusing peer at once, from now
// on: raft's shutdown waits for its replication goroutines, which may be
// in Dial.
func (s *tcpStreamLayer) stopRetrying() { s.stopOnce.Do(func() { close(s.stop) }) }

// Accept returns the next connection; with TLS, its handshake is left to
// its first Read or Write (transporttls.go).
func (s *tcpStreamLayer) Accept() (net.Conn, error) {
	c, err := s.ln.Accept()
	if err != nil || s.tls == nil {
		return c, err
	}
	return s.tls.accept(c), nil
}

func (s *tcpStreamLayer) Close() error   { s.stopRetrying(); return s.ln.Close() }
func (s *tcpStreamLayer) Addr() net.Addr { return s.ln.Addr() }
