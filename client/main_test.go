package client_test

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient returns a client of fc with fast retries, closed at the end of
// the test (before fc, whose cleanup was registered earlier).
func newClient(t *testing.T, fc *clienttest.Cluster, mod ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		Endpoints:       fc.Addrs(),
		Logger:          slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		DialTimeout:     2 * time.Second,
		RetryBackoff:    time.Millisecond,
		MaxRetryBackoff: 20 * time.Millisecond,
	}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := client.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func mustCreate(t *testing.T, c *client.Client, log string) {
	t.Helper()
	if err := c.CreateLog(t.Context(), log); err != nil {
		t.Fatalf("CreateLog(%q) = %v", log, err)
	}
}

func mustAppend(t *testing.T, c *client.Client, log string, payloads ...string) client.AppendResult {
	t.Helper()
	res, err := c.Append(t.Context(), log, bs(payloads...))
	if err != nil {
		t.Fatalf("Append(%q, %q) = %v", log, payloads, err)
	}
	return res
}

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func strs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

// checkFor polls f until it returns nil or total passes.
func checkFor(t *testing.T, total, every time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", total, err)
		}
		time.Sleep(every)
	}
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestForbiddenImports guards DESIGN.md's arrows: the client links no
// server code, and logctl only the client and the standard library.
func TestForbiddenImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	const mod = "github.com/quorumlog/quorumlog"
	out, err := exec.Command("go", "list", "-deps", mod+"/client").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, bad := range []string{mod + "/quorum", mod + "/logstore", mod + "/cmd", "hashicorp/raft", "bbolt"} {
			if pkg == bad || strings.HasPrefix(pkg, bad+"/") || strings.Contains(pkg, "raft") {
				t.Errorf("client depends on %s", pkg)
			}
		}
	}
	out, err = exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, mod+"/cmd/logctl").Output()
	if err != nil {
		t.Skipf("go list cmd/logctl: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, ".") && pkg != mod+"/client" {
			t.Errorf("logctl imports %s; want only client and the standard library", pkg)
		}
	}
}
