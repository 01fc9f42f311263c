package client

// Why a connection failed. gRPC reports a connection it could not set up
// as TRANSIENT_FAILURE, or at best as "error reading server preface: EOF",
// which says nothing of the usual causes: a plaintext client and a TLS
// server (or the reverse), a CA that did not sign the server's
// certificate, a server that requires a client certificate the client
// lacks. diagCreds wraps the transport credentials to note the cause per
// connection, and Client.ready puts it in the error.

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

// connFailure holds the cause noted for the failure of the connection to
// addr; safe for concurrent use.
type connFailure struct {
	addr   string
	logger *slog.Logger
	cause  atomic.Pointer[cause]
	logged atomic.Pointer[string] // the last cause reported; nil after a success
}

// A cause is a noted reason for a failure, with how sure it is: a cause
// replaces one as sure or less.
type cause struct {
	err  error
	sure int // guessed, alert or known
}

const (
	guessed = iota // the server hung up: why is a guess
	alert          // the server's TLS alert says it
	known          // the client's handshake says it
)

// note records err as the cause if it is at least as sure as the one
// noted.
func (f *connFailure) note(err error, sure int) {
	c := &cause{err: err, sure: sure}
	for {
		old := f.cause.Load()
		if old != nil && old.sure > sure || f.cause.CompareAndSwap(old, c) {
			return
		}
	}
}

// clear forgets the cause once the server has answered.
func (f *connFailure) clear() { f.cause.Store(nil); f.logged.Store(nil) }

// get returns the cause noted, or nil.
func (f *connFailure) get() error {
	if c := f.cause.Load(); c != nil {
		return c.err
	}
	return nil
}

// report returns the cause noted, or nil, and logs it at Warn the first
// time it is reported: a caller that retries without a deadline (a
// memshard node) never sees the error, and would otherwise retry in
// silence.
func (f *connFailure) report() error {
	err := f.get()
	if err == nil {
		return nil
	}
	msg := err.Error()
	if old := f.logged.Swap(&msg); old == nil || *old != msg {
		f.logger.Warn("client: cannot connect", "peer", f.addr, "err", err)
	}
	return err
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
	// Note why no certificate goes out: with TLS 1.3 the client's side
	// of the handshake ends before the server refuses it, and the refusal
	// is seldom read before the connection closes.
	cfg = cfg.Clone()
	get, configured := cfg.GetClientCertificate, cfg.GetClientCertificate != nil || len(cfg.Certificates) > 0
	if get == nil {
		certs := cfg.Certificates
		get = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			// What crypto/tls does without the callback.
			for i := range certs {
				if cri.SupportsCertificate(&certs[i]) == nil {
					return &certs[i], nil
				}
			}
			return new(tls.Certificate), nil // none
		}
	}
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		cert, err := get(cri)
		switch {
		case err != nil || cert != nil && len(cert.Certificate) > 0:
		case !configured:
			failure.note(errors.New("the server requires a client certificate, and none is configured"), known)
		default:
			failure.note(errors.New("the server requires a client certificate signed by a CA it trusts, and the client's is not"), known)
		}
		return cert, err
	}
	return &diagCreds{TransportCredentials: NewTLSCredentials(cfg), tls: true, failure: failure}
}

func (d *diagCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := d.TransportCredentials.ClientHandshake(ctx, authority, raw)
	if err != nil {
		d.failure.note(fmt.Errorf("TLS handshake: %w", err), known)
		return conn, info, err
	}
	return &diagConn{Conn: conn, creds: d}, info, nil
}

func (d *diagCreds) Clone() credentials.TransportCredentials {
	return &diagCreds{TransportCredentials: d.TransportCredentials.Clone(), tls: d.tls, failure: d.failure}
}

// diagConn notes why a connection ended before the server's first byte:
// after a TLS handshake, most likely the server's refusal of the client's
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
	if err != nil && n == 0 {
		c.failed(err)
	}
	return n, err
}

func (c *diagConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil {
		c.failed(err)
	}
	return n, err
}

// failed notes err if no byte came from the server yet.
func (c *diagConn) failed(err error) {
	var oe *net.OpError // crypto/tls reports the peer's alert as a "remote error"
	switch {
	case c.read.Load():
	case !c.creds.tls:
		c.creds.failure.note(fmt.Errorf("the server hung up before answering: %w (it may require TLS)", err), guessed)
	case errors.As(err, &oe) && oe.Op == "remote error":
		c.creds.failure.note(fmt.Errorf("the server refused the connection: %w", err), alert)
	default:
		c.creds.failure.note(fmt.Errorf("the server closed the connection after the TLS handshake, before answering (did it refuse the client's certificate?): %w", err), guessed)
	}
}
