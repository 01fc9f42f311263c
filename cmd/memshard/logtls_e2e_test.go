package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// A shard on a log cluster with TLS on, its nodes connecting with
// --log-tls-*: a SET through the primary reads back on every node (the
// replicas got it through the log, over TLS), and memshard snapshot with
// the same flags snapshots it. A memshard without the flags cannot reach
// the log, and its log says why.
func TestE2E_LogTLS(t *testing.T) {
	pki := clienttest.NewPKI(t)
	e := newEnv(t, envOptions{logPKI: pki})
	p := e.primary()
	ctx := t.Context()
	if err := e.rc(p).Set(ctx, "tls", "on", 0).Err(); err != nil {
		t.Fatalf("SET on the primary = %v", err)
	}
	e.onEveryNode(p, func(i int, c *redis.Client) {
		if got, err := c.Get(ctx, "tls").Result(); err != nil || got != "on" {
			t.Errorf("GET tls on %s = %q, %v; want on", e.ids[i], got, err)
		}
	})

	// memshard snapshot over TLS (--trim=false: the nodes keep no snapshots).
	cert, key := pki.Issue(t, "snapshot")
	dir := t.TempDir()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(sctx, e.mbin, "snapshot", "--snapshot-dir", dir, "--log-endpoints", e.logAddrs,
		"--shard", shardLog, "--trim=false", "--log-tls-ca-file", pki.CAFile, "--log-tls-cert-file", cert, "--log-tls-key-file", key).CombinedOutput()
	if err != nil {
		t.Fatalf("memshard snapshot with --log-tls-*: %v\n%s", err, out)
	}
	if snaps, _ := filepath.Glob(filepath.Join(dir, shardLog+".*.snap")); len(snaps) != 1 {
		t.Errorf("snapshot dir holds %q after memshard snapshot (%s), want one snapshot", snaps, out)
	}

	// A node without the flags speaks plaintext to TLS log nodes.
	plain := proctest.New(t, "memshard m4 (no TLS)", e.mbin, "--id", "m4", "--addr", proctest.FreeAddrs(t, 1)[0],
		"--log-endpoints", e.logAddrs, "--shard", shardLog, "--lease", "1s", "--log-level", "info")
	plain.Start(t)
	proctest.WaitFor(t, 30*time.Second, func() error {
		if tail := plain.StderrTail(20); !strings.Contains(tail, `msg="client: cannot connect"`) || !strings.Contains(tail, "the server hung up before answering: ") ||
			!strings.Contains(tail, "(it may require TLS)") {
			return errors.New("memshard without --log-tls-* has not said why it cannot reach the log; its log:\n" + tail)
		}
		return nil
	})
	plain.Kill(t)
}

// Of the --log-tls-* flags, a certificate without its key, or a
// certificate or CRL without the CA, is a usage error (exit 2), and a
// file that cannot be read, a CRL of another CA or one revoking the
// node's own certificate fails at start naming it (exit 1), before the
// node listens.
func TestLogTLSFlags_Refused(t *testing.T) {
	pki := clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "m1")
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	revokesM1 := pki.CRL(t, "revokes-m1", pair.Leaf.SerialNumber)
	other := clienttest.NewPKI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-tls-cert-file", cert, "--log-tls-key-file", key}, "--log-tls-ca-file is required"},
		{[]string{"--log-tls-ca-file", pki.CAFile, "--log-tls-cert-file", cert}, "--log-tls-ca-file is required with --log-tls-cert-file and --log-tls-key-file, which go together"},
		{[]string{"--log-tls-ca-file", "/nonexistent/ca.pem"}, "/nonexistent/ca.pem"},
		{[]string{"--log-tls-crl-file", revokesM1}, "--log-tls-ca-file is required"},
		{[]string{"--log-tls-ca-file", pki.CAFile, "--log-tls-crl-file", "/nonexistent/crl.pem"}, "/nonexistent/crl.pem"},
		{[]string{"--log-tls-ca-file", pki.CAFile, "--log-tls-crl-file", other.CRL(t, "other")}, "not signed by a CA of the CA file"},
		{[]string{"--log-tls-ca-file", pki.CAFile, "--log-tls-cert-file", cert, "--log-tls-key-file", key, "--log-tls-crl-file", revokesM1}, revokesM1},
	} {
		for _, sub := range [][]string{{"--id", "m1", "--addr", "127.0.0.1:0"}, {"snapshot", "--snapshot-dir", t.TempDir()}} {
			var stderr bytes.Buffer
			err := run(t.Context(), append(sub, tc.args...), &stderr)
			var u usageError
			wantUsage := strings.HasPrefix(tc.want, "--")
			if err == nil || errors.As(err, &u) != wantUsage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("memshard %q: %v (usage error %v), want an error saying %q", append(sub, tc.args...), err, errors.As(err, &u), tc.want)
			}
		}
	}
}
