package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/redis/go-redis/v9"
)

// TestE2E_TLS runs a shard whose three nodes serve TLS only: the nodes
// probe each other over TLS (each sees the others healthy in CLUSTER
// NODES), redis-cli --tls -c follows a redirection to a TLS endpoint, and
// a go-redis ClusterClient over TLS writes under load while the primary is
// killed with kill -9: it follows the failover, and every acknowledged
// write is then on the new primary and on every replica. SHUTDOWN on the
// new primary then hands over, dialling a replica over TLS.
func TestE2E_TLS(t *testing.T) {
	pki := clienttest.NewPKI(t)
	nodeCert, nodeKey := pki.Issue(t, "memshard")
	cliCert, cliKey := pki.Issue(t, "client")
	// A static configuration: go-redis dials the nodes by IP, and a
	// client.LoadTLS one verifies through a callback that needs
	// client.WithServerName to know an IP (crypto/tls sends no SNI for one).
	pool, err := client.LoadCertPool(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}
	e := newEnv(t, envOptions{tls: cfg, shard: []string{
		"--tls-cert-file", nodeCert, "--tls-key-file", nodeKey, "--tls-ca-cert-file", pki.CAFile}})

	// The probes work over TLS: every node has heard from the two others.
	proctest.WaitFor(t, 20*time.Second, func() error {
		for i := range e.nodes {
			if err := healthyPeers(t, e, i); err != nil {
				return err
			}
		}
		return nil
	})

	// redis-cli -c on a replica: MOVED to the primary's TLS endpoint.
	p := e.primary()
	r := (p + 1) % 3
	cli := func(node int, args ...string) string {
		t.Helper()
		host, port, _ := strings.Cut(e.addrs[node], ":")
		argv := append([]string{"--tls", "--cacert", pki.CAFile, "--cert", cliCert, "--key", cliKey, "-c", "-h", host, "-p", port}, args...)
		out, err := exec.CommandContext(t.Context(), "redis-cli", argv...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := cli(r, "SET", "tls-key", "tls-value"); got != "OK" {
		t.Errorf("redis-cli -c SET on replica %s = %q, want OK", e.ids[r], got)
	}
	if got := cli(r, "GET", "tls-key"); got != "tls-value" {
		t.Errorf("redis-cli -c GET = %q, want tls-value", got)
	}
	if got := cli(r, "CONFIG", "GET", "tls-port"); !strings.HasSuffix(got, e.addrs[r][strings.LastIndex(e.addrs[r], ":")+1:]) {
		t.Errorf("CONFIG GET tls-port = %q, want %s's port", got, e.addrs[r])
	}

	// Failover under load, over TLS.
	w := startWriters(t, e, 4, nil)
	waitAcks(t, &w.acked, 300)
	e.kill9(p)
	np := e.primary()
	waitAcks(t, &w.acked, 300) // through the new primary
	hists, _ := w.finish()
	t.Logf("killed primary %s; %s took over", e.ids[p], e.ids[np])
	e.restart(p)
	e.onEveryNode(np, func(i int, c *redis.Client) { verifyHistories(t, c, e.ids[i], hists) })
	proctest.WaitFor(t, 20*time.Second, func() error { return healthyPeers(t, e, p) })

	// SHUTDOWN on the primary hands over: it dials a replica over TLS
	// to send CLUSTER FAILOVER, which asks in the members log.
	before := len(e.memberRecords())
	if out := cli(np, "SHUTDOWN"); out != "" {
		t.Fatalf("redis-cli SHUTDOWN on %s: %q", e.ids[np], out)
	}
	if err := e.nodes[np].Wait(); err != nil {
		t.Fatalf("%s after SHUTDOWN: %v, want exit status 0", e.ids[np], err)
	}
	if asked := e.handoversSince(before); asked != 1 {
		t.Errorf("%d handover requests in the members log after SHUTDOWN, want 1 (the primary handing over over TLS)", asked)
	}
	if next := e.primary(); next == np {
		t.Errorf("%s is still the primary after SHUTDOWN", e.ids[np])
	}
}

// healthyPeers checks node i's CLUSTER NODES: three nodes, none failed,
// and a reply received from each of the other two (pong-recv set): its
// probes reach them.
func healthyPeers(t *testing.T, e *env, i int) error {
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	nodes, err := e.rc(i).ClusterNodes(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLUSTER NODES on %s: %w", e.ids[i], err)
	}
	lines := strings.Split(strings.TrimSpace(nodes), "\n")
	if len(lines) != 3 {
		return fmt.Errorf("CLUSTER NODES on %s: %d nodes:\n%s", e.ids[i], len(lines), nodes)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if strings.Contains(f[2], "fail") || f[7] != "connected" {
			return fmt.Errorf("CLUSTER NODES on %s: %q", e.ids[i], l)
		}
		if !strings.Contains(f[2], "myself") && f[5] == "0" {
			return fmt.Errorf("CLUSTER NODES on %s: no reply from %q yet", e.ids[i], l)
		}
	}
	return nil
}
