package client

import (
	"crypto/tls"
	"crypto/x509"
)

// LoadTLS returns the TLS configuration of a client (Config.TLS) from PEM
// files: caFile holds the certificates of the authority that signed the
// servers' (required: a client never trusts a server it cannot verify),
// certFile and keyFile the client's own certificate and key, presented to
// servers that ask for one (both or neither). The files are re-read when
// they change, for new connections (TLSReloader; a change that does not
// load keeps the previous files in use); connections already made keep
// their session. The configuration verifies servers itself
// (TLSReloader.ClientConfig): a Client dials with it as it should; other
// users dial through NewTLSCredentials or WithServerName. A client that
// also checks servers against revocation lists builds a TLSReloader with
// TLSFiles.CRLFile and uses its ClientConfig.
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	r, err := NewTLSReloader(TLSFiles{CAFile: caFile, CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		return nil, err
	}
	return r.ClientConfig(), nil
}

// LoadCertPool reads the PEM certificates in file into a pool.
func LoadCertPool(file string) (*x509.CertPool, error) {
	pool, _, err := loadCAs(file)
	return pool, err
}
