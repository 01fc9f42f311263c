package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// tlsDir is a directory of TLS files at fixed paths, replaced by rename
// as an operator rotating them would.
type tlsDir struct {
	t                         *testing.T
	dir                       string
	caFile, certFile, keyFile string
}

func newTLSDir(t *testing.T) *tlsDir {
	dir := t.TempDir()
	return &tlsDir{t: t, dir: dir, caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
}

// put writes the contents of the files srcs (concatenated: a CA bundle)
// next to dst and renames it over dst.
func (d *tlsDir) put(dst string, srcs ...string) {
	d.t.Helper()
	var b []byte
	for _, src := range srcs {
		c, err := os.ReadFile(src)
		if err != nil {
			d.t.Fatal(err)
		}
		b = append(b, c...)
	}
	d.write(dst, b)
}

// write puts b in dst by rename.
func (d *tlsDir) write(dst string, b []byte) {
	d.t.Helper()
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		d.t.Fatal(err)
	}
}

// pair puts a cert and key pair in place, the cert first.
func (d *tlsDir) pair(cert, key string) { d.t.Helper(); d.put(d.certFile, cert); d.put(d.keyFile, key) }

// reloader returns a TLSReloader of d's files logging to log.
func (d *tlsDir) reloader(log *lockedBuffer, verify func(tls.Certificate, *x509.CertPool) error) *client.TLSReloader {
	d.t.Helper()
	r, err := client.NewTLSReloader(client.TLSFiles{CAFile: d.caFile, CertFile: d.certFile, KeyFile: d.keyFile, Verify: verify,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		d.t.Fatal(err)
	}
	return r
}

// result is what one handshake gave each side.
type result struct {
	serverCert, clientCert *x509.Certificate // what each side saw of the other
	serverErr, clientErr   error
}

// handshake connects a client with cli to a server with srv on loopback
// and exchanges one byte, so that a server's refusal reaches the client
// whatever the TLS version.
func handshake(t *testing.T, srv, cli *tls.Config) result {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var res result
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			res.serverErr = err
			return
		}
		defer c.Close()
		tc := tls.Server(c, srv)
		if res.serverErr = tc.HandshakeContext(context.Background()); res.serverErr != nil {
			return
		}
		if st := tc.ConnectionState(); len(st.PeerCertificates) > 0 {
			res.clientCert = st.PeerCertificates[0]
		}
		_, res.serverErr = tc.Write([]byte("x"))
	})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(c, cli)
	res.clientErr = tc.HandshakeContext(t.Context())
	if res.clientErr == nil {
		res.serverCert = tc.ConnectionState().PeerCertificates[0]
		_, res.clientErr = tc.Read(make([]byte, 1))
	}
	c.Close()
	wg.Wait()
	return res
}

// serialOf returns the serial number of the certificate in file.
func serialOf(t *testing.T, file string) *big.Int {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(file, strings.TrimSuffix(file, ".pem")+"-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf.SerialNumber
}

// A rotated certificate and key (renamed over the old files) are what
// the next handshake presents, on the server side and on the client
// side; no error is logged.
func TestTLSReloader_Rotation(t *testing.T) {
	pki := clienttest.NewPKI(t)
	srvDir, cliDir := newTLSDir(t), newTLSDir(t)
	for _, d := range []*tlsDir{srvDir, cliDir} {
		d.put(d.caFile, pki.CAFile)
	}
	s1, s1k := pki.Issue(t, "server1")
	c1, c1k := pki.Issue(t, "client1")
	srvDir.pair(s1, s1k)
	cliDir.pair(c1, c1k)
	var log lockedBuffer
	srv := srvDir.reloader(&log, nil).ServerConfig(tls.RequireAndVerifyClientCert)
	cli := client.WithServerName(cliDir.reloader(&log, nil).ClientConfig(), "127.0.0.1")

	check := func(step, wantServer, wantClient string) {
		t.Helper()
		res := handshake(t, srv, cli)
		if res.serverErr != nil || res.clientErr != nil {
			t.Fatalf("%s: handshake: server %v, client %v", step, res.serverErr, res.clientErr)
		}
		if got, want := res.serverCert.SerialNumber, serialOf(t, wantServer); got.Cmp(want) != 0 {
			t.Errorf("%s: the client saw serial %v, want %v (%s)", step, got, want, filepath.Base(wantServer))
		}
		if got, want := res.clientCert.SerialNumber, serialOf(t, wantClient); got.Cmp(want) != 0 {
			t.Errorf("%s: the server saw serial %v, want %v (%s)", step, got, want, filepath.Base(wantClient))
		}
	}
	check("before", s1, c1)
	s2, s2k := pki.Issue(t, "server2")
	srvDir.pair(s2, s2k)
	check("server rotated", s2, c1)
	c2, c2k := pki.Issue(t, "client2")
	cliDir.pair(c2, c2k)
	check("client rotated", s2, c2)
	check("again", s2, c2)
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("logged errors:\n%s", log.String())
	}
}

// A replacement that does not load (a half-written certificate, a key
// that is not the certificate's, a certificate Verify refuses) leaves the
// old set served, logs one error per change naming the file, and once
// good files are in place they are used.
func TestTLSReloader_BadReplacement(t *testing.T) {
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	d := newTLSDir(t)
	d.put(d.caFile, pki.CAFile)
	s1, s1k := pki.Issue(t, "server1")
	d.pair(s1, s1k)
	var log lockedBuffer
	// Verify as a node does: the CA signed the certificate.
	signed := func(cert tls.Certificate, pool *x509.CertPool) error {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool})
		return err
	}
	srv := d.reloader(&log, signed).ServerConfig(tls.NoClientCert)
	caOnly, err := client.LoadTLS(pki.CAFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	serves := func(step, wantFile string) {
		t.Helper()
		res := handshake(t, srv, client.WithServerName(caOnly, "127.0.0.1"))
		if res.serverErr != nil || res.clientErr != nil {
			t.Fatalf("%s: handshake: server %v, client %v", step, res.serverErr, res.clientErr)
		}
		if got, want := res.serverCert.SerialNumber, serialOf(t, wantFile); got.Cmp(want) != 0 {
			t.Errorf("%s: served serial %v, want %v (%s)", step, got, want, filepath.Base(wantFile))
		}
	}
	errorsLogged := func() int { return strings.Count(log.String(), "level=ERROR") }

	s2, s2k := pki.Issue(t, "server2")
	good, err := os.ReadFile(s2)
	if err != nil {
		t.Fatal(err)
	}
	stranger, strangerKey := other.Issue(t, "stranger")
	for i, bad := range []struct {
		name      string
		replace   func()
		wantInLog []string
	}{
		{"half-written certificate", func() { d.write(d.certFile, good[:len(good)/2]) }, []string{d.certFile, d.keyFile, "failed to find"}},
		{"key of another certificate", func() { d.put(d.certFile, s2) }, []string{d.certFile, d.keyFile, "private key does not match public key"}},
		{"certificate of another CA", func() { d.pair(stranger, strangerKey) }, []string{d.certFile, "unknown authority"}},
	} {
		before := log.String()
		bad.replace()
		serves(bad.name, s1)
		serves(bad.name+", again", s1)
		logged := strings.TrimPrefix(log.String(), before)
		if errorsLogged() != i+1 {
			t.Errorf("%s: %d errors logged in all, want %d (one per change):\n%s", bad.name, errorsLogged(), i+1, log.String())
		}
		for _, want := range bad.wantInLog {
			if !strings.Contains(logged, want) {
				t.Errorf("%s: logged %q, want it to say %q", bad.name, logged, want)
			}
		}
	}
	d.pair(s2, s2k)
	serves("good files again", s2)
	if errorsLogged() != 3 {
		t.Errorf("%d errors logged, want 3:\n%s", errorsLogged(), log.String())
	}
}

// A CA rotated in three steps — a bundle of the old and new CAs, then
// certificates of the new CA, then the new CA alone — keeps every
// handshake working, and at the end a peer with a certificate of the old
// CA is refused both ways.
func TestTLSReloader_CARotation(t *testing.T) {
	oldCA, newCA := clienttest.NewPKI(t), clienttest.NewPKI(t)
	srvDir, cliDir := newTLSDir(t), newTLSDir(t)
	oldSrv, oldSrvKey := oldCA.Issue(t, "server-old")
	oldCli, oldCliKey := oldCA.Issue(t, "client-old")
	newSrv, newSrvKey := newCA.Issue(t, "server-new")
	newCli, newCliKey := newCA.Issue(t, "client-new")
	srvDir.put(srvDir.caFile, oldCA.CAFile)
	cliDir.put(cliDir.caFile, oldCA.CAFile)
	srvDir.pair(oldSrv, oldSrvKey)
	cliDir.pair(oldCli, oldCliKey)
	var log lockedBuffer
	srv := srvDir.reloader(&log, nil).ServerConfig(tls.RequireAndVerifyClientCert)
	cli := client.WithServerName(cliDir.reloader(&log, nil).ClientConfig(), "127.0.0.1")
	works := func(step string) {
		t.Helper()
		if res := handshake(t, srv, cli); res.serverErr != nil || res.clientErr != nil {
			t.Fatalf("%s: handshake: server %v, client %v", step, res.serverErr, res.clientErr)
		}
	}
	works("old CA")
	for _, d := range []*tlsDir{srvDir, cliDir} {
		d.put(d.caFile, oldCA.CAFile, newCA.CAFile)
	}
	works("bundle of both CAs")
	srvDir.pair(newSrv, newSrvKey)
	works("server certificate of the new CA")
	cliDir.pair(newCli, newCliKey)
	works("both certificates of the new CA")
	for _, d := range []*tlsDir{srvDir, cliDir} {
		d.put(d.caFile, newCA.CAFile)
	}
	works("the new CA alone")

	oldClient, err := client.LoadTLS(newCA.CAFile, oldCli, oldCliKey)
	if err != nil {
		t.Fatal(err)
	}
	if res := handshake(t, srv, client.WithServerName(oldClient, "127.0.0.1")); res.serverErr == nil || res.clientErr == nil {
		t.Errorf("client with a certificate of the old CA: server %v, client %v; want both to fail", res.serverErr, res.clientErr)
	} else if !strings.Contains(res.serverErr.Error(), "unknown authority") {
		t.Errorf("server refused the old client with %v, want unknown authority", res.serverErr)
	}
	oldServer, err := client.NewTLSReloader(client.TLSFiles{CAFile: oldCA.CAFile, CertFile: oldSrv, KeyFile: oldSrvKey})
	if err != nil {
		t.Fatal(err)
	}
	res := handshake(t, oldServer.ServerConfig(tls.NoClientCert), cli)
	var uae x509.UnknownAuthorityError
	if !errors.As(res.clientErr, &uae) {
		t.Errorf("client of the new CA alone to a server of the old: %v, want x509.UnknownAuthorityError", res.clientErr)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("logged errors:\n%s", log.String())
	}
}

// ClientConfig verifies servers as crypto/tls does with RootCAs: for each
// server certificate, the reloader's configuration and a static one of
// the same CA accept or refuse it alike, with the same x509 error.
func TestTLSReloader_VerifiesServers(t *testing.T) {
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	reloading, err := client.LoadTLS(pki.CAFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := client.LoadCertPool(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	static := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	serverOf := func(cert, key string) *tls.Config {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	good, goodKey := pki.Issue(t, "good")
	stranger, strangerKey := other.Issue(t, "stranger")
	clientOnly, clientOnlyKey := pki.IssueFor(t, "client-only", x509.ExtKeyUsageClientAuth)
	for _, tc := range []struct {
		name       string
		srv        *tls.Config
		serverName string
		refusal    error // nil: accepted; else the type of x509 error
	}{
		{"good, by IP", serverOf(good, goodKey), "127.0.0.1", nil},
		{"good, by name", serverOf(good, goodKey), "localhost", nil},
		{"unknown CA", serverOf(stranger, strangerKey), "127.0.0.1", x509.UnknownAuthorityError{}},
		{"wrong host name", serverOf(good, goodKey), "example.com", x509.HostnameError{}},
		{"wrong IP", serverOf(good, goodKey), "127.0.0.10", x509.HostnameError{}},
		{"certificate of a client only", serverOf(clientOnly, clientOnlyKey), "127.0.0.1", x509.CertificateInvalidError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cfg := range []struct {
				name string
				cfg  *tls.Config
			}{{"static", static}, {"reloading", reloading}} {
				res := handshake(t, tc.srv, client.WithServerName(cfg.cfg, tc.serverName))
				err := res.clientErr
				var cve *tls.CertificateVerificationError
				switch {
				case tc.refusal == nil && err != nil:
					t.Errorf("%s: handshake = %v, want success", cfg.name, err)
				case tc.refusal == nil:
				case !errors.As(err, &cve):
					t.Errorf("%s: handshake = %v, want a *tls.CertificateVerificationError", cfg.name, err)
				case !sameType(cve.Err, tc.refusal):
					t.Errorf("%s: handshake = %v (%T), want a %T", cfg.name, err, cve.Err, tc.refusal)
				}
				var cie x509.CertificateInvalidError
				if errors.As(err, &cie) && cie.Reason != x509.IncompatibleUsage {
					t.Errorf("%s: refused for %v, want IncompatibleUsage", cfg.name, cie.Reason)
				}
			}
		})
	}
	// A ServerName of the configuration wins over the host dialled.
	named := reloading.Clone()
	named.ServerName = "127.0.0.1"
	if res := handshake(t, serverOf(good, goodKey), client.WithServerName(named, "example.com")); res.clientErr != nil {
		t.Errorf("ServerName 127.0.0.1 dialled as example.com: %v, want success", res.clientErr)
	}
	named.ServerName = "127.0.0.10"
	if res := handshake(t, serverOf(good, goodKey), client.WithServerName(named, "127.0.0.1")); !errors.As(res.clientErr, new(x509.HostnameError)) {
		t.Errorf("ServerName 127.0.0.10 dialled as 127.0.0.1: %v, want a hostname error", res.clientErr)
	}

	// Without WithServerName an IP is not in ConnectionState.ServerName:
	// no name, no verification.
	res := handshake(t, serverOf(good, goodKey), reloading)
	if res.clientErr == nil || !strings.Contains(res.clientErr.Error(), "no server name") {
		t.Errorf("handshake without a server name = %v, want a refusal naming it", res.clientErr)
	}
}

func sameType(a, b error) bool {
	switch b.(type) {
	case x509.UnknownAuthorityError:
		_, ok := a.(x509.UnknownAuthorityError)
		return ok
	case x509.HostnameError:
		_, ok := a.(x509.HostnameError)
		return ok
	case x509.CertificateInvalidError:
		_, ok := a.(x509.CertificateInvalidError)
		return ok
	}
	return false
}

// NewTLSReloader refuses an incomplete set or files that do not load,
// saying which part.
func TestNewTLSReloader_Errors(t *testing.T) {
	pki := clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "a")
	_, otherKey := pki.Issue(t, "b")
	for _, tc := range []struct {
		name  string
		files client.TLSFiles
		part  string // "" for ErrInvalidArgument
	}{
		{"no CA", client.TLSFiles{CertFile: cert, KeyFile: key}, ""},
		{"cert without key", client.TLSFiles{CAFile: pki.CAFile, CertFile: cert}, ""},
		{"missing CA file", client.TLSFiles{CAFile: "/nonexistent/ca.pem"}, client.TLSCAFile},
		{"key of another certificate", client.TLSFiles{CAFile: pki.CAFile, CertFile: cert, KeyFile: otherKey}, client.TLSKeyPair},
		{"refused by Verify", client.TLSFiles{CAFile: pki.CAFile, CertFile: cert, KeyFile: key,
			Verify: func(tls.Certificate, *x509.CertPool) error { return errors.New("no") }}, client.TLSVerify},
	} {
		_, err := client.NewTLSReloader(tc.files)
		var fe *client.TLSFileError
		switch {
		case tc.part == "" && !errors.Is(err, client.ErrInvalidArgument):
			t.Errorf("%s: %v, want ErrInvalidArgument", tc.name, err)
		case tc.part != "" && (!errors.As(err, &fe) || fe.Part != tc.part):
			t.Errorf("%s: %v, want a TLSFileError about %s", tc.name, err, tc.part)
		}
	}
}

// Handshakes running while the files are rotated again and again (each
// rotation two renames, with a mismatched pair between them) all succeed:
// a change that does not load never breaks serving. Each handshake sees
// one of the certificates put in place.
func TestTLSReloader_ConcurrentRotation(t *testing.T) {
	pki := clienttest.NewPKI(t)
	d := newTLSDir(t)
	d.put(d.caFile, pki.CAFile)
	var certs, keys []string
	serials := map[string]bool{}
	for i := range 5 {
		c, k := pki.Issue(t, fmt.Sprintf("server%d", i))
		certs, keys = append(certs, c), append(keys, k)
		serials[serialOf(t, c).String()] = true
	}
	d.pair(certs[0], keys[0])
	var log lockedBuffer
	srv := d.reloader(&log, nil).ServerConfig(tls.NoClientCert)
	cli, err := client.LoadTLS(pki.CAFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cli = client.WithServerName(cli, "127.0.0.1")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var served sync.WaitGroup
	served.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			served.Go(func() { defer c.Close(); c.Write([]byte("x")) }) // the write runs the handshake
		}
	})
	var clients sync.WaitGroup
	errs := make(chan error, 4*25)
	for range 4 {
		clients.Go(func() {
			for range 25 {
				c, err := tls.Dial("tcp", ln.Addr().String(), cli)
				if err != nil {
					errs <- err
					continue
				}
				if s := c.ConnectionState().PeerCertificates[0].SerialNumber.String(); !serials[s] {
					errs <- fmt.Errorf("served serial %s, not one of the certificates put in place", s)
				}
				c.Close()
			}
		})
	}
	for i := 1; i < 20; i++ {
		d.pair(certs[i%len(certs)], keys[i%len(keys)])
	}
	clients.Wait()
	ln.Close()
	served.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("handshake during rotations: %v", err)
	}
	// The last pair is in place: the next handshake uses it.
	res := handshake(t, srv, cli)
	if res.clientErr != nil || res.serverCert.SerialNumber.Cmp(serialOf(t, certs[19%len(certs)])) != 0 {
		t.Errorf("after the rotations: %v, serial %v; want the last certificate's", res.clientErr, res.serverCert)
	}
}
