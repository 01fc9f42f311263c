package main

// End-to-end tests of TLS: real quorumlogd and logctl processes with
// --tls-* flags and certificates of a throwaway CA (clienttest.PKI).

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// A cluster with TLS on: logctl with a client certificate works; logctl
// without one, with one of another CA, or in plaintext fails saying why
// and changes nothing; garbage and silent connections on the TLS gRPC and
// raft ports leave every node up; a node joins through a TLS member; and
// after kill -9 of the leader under load (appends, conditional appends,
// linearizable Describes on every node, which ask the leader over the
// nodes' own TLS gRPC) the new leader keeps every acknowledged record,
// once, in order, on every node, and the history is linearizable.
func TestE2E_TLS(t *testing.T) {
	pki := clienttest.NewPKI(t)
	c := newCluster(t, clusterOptions{pki: pki})
	endpoints := strings.Join(c.grpcAddrs(), ",")
	logctl := func(t *testing.T, timeout string, tlsArgs []string, stdin string, args ...string) (string, string, int) {
		t.Helper()
		all := append([]string{"--endpoints", endpoints, "--timeout", timeout}, tlsArgs...)
		return runLogctl(t, stdin, append(all, args...)...)
	}

	t.Run("logctl with a client certificate", func(t *testing.T) {
		if _, stderr, code := logctl(t, "5s", c.tlsFiles, "", "create", "tls"); code != 0 {
			t.Fatalf("logctl create: exit %d, %s", code, stderr)
		}
		if out, stderr, code := logctl(t, "5s", c.tlsFiles, "one\ntwo\n", "append", "tls"); code != 0 || !strings.Contains(out, "first_id=1 last_id=2") {
			t.Fatalf("logctl append: exit %d, %q, %s", code, out, stderr)
		}
		if out, stderr, code := logctl(t, "5s", c.tlsFiles, "", "read", "tls"); code != 0 || out != "one\ntwo\n" {
			t.Errorf("logctl read: exit %d, %q, %s; want the two records", code, out, stderr)
		}
	})

	before := listAll(t, c)
	t.Run("refused clients", func(t *testing.T) {
		other := clienttest.NewPKI(t)
		strangerCert, strangerKey := other.Issue(t, "stranger")
		// The client does not send a certificate of a CA the server does not
		// list, or the server refuses it: either way the error names it.
		refusedCert := regexp.MustCompile(`client certificate|client's certificate|server refused the connection: remote error: tls: `)
		for _, tc := range []struct {
			name string
			args []string
			want any // a string it contains or a regexp it matches
		}{
			{"no client certificate", []string{"--tls-ca-file", pki.CAFile}, "the server requires a client certificate, and none is configured"},
			{"a certificate of another CA", []string{"--tls-ca-file", pki.CAFile, "--tls-cert-file", strangerCert, "--tls-key-file", strangerKey}, refusedCert},
			{"plaintext", nil, "the server hung up before answering: "},
			{"another CA to verify the nodes", []string{"--tls-ca-file", other.CAFile}, "x509: certificate signed by unknown authority"},
		} {
			for _, args := range [][]string{{"create", "refused"}, {"append", "tls", "x"}} {
				// In parallel: each fails only once its --timeout has passed.
				t.Run(tc.name+" "+args[0], func(t *testing.T) {
					t.Parallel()
					_, stderr, code := logctl(t, "2s", tc.args, "", args...)
					if code != 1 || !strings.Contains(stderr, "UNAVAILABLE") || !says(stderr, tc.want) {
						t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
					}
					if tc.args == nil && !strings.Contains(stderr, "(it may require TLS)") {
						t.Errorf("stderr %q does not name TLS", stderr)
					}
				})
			}
		}
	})
	t.Run("refused clients changed nothing", func(t *testing.T) {
		if diff := cmp.Diff(before, listAll(t, c)); diff != "" {
			t.Errorf("logs changed by refused clients (-before +after):\n%s", diff)
		}
	})

	t.Run("garbage", func(t *testing.T) {
		random := make([]byte, 4096)
		rand.Read(random)
		garbage := map[string][]byte{
			"random 4KiB":               random,
			"plaintext HTTP/2 preface":  []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
			"HTTP/1 request":            []byte("GET / HTTP/1.1\r\nHost: quorumlog\r\n\r\n"),
			"truncated TLS ClientHello": {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03},
		}
		for _, nd := range c.nodes {
			for _, addr := range []string{nd.grpcAddr, nd.raftAddr} {
				// A silent connection stays open through the checks below.
				idle, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer idle.Close()
				for name, b := range garbage {
					if err := sendGarbage(addr, b); err != nil {
						t.Errorf("%s to %s (%s): %v", name, addr, nd.id, err)
					}
				}
			}
		}
		for i, nd := range c.nodes {
			if !nd.running() {
				t.Fatalf("%s exited after garbage: %v", nd.id, nd.proc.Wait())
			}
			if _, err := c.status(i); err != nil {
				t.Errorf("Status of %s after garbage = %v", nd.id, err)
			}
		}
		res, err := c.client().Append(t.Context(), "tls", [][]byte{[]byte("after garbage")})
		if err != nil {
			t.Fatalf("Append after garbage = %v", err)
		}
		c.waitConverged("tls", res.LastID)
	})

	t.Run("join", func(t *testing.T) {
		c.addNode("d", 0)
		c.waitReady() // four voters, registered with their zones and addresses
	})

	t.Run("kill -9 of the leader under load", func(t *testing.T) {
		load := startLogLoad(c)
		hold(t, time.Second)
		old := c.leader()
		c.kill9(old)
		newLeader := c.leader()
		hold(t, time.Second) // the new leader acknowledges
		c.restart(old)
		hold(t, time.Second)
		load.finish()
		t.Logf("killed leader %s; %s took over (%d appends acknowledged)", c.nodes[old].id, c.nodes[newLeader].id, load.ackedCount())
		load.check("quorumlog-tls-kill")
	})
}

// With --tls-client-auth=false the gRPC port asks clients for no
// certificate: one that trusts the CA connects; a plaintext one still
// does not. Raft between the nodes stays mutual TLS (the cluster elects).
func TestE2E_TLSWithoutClientAuth(t *testing.T) {
	pki := clienttest.NewPKI(t)
	c := newCluster(t, clusterOptions{pki: pki, extraArgs: []string{"--tls-client-auth=false"}})
	endpoints := strings.Join(c.grpcAddrs(), ",")
	caOnly := []string{"--endpoints", endpoints, "--timeout", "5s", "--tls-ca-file", pki.CAFile}
	if _, stderr, code := runLogctl(t, "", append(caOnly, "create", "open")...); code != 0 {
		t.Fatalf("logctl create with the CA only: exit %d, %s", code, stderr)
	}
	if out, stderr, code := runLogctl(t, "", append(caOnly, "append", "open", "x")...); code != 0 || !strings.Contains(out, "first_id=1") {
		t.Fatalf("logctl append with the CA only: exit %d, %q, %s", code, out, stderr)
	}
	_, stderr, code := runLogctl(t, "", "--endpoints", endpoints, "--timeout", "2s", "create", "plain")
	if code != 1 || !strings.Contains(stderr, "it may require TLS") {
		t.Errorf("plaintext logctl: exit %d, %q; want 1 and TLS named", code, stderr)
	}
	if _, err := c.describeOn(c.client(), "plain"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Describe of the log the plaintext logctl tried to create = %v, want ErrNotFound", err)
	}
}

// A node started with some but not all of the TLS files (or a CRL file
// without them), or with files that cannot be read, do not parse, do not
// match or were not issued by the CA, or with a CRL that is not its CA's
// or revokes its own certificate, exits at once naming the flag or the
// file, and creates nothing in its data dir.
func TestE2E_TLSStartErrors(t *testing.T) {
	bin := proctest.Build(t, "quorumlogd", "logctl")["quorumlogd"]
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "n1")
	_, otherKey := pki.Issue(t, "n2")
	strangerCert, strangerKey := other.Issue(t, "stranger")
	own := serialOfFile(t, nodeFiles{cert: cert, key: key})
	revokesOwn, otherCRL := pki.CRL(t, "revokes-n1", own), other.CRL(t, "other")
	tlsArgs := []string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-file", pki.CAFile}
	authzFile := func(rules string) string {
		f := filepath.Join(t.TempDir(), "authz")
		putFile(t, f, []byte(rules))
		return f
	}
	goodAuthz := authzFile("cn:n1 cluster\n")
	badAuthz := authzFile("cn:n1 cluster\ncn:reader read\n")
	noClusterAuthz := authzFile("cn:n2 cluster\n* read *\n")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"cert only", []string{"--tls-cert-file", cert}, 2, []string{"TLS needs --tls-cert-file, --tls-key-file and --tls-ca-file together: [--tls-key-file --tls-ca-file] missing"}},
		{"no CA", []string{"--tls-cert-file", cert, "--tls-key-file", key}, 2, []string{"[--tls-ca-file] missing"}},
		{"missing CA file", []string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-file", "/nonexistent/ca.pem"}, 1, []string{"--tls-ca-file", "/nonexistent/ca.pem", "no such file"}},
		{"CA file without a certificate", []string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-file", key}, 1, []string{"--tls-ca-file", key, "no PEM certificate"}},
		{"missing key file", []string{"--tls-cert-file", cert, "--tls-key-file", "/nonexistent/key.pem", "--tls-ca-file", pki.CAFile}, 1, []string{"/nonexistent/key.pem", "no such file"}},
		{"key of another certificate", []string{"--tls-cert-file", cert, "--tls-key-file", otherKey, "--tls-ca-file", pki.CAFile}, 1, []string{cert, otherKey, "private key does not match public key"}},
		{"certificate of another CA", []string{"--tls-cert-file", strangerCert, "--tls-key-file", strangerKey, "--tls-ca-file", pki.CAFile}, 1, []string{strangerCert, "not valid under --tls-ca-file", "unknown authority"}},
		{"CRL without TLS", []string{"--tls-crl-file", revokesOwn}, 2, []string{"--tls-crl-file needs TLS"}},
		{"CRL with a partial TLS set", []string{"--tls-ca-file", pki.CAFile, "--tls-crl-file", revokesOwn}, 2, []string{"[--tls-cert-file --tls-key-file] missing"}},
		{"own certificate revoked", append(tlsArgs, "--tls-crl-file", revokesOwn), 1, []string{cert, "own certificate is revoked", "serial " + own.String(), revokesOwn}},
		{"CRL of another CA", append(tlsArgs, "--tls-crl-file", otherCRL), 1, []string{"--tls-crl-file", otherCRL, "not signed by a CA of the CA file"}},
		{"CRL file without a CRL", append(tlsArgs, "--tls-crl-file", cert), 1, []string{"--tls-crl-file", cert, "a CERTIFICATE PEM block, not an X509 CRL"}},
		{"authz without TLS", []string{"--tls-authz-file", goodAuthz}, 2, []string{"--tls-authz-file needs TLS with client certificates"}},
		{"authz without client auth", append(tlsArgs, "--tls-client-auth=false", "--tls-authz-file", goodAuthz), 2, []string{"--tls-authz-file needs --tls-client-auth"}},
		{"authz file missing", append(tlsArgs, "--tls-authz-file", "/nonexistent/authz"), 1, []string{"--tls-authz-file", "/nonexistent/authz", "no such file"}},
		{"authz bad line", append(tlsArgs, "--tls-authz-file", badAuthz), 1, []string{"--tls-authz-file: " + badAuthz + ":2: read needs at least one log pattern"}},
		{"authz without cluster for the node", append(tlsArgs, "--tls-authz-file", noClusterAuthz), 1, []string{noClusterAuthz, "does not grant cluster to this node's certificate (cn:n1)", `add the line "cn:n1 cluster"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			addrs := proctest.FreeAddrs(t, 2)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"--id", "n1", "--zone", "a", "--data-dir", dir,
				"--grpc-addr", addrs[0], "--raft-addr", addrs[1], "--bootstrap", "n1=" + addrs[1] + "@a", "--allow-zone-majority"}, tc.args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("quorumlogd %q: %v, want exit status %d; stderr:\n%s", tc.args, err, tc.code, stderr.String())
			}
			for _, want := range tc.contains {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q does not say %q", stderr.String(), want)
				}
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
				t.Errorf("data dir after the failed start: %d entries, %v; want it empty", len(entries), err)
			}
		})
	}
}

// says reports whether s contains want (a string) or matches it (a
// *regexp.Regexp).
func says(s string, want any) bool {
	if re, ok := want.(*regexp.Regexp); ok {
		return re.MatchString(s)
	}
	return strings.Contains(s, want.(string))
}
