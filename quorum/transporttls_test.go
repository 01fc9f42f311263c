package quorum

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

// raftTLSConfig returns a Config.RaftTLS with a certificate for name
// issued by pki, trusting pki's CA.
func raftTLSConfig(t *testing.T, pki *clienttest.PKI, name string) *tls.Config {
	t.Helper()
	certFile, keyFile := pki.Issue(t, name)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("no CA certificate in", pki.CAFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}
}

// newTestTransport returns a transport on addr (TLS if cfg is set) whose
// consumer answers every AppendEntries with success, until the test ends.
func newTestTransport(t *testing.T, addr string, cfg *tls.Config) *tcpTransport {
	t.Helper()
	var rt *raftTLS
	if cfg != nil {
		rt = newRaftTLS(cfg)
	}
	return newTestTransportTLS(t, addr, rt)
}

func newTestTransportTLS(t *testing.T, addr string, rt *raftTLS) *tcpTransport {
	t.Helper()
	tr, err := newTCPTransport(addr, &raft.NetworkTransportConfig{MaxPool: 2, Timeout: 5 * time.Second, Logger: hclog.NewNullLogger()}, rt)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case rpc := <-tr.Consumer():
				req := rpc.Command.(*raft.AppendEntriesRequest)
				rpc.Respond(&raft.AppendEntriesResponse{Term: req.Term, Success: true}, nil)
			case <-stop:
				return
			}
		}
	}()
	// CloseStreams closes the pooled connections it dialled: raft's Close
	// leaves them open, and the peers' handlers would outlive the test.
	t.Cleanup(func() { close(stop); <-done; tr.CloseStreams(); tr.Close() })
	return tr
}

// appendTo sends one AppendEntries from tr to target and returns its error.
func appendTo(tr *tcpTransport, target raft.ServerAddress) error {
	var resp raft.AppendEntriesResponse
	err := tr.AppendEntries("peer", target, &raft.AppendEntriesRequest{Term: 7, PrevLogEntry: 3}, &resp)
	if err == nil && (!resp.Success || resp.Term != 7) {
		err = errors.New("unexpected response")
	}
	return err
}

// Two nodes with certificates of one CA exchange raft RPCs over mutual
// TLS: the connection is TLS, and each side saw the other's certificate.
func TestTLSTransport_RoundTrip(t *testing.T) {
	pki := clienttest.NewPKI(t)
	a := newTestTransport(t, "127.0.0.1:0", raftTLSConfig(t, pki, "a"))
	b := newTestTransport(t, "127.0.0.2:0", raftTLSConfig(t, pki, "b"))
	for i := range 3 {
		if err := appendTo(a, b.LocalAddr()); err != nil {
			t.Fatalf("AppendEntries a→b #%d: %v", i, err)
		}
		if err := appendTo(b, a.LocalAddr()); err != nil {
			t.Fatalf("AppendEntries b→a #%d: %v", i, err)
		}
	}
	c, err := a.stream.Dial(b.LocalAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc, ok := c.(*tls.Conn)
	if !ok {
		t.Fatalf("Dial returned a %T, want a *tls.Conn", c)
	}
	st := tc.ConnectionState()
	if !st.HandshakeComplete || len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "b" {
		t.Errorf("dialled b: handshake complete %v, peer certificates %d; want b's", st.HandshakeComplete, len(st.PeerCertificates))
	}
	if st.Version < tls.VersionTLS12 {
		t.Errorf("TLS version %x, want at least 1.2", st.Version)
	}
	if got := c.LocalAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.1" {
		t.Errorf("a's dial leaves from %s, want its own IP 127.0.0.1", got)
	}
}

// A peer is refused both ways when its certificate is not from the CA,
// when it presents none, and when it speaks plaintext; a peer whose
// certificate does not name the host it is dialled at is refused by the
// dialler. None of it reaches raft.
func TestTLSTransport_RefusesUntrustedPeers(t *testing.T) {
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	good := raftTLSConfig(t, pki, "good")
	b := newTestTransport(t, "127.0.0.1:0", raftTLSConfig(t, pki, "b"))

	// Another CA's certificate, though it trusts b's CA.
	stranger := raftTLSConfig(t, other, "stranger")
	stranger.RootCAs = good.RootCAs
	s := newTestTransport(t, "127.0.0.3:0", stranger)
	if err := appendTo(s, b.LocalAddr()); err == nil {
		t.Error("a peer with another CA's certificate: AppendEntries succeeded")
	}
	// b dialling it: its server certificate is not from b's CA.
	if _, err := b.stream.Dial(s.LocalAddr(), 5*time.Second); err == nil {
		t.Error("dial of a peer with another CA's certificate succeeded")
	} else if !errors.As(err, new(x509.UnknownAuthorityError)) {
		t.Errorf("dial of a peer with another CA's certificate: %v, want an unknown authority", err)
	}

	// No client certificate.
	conn, err := tls.Dial("tcp", string(b.LocalAddr()), &tls.Config{RootCAs: good.RootCAs})
	if err == nil {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Read(make([]byte, 1)) // TLS 1.3: the server's refusal arrives after the client's handshake
		conn.Close()
	}
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a TLS client without a certificate: %v, want the server to refuse it", err)
	}

	// Plaintext raft.
	plain := newTestTransport(t, "127.0.0.4:0", nil)
	if err := appendTo(plain, b.LocalAddr()); err == nil {
		t.Error("a plaintext peer: AppendEntries succeeded")
	}

	// The right CA, but dialled at an address its certificate does not
	// name (the test PKI's name 127.0.0.1-9 and localhost).
	far := newTestTransport(t, "127.0.0.10:0", raftTLSConfig(t, pki, "far"))
	if err := appendTo(b, far.LocalAddr()); err == nil {
		t.Error("a peer whose certificate does not name its address: AppendEntries succeeded")
	} else if !errors.As(err, new(x509.HostnameError)) {
		t.Errorf("a peer whose certificate does not name its address: %v, want a hostname error", err)
	}

	if err := appendTo(newTestTransport(t, "127.0.0.5:0", good), b.LocalAddr()); err != nil {
		t.Errorf("a good peer after the refusals: %v", err)
	}
}

// Connections that never complete a handshake (silent, plaintext, random
// bytes) do not keep raft's accept loop from taking a good peer's, and a
// silent one is closed once the handshake timeout passes.
func TestTLSTransport_HandshakesDoNotWedgeTheListener(t *testing.T) {
	pki := clienttest.NewPKI(t)
	rt := newRaftTLS(raftTLSConfig(t, pki, "b"))
	rt.handshakeTimeout = 500 * time.Millisecond
	b := newTestTransportTLS(t, "127.0.0.1:0", rt)
	addr := string(b.LocalAddr())

	random := make([]byte, 4096)
	rand.Read(random)
	var held []net.Conn
	for _, payload := range [][]byte{nil, random, []byte("\x00\x01plaintext raft"), []byte("GET / HTTP/1.1\r\n\r\n")} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if payload != nil {
			if _, err := c.Write(payload); err != nil {
				t.Fatal(err)
			}
		}
		held = append(held, c) // kept open while the good peer connects
	}
	a := newTestTransport(t, "127.0.0.2:0", raftTLSConfig(t, pki, "a"))
	if err := appendTo(a, b.LocalAddr()); err != nil {
		t.Fatalf("a good peer, with bad connections open: %v", err)
	}

	// The silent connection is closed by b; a generous deadline only
	// bounds the test if it never is.
	held[0].SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(io.Discard, held[0]); err != nil {
		t.Errorf("the silent connection: %v, want b to close it", err)
	}
}

// Config.Validate refuses a RaftTLS that cannot secure both directions,
// and one beside a replacement Transport, which it would not apply to.
func TestConfig_RaftTLSValidation(t *testing.T) {
	good := raftTLSConfig(t, clienttest.NewPKI(t), "n1")
	noCert, noCA := good.Clone(), good.Clone()
	noCert.Certificates = nil
	noCA.RootCAs = nil
	_, inmem := raft.NewInmemTransport("n1")
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no certificate", Config{RaftAddr: "127.0.0.1:0", RaftTLS: noCert}, "needs this node's certificate"},
		{"no CA", Config{RaftAddr: "127.0.0.1:0", RaftTLS: noCA}, "needs the CA"},
		{"beside Transport", Config{Transport: inmem, RaftTLS: good}, "TCP transport only"},
		{"good", Config{RaftAddr: "127.0.0.1:0", RaftTLS: good}, ""},
	} {
		tc.cfg.ID, tc.cfg.Zone, tc.cfg.DataDir = "n1", "a", t.TempDir()
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
	}
}
