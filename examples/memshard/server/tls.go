package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// TLS on the RESP port, as MemoryDB serves it: one port, encrypted. With
// Config.TLS set, every connection the server accepts is a TLS one (a
// plaintext client is dropped, as Redis drops it on its tls-port), and the
// server's own RESP connections to other nodes (CLUSTER FAILOVER's
// handover, the shard's probes and MIGRATE, given TLS.Client) present the
// node's certificate and verify theirs with the CA, as Redis does with
// tls-cluster and tls-replication yes.

// DefaultTLSHandshakeTimeout bounds a TLS handshake (Config). Redis has
// none (only the idle timeout, if set, closes a client stuck in it);
// memshard does not let a silent client hold a connection forever.
const DefaultTLSHandshakeTimeout = 10 * time.Second

// TLSFiles are the PEM files of a node's TLS identity, as Redis's
// tls-cert-file, tls-key-file and tls-ca-cert-file name them.
type TLSFiles struct {
	CertFile string // the node's certificate (its chain), served and presented
	KeyFile  string // its private key
	CAFile   string // the CA certificates that verify clients and peers
}

// TLS is a node's TLS identity, loaded from TLSFiles; CONFIG SET of the
// files loads it anew (checkTLSChange), and every later handshake, served
// or dialled, uses the new one. Safe for concurrent use.
type TLS struct {
	cur atomic.Pointer[tlsIdentity]
}

type tlsIdentity struct {
	files TLSFiles
	cert  tls.Certificate
	pool  *x509.CertPool
}

// LoadTLS reads files; its errors name the file at fault.
func LoadTLS(files TLSFiles) (*TLS, error) {
	id, err := loadIdentity(files)
	if err != nil {
		return nil, err
	}
	t := &TLS{}
	t.cur.Store(id)
	return t, nil
}

func loadIdentity(f TLSFiles) (*tlsIdentity, error) {
	switch {
	case f.CertFile == "" || f.KeyFile == "":
		return nil, errors.New("TLS needs both a cert file and a key file")
	case f.CAFile == "":
		return nil, errors.New("TLS needs a CA cert file, to verify clients and peers")
	}
	for _, name := range []string{f.CertFile, f.KeyFile, f.CAFile} {
		if _, err := os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("TLS: %w", err) // *PathError: names the file
		}
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS cert file %s with key file %s: %w", f.CertFile, f.KeyFile, err)
	}
	pem, _ := os.ReadFile(f.CAFile)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS CA cert file %s: no PEM certificate in it", f.CAFile)
	}
	return &tlsIdentity{files: f, cert: cert, pool: pool}, nil
}

// Files returns the files of the identity in use.
func (t *TLS) Files() TLSFiles { return t.cur.Load().files }

// serverConfig is the configuration of a served handshake. authClients is
// tls-auth-clients: yes requires a client certificate the CA signed,
// optional verifies one if given, no asks for none.
func (t *TLS) serverConfig(authClients string) *tls.Config {
	id := t.cur.Load()
	cfg := &tls.Config{
		Certificates: []tls.Certificate{id.cert},
		ClientCAs:    id.pool,
		MinVersion:   tls.VersionTLS12, // Redis's default tls-protocols: "TLSv1.2 TLSv1.3"
	}
	switch authClients {
	case "yes":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case "optional":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg
}

// Client returns the configuration of the node's own connections to other
// nodes: it presents the node's certificate and verifies the other's, for
// the host dialled, with the CA; both as loaded at each handshake.
func (t *TLS) Client() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &t.cur.Load().cert, nil
		},
		// Verification is VerifyConnection's, against the current CA.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: t.cur.Load().pool, DNSName: cs.ServerName, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		},
	}
}

// acceptConfig is the configuration of the server's TLS listener: each
// handshake takes the identity in use and tls-auth-clients as they are
// then, as Redis reads tls-auth-clients at each accept.
func (s *Server) acceptConfig(t *TLS) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return t.serverConfig(s.configValue("tls-auth-clients")), nil
		},
	}
}

// dialTLS is the configuration of the server's connections to its peers:
// nil without TLS.
func (s *Server) dialTLS() *tls.Config {
	if s.cfg.TLS == nil {
		return nil
	}
	return s.cfg.TLS.Client()
}

// DialTLS dials addr and completes a TLS handshake with cfg (a Client
// configuration), verifying the certificate for addr's host; it gives up
// at ctx's end. With cfg nil it dials plaintext.
func DialTLS(ctx context.Context, d *net.Dialer, addr string, cfg *tls.Config) (net.Conn, error) {
	if cfg == nil {
		return d.DialContext(ctx, "tcp", addr)
	}
	td := tls.Dialer{NetDialer: d, Config: cfg}
	return td.DialContext(ctx, "tcp", addr)
}

// handshake completes the TLS handshake of a served connection, within
// Config.TLSHandshakeTimeout, on the connection's own goroutine. It reports whether
// the connection is to be served; a failed one is closed as Redis's
// looks to its client: without a word, and reset if the client had sent
// bytes that are not TLS (which OpenSSL leaves unread).
func (c *conn) handshake(tc *tls.Conn) bool {
	_ = tc.SetDeadline(time.Now().Add(c.s.cfg.TLSHandshakeTimeout))
	err := tc.HandshakeContext(c.ctx)
	if err == nil {
		_ = tc.SetDeadline(time.Time{}) // the read loop sets the idle timeout's
		// Redis counts a TLS client once its handshake is done
		// (clientAcceptHandler), not when accepted.
		c.s.stats.connections.Add(1)
		return true
	}
	c.s.log.Warn("Error accepting a client connection", "id", c.id, "addr", c.addr, "err", err)
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		if tcp, ok := c.raw.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	}
	return false
}

// tlsFile is the file of files that the parameter name shows.
func tlsFile(files TLSFiles, name string) string {
	switch name {
	case "tls-cert-file":
		return files.CertFile
	case "tls-key-file":
		return files.KeyFile
	}
	return files.CAFile
}

// checkTLSChange checks a CONFIG SET of the parameters Redis applies with
// applyTlsCfg, on a server with TLS (pending: the new values). New cert,
// key or CA files are loaded, as Redis reloads them: the returned reload
// puts them in use. The other parameters would tune what memshard leaves
// to Go's crypto/tls (protocols, ciphers, session cache), and TLS between
// nodes is not optional: those are refused with memshard's reason.
func (s *Server) checkTLSChange(pending map[*param]string) (reload func(), msg string) {
	files := s.cfg.TLS.Files()
	changed := false
	for p, v := range pending {
		if !tlsApplied[p.name] || v == s.paramValue(p) {
			continue
		}
		switch p.name {
		case "tls-cert-file":
			files.CertFile, changed = v, true
		case "tls-key-file":
			files.KeyFile, changed = v, true
		case "tls-ca-cert-file":
			files.CAFile, changed = v, true
		case "tls-cluster", "tls-replication":
			return nil, "memshard's nodes always talk TLS to each other when they serve it: " + p.name + " stays yes"
		default:
			return nil, "memshard's TLS uses Go's defaults (TLS 1.2 and 1.3, its ciphers and session tickets): " + p.name + " cannot be set"
		}
	}
	if !changed {
		return nil, ""
	}
	id, err := loadIdentity(files)
	if err != nil {
		s.log.Warn("CONFIG SET: TLS configuration not updated", "err", err)
		return nil, "Unable to update TLS configuration. Check server logs."
	}
	return func() { s.cfg.TLS.cur.Store(id) }, ""
}
