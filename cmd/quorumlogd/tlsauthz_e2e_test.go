package main

// End-to-end test of --tls-authz-file: real quorumlogd processes that
// authorize calls by the client certificate, and logctl as a writer and a
// reader.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

// authzE2ERules grants the nodes (certificates n1..n3) cluster, the test's
// load client everything, a writer and a reader what their names say.
const authzE2ERules = `# nodes
cn:n1 cluster
cn:n2 cluster
cn:n3 cluster
cn:test-client all *
cn:writer read,append,create,trim orders
cn:reader read orders
`

// A 3-node TLS cluster with an authz file per node, under the load of a
// client granted everything: the writer appends; the reader reads but is
// refused append and trim with PERMISSION_DENIED by every node; a change
// that does not parse is logged by every node and changes nothing; a
// renamed file granting the reader append is picked up by every node; the
// nodes, granted cluster, elect a new leader after a kill -9 of the
// leader; every acknowledged append is on every node once, in order.
func TestE2E_TLSAuthz(t *testing.T) {
	pki := clienttest.NewPKI(t)
	c := prepareCluster(t, clusterOptions{pki: pki})
	files := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		files[i] = filepath.Join(t.TempDir(), "authz")
		putFile(t, files[i], []byte(authzE2ERules))
		nd.args = append(nd.args, "--tls-authz-file", files[i])
	}
	for i := range c.nodes {
		c.start(i)
	}
	c.waitReady()
	writer, reader := clientCert(t, pki, "writer"), clientCert(t, pki, "reader")
	// logctl runs through node i alone (writes follow the leader from
	// there), presenting f.
	logctl := func(i int, f nodeFiles, stdin string, args ...string) (string, string, int) {
		t.Helper()
		all := []string{"--endpoints", c.nodes[i].grpcAddr, "--timeout", "5s",
			"--tls-ca-file", pki.CAFile, "--tls-cert-file", f.cert, "--tls-key-file", f.key}
		return runLogctl(t, stdin, append(all, args...)...)
	}
	if _, stderr, code := logctl(0, writer, "", "create", "orders"); code != 0 {
		t.Fatalf("writer create: exit %d, %s", code, stderr)
	}
	load := startLogLoad(c)
	hold(t, time.Second)

	t.Run("writer appends, reader reads and is refused writes", func(t *testing.T) {
		for i, nd := range c.nodes {
			if _, stderr, code := logctl(i, writer, fmt.Sprintf("w%d\n", i), "append", "orders"); code != 0 {
				t.Errorf("writer append via %s: exit %d, %s", nd.id, code, stderr)
			}
			for _, args := range [][]string{{"append", "orders"}, {"trim", "orders", "--through", "1"}} {
				verb := map[string]string{"append": "append to", "trim": "trim"}[args[0]]
				want := fmt.Sprintf(`PERMISSION_DENIED: client cn:reader may not %s log "orders"`, verb)
				if _, stderr, code := logctl(i, reader, "r\n", args...); code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "--tls-authz-file does not grant this client certificate that") {
					t.Errorf("reader %s via %s: exit %d, %q; want 1 and %q", args[0], nd.id, code, stderr, want)
				}
			}
			if out, stderr, code := logctl(i, reader, "", "read", "orders"); code != 0 || !strings.HasPrefix(out, "w0\n") {
				t.Errorf("reader read via %s: exit %d, %q, %s", nd.id, code, out, stderr)
			}
		}
		if out, _, code := logctl(0, writer, "", "read", "orders"); code != 0 || out != "w0\nw1\nw2\n" {
			t.Errorf("orders holds %q (exit %d), want the writer's three records alone", out, code)
		}
	})

	t.Run("a bad change is logged and ignored, a good one picked up", func(t *testing.T) {
		const bad = "the changed rules file does not load"
		for _, f := range files {
			putFile(t, f, []byte(authzE2ERules+"cn:reader read,apend orders\n"))
		}
		for _, nd := range c.nodes {
			waitFor(t, nd.id+" logs the bad file", func() bool { return strings.Contains(readFile(t, nd.proc.StderrPath), bad) })
		}
		for i, nd := range c.nodes {
			if _, stderr, code := logctl(i, reader, "r\n", "append", "orders"); code != 1 || !strings.Contains(stderr, "PERMISSION_DENIED") {
				t.Errorf("reader append via %s after a bad change: exit %d, %q; want PERMISSION_DENIED", nd.id, code, stderr)
			}
			log := readFile(t, nd.proc.StderrPath)
			if n := strings.Count(log, bad); n != 1 || !strings.Contains(log, ":8: unknown permission") {
				t.Errorf("%s logged the bad file %d times (want once, naming line 8):\n%s", nd.id, n, nd.proc.StderrTail(10))
			}
		}
		good := strings.Replace(authzE2ERules, "cn:reader read orders", "cn:reader read,append orders", 1)
		for _, f := range files {
			putFile(t, f, []byte(good))
		}
		for i, nd := range c.nodes {
			waitFor(t, "reader append via "+nd.id, func() bool {
				_, _, code := logctl(i, reader, fmt.Sprintf("r%d\n", i), "append", "orders")
				return code == 0
			})
		}
	})

	t.Run("kill -9 of the leader", func(t *testing.T) {
		old := c.leader()
		c.kill9(old)
		newLeader := c.leader()
		hold(t, time.Second) // the new leader acknowledges
		c.restart(old)
		hold(t, time.Second)
		t.Logf("killed leader %s; %s took over", c.nodes[old].id, c.nodes[newLeader].id)
	})
	load.finish()
	t.Logf("%d appends acknowledged", load.ackedCount())
	load.check("quorumlog-tls-authz")
}

// waitFor polls cond until it holds, failing the test if it does not
// within a generous bound (a hang, not a slow machine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not done after 30s", what)
		}
		hold(t, 100*time.Millisecond)
	}
}
