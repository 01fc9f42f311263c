package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// crlReloader returns a TLSReloader of ca, the pair cert/key (both "" for
// none) and the CRL file crl, logging to log.
func crlReloader(t *testing.T, log *lockedBuffer, ca, cert, key, crl string) *client.TLSReloader {
	t.Helper()
	r, err := client.NewTLSReloader(client.TLSFiles{CAFile: ca, CertFile: cert, KeyFile: key, CRLFile: crl,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantRevoked checks that err is a refusal of the certificate of serial
// for its revocation, and says so in words.
func wantRevoked(t *testing.T, what string, err error, serial *big.Int) {
	t.Helper()
	var re *client.CertificateRevokedError
	var cve *tls.CertificateVerificationError
	switch {
	case !errors.As(err, &cve) || !errors.As(err, &re):
		t.Errorf("%s: %v, want a *tls.CertificateVerificationError around a *client.CertificateRevokedError", what, err)
	case re.Serial.Cmp(serial) != 0:
		t.Errorf("%s: refused serial %v, want %v", what, re.Serial, serial)
	case !strings.Contains(err.Error(), "serial "+serial.String()) || !strings.Contains(err.Error(), "is revoked"):
		t.Errorf("%s: %q does not name serial %v and say it is revoked", what, err, serial)
	}
}

// works checks that a handshake of srv and cli succeeds both ways.
func works(t *testing.T, what string, srv, cli *tls.Config) {
	t.Helper()
	if res := handshake(t, srv, cli); res.serverErr != nil || res.clientErr != nil {
		t.Errorf("%s: handshake: server %v, client %v; want success", what, res.serverErr, res.clientErr)
	}
}

// clientOf returns the configuration of a client of pki presenting
// cert/key, verifying servers by 127.0.0.1.
func clientOf(t *testing.T, ca, cert, key, crl string) *tls.Config {
	t.Helper()
	var log lockedBuffer
	return client.WithServerName(crlReloader(t, &log, ca, cert, key, crl).ClientConfig(), "127.0.0.1")
}

// A server with a CRL refuses a client whose certificate it lists,
// naming the serial, and accepts another client of the same CA; a client
// with a CRL refuses a server it lists, and a server it does not list is
// served as before.
func TestTLSReloader_CRLRevokesPeers(t *testing.T) {
	pki := clienttest.NewPKI(t)
	srvCert, srvKey := pki.Issue(t, "server")
	bad, badKey := pki.Issue(t, "client-revoked")
	good, goodKey := pki.Issue(t, "client-good")
	otherSrv, otherSrvKey := pki.Issue(t, "server-other")
	crl := pki.CRL(t, "crl", serialOf(t, bad), serialOf(t, otherSrv))
	var log lockedBuffer
	srv := crlReloader(t, &log, pki.CAFile, srvCert, srvKey, crl).ServerConfig(tls.RequireAndVerifyClientCert)

	res := handshake(t, srv, clientOf(t, pki.CAFile, bad, badKey, ""))
	wantRevoked(t, "server verifying a revoked client", res.serverErr, serialOf(t, bad))
	if res.clientErr == nil {
		t.Errorf("the revoked client's handshake succeeded, want the server's alert")
	}
	works(t, "another client of the same CA", srv, clientOf(t, pki.CAFile, good, goodKey, ""))
	// VerifyClientCertIfGiven verifies a certificate given: checked too.
	ifGiven := crlReloader(t, &log, pki.CAFile, srvCert, srvKey, crl).ServerConfig(tls.VerifyClientCertIfGiven)
	wantRevoked(t, "VerifyClientCertIfGiven", handshake(t, ifGiven, clientOf(t, pki.CAFile, bad, badKey, "")).serverErr, serialOf(t, bad))

	revokedServer := crlReloader(t, &log, pki.CAFile, otherSrv, otherSrvKey, "").ServerConfig(tls.NoClientCert)
	res = handshake(t, revokedServer, clientOf(t, pki.CAFile, "", "", crl))
	wantRevoked(t, "client verifying a revoked server", res.clientErr, serialOf(t, otherSrv))
	works(t, "client with the CRL to a server not on it", srv, clientOf(t, pki.CAFile, good, goodKey, crl))
	if strings.Contains(log.String(), "level=ERROR") || strings.Contains(log.String(), "level=WARN") {
		t.Errorf("logged:\n%s", log.String())
	}
}

// MutualConfig (raft) refuses a revoked peer in both directions: the
// accepting node refuses a revoked dialler, the dialling node a revoked
// acceptor.
func TestTLSReloader_CRLMutual(t *testing.T) {
	pki := clienttest.NewPKI(t)
	n1, n1Key := pki.Issue(t, "n1")
	n2, n2Key := pki.Issue(t, "n2")
	crl := pki.CRL(t, "crl", serialOf(t, n2))
	var log lockedBuffer
	withCRL := crlReloader(t, &log, pki.CAFile, n1, n1Key, crl).MutualConfig()
	revoked := crlReloader(t, &log, pki.CAFile, n2, n2Key, "").MutualConfig()
	wantRevoked(t, "n1 accepting revoked n2", handshake(t, withCRL, client.WithServerName(revoked, "127.0.0.1")).serverErr, serialOf(t, n2))
	wantRevoked(t, "n1 dialling revoked n2", handshake(t, revoked, client.WithServerName(withCRL, "127.0.0.1")).clientErr, serialOf(t, n2))
	n3, n3Key := pki.Issue(t, "n3")
	n3cfg := crlReloader(t, &log, pki.CAFile, n3, n3Key, crl).MutualConfig()
	works(t, "n1 accepting n3", withCRL, client.WithServerName(n3cfg, "127.0.0.1"))
	works(t, "n1 dialling n3", n3cfg, client.WithServerName(withCRL, "127.0.0.1"))
}

// An intermediate CA that the root's CRL revokes takes every certificate
// it issued with it, both ways, though the leaves are on no list.
func TestTLSReloader_CRLRevokedIntermediate(t *testing.T) {
	root := clienttest.NewPKI(t)
	inter, interCert := root.Intermediate(t, "intermediate")
	srvCert, srvKey := root.Issue(t, "server")
	cliCert, cliKey := inter.Issue(t, "client-of-intermediate")
	interSrv, interSrvKey := inter.Issue(t, "server-of-intermediate")
	serial := certSerial(t, interCert)
	empty := root.CRL(t, "empty")
	crl := root.CRL(t, "crl", serial)
	var log lockedBuffer
	srvOf := func(crl string) *tls.Config {
		return crlReloader(t, &log, root.CAFile, srvCert, srvKey, crl).ServerConfig(tls.RequireAndVerifyClientCert)
	}
	works(t, "client of the intermediate, no revocation", srvOf(empty), clientOf(t, root.CAFile, cliCert, cliKey, ""))
	wantRevoked(t, "server refusing a client of the revoked intermediate", handshake(t, srvOf(crl), clientOf(t, root.CAFile, cliCert, cliKey, "")).serverErr, serial)
	interServer := crlReloader(t, &log, root.CAFile, interSrv, interSrvKey, "").ServerConfig(tls.NoClientCert)
	works(t, "server of the intermediate, no revocation", interServer, clientOf(t, root.CAFile, "", "", empty))
	wantRevoked(t, "client refusing a server of the revoked intermediate", handshake(t, interServer, clientOf(t, root.CAFile, "", "", crl)).clientErr, serial)
}

// certSerial returns the serial number of the (first) certificate in
// file.
func certSerial(t *testing.T, file string) *big.Int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("no PEM block in %s", file)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber
}

// A serial revoked by one CA does not refuse the certificate of another
// CA (of the same name, as the test CAs are) with the same serial; the
// other CA's own list does.
func TestTLSReloader_CRLIsPerIssuer(t *testing.T) {
	a, b := clienttest.NewPKI(t), clienttest.NewPKI(t)
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundle, append(mustRead(t, a.CAFile), mustRead(t, b.CAFile)...), 0o600); err != nil {
		t.Fatal(err)
	}
	srvCert, srvKey := a.Issue(t, "server")
	cliCert, cliKey := b.Issue(t, "client-of-b")
	serial := serialOf(t, cliCert)
	byA := a.CRL(t, "by-a", serial) // the same serial, under A
	byB := b.CRL(t, "by-b", serial)
	var log lockedBuffer
	srvOf := func(crl string) *tls.Config {
		return crlReloader(t, &log, bundle, srvCert, srvKey, crl).ServerConfig(tls.RequireAndVerifyClientCert)
	}
	works(t, "serial on A's list, certificate of B", srvOf(byA), clientOf(t, bundle, cliCert, cliKey, ""))
	wantRevoked(t, "serial on B's list, certificate of B", handshake(t, srvOf(byB), clientOf(t, bundle, cliCert, cliKey, "")).serverErr, serial)
	both := filepath.Join(t.TempDir(), "both.crl.pem")
	if err := os.WriteFile(both, append(mustRead(t, byA), mustRead(t, byB)...), 0o600); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, "both lists in one file", handshake(t, srvOf(both), clientOf(t, bundle, cliCert, cliKey, "")).serverErr, serial)
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A CRL file that does not load refuses the set, naming the file: a CRL
// of a CA not in the CA file (one of the same name included), no CRL, a
// block of another type, text after the CRLs, a truncated CRL, a
// missing file. A CRL that revokes this side's own certificate refuses
// the set too.
func TestNewTLSReloader_CRLErrors(t *testing.T) {
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "self")
	good := mustRead(t, pki.CRL(t, "good"))
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct {
		name, crl string
		part      string
		says      string
	}{
		{"CRL of another CA of the same name", other.CRL(t, "other"), client.TLSCRLFile, "not signed by a CA of the CA file"},
		{"no CRL block", file("empty.pem", nil), client.TLSCRLFile, "no X509 CRL PEM block"},
		{"a certificate", file("cert.pem", mustRead(t, cert)), client.TLSCRLFile, "a CERTIFICATE PEM block, not an X509 CRL"},
		{"trailing garbage", file("trailing.pem", append(append([]byte{}, good...), "garbage\n"...)), client.TLSCRLFile, "text outside the PEM blocks"},
		{"truncated", file("truncated.pem", append(append([]byte{}, good...), good[:len(good)/2]...)), client.TLSCRLFile, "does not decode"},
		{"a good CRL, then one of another CA", file("mixed.pem", append(append([]byte{}, good...), mustRead(t, other.CRL(t, "other2"))...)), client.TLSCRLFile, "CRL 2"},
		{"missing file", filepath.Join(dir, "nonexistent.pem"), client.TLSCRLFile, "no such file"},
		{"own certificate revoked", pki.CRL(t, "self-revoked", serialOf(t, cert)), client.TLSRevoked, "serial " + serialOf(t, cert).String() + " (hex "},
	} {
		_, err := client.NewTLSReloader(client.TLSFiles{CAFile: pki.CAFile, CertFile: cert, KeyFile: key, CRLFile: tc.crl})
		var fe *client.TLSFileError
		switch {
		case !errors.As(err, &fe) || fe.Part != tc.part:
			t.Errorf("%s: %v, want a TLSFileError about %s", tc.name, err, tc.part)
		case !strings.Contains(err.Error(), tc.crl) || !strings.Contains(err.Error(), tc.says):
			t.Errorf("%s: %q, want it to name %s and say %q", tc.name, err, tc.crl, tc.says)
		}
	}
	// Good files load: one CRL, or several, with blank lines around.
	for _, b := range [][]byte{good, append(append(append([]byte("\n"), good...), '\n'), good...)} {
		if _, err := client.NewTLSReloader(client.TLSFiles{CAFile: pki.CAFile, CertFile: cert, KeyFile: key, CRLFile: file("ok.pem", b)}); err != nil {
			t.Errorf("good CRL file: %v", err)
		}
	}
}

// A CRL replaced by one that revokes a client refuses the client's new
// handshakes, while a connection it made before goes on working (TLS
// does not re-handshake); a bad replacement of the CRL (or one revoking
// the server's own certificate) keeps the previous list and is logged
// once per change.
func TestTLSReloader_CRLReload(t *testing.T) {
	pki := clienttest.NewPKI(t)
	d := newTLSDir(t)
	d.put(d.caFile, pki.CAFile)
	srvCert, srvKey := pki.Issue(t, "server")
	d.pair(srvCert, srvKey)
	crlFile := filepath.Join(d.dir, "crl.pem")
	d.put(crlFile, pki.CRL(t, "empty"))
	cliCert, cliKey := pki.Issue(t, "client")
	serial := serialOf(t, cliCert)
	var log lockedBuffer
	srv := crlReloader(t, &log, d.caFile, d.certFile, d.keyFile, crlFile).ServerConfig(tls.RequireAndVerifyClientCert)
	cli := clientOf(t, pki.CAFile, cliCert, cliKey, "")

	// A connection made before the revocation, echoing what it reads.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	echoed := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			echoed <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				echoed <- nil
				return
			}
			if _, err := c.Write(buf); err != nil {
				echoed <- err
				return
			}
		}
	}()
	established, err := tls.Dial("tcp", ln.Addr().String(), cli)
	if err != nil {
		t.Fatal(err)
	}
	echo := func(what string) {
		t.Helper()
		if _, err := established.Write([]byte("x")); err != nil {
			t.Fatalf("%s: write on the established connection: %v", what, err)
		}
		if _, err := established.Read(make([]byte, 1)); err != nil {
			t.Fatalf("%s: read on the established connection: %v", what, err)
		}
	}
	echo("before the revocation")

	d.put(crlFile, pki.CRL(t, "revoking", serial))
	wantRevoked(t, "new handshake after the revocation", handshake(t, srv, cli).serverErr, serial)
	echo("after the revocation")
	established.Close()
	if err := <-echoed; err != nil {
		t.Errorf("the established connection's server side: %v", err)
	}

	errorsLogged := func() int { return strings.Count(log.String(), "level=ERROR") }
	revoking := mustRead(t, crlFile)
	for i, bad := range []struct {
		name string
		b    []byte
		says string
	}{
		{"half-written CRL", revoking[:len(revoking)/2], "does not decode"},
		{"CRL of another CA", mustRead(t, clienttest.NewPKI(t).CRL(t, "other")), "not signed by a CA of the CA file"},
		{"CRL revoking the server itself", mustRead(t, pki.CRL(t, "self", serialOf(t, srvCert))), "is revoked"},
	} {
		before := log.String()
		d.write(crlFile, bad.b)
		wantRevoked(t, bad.name, handshake(t, srv, cli).serverErr, serial)
		wantRevoked(t, bad.name+", again", handshake(t, srv, cli).serverErr, serial)
		logged := strings.TrimPrefix(log.String(), before)
		if errorsLogged() != i+1 {
			t.Errorf("%s: %d errors logged in all, want %d (one per change):\n%s", bad.name, errorsLogged(), i+1, log.String())
		}
		if !strings.Contains(logged, crlFile) && !strings.Contains(logged, d.certFile) || !strings.Contains(logged, bad.says) {
			t.Errorf("%s: logged %q, want the file named and %q", bad.name, logged, bad.says)
		}
	}
	d.put(crlFile, pki.CRL(t, "empty-again"))
	works(t, "revocation lifted", srv, cli)
}

// A CRL past its NextUpdate still revokes, and says once that it is
// stale, however many handshakes use it.
func TestTLSReloader_StaleCRL(t *testing.T) {
	pki := clienttest.NewPKI(t)
	srvCert, srvKey := pki.Issue(t, "server")
	cliCert, cliKey := pki.Issue(t, "client")
	good, goodKey := pki.Issue(t, "client-good")
	var log lockedBuffer
	srv := crlReloader(t, &log, pki.CAFile, srvCert, srvKey, pki.StaleCRL(t, "stale", serialOf(t, cliCert))).ServerConfig(tls.RequireAndVerifyClientCert)
	for range 3 {
		wantRevoked(t, "client on a stale CRL", handshake(t, srv, clientOf(t, pki.CAFile, cliCert, cliKey, "")).serverErr, serialOf(t, cliCert))
		works(t, "client not on the stale CRL", srv, clientOf(t, pki.CAFile, good, goodKey, ""))
	}
	if n := strings.Count(log.String(), "past its next update"); n != 1 {
		t.Errorf("logged the stale CRL %d times, want once:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "level=WARN") {
		t.Errorf("the stale CRL was not logged as a warning:\n%s", log.String())
	}
}
