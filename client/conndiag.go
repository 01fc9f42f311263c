package client

// Why a connection failed. gRPC reports a connection it could not set up
// as TRANSIENT_FAILURE, or at best as "error reading server preface: EOF",
// which says nothing of the usual causes: a plaintext client and a TLS
// server (or the reverse), a CA that did not sign the server's
// certificate, a server that requires a client certificate. diagCreds
// wraps the transport credentials to note the cause per connection, and
// Client.ready puts it in the error.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// connFailure holds the last noted cause of a failed connection to addr;
// safe for concurrent use. Each new cause is logged once, at Warn: a
// caller that retries without a deadline (a memshard node) would
// otherwise retry in silence.
type connFailure struct {
	addr   string
	logger *slog.Logger
	err    atomic.Pointer[error]
	logged atomic.Pointer[string] // the last cause logged; nil after a success
}

func (f *connFailure) note(err error) {
	f.err.Store(&err)
	msg := err.Error()
	if old := f.logged.Swap(&msg); old == nil || *old != msg {
		f.logger.Warn("client: cannot connect", "peer", f.addr, "err", err)
	}
}

// clear forgets the cause once the server has answered.
func (f *connFailure) clear() { f.err.Store(nil); f.logged.Store(nil) }

// get returns the last cause noted, or nil.
func (f *connFailure) get() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

// diagCreds wraps transport credentials (TLS or insecure) to note in
// failure why a connection could not be set up.
type diagCreds struct {
	credentials.TransportCredentials
	tls     bool // TLS credentials; otherwise insecure
	failure *connFailure
}

// newDiagCreds returns the credentials of one connection: plaintext, or
// TLS with cfg, noting in failure why connecting fails.
func newDiagCreds(cfg *tls.Config, failure *connFailure) *diagCreds {
	if cfg == nil {
		return &diagCreds{TransportCredentials: insecure.NewCredentials(), failure: failure}
	}
	if len(cfg.Certificates) == 0 && cfg.GetClientCertificate == nil {
		cfg = cfg.Clone()
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			// TLS 1.3: the client's side of the handshake ends before the
			// server checks the client's certificate; its refusal comes
			// next, and is seldom read before the connection closes.
			failure.note(errors.New("the server requires a client certificate, and none is configured"))
			return new(tls.Certificate), nil // none: as without the callback
		}
	}
	return &diagCreds{TransportCredentials: credentials.NewTLS(cfg), tls: true, failure: failure}
}

func (d *diagCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := d.TransportCredentials.ClientHandshake(ctx, authority, raw)
	if err != nil {
		d.failure.note(fmt.Errorf("TLS handshake: %w", err))
		return conn, info, err
	}
	return &diagConn{Conn: conn, creds: d}, info, nil
}

func (d *diagCreds) Clone() credentials.TransportCredentials {
	return &diagCreds{TransportCredentials: d.TransportCredentials.Clone(), tls: d.tls, failure: d.failure}
}

// diagConn notes why a connection ended before the server's first byte:
// after a TLS handshake, the server's refusal of the client's
// certificate; in plaintext, a TLS server hanging up on a client that
// does not speak TLS.
type diagConn struct {
	net.Conn
	creds *diagCreds
	read  atomic.Bool // a byte came from the server
}

func (c *diagConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.read.Load() {
		c.read.Store(true)
		c.creds.failure.clear()
	}
	if err != nil && n == 0 && !c.read.Load() && c.creds.failure.get() == nil {
		if c.creds.tls {
			c.creds.failure.note(fmt.Errorf("the server refused the connection: %w", err))
		} else {
			c.creds.failure.note(fmt.Errorf("the server hung up before answering: %w (it may require TLS)", err))
		}
	}
	return n, err
}
