package quorum

// Mutual TLS on the raft transport (Config.RaftTLS). Raft's
// NetworkTransport only sees net.Conns: the stream layer hands it TLS
// connections, and nothing above it (pipeline.go included) assumes a
// *net.TCPConn.

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// handshakeTimeout bounds the TLS handshake of an accepted raft
// connection: a peer that connects and then sends nothing (or too little)
// is dropped after it, rather than holding a goroutine forever.
const handshakeTimeout = 10 * time.Second

// raftTLS is the two sides of a node's raft TLS, derived from
// Config.RaftTLS.
type raftTLS struct {
	server *tls.Config // for accepted connections: requires and verifies the peer's certificate
	client *tls.Config // for dialled ones: verifies the peer, presents this node's certificate
	// handshakeTimeout bounds an accepted connection's handshake
	// (tests shorten it).
	handshakeTimeout time.Duration
}

// validateRaftTLS reports what a Config.RaftTLS lacks to secure raft in
// both directions. It takes static files (Certificates and RootCAs) or
// callbacks that may change them per handshake (client.TLSReloader's: a
// GetConfigForClient for the accepting side, GetClientCertificate and a
// VerifyConnection that verifies the peer, InsecureSkipVerify being set,
// for the dialling side).
func validateRaftTLS(c *tls.Config) error {
	static := len(c.Certificates) > 0
	switch {
	case !static && (c.GetConfigForClient == nil || c.GetClientCertificate == nil):
		// Not GetCertificate alone: a certificate goes out when dialling too.
		return errors.New("quorum: raft TLS needs this node's certificate (Certificates, or GetConfigForClient and GetClientCertificate)")
	case c.RootCAs == nil && !(c.InsecureSkipVerify && c.VerifyConnection != nil):
		return errors.New("quorum: raft TLS needs the CA that signed the nodes' certificates (RootCAs, or VerifyConnection with InsecureSkipVerify)")
	case c.RootCAs == nil && c.GetConfigForClient == nil:
		return errors.New("quorum: raft TLS without RootCAs needs GetConfigForClient to verify the peers that connect (ClientCAs)")
	}
	return nil
}

// newRaftTLS derives both sides from c (see Config.RaftTLS); c is not
// changed. Both sides use TLS 1.2 at least, whatever c says, and the
// accepting side requires and verifies the peer's certificate, whatever
// c (or what its GetConfigForClient returns) says.
func newRaftTLS(c *tls.Config) *raftTLS {
	srv := c.Clone()
	if c.RootCAs != nil {
		srv.ClientCAs = c.RootCAs
	}
	srv.ClientAuth = tls.RequireAndVerifyClientCert
	srv.MinVersion = max(srv.MinVersion, tls.VersionTLS12)
	if get := c.GetConfigForClient; get != nil {
		srv.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			cfg, err := get(hello)
			if err != nil || cfg == nil {
				return cfg, err
			}
			if cfg.ClientCAs == nil && c.RootCAs == nil {
				// crypto/tls would verify against the system's roots.
				return nil, errors.New("quorum: raft TLS: GetConfigForClient returned no ClientCAs")
			}
			cfg = cfg.Clone()
			if cfg.ClientCAs == nil {
				cfg.ClientCAs = c.RootCAs
			}
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
			return cfg, nil
		}
	}
	cli := c.Clone()
	cli.GetConfigForClient, cli.GetCertificate = nil, nil
	cli.MinVersion = max(cli.MinVersion, tls.VersionTLS12)
	return &raftTLS{server: srv, client: cli, handshakeTimeout: handshakeTimeout}
}

// dial runs the client side of the handshake on c, a connection to
// address, within deadline; on failure c is closed.
func (t *raftTLS) dial(c net.Conn, address string, deadline time.Time) (net.Conn, error) {
	cfg := t.client
	if host, _, err := net.SplitHostPort(address); err == nil && (cfg.ServerName == "" || cfg.VerifyConnection != nil) {
		cfg = client.WithServerName(cfg, host) // an IP is checked against the certificate's IP SANs
	}
	tc := tls.Client(c, cfg)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, &net.OpError{Op: "tls handshake", Net: "tcp", Addr: c.RemoteAddr(), Err: err}
	}
	return tc, nil
}

// accept wraps an accepted connection; its handshake runs on its first
// Read or Write, in raft's goroutine for that connection, so that raft's
// accept loop never waits on a peer.
func (t *raftTLS) accept(c net.Conn) net.Conn {
	return &lazyServerConn{Conn: tls.Server(c, t.server), timeout: t.handshakeTimeout}
}

// lazyServerConn is a server-side tls.Conn whose handshake, run on first
// use, must finish within timeout.
type lazyServerConn struct {
	*tls.Conn
	timeout time.Duration
	once    sync.Once
	err     error // the handshake's; set in once
}

func (c *lazyServerConn) handshake() error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		c.err = c.Conn.HandshakeContext(ctx) // closes the connection if ctx ends first
	})
	return c.err
}

func (c *lazyServerConn) Read(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *lazyServerConn) Write(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
