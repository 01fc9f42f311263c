package quorum

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// reloadingNode is a node's TLS files at fixed paths and the RaftTLS of a
// client.TLSReloader over them.
type reloadingNode struct {
	dir string
	cfg *tls.Config
}

func newReloadingNode(t *testing.T, pki *clienttest.PKI, name string) *reloadingNode {
	t.Helper()
	return newReloadingNodeCRL(t, pki, name, "")
}

// newReloadingNodeCRL is newReloadingNode with a CRL file (crl.pem), a
// copy of crl, unless crl is "".
func newReloadingNodeCRL(t *testing.T, pki *clienttest.PKI, name, crl string) *reloadingNode {
	t.Helper()
	n := &reloadingNode{dir: t.TempDir()}
	n.put(t, "ca.pem", pki.CAFile)
	cert, key := pki.Issue(t, name)
	n.rotate(t, cert, key)
	files := client.TLSFiles{CAFile: n.path("ca.pem"), CertFile: n.path("cert.pem"), KeyFile: n.path("key.pem")}
	if crl != "" {
		n.put(t, "crl.pem", crl)
		files.CRLFile = n.path("crl.pem")
	}
	r, err := client.NewTLSReloader(files)
	if err != nil {
		t.Fatal(err)
	}
	n.cfg = r.MutualConfig()
	return n
}

func (n *reloadingNode) path(name string) string { return filepath.Join(n.dir, name) }

// put replaces the file name by rename with the concatenation of srcs.
func (n *reloadingNode) put(t *testing.T, name string, srcs ...string) {
	t.Helper()
	var b []byte
	for _, src := range srcs {
		c, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, c...)
	}
	if err := os.WriteFile(n.path(name+".tmp"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(n.path(name+".tmp"), n.path(name)); err != nil {
		t.Fatal(err)
	}
}

func (n *reloadingNode) rotate(t *testing.T, cert, key string) {
	t.Helper()
	n.put(t, "cert.pem", cert)
	n.put(t, "key.pem", key)
}

// peerCN dials to from tr on a new connection and returns the common name
// of the certificate to presented.
func peerCN(t *testing.T, tr *tcpTransport, to *tcpTransport) string {
	t.Helper()
	c, err := tr.stream.Dial(to.LocalAddr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", to.LocalAddr(), err)
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates[0].Subject.CommonName
}

// With RaftTLS from a client.TLSReloader, rotated files are used by new
// raft connections both ways: a dialled peer presents its new
// certificate, an accepting one verifies the dialler's new one; after a
// CA rotation a peer still on the old CA is refused. A dialled peer is
// still checked against the host of its address (an IP here).
func TestTLSTransport_ReloadedFiles(t *testing.T) {
	oldCA, newCA := clienttest.NewPKI(t), clienttest.NewPKI(t)
	na, nb := newReloadingNode(t, oldCA, "a1"), newReloadingNode(t, oldCA, "b1")
	a := newTestTransport(t, "127.0.0.1:0", na.cfg)
	b := newTestTransport(t, "127.0.0.2:0", nb.cfg)
	if err := appendTo(a, b.LocalAddr()); err != nil {
		t.Fatalf("AppendEntries a→b: %v", err)
	}
	if got := peerCN(t, a, b); got != "b1" {
		t.Errorf("b presents %q, want b1", got)
	}

	// CA rotation: the bundle, then certificates of the new CA, then the
	// new CA alone.
	for _, n := range []*reloadingNode{na, nb} {
		n.put(t, "ca.pem", oldCA.CAFile, newCA.CAFile)
	}
	cert, key := newCA.Issue(t, "b2")
	nb.rotate(t, cert, key)
	if got := peerCN(t, a, b); got != "b2" {
		t.Errorf("b presents %q after its rotation, want b2", got)
	}
	if err := appendTo(b, a.LocalAddr()); err != nil { // a verifies b's new certificate as a client's
		t.Fatalf("AppendEntries b→a with b's new certificate: %v", err)
	}
	cert, key = newCA.Issue(t, "a2")
	na.rotate(t, cert, key)
	for _, n := range []*reloadingNode{na, nb} {
		n.put(t, "ca.pem", newCA.CAFile)
	}
	if got := peerCN(t, b, a); got != "a2" {
		t.Errorf("a presents %q after its rotation, want a2", got)
	}

	// A peer of the old CA, trusting both: refused by b when it dials,
	// and b refuses it as a server.
	old := newReloadingNode(t, oldCA, "old")
	old.put(t, "ca.pem", oldCA.CAFile, newCA.CAFile)
	o := newTestTransport(t, "127.0.0.3:0", old.cfg)
	if _, err := o.stream.Dial(b.LocalAddr(), 5*time.Second); err != nil {
		t.Fatalf("the old peer's dial (its handshake ends before b refuses it): %v", err)
	}
	if err := appendTo(o, b.LocalAddr()); err == nil {
		t.Error("a peer with a certificate of the old CA: AppendEntries to b succeeded")
	}
	if _, err := b.stream.Dial(o.LocalAddr(), 5*time.Second); !errors.As(err, new(x509.UnknownAuthorityError)) {
		t.Errorf("b dialling a peer of the old CA: %v, want an unknown authority", err)
	}
	far := newTestTransport(t, "127.0.0.10:0", newReloadingNode(t, newCA, "far").cfg)
	if _, err := b.stream.Dial(far.LocalAddr(), 5*time.Second); !errors.As(err, new(x509.HostnameError)) {
		t.Errorf("b dialling a peer whose certificate does not name its IP: %v, want a hostname error", err)
	}
	if err := appendTo(a, b.LocalAddr()); err != nil {
		t.Errorf("AppendEntries a→b after the refusals: %v", err)
	}
}

// Validate takes a RaftTLS of callbacks (client.TLSReloader.MutualConfig)
// and names what one lacks.
func TestConfig_RaftTLSCallbacksValidation(t *testing.T) {
	good := newReloadingNode(t, clienttest.NewPKI(t), "n1").cfg
	noServer, noClientCert, noVerify, noSkip := good.Clone(), good.Clone(), good.Clone(), good.Clone()
	noServer.GetConfigForClient = nil
	noClientCert.GetClientCertificate = nil
	noVerify.VerifyConnection = nil
	noSkip.InsecureSkipVerify = false
	for _, tc := range []struct {
		name string
		tls  *tls.Config
		want string
	}{
		{"good", good, ""},
		{"no GetConfigForClient", noServer, "needs this node's certificate"},
		{"no GetClientCertificate", noClientCert, "needs this node's certificate"},
		{"no VerifyConnection", noVerify, "needs the CA"},
		{"VerifyConnection without InsecureSkipVerify", noSkip, "needs the CA"},
		{"nothing", &tls.Config{}, "needs this node's certificate"},
	} {
		cfg := Config{ID: "n1", Zone: "a", DataDir: t.TempDir(), RaftAddr: "127.0.0.1:0", RaftTLS: tc.tls}
		err := cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A CRL put in a node's CRL file (by rename, no restart) shuts a revoked
// peer out of raft both ways on new connections: its AppendEntries to
// the node are refused, and the node refuses it when dialling it, naming
// its serial; a peer not on the list goes on in both directions.
func TestTLSTransport_RevokedPeer(t *testing.T) {
	pki := clienttest.NewPKI(t)
	na := newReloadingNodeCRL(t, pki, "a", pki.CRL(t, "empty"))
	a := newTestTransport(t, "127.0.0.1:0", na.cfg)
	b := newTestTransport(t, "127.0.0.2:0", newReloadingNode(t, pki, "b").cfg)
	nc := newReloadingNode(t, pki, "c")
	c := newTestTransport(t, "127.0.0.3:0", nc.cfg)
	pair, err := tls.LoadX509KeyPair(nc.path("cert.pem"), nc.path("key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	serial := pair.Leaf.SerialNumber
	if err := appendTo(a, b.LocalAddr()); err != nil {
		t.Fatalf("AppendEntries a→b: %v", err)
	}

	na.put(t, "crl.pem", pki.CRL(t, "revokes-c", serial))
	if err := appendTo(c, a.LocalAddr()); err == nil {
		t.Error("revoked c: AppendEntries c→a succeeded")
	}
	_, err = a.stream.Dial(c.LocalAddr(), 5*time.Second)
	var re *client.CertificateRevokedError
	if !errors.As(err, &re) || re.Serial.Cmp(serial) != 0 {
		t.Errorf("a dialling revoked c: %v, want c's serial %v refused as revoked", err, serial)
	}
	if err := appendTo(b, a.LocalAddr()); err != nil {
		t.Errorf("AppendEntries b→a after c's revocation: %v", err)
	}
	if got := peerCN(t, a, b); got != "b" {
		t.Errorf("a dialling b after c's revocation sees %q, want b", got)
	}
}
