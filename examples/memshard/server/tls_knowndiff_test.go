package server

import (
	"bytes"
	"crypto/tls"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestTLSKnownDiff pins what memshard's TLS does differently from
// redis-server's: CONFIG SET of the TLS parameters memshard leaves to Go's
// crypto/tls (protocols, ciphers, session cache, DH parameters, client
// cert files, key passwords), of tls-cluster and tls-replication no (its
// nodes always talk TLS to each other when they serve it) and of another
// tls-port (memshard listens on its --addr only) is refused, where Redis
// applies it.
func TestTLSKnownDiff(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	r := redisdiff.DialTLS(t, rs.Addr, ts.clientConfig(true))
	m := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
	for _, tc := range []struct {
		argv []string
		want string // memshard's reply
	}{
		{[]string{"CONFIG", "SET", "tls-protocols", "TLSv1.3"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - memshard's TLS uses Go's defaults (TLS 1.2 and 1.3, its ciphers and session tickets): tls-protocols cannot be set\r\n"},
		{[]string{"CONFIG", "SET", "tls-session-caching", "no"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-session-caching') - memshard's TLS uses Go's defaults (TLS 1.2 and 1.3, its ciphers and session tickets): tls-session-caching cannot be set\r\n"},
		{[]string{"CONFIG", "SET", "tls-cluster", "no"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-cluster') - memshard's nodes always talk TLS to each other when they serve it: tls-cluster stays yes\r\n"},
		{[]string{"CONFIG", "SET", "tls-replication", "no"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-replication') - memshard's nodes always talk TLS to each other when they serve it: tls-replication stays yes\r\n"},
		{[]string{"CONFIG", "SET", "tls-port", "1"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs.\r\n"},
	} {
		if got := string(m.Do(tc.argv...)); got != tc.want {
			t.Errorf("memshard %q = %q, want %q", tc.argv, got, tc.want)
		}
		if tc.argv[2] == "tls-port" {
			continue // Redis would move its port: not done to it
		}
		if got := string(r.Do(tc.argv...)); got != "+OK\r\n" {
			t.Errorf("redis %q = %q, want +OK (no longer a difference?)", tc.argv, got)
		}
	}
}

// TestTLS_ReloadCert: CONFIG SET tls-cert-file and tls-key-file load the
// new pair, as Redis reloads it: later handshakes present it, and the
// connections open keep working.
func TestTLS_ReloadCert(t *testing.T) {
	ts := newTLSSetup(t)
	_, addr := startTLSServer(t, ts, "yes", Config{})
	m := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
	serial := func() string {
		t.Helper()
		nc, err := tls.Dial("tcp", addr, ts.clientConfig(true))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		return nc.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	cert, key := ts.pki.Issue(t, "server2")
	if got := string(m.Do("CONFIG", "SET", "tls-cert-file", cert, "tls-key-file", key)); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET = %q", got)
	}
	if after := serial(); after == before {
		t.Errorf("the certificate served after CONFIG SET is still serial %s", before)
	}
	if got := m.Do("CONFIG", "GET", "tls-cert-file"); !bytes.Contains(got, []byte(cert)) {
		t.Errorf("CONFIG GET tls-cert-file = %q, want %s", got, cert)
	}
	if got := string(m.Do("PING")); got != "+PONG\r\n" {
		t.Errorf("PING on the connection made before = %q", got)
	}
	// A bad file changes nothing.
	if got := string(m.Do("CONFIG", "SET", "tls-key-file", ts.pki.CAFile)); got != "-ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.\r\n" {
		t.Errorf("CONFIG SET tls-key-file (a certificate) = %q", got)
	}
	if got := m.Do("CONFIG", "GET", "tls-key-file"); !bytes.Contains(got, []byte(key)) {
		t.Errorf("CONFIG GET tls-key-file = %q after a failed SET, want %s", got, key)
	}
	if _, err := tlsPing(t, addr, ts.clientConfig(true)); err != nil {
		t.Errorf("PING after a failed CONFIG SET: %v", err)
	}
}

// TestTLSKnownDiff_HandshakeTimeout: memshard closes a client that does not
// complete its TLS handshake within Config.TLSHandshakeTimeout (10s by
// default); Redis 7.0 keeps it (only a set idle timeout would close it).
func TestTLSKnownDiff_HandshakeTimeout(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{TLSHandshakeTimeout: 100 * time.Millisecond})
	silentM := redisdiff.Dial(t, addr)
	silentR := redisdiff.Dial(t, rs.Addr)
	if !silentM.Closed(10 * time.Second) {
		t.Fatal("memshard kept a client that sent nothing past its handshake timeout")
	}
	if silentR.Closed(500 * time.Millisecond) {
		t.Error("redis-server closed a client that sent nothing (no longer a difference?)")
	}
}

// TestTLSKnownDiff_MalformedHandshake: to a ClientHello record whose body
// is not a handshake message, both answer with a fatal alert and close, but
// the alert is Go's crypto/tls's (internal_error, in a TLS 1.0 record), not
// OpenSSL's (unexpected_message, TLS 1.2): TLS-level bytes, not RESP.
func TestTLSKnownDiff_MalformedHandshake(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	in := []byte("\x16\x03\x01\x00\x05hello")
	if out, end := plainOnTLS(t, rs.Addr, in); out != "\x15\x03\x03\x00\x02\x02\x0a" || end == "open" {
		t.Errorf("redis-server: %q then %s; want OpenSSL's unexpected_message alert, closed", out, end)
	}
	if out, end := plainOnTLS(t, addr, in); out != "\x15\x03\x01\x00\x02\x02\x50" || end == "open" {
		t.Errorf("memshard: %q then %s; want Go's internal_error alert, closed", out, end)
	}
}
