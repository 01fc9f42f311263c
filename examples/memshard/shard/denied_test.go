package shard

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// TestShard_PermissionDeniedIsFatal: a QuorumLog cluster that authorizes
// calls (--tls-authz-file) refuses the shard node's certificate; Run
// returns the PERMISSION_DENIED at once instead of retrying, at start (no
// create) and when a running primary loses append.
func TestShard_PermissionDeniedIsFatal(t *testing.T) {
	pki := clienttest.NewPKI(t)
	const granted = "cn:node cluster\ncn:shard read,append,trim,create shard1 shard1.*\n"
	path := filepath.Join(t.TempDir(), "authz")
	if err := os.WriteFile(path, []byte(granted), 0o600); err != nil {
		t.Fatal(err)
	}
	rules, err := authz.Open(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodeCert, nodeKey := pki.Issue(t, "node")
	nodeTLS, err := client.LoadTLS(pki.CAFile, nodeCert, nodeKey)
	if err != nil {
		t.Fatal(err)
	}
	qc := servertest.StartWith(t, 3, servertest.Options{
		ServerTLS: pki.ServerTLS(t, "node"),
		Server:    func(i int, cfg *server.Config) { cfg.Authz, cfg.PeerTLS = rules, nodeTLS },
	})
	clientAs := func(name string) *client.Client {
		cert, key := pki.Issue(t, name)
		cfg, err := client.LoadTLS(pki.CAFile, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(t.Context(), client.Config{Endpoints: qc.Addrs, TLS: cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	run := func(c *client.Client) (*Shard, chan error) {
		s, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:16001", Log: "shard1", Client: c, Lease: 300 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return s, done
	}
	wantDenied := func(what string, done chan error) {
		t.Helper()
		select {
		case err := <-done:
			if !errors.Is(err, client.ErrPermissionDenied) {
				t.Fatalf("%s: Run = %v, want a PERMISSION_DENIED", what, err)
			}
			done <- err // for the cleanup
		case <-time.After(30 * time.Second): // a hang, not a slow machine
			t.Fatalf("%s: Run still retries after 30s", what)
		}
	}

	t.Run("at start", func(t *testing.T) {
		_, done := run(clientAs("stranger"))
		wantDenied("a certificate granted nothing", done)
	})

	t.Run("a running primary loses append", func(t *testing.T) {
		s, done := run(clientAs("shard"))
		quorumtest.WaitFor(t, 15*time.Second, func() error {
			if !s.Route().Primary {
				return errors.New("not primary yet")
			}
			return nil
		})
		if err := os.WriteFile(path+".new", []byte("cn:node cluster\ncn:shard read shard1 shard1.*\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
		if !rules.Check() {
			t.Fatal("the new rules were not loaded")
		}
		wantDenied("a primary whose heartbeat append is refused", done)
	})
}
