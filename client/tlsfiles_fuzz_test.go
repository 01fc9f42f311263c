package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// Whatever bytes replace one of a reloader's files (CRL file included),
// it never panics, logs at most one error for the change, and serves a
// set that loads and validates: the original certificate, since no input
// can make another one the CA signed. The files as replaced either load
// in a new reloader or are refused with a *TLSFileError.
func FuzzTLSReloadedFiles(f *testing.F) {
	pki, other := clienttest.NewPKI(f), clienttest.NewPKI(f)
	certFile, keyFile := pki.Issue(f, "server")
	revoked, _ := pki.Issue(f, "revoked")
	revokedPair, err := tls.LoadX509KeyPair(revoked, strings.TrimSuffix(revoked, ".pem")+"-key.pem")
	if err != nil {
		f.Fatal(err)
	}
	crlFile := pki.CRL(f, "crl", revokedPair.Leaf.SerialNumber)
	srcs := []string{pki.CAFile, certFile, keyFile, crlFile}
	orig := map[string][]byte{}
	for _, name := range srcs {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		orig[name] = b
	}
	want, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		f.Fatal(err)
	}
	for i, name := range srcs {
		f.Add(uint8(i), orig[name])
		f.Add(uint8(i), orig[name][:len(orig[name])/2])
		f.Add(uint8(i), []byte{})
	}
	f.Add(uint8(1), orig[keyFile])
	f.Add(uint8(2), orig[certFile])
	f.Add(uint8(0), append(append([]byte{}, orig[pki.CAFile]...), orig[certFile]...))
	readFile := func(name string) []byte {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(uint8(3), append(append([]byte{}, orig[crlFile]...), orig[crlFile]...))
	f.Add(uint8(3), append(append([]byte{}, orig[crlFile]...), "garbage"...))
	f.Add(uint8(3), readFile(other.CRL(f, "other")))
	f.Add(uint8(3), readFile(pki.CRL(f, "self", want.Leaf.SerialNumber)))
	f.Add(uint8(3), readFile(pki.StaleCRL(f, "stale")))
	f.Add(uint8(3), orig[certFile])
	signed := func(cert tls.Certificate, pool *x509.CertPool) error {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool})
		return err
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		paths := []string{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "crl.pem")}
		for i, src := range srcs {
			if err := os.WriteFile(paths[i], orig[src], 0o600); err != nil {
				t.Fatal(err)
			}
		}
		var log lockedBuffer
		files := client.TLSFiles{CAFile: paths[0], CertFile: paths[1], KeyFile: paths[2], CRLFile: paths[3], Verify: signed,
			Logger: slog.New(slog.NewTextHandler(&log, nil))}
		r, err := client.NewTLSReloader(files)
		if err != nil {
			t.Fatal(err)
		}
		get := r.ServerConfig(tls.NoClientCert).GetConfigForClient
		target := paths[int(which)%len(paths)]
		if err := os.WriteFile(target+".tmp", data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(target+".tmp", target); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			cfg, err := get(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Certificates[0].Leaf; !got.Equal(want.Leaf) {
				t.Fatalf("serves serial %v, want the original %v", got.SerialNumber, want.Leaf.SerialNumber)
			}
			if _, err := cfg.Certificates[0].Leaf.Verify(x509.VerifyOptions{Roots: cfg.ClientCAs}); err != nil {
				t.Fatalf("serves a certificate its CA pool does not verify: %v", err)
			}
		}
		if n := strings.Count(log.String(), "level=ERROR"); n > 1 {
			t.Errorf("%d errors logged for one change, want at most 1:\n%s", n, log.String())
		}
		var fe *client.TLSFileError
		if _, err := client.NewTLSReloader(files); err != nil && !errors.As(err, &fe) {
			t.Errorf("NewTLSReloader of the replaced files = %v, want nil or a *TLSFileError", err)
		}
	})
}
