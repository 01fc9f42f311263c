package main

// TLS of a node: the --tls-* flags, the PEM files they name, and the
// three configurations built from them (gRPC server, raft transport,
// calls to other nodes). The files are read at start, where any fault
// stops the start; after it, one client.TLSReloader behind all three
// configurations re-reads them when they change (stat on each new
// handshake), so that certificates, keys and the CA bundle rotate without
// a restart. A changed set that does not load or validate is logged once
// and the previous one stays in use. --tls-crl-file adds revocation lists
// (client/tlscrl.go): peers they revoke are refused on all three, and a
// node whose own certificate they revoke does not start. Connections already made keep their
// session: TLS does not re-handshake.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

// tlsFlags are the --tls-* flags of a node.
type tlsFlags struct {
	certFile, keyFile, caFile, crlFile string
	authzFile                          string
	clientAuth                         bool
}

func (f *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.certFile, "tls-cert-file", "", "this node's certificate (PEM, intermediates after it), signed by --tls-ca-file and naming the hosts of --grpc-addr and --raft-addr; with --tls-key-file and --tls-ca-file, the gRPC port serves TLS only and raft uses mutual TLS")
	fs.StringVar(&f.keyFile, "tls-key-file", "", "the private key of --tls-cert-file (PEM)")
	fs.StringVar(&f.caFile, "tls-ca-file", "", "the CA certificates (PEM) that signed every node's certificate and, with --tls-client-auth, the clients'")
	fs.StringVar(&f.crlFile, "tls-crl-file", "", "certificate revocation lists (PEM, one or more X509 CRL blocks), each signed by a CA of --tls-ca-file: a client, node or intermediate certificate whose serial a list of its issuer holds is refused on every new connection (gRPC and raft), and this node does not start with its own certificate revoked; re-read when it changes, as the other files; a list past its next update still revokes and is logged once as stale")
	fs.StringVar(&f.authzFile, "tls-authz-file", "", "authorization rules (needs --tls-client-auth): one per line, \"<principal> <permission>[,<permission>...] [<log-pattern> ...]\", principal cn:NAME, dns:NAME, uri:URI (of the client certificate) or *, permissions read, append, trim, create, delete (on the logs the path.Match globs name), cluster (calls between nodes, members remove; no pattern) or all; a call not granted gets PERMISSION_DENIED; Status stays open to every verified client; this node's own certificate must be granted cluster; re-read within a second of a change (a change that does not load is logged once and the previous rules stay); unset: every verified client may do everything")
	fs.BoolVar(&f.clientAuth, "tls-client-auth", true, "with TLS, require of gRPC clients a certificate signed by --tls-ca-file (false: ask clients for none, any TLS client may connect; raft between nodes is mutual TLS either way)")
}

// nodeTLS is what a node's TLS flags load to; nil means plaintext.
type nodeTLS struct {
	grpcServer *tls.Config // the gRPC port
	raft       *tls.Config // quorum.Config.RaftTLS: accepts and dials with the node's certificate, verifying against the CA
	peer       *tls.Config // server.Config.PeerTLS: dials with the same
	authz      *authz.File // server.Config.Authz; nil: none
}

// load reads the files f names. None set is plaintext (nil, nil); some
// but not all is a usageError naming what is missing; a file that cannot
// be read or parsed, a key that is not the certificate's, or a certificate
// the CA did not sign is an error naming the file. The configurations
// re-read the files when they change, logging to logger the changes that
// do not load.
func (f tlsFlags) load(logger *slog.Logger) (*nodeTLS, error) {
	set := map[string]bool{"--tls-cert-file": f.certFile != "", "--tls-key-file": f.keyFile != "", "--tls-ca-file": f.caFile != ""}
	var missing []string
	for _, name := range []string{"--tls-cert-file", "--tls-key-file", "--tls-ca-file"} {
		if !set[name] {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case 3:
		if f.crlFile != "" {
			return nil, usageError{errors.New("--tls-crl-file needs TLS: --tls-cert-file, --tls-key-file and --tls-ca-file")}
		}
		if f.authzFile != "" {
			return nil, usageError{errors.New("--tls-authz-file needs TLS with client certificates: --tls-cert-file, --tls-key-file and --tls-ca-file")}
		}
		return nil, nil
	case 1, 2:
		return nil, usageError{fmt.Errorf("TLS needs --tls-cert-file, --tls-key-file and --tls-ca-file together: %v missing", missing)}
	}
	r, err := client.NewTLSReloader(client.TLSFiles{CAFile: f.caFile, CertFile: f.certFile, KeyFile: f.keyFile, CRLFile: f.crlFile, Verify: verifyNodeCert, Logger: logger})
	var fe *client.TLSFileError
	if errors.As(err, &fe) {
		switch fe.Part {
		case client.TLSCAFile:
			return nil, fmt.Errorf("--tls-ca-file: %w", fe.Err)
		case client.TLSKeyPair:
			return nil, fmt.Errorf("--tls-cert-file %s, --tls-key-file %s: %w", f.certFile, f.keyFile, fe.Err)
		case client.TLSCRLFile:
			return nil, fmt.Errorf("--tls-crl-file %s: %w", f.crlFile, fe.Err)
		case client.TLSRevoked:
			return nil, fmt.Errorf("--tls-cert-file %s: this node's own certificate is revoked by --tls-crl-file: %w", f.certFile, fe.Err)
		default:
			return nil, fmt.Errorf("--tls-cert-file %s: %w", f.certFile, fe.Err)
		}
	}
	if err != nil {
		return nil, err
	}
	if f.authzFile != "" && !f.clientAuth {
		return nil, usageError{errors.New("--tls-authz-file needs --tls-client-auth: without a client certificate there is no identity to authorize")}
	}
	auth := tls.NoClientCert
	if f.clientAuth {
		auth = tls.RequireAndVerifyClientCert
	}
	nt := &nodeTLS{grpcServer: r.ServerConfig(auth), raft: r.MutualConfig(), peer: r.ClientConfig()}
	if f.authzFile != "" {
		if nt.authz, err = f.loadAuthz(logger); err != nil {
			return nil, err
		}
	}
	return nt, nil
}

// verifyNodeCert checks that the CA signed cert for both of a node's
// roles: it serves (gRPC, raft) and it dials other nodes as a client. A
// node whose certificate fails this would start and then fail every
// handshake with its peers; better to say so at once.
func verifyNodeCert(cert tls.Certificate, pool *x509.CertPool) error {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return err
		}
	}
	inter := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		inter.AddCert(c)
	}
	for _, u := range []struct {
		usage x509.ExtKeyUsage
		role  string
	}{{x509.ExtKeyUsageServerAuth, "a server"}, {x509.ExtKeyUsageClientAuth, "a client (to other nodes)"}} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{u.usage}}); err != nil {
			return fmt.Errorf("not valid under --tls-ca-file as %s: %w", u.role, err)
		}
	}
	return nil
}
