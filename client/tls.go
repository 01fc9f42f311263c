package client

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// LoadTLS returns the TLS configuration of a client (Config.TLS) from PEM
// files: caFile holds the certificates of the authority that signed the
// servers' (required: a client never trusts a server it cannot verify),
// certFile and keyFile the client's own certificate and key, presented to
// servers that ask for one (both or neither).
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, fmt.Errorf("%w: TLS needs a CA file to verify the servers", ErrInvalidArgument)
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("%w: a TLS client certificate needs both its cert and key files", ErrInvalidArgument)
	}
	pool, err := LoadCertPool(caFile)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load TLS key pair %s, %s: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// LoadCertPool reads the PEM certificates in file into a pool.
func LoadCertPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS CA file %s: no PEM certificate in it", file)
	}
	return pool, nil
}
