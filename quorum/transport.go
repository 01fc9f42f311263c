package quorum

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// newTCPTransport is raft's TCP transport on addr, whose stream layer also
// dials from addr's IP. raft's own dials from whatever source the kernel
// picks: for nodes on one host's loopback addresses (127.0.0.1, .2, .3 as
// zones), 127.0.0.1 for every one of them, so a peer, a firewall rule or a
// packet capture could not tell the nodes' raft traffic apart.
func newTCPTransport(addr string, cfg *raft.NetworkTransportConfig) (*raft.NetworkTransport, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	bound := ln.Addr().(*net.TCPAddr)
	if bound.IP == nil || bound.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("%s is not an address peers can reach: give the node's own IP", addr)
	}
	cfg.Stream = &tcpStreamLayer{ln: ln, local: &net.TCPAddr{IP: bound.IP}}
	return raft.NewNetworkTransportWithConfig(cfg), nil
}

// tcpStreamLayer is a raft.StreamLayer over TCP that dials from local.
type tcpStreamLayer struct {
	ln    net.Listener
	local *net.TCPAddr
}

func (s *tcpStreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout, LocalAddr: s.local}
	return d.Dial("tcp", string(address))
}

func (s *tcpStreamLayer) Accept() (net.Conn, error) { return s.ln.Accept() }
func (s *tcpStreamLayer) Close() error              { return s.ln.Close() }
func (s *tcpStreamLayer) Addr() net.Addr            { return s.ln.Addr() }
