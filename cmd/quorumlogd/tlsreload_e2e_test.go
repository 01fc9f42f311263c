package main

// End-to-end test of certificate rotation: real quorumlogd processes pick
// up replaced TLS files without a restart.

import (
	"crypto/tls"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// A 3-node TLS cluster under a small append load rotates, with no
// process restarted for it: every node's certificate and key (renamed
// over the files its flags name), which new connections to its gRPC and
// raft ports then present; a bad replacement, which leaves the old one
// served and is logged once; then the CA (a bundle of the old and new
// CAs everywhere, certificates of the new CA everywhere, then the new CA
// alone). Then kill -9 of the leader and its restart make raft dial anew
// with the new certificates, the cluster keeps committing, every
// acknowledged append is on every node once and in order, and a client
// with a certificate of the old CA is refused.
func TestE2E_TLSRotation(t *testing.T) {
	oldCA := clienttest.NewPKI(t)
	c := newCluster(t, clusterOptions{pki: oldCA})
	files := make([]nodeFiles, len(c.nodes))
	for i, nd := range c.nodes {
		files[i] = nodeFiles{cert: flagValue(t, nd.args, "--tls-cert-file"), key: flagValue(t, nd.args, "--tls-key-file")}
	}
	// The test's clients (c.tls, from client.LoadTLS) rotate too: they
	// reconnect to the killed leader after the CA changed.
	clientFiles := nodeFiles{cert: flagValue(t, c.tlsFiles, "--tls-cert-file"), key: flagValue(t, c.tlsFiles, "--tls-key-file")}
	caFile := oldCA.CAFile // every node's and the test client's --tls-ca-file
	oldCAPEM := readFileBytes(t, caFile)
	// Appends of the test and logctl go to a log of their own: the load's
	// logs must hold its own appends only.
	if err := c.client().CreateLog(t.Context(), "rotation"); err != nil {
		t.Fatal(err)
	}

	load := startLogLoad(c)
	hold(t, time.Second)

	t.Run("new certificates of the same CA", func(t *testing.T) {
		for i, nd := range c.nodes {
			cert, key := oldCA.Issue(t, nd.id+"-2")
			files[i].replace(t, cert, key)
		}
		checkServed(t, c, caFile, clientFiles, files)
		if _, stderr, code := runLogctl(t, "", append([]string{"--endpoints", strings.Join(c.grpcAddrs(), ","), "--timeout", "5s"}, append(c.tlsFiles, "append", "rotation", "from logctl")...)...); code != 0 {
			t.Fatalf("logctl append after the rotation: exit %d, %s", code, stderr)
		}
	})

	t.Run("a bad replacement keeps the old certificate", func(t *testing.T) {
		nd := c.nodes[0]
		good, err := os.ReadFile(files[0].cert)
		if err != nil {
			t.Fatal(err)
		}
		before := strings.Count(readFile(t, nd.proc.StderrPath), "TLS files changed but do not load")
		serving := serialsOf(t, files)
		putFile(t, files[0].cert, good[:len(good)/2]) // half-written
		checkSerials(t, c, caFile, clientFiles, serving)
		checkSerials(t, c, caFile, clientFiles, serving) // a second look at the same bad file
		if got := strings.Count(readFile(t, nd.proc.StderrPath), "TLS files changed but do not load") - before; got != 1 {
			t.Errorf("%s logged %d errors for the half-written certificate, want 1:\n%s", nd.id, got, nd.proc.StderrTail(20))
		}
		putFile(t, files[0].cert, good)
		checkServed(t, c, caFile, clientFiles, files)
	})

	newCA := clienttest.NewPKI(t)
	t.Run("CA rotation", func(t *testing.T) {
		putFile(t, caFile, append(oldCAPEM, readFileBytes(t, newCA.CAFile)...))
		checkServed(t, c, caFile, clientFiles, files)
		for i, nd := range c.nodes {
			cert, key := newCA.Issue(t, nd.id+"-3")
			files[i].replace(t, cert, key)
		}
		cert, key := newCA.Issue(t, "test-client-3")
		clientFiles.replace(t, cert, key)
		checkServed(t, c, caFile, clientFiles, files)
		putFile(t, caFile, readFileBytes(t, newCA.CAFile))
		checkServed(t, c, caFile, clientFiles, files)
	})

	t.Run("kill -9 of the leader and its restart", func(t *testing.T) {
		old := c.leader()
		c.kill9(old)
		c.leader() // the other two, their raft connections new
		c.restart(old)
		c.waitReady() // the restarted node is redialled by the leader with the new certificates
		// A new client (new connections), through the restarted node alone.
		res, err := c.nodeClient(old).Append(t.Context(), "rotation", [][]byte{[]byte("after the rotation")})
		if err != nil {
			t.Fatalf("Append after the rotation and the restart = %v", err)
		}
		c.waitConverged("rotation", res.LastID)
		checkServed(t, c, caFile, clientFiles, files)
		hold(t, time.Second) // the load goes on with the new leader
	})
	load.finish()
	t.Logf("%d appends acknowledged", load.ackedCount())
	load.check("quorumlog-tls-rotation")

	t.Run("a client of the old CA is refused", func(t *testing.T) {
		cert, key := oldCA.Issue(t, "stale-client")
		_, stderr, code := runLogctl(t, "", "--endpoints", strings.Join(c.grpcAddrs(), ","), "--timeout", "2s",
			"--tls-ca-file", caFile, "--tls-cert-file", cert, "--tls-key-file", key, "append", "rotation", "stale")
		if code != 1 || !strings.Contains(stderr, "UNAVAILABLE") {
			t.Errorf("logctl with a certificate of the old CA: exit %d, %q; want 1, UNAVAILABLE", code, stderr)
		}
		for _, nd := range c.nodes {
			for _, addr := range []string{nd.grpcAddr, nd.raftAddr} {
				if _, err := presented(addr, caFile, cert, key); err == nil {
					t.Errorf("%s (%s) accepted a client certificate of the old CA", addr, nd.id)
				}
			}
		}
	})
}

// nodeFiles are the cert and key files one process was started with.
type nodeFiles struct{ cert, key string }

// replace renames copies of cert and key over f's files, the cert first
// (a handshake between the two renames sees a key that is not the
// certificate's: logged, and the old pair kept).
func (f nodeFiles) replace(t *testing.T, cert, key string) {
	t.Helper()
	putFile(t, f.cert, readFileBytes(t, cert))
	putFile(t, f.key, readFileBytes(t, key))
}

// checkServed checks that a new TLS connection to each node's gRPC and
// raft ports sees the certificate now in its files, verified against
// caFile, when presenting the client certificate in clientFiles.
func checkServed(t *testing.T, c *cluster, caFile string, clientFiles nodeFiles, files []nodeFiles) {
	t.Helper()
	checkSerials(t, c, caFile, clientFiles, serialsOf(t, files))
}

// serialsOf returns the serial numbers of the certificates in files.
func serialsOf(t *testing.T, files []nodeFiles) []*big.Int {
	t.Helper()
	var serials []*big.Int
	for _, f := range files {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			t.Fatal(err)
		}
		serials = append(serials, pair.Leaf.SerialNumber)
	}
	return serials
}

// checkSerials checks that a new TLS connection to each node's gRPC and
// raft ports sees the certificate of serial want[i], verified against
// caFile, when presenting the client certificate in clientFiles.
func checkSerials(t *testing.T, c *cluster, caFile string, clientFiles nodeFiles, want []*big.Int) {
	t.Helper()
	for i, nd := range c.nodes {
		for _, addr := range []string{nd.grpcAddr, nd.raftAddr} {
			got, err := presented(addr, caFile, clientFiles.cert, clientFiles.key)
			if err != nil {
				t.Errorf("TLS to %s (%s): %v", addr, nd.id, err)
			} else if got.Cmp(want[i]) != 0 {
				t.Errorf("%s (%s) presents serial %v, want %v", addr, nd.id, got, want[i])
			}
		}
	}
}

// presented dials addr over TLS (crypto/tls's own verification against
// caFile, for 127.0.0.1), presenting cert, and returns the serial of the
// server's certificate once the server accepted the client's (it sends
// its session ticket or first bytes after verifying; a refusal arrives as
// an alert on the first read).
func presented(addr, caFile, cert, key string) (*big.Int, error) {
	pool, err := client.LoadCertPool(caFile)
	if err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, err
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: "127.0.0.1", NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	serial := conn.ConnectionState().PeerCertificates[0].SerialNumber
	// The server refuses a client certificate after the client's side of
	// a TLS 1.3 handshake ended: send the HTTP/2 preface and read. gRPC
	// answers with its settings; raft takes 'P' for an unknown RPC and
	// hangs up (EOF); a refusal is an alert. The deadline only bounds the
	// test if neither comes.
	if _, err := conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")); err != nil {
		return nil, err
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return serial, nil
}

// flagValue returns the value after flag in args.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no %s in %q", flag, args)
	}
	return args[i+1]
}

// putFile replaces file by rename with b, as an operator rotating it would.
func putFile(t *testing.T, file string, b []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, file string) string { t.Helper(); return string(readFileBytes(t, file)) }

// readFileBytes returns the contents of the first of files that exists.
func readFileBytes(t *testing.T, files ...string) []byte {
	t.Helper()
	var err error
	for _, f := range files {
		var b []byte
		if b, err = os.ReadFile(f); err == nil {
			return b
		}
	}
	t.Fatal(err)
	return nil
}
