package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/quorumlog/quorumlog/client"
)

// logTLSFlags are the --log-tls-* flags of memshard and memshard
// snapshot: how to reach a QuorumLog cluster whose nodes serve TLS. They
// concern the log connection only, not the RESP port.
type logTLSFlags struct{ ca, cert, key, crl *string }

func addLogTLSFlags(fs *flag.FlagSet) logTLSFlags {
	return logTLSFlags{
		ca:   fs.String("log-tls-ca-file", "", "reach the log over TLS, verifying its nodes against the CA certificates in this PEM file"),
		cert: fs.String("log-tls-cert-file", "", "with --log-tls-ca-file, the client certificate (PEM) presented to log nodes that require one"),
		key:  fs.String("log-tls-key-file", "", "the private key of --log-tls-cert-file (PEM)"),
		crl:  fs.String("log-tls-crl-file", "", "with --log-tls-ca-file, refuse log nodes whose certificate (or an intermediate of it) is revoked by the certificate revocation lists in this PEM file (X509 CRL blocks signed by a CA of --log-tls-ca-file)"),
	}
}

// load returns client.Config.TLS: nil (plaintext) when no flag is set.
// The files are re-read when they change (client.TLSReloader), for new
// connections to the log; a change that does not load is logged to
// logger (nil: discarded) and the previous files stay in use.
func (f logTLSFlags) load(logger *slog.Logger) (*tls.Config, error) {
	if *f.ca == "" && *f.cert == "" && *f.key == "" && *f.crl == "" {
		return nil, nil
	}
	r, err := client.NewTLSReloader(client.TLSFiles{CAFile: *f.ca, CertFile: *f.cert, KeyFile: *f.key, CRLFile: *f.crl, Logger: logger})
	if errors.Is(err, client.ErrInvalidArgument) {
		return nil, usageError{errors.New("--log-tls-ca-file is required with --log-tls-cert-file and --log-tls-key-file, which go together, and with --log-tls-crl-file")}
	}
	if err != nil {
		return nil, fmt.Errorf("--log-tls-*: %w", err)
	}
	return r.ClientConfig(), nil
}
