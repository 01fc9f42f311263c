package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// A shard on a log cluster that authorizes calls (--tls-authz-file): the
// memshard certificate, granted read,append,trim,create on the shard's
// logs, runs the shard as before; a node whose certificate is granted
// nothing exits at once with the refusal (PERMISSION_DENIED is fatal, not
// retried).
func TestE2E_LogTLSAuthz(t *testing.T) {
	pki := clienttest.NewPKI(t)
	rules := filepath.Join(t.TempDir(), "authz")
	if err := os.WriteFile(rules, []byte("cn:n1 cluster\ncn:n2 cluster\ncn:n3 cluster\ncn:memshard read,append,trim,create "+shardLog+" "+shardLog+".*\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{logPKI: pki, logFlags: []string{"--tls-authz-file", rules}})
	p := e.primary()
	ctx := t.Context()
	if err := e.rc(p).Set(ctx, "authz", "on", 0).Err(); err != nil {
		t.Fatalf("SET on the primary = %v", err)
	}
	e.onEveryNode(p, func(i int, c *redis.Client) {
		if got, err := c.Get(ctx, "authz").Result(); err != nil || got != "on" {
			t.Errorf("GET authz on %s = %q, %v; want on", e.ids[i], got, err)
		}
	})

	cert, key := pki.Issue(t, "stranger")
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second) // a hang, not a slow machine
	defer cancel()
	cmd := exec.CommandContext(rctx, e.mbin, "--id", "m4", "--addr", proctest.FreeAddrs(t, 1)[0],
		"--log-endpoints", e.logAddrs, "--shard", shardLog, "--lease", "1s",
		"--log-tls-ca-file", pki.CAFile, "--log-tls-cert-file", cert, "--log-tls-key-file", key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || rctx.Err() != nil {
		t.Fatalf("memshard with a certificate granted nothing: %v (ctx %v), want an exit of its own; stderr:\n%s", err, rctx.Err(), stderr.String())
	}
	for _, want := range []string{"PERMISSION_DENIED", `client cn:stranger may not create log "` + shardLog + `"`, "QuorumLog refused this node"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("memshard's stderr does not say %q:\n%s", want, stderr.String())
		}
	}
}
