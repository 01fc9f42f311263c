package main

// End-to-end test of certificate revocation lists: real quorumlogd
// processes with --tls-crl-file, and logctl with and without it.

import (
	"crypto/tls"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

// A 3-node TLS cluster with client auth, each node with a CRL file of its
// own, under a small append load: a CRL revoking a client certificate,
// renamed over every node's CRL file, makes every node refuse that
// client (gRPC and raft ports) while a client with another certificate
// keeps working; logctl with a CRL revoking a node refuses that node and
// not the others; a CRL revoking a node's own certificate is logged once
// by that node, which keeps serving with its previous files. No process
// is restarted, and every acknowledged append is on every node once and
// in order at the end.
func TestE2E_TLSCRL(t *testing.T) {
	pki := clienttest.NewPKI(t)
	c := prepareCluster(t, clusterOptions{pki: pki})
	crlFiles := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		crlFiles[i] = filepath.Join(t.TempDir(), "crl.pem")
		putFile(t, crlFiles[i], readFileBytes(t, pki.CRL(t, "empty")))
		nd.args = append(nd.args, "--tls-crl-file", crlFiles[i])
	}
	for i := range c.nodes {
		c.start(i)
	}
	c.waitReady()
	if err := c.client().CreateLog(t.Context(), "crl"); err != nil {
		t.Fatal(err)
	}
	revoked := clientCert(t, pki, "client-revoked")
	other := clientCert(t, pki, "client-other")
	// logctl appends through node i alone, presenting f.
	appendVia := func(i int, f nodeFiles, timeout string, extra ...string) (string, int) {
		t.Helper()
		args := append([]string{"--endpoints", c.nodes[i].grpcAddr, "--timeout", timeout,
			"--tls-ca-file", pki.CAFile, "--tls-cert-file", f.cert, "--tls-key-file", f.key}, extra...)
		_, stderr, code := runLogctl(t, "", append(args, "append", "crl", "from "+filepath.Base(f.cert))...)
		return stderr, code
	}
	for i, nd := range c.nodes {
		if stderr, code := appendVia(i, revoked, "5s"); code != 0 {
			t.Fatalf("logctl with the client certificate to be revoked, via %s: exit %d, %s", nd.id, code, stderr)
		}
	}

	load := startLogLoad(c)
	hold(t, time.Second)

	t.Run("a revoked client is refused by every node", func(t *testing.T) {
		crl := readFileBytes(t, pki.CRL(t, "revoking", serialOfFile(t, revoked)))
		for _, f := range crlFiles {
			putFile(t, f, crl)
		}
		for i, nd := range c.nodes {
			// The server's alert is all TLS tells the client: bad_certificate.
			if stderr, code := appendVia(i, revoked, "2s"); code != 1 || !strings.Contains(stderr, "UNAVAILABLE") || !strings.Contains(stderr, "server refused the connection: remote error: tls: bad certificate") {
				t.Errorf("logctl with the revoked certificate via %s: exit %d, %q; want 1, UNAVAILABLE, the server's bad_certificate alert", nd.id, code, stderr)
			}
			if stderr, code := appendVia(i, other, "5s"); code != 0 {
				t.Errorf("logctl with another certificate via %s: exit %d, %s", nd.id, code, stderr)
			}
			for _, addr := range []string{nd.grpcAddr, nd.raftAddr} {
				if _, err := presented(addr, pki.CAFile, revoked.cert, revoked.key); err == nil {
					t.Errorf("%s (%s) accepted the revoked client certificate", addr, nd.id)
				}
				if _, err := presented(addr, pki.CAFile, other.cert, other.key); err != nil {
					t.Errorf("%s (%s) refused another client certificate: %v", addr, nd.id, err)
				}
			}
		}
	})

	t.Run("logctl with a CRL refuses a revoked node", func(t *testing.T) {
		// A follower: appends through the others go to the leader only.
		rev := (c.leader() + 1) % len(c.nodes)
		nd := c.nodes[rev]
		crl := pki.CRL(t, "revokes-"+nd.id, serialOfFile(t, nodeFiles{cert: flagValue(t, nd.args, "--tls-cert-file"), key: flagValue(t, nd.args, "--tls-key-file")}))
		stderr, code := appendVia(rev, other, "2s", "--tls-crl-file", crl)
		if code != 1 || !strings.Contains(stderr, "is revoked") || !strings.Contains(stderr, "CN="+nd.id) {
			t.Errorf("logctl with a CRL revoking %s, via %s: exit %d, %q; want 1 and its serial said revoked", nd.id, nd.id, code, stderr)
		}
		for i := range c.nodes {
			if i == rev {
				continue
			}
			if stderr, code := appendVia(i, other, "5s", "--tls-crl-file", crl); code != 0 {
				t.Errorf("logctl with a CRL revoking %s, via %s: exit %d, %s", nd.id, c.nodes[i].id, code, stderr)
			}
		}
	})

	t.Run("a CRL revoking the node itself is logged and not used", func(t *testing.T) {
		nd := c.nodes[2]
		const msg = "TLS files changed but do not load"
		before := strings.Count(readFile(t, nd.proc.StderrPath), msg)
		self := nodeFiles{cert: flagValue(t, nd.args, "--tls-cert-file"), key: flagValue(t, nd.args, "--tls-key-file")}
		putFile(t, crlFiles[2], readFileBytes(t, pki.CRL(t, "revokes-n3", serialOfFile(t, self), serialOfFile(t, revoked))))
		for range 2 { // the second look sees the same files: no second error
			if _, err := presented(nd.grpcAddr, pki.CAFile, other.cert, other.key); err != nil {
				t.Errorf("%s refused a client after its own certificate was put on its CRL: %v", nd.id, err)
			}
			if _, err := presented(nd.grpcAddr, pki.CAFile, revoked.cert, revoked.key); err == nil {
				t.Errorf("%s accepted the revoked client: the previous CRL is no longer used", nd.id)
			}
		}
		log := readFile(t, nd.proc.StderrPath)
		if got := strings.Count(log, msg) - before; got != 1 {
			t.Errorf("%s logged %d errors for the CRL revoking it, want 1:\n%s", nd.id, got, nd.proc.StderrTail(20))
		}
		if !strings.Contains(log, "is revoked") {
			t.Errorf("%s did not say its certificate is revoked:\n%s", nd.id, nd.proc.StderrTail(20))
		}
	})

	hold(t, time.Second) // the load goes on after the revocations
	load.finish()
	t.Logf("%d appends acknowledged", load.ackedCount())
	load.check("quorumlog-tls-crl")
}

// clientCert issues a client certificate of pki.
func clientCert(t *testing.T, pki *clienttest.PKI, name string) nodeFiles {
	t.Helper()
	cert, key := pki.Issue(t, name)
	return nodeFiles{cert: cert, key: key}
}

// serialOfFile returns the serial number of the certificate of f.
func serialOfFile(t *testing.T, f nodeFiles) *big.Int {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf.SerialNumber
}
