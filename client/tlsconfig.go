package client

// The tls.Configs of a TLSReloader. crypto/tls asks callbacks for
// certificates (GetCertificate, GetClientCertificate) and, on the server
// side, for a whole configuration per connection (GetConfigForClient),
// which lets the client CA pool change. On the client side it has no
// callback for the pool that verifies the server (RootCAs is static), so
// ClientConfig turns crypto/tls's own verification off and does the same
// verification itself, against the current pool, in VerifyConnection.
//
// Why that is not a weakening: with InsecureSkipVerify crypto/tls skips
// only its chain-and-name check against RootCAs; VerifyConnection is
// still called on every handshake (full or resumed) before any
// application data flows, and its error aborts the handshake with a
// bad_certificate alert. verifyServer runs the very x509.Verify call
// crypto/tls makes (the current pool as Roots, the presented
// intermediates, the server name, ExtKeyUsageServerAuth) and fails closed
// when it has no name to check.
//
// Revocation (TLSFiles.CRLFile) is checked on the chains that verified
// the peer: by verifyServer on the client side, and on the server side
// by a VerifyConnection on the ConnectionState's VerifiedChains, which
// crypto/tls fills when it verified a client certificate. Either refusal
// aborts the handshake with a bad_certificate alert (crypto/tls sends no
// other for a VerifyConnection error), the refusing side's error being a
// *tls.CertificateVerificationError around a *CertificateRevokedError.
// Connections made before a revocation are not looked at again: TLS
// does not re-handshake, so they keep working until they close.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"

	"google.golang.org/grpc/credentials"
)

// ServerConfig returns the configuration of a server with the reloader's
// certificate that asks clients for certificates as auth says, verified
// against the reloader's CA pool as it is at each handshake. The reloader
// needs a certificate. Session tickets are off: a resumed session would
// skip the client's verification against a pool that may have changed.
func (r *TLSReloader) ServerConfig(auth tls.ClientAuthType) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			set := r.current()
			if set.cert == nil {
				return nil, errors.New("client: TLSReloader.ServerConfig without a certificate")
			}
			cfg := &tls.Config{
				MinVersion:             tls.VersionTLS12,
				Certificates:           []tls.Certificate{*set.cert},
				ClientCAs:              set.pool,
				ClientAuth:             auth,
				SessionTicketsDisabled: true,
			}
			if len(set.crls) > 0 {
				// Against the CRLs of the set whose pool verified the
				// client, not of a set loaded since.
				cfg.VerifyConnection = func(cs tls.ConnectionState) error { return set.refuseRevoked(cs) }
			}
			return cfg, nil
		},
		// Not used while GetConfigForClient answers; there for whoever
		// reads the configuration for its certificate.
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.current().cert, nil
		},
	}
}

// ClientConfig returns the configuration of a client that verifies
// servers against the reloader's CA pool as it is at each handshake and,
// if the reloader has a certificate, presents it to servers that ask for
// one. Its VerifyConnection checks the server's certificate against the
// name in ConnectionState.ServerName, which crypto/tls leaves empty for an
// IP address (no SNI is sent for one): dial through WithServerName or
// NewTLSCredentials, which fill it in, or the handshake fails.
func (r *TLSReloader) ClientConfig() *tls.Config {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verifyServer verifies; see the comment at the top
		VerifyConnection:   r.verifyServer,
	}
	if r.files.CertFile != "" {
		cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			set := r.current()
			if cri.SupportsCertificate(set.cert) != nil {
				// What crypto/tls does when no certificate fits the
				// server's request: send none, and let it decide.
				return new(tls.Certificate), nil
			}
			return set.cert, nil
		}
	}
	return cfg
}

// MutualConfig returns a configuration that both accepts connections
// (ServerConfig requiring client certificates) and dials them
// (ClientConfig): a node of a mesh of peers, such as QuorumLog's raft
// transport (quorum.Config.RaftTLS). The reloader needs a certificate.
func (r *TLSReloader) MutualConfig() *tls.Config {
	cfg := r.ClientConfig()
	cfg.GetConfigForClient = r.ServerConfig(tls.RequireAndVerifyClientCert).GetConfigForClient
	return cfg
}

// errNoServerName is verifyServer's refusal to verify without a name, as
// crypto/tls refuses a client configuration without ServerName.
var errNoServerName = errors.New("client: no server name to verify the server's certificate against (an IP address needs client.WithServerName)")

// verifyServer verifies a server's certificate as crypto/tls does when
// InsecureSkipVerify is false, against the current pool.
func (r *TLSReloader) verifyServer(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("client: the server presented no certificate")
	}
	if cs.ServerName == "" {
		return errNoServerName
	}
	set := r.current()
	opts := x509.VerifyOptions{
		Roots:         set.pool,
		DNSName:       cs.ServerName, // an IP is checked against the IP SANs
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	chains, err := cs.PeerCertificates[0].Verify(opts)
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	cs.VerifiedChains = chains
	return set.refuseRevoked(cs)
}

// refuseRevoked refuses a peer whose verified chains hold a certificate
// that a CRL of s revokes.
func (s *tlsSet) refuseRevoked(cs tls.ConnectionState) error {
	if err := s.revoked(cs.VerifiedChains); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// WithServerName returns a copy of cfg for dialling the server host (a
// name or an IP address): ServerName is set to host unless cfg has one,
// and a VerifyConnection of cfg sees that name in
// ConnectionState.ServerName even when it is an IP address, for which
// crypto/tls leaves it empty. A configuration without VerifyConnection
// only gets ServerName.
func WithServerName(cfg *tls.Config, host string) *tls.Config {
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if verify := cfg.VerifyConnection; verify != nil {
		name := cfg.ServerName
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if cs.ServerName == "" {
				cs.ServerName = name // what crypto/tls itself verifies against
			}
			return verify(cs)
		}
	}
	return cfg
}

// NewTLSCredentials returns gRPC transport credentials for cfg, as
// credentials.NewTLS, that dial each server through WithServerName with
// the host of its address: needed for a ClientConfig of a TLSReloader when
// servers are dialled by IP address.
func NewTLSCredentials(cfg *tls.Config) credentials.TransportCredentials {
	return &namedTLSCreds{TransportCredentials: credentials.NewTLS(cfg), cfg: cfg.Clone()}
}

// namedTLSCreds are TLS credentials that bind their configuration to the
// server's host at each handshake (WithServerName).
type namedTLSCreds struct {
	credentials.TransportCredentials
	cfg *tls.Config
}

func (c *namedTLSCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	if c.cfg.VerifyConnection == nil {
		return c.TransportCredentials.ClientHandshake(ctx, authority, raw)
	}
	host, _, err := net.SplitHostPort(authority)
	if err != nil {
		host = authority // as credentials.NewTLS does
	}
	// WithServerName keeps a ServerName of cfg (an IP, say) over host.
	return credentials.NewTLS(WithServerName(c.cfg, host)).ClientHandshake(ctx, authority, raw)
}

func (c *namedTLSCreds) Clone() credentials.TransportCredentials {
	return &namedTLSCreds{TransportCredentials: c.TransportCredentials.Clone(), cfg: c.cfg.Clone()}
}
