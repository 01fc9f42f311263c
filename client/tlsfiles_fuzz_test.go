package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// Whatever bytes replace one of a reloader's files, it never panics,
// logs at most one error for the change, and serves a set that loads and
// validates: the original certificate, since no input can make another
// one the CA signed.
func FuzzTLSReloadedFiles(f *testing.F) {
	pki := clienttest.NewPKI(f)
	certFile, keyFile := pki.Issue(f, "server")
	orig := map[string][]byte{}
	for _, name := range []string{pki.CAFile, certFile, keyFile} {
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
	for i, name := range []string{pki.CAFile, certFile, keyFile} {
		f.Add(uint8(i), orig[name])
		f.Add(uint8(i), orig[name][:len(orig[name])/2])
		f.Add(uint8(i), []byte{})
	}
	f.Add(uint8(1), orig[keyFile])
	f.Add(uint8(2), orig[certFile])
	f.Add(uint8(0), append(append([]byte{}, orig[pki.CAFile]...), orig[certFile]...))
	signed := func(cert tls.Certificate, pool *x509.CertPool) error {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool})
		return err
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		paths := []string{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
		for i, src := range []string{pki.CAFile, certFile, keyFile} {
			if err := os.WriteFile(paths[i], orig[src], 0o600); err != nil {
				t.Fatal(err)
			}
		}
		var log lockedBuffer
		r, err := client.NewTLSReloader(client.TLSFiles{CAFile: paths[0], CertFile: paths[1], KeyFile: paths[2], Verify: signed,
			Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		get := r.ServerConfig(tls.NoClientCert).GetConfigForClient
		target := paths[int(which)%3]
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
	})
}
