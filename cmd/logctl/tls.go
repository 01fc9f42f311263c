package main

import (
	"crypto/tls"
	"errors"
	"flag"

	"github.com/quorumlog/quorumlog/client"
)

// tlsFiles are the global --tls-* flags: the PEM files to reach a
// cluster whose nodes serve TLS.
type tlsFiles struct{ ca, cert, key, crl string }

// register adds the flags to fs, with the values parsed so far as
// defaults (the global flags may come before or after the command).
func (f *tlsFiles) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ca, "tls-ca-file", f.ca, "connect over TLS, verifying the nodes against the CA certificates in this PEM `file`")
	fs.StringVar(&f.cert, "tls-cert-file", f.cert, "with --tls-ca-file, present this client certificate (PEM `file`) to nodes that require one")
	fs.StringVar(&f.key, "tls-key-file", f.key, "the private key of --tls-cert-file (PEM `file`)")
	fs.StringVar(&f.crl, "tls-crl-file", f.crl, "with --tls-ca-file, refuse nodes whose certificate (or an intermediate of it) is revoked by the certificate revocation lists in this PEM `file` (X509 CRL blocks signed by a CA of --tls-ca-file)")
}

// load returns the client's TLS configuration: nil (plaintext) when no
// flag is set.
func (f tlsFiles) load() (*tls.Config, error) {
	if f == (tlsFiles{}) {
		return nil, nil
	}
	r, err := client.NewTLSReloader(client.TLSFiles{CAFile: f.ca, CertFile: f.cert, KeyFile: f.key, CRLFile: f.crl})
	if errors.Is(err, client.ErrInvalidArgument) {
		return nil, usagef("--tls-ca-file, --tls-cert-file, --tls-key-file, --tls-crl-file: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return r.ClientConfig(), nil
}
