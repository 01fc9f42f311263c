package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// tlsSetup is a throwaway PKI for TLS tests: the servers' files and the
// TLS configurations of clients.
type tlsSetup struct {
	pki                 *clienttest.PKI
	certFile, keyFile   string // the servers' (memshard's and redis-server's)
	clientCert          tls.Certificate
	pool                *x509.CertPool
	otherCAClientConfig *tls.Config // a client whose certificate another CA signed
}

func newTLSSetup(t testing.TB) *tlsSetup {
	t.Helper()
	ts := &tlsSetup{pki: clienttest.NewPKI(t)}
	ts.certFile, ts.keyFile = ts.pki.Issue(t, "server")
	cf, kf := ts.pki.Issue(t, "client")
	var err error
	if ts.clientCert, err = tls.LoadX509KeyPair(cf, kf); err != nil {
		t.Fatal(err)
	}
	if ts.pool, err = client.LoadCertPool(ts.pki.CAFile); err != nil {
		t.Fatal(err)
	}
	other := clienttest.NewPKI(t)
	ocf, okf := other.Issue(t, "stranger")
	oc, err := tls.LoadX509KeyPair(ocf, okf)
	if err != nil {
		t.Fatal(err)
	}
	ts.otherCAClientConfig = &tls.Config{RootCAs: ts.pool, Certificates: []tls.Certificate{oc}}
	return ts
}

func (ts *tlsSetup) files() TLSFiles {
	return TLSFiles{CertFile: ts.certFile, KeyFile: ts.keyFile, CAFile: ts.pki.CAFile}
}

// clientConfig is a client's: with the client certificate, or without.
func (ts *tlsSetup) clientConfig(withCert bool) *tls.Config {
	cfg := &tls.Config{RootCAs: ts.pool}
	if withCert {
		cfg.Certificates = []tls.Certificate{ts.clientCert}
	}
	return cfg
}

// startTLSServer runs memshard's server with TLS (and tls-auth-clients
// auth) on a Standalone, and returns it and its address.
func startTLSServer(t testing.TB, ts *tlsSetup, auth string, cfg Config) (*Server, string) {
	t.Helper()
	tl, err := LoadTLS(ts.files())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS = tl
	cfg.ConfigSet = append(cfg.ConfigSet, "tls-auth-clients", auth)
	return startServer(t, cfg)
}

// startRedisTLS runs redis-server serving TLS only, as memshard with TLS
// does, in cluster mode with tls-cluster and tls-replication yes (what
// memshard's nodes do) and every slot its own.
func startRedisTLS(t testing.TB, ts *tlsSetup, auth string) *redisdiff.Server {
	t.Helper()
	rs := redisdiff.StartTLS(t, ts.certFile, ts.keyFile, ts.pki.CAFile, "--tls-auth-clients", auth,
		"--cluster-enabled", "yes", "--tls-cluster", "yes", "--tls-replication", "yes")
	// Ready once a TLS client gets PONG: redisdiff's own check is a
	// plaintext connect.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := tlsPing(t, rs.Addr, ts.clientConfig(true))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the TLS redis-server at %s never answered PING: %v", rs.Addr, err)
		}
		t.Logf("TLS redis-server at %s not ready: %v", rs.Addr, err)
		time.Sleep(20 * time.Millisecond)
	}
	c := redisdiff.DialTLS(t, rs.Addr, ts.clientConfig(true))
	if got := string(c.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")); got != "+OK\r\n" {
		t.Fatalf("CLUSTER ADDSLOTSRANGE = %q", got)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(string(c.Do("CLUSTER", "INFO")), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("the TLS redis-server never reached cluster_state:ok")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.Close()
	return rs
}

// tlsPing dials addr with cfg and sends PING: it returns the reply, or the
// error of the handshake or of the exchange (a server that refuses a
// client certificate does so after a TLS 1.3 client's handshake is done,
// so the refusal shows on the first read).
func tlsPing(t testing.TB, addr string, cfg *tls.Config) (string, error) {
	t.Helper()
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := nc.Read(buf)
	if n > 0 {
		return string(buf[:n]), nil
	}
	return "", err
}

// plainOnTLS sends in, in plaintext, to a TLS port and returns what comes
// back before the connection ends, and how it ends: "reset", "eof" or
// "open" (nothing within the wait).
func plainOnTLS(t testing.TB, addr string, in []byte) (string, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(in); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(nc)
	var ne net.Error
	switch {
	case err == nil:
		return string(got), "eof"
	case isReset(err):
		return string(got), "reset"
	case errors.As(err, &ne) && ne.Timeout():
		return string(got), "open"
	}
	t.Fatalf("read: %v", err)
	return "", ""
}

// diffTLSPair starts redis-server and memshard serving TLS only, with
// tls-auth-clients yes, and connects a client with a certificate to each;
// rport and mport are their ports.
func diffTLSPair(t testing.TB) (ts *tlsSetup, r, m *redisdiff.Conn, rport, mport string) {
	t.Helper()
	ts = newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	r = redisdiff.DialTLS(t, rs.Addr, ts.clientConfig(true))
	m = redisdiff.DialTLS(t, addr, ts.clientConfig(true))
	_, rport, _ = strings.Cut(rs.Addr, ":")
	_, mport, _ = strings.Cut(addr, ":")
	return ts, r, m, rport, mport
}
