package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// `quorumlogd dev` takes --tls-authz-file as a node does: its three nodes
// share one certificate, granted cluster; a writer writes, a reader reads
// and is refused an append.
func TestE2E_DevClusterAuthz(t *testing.T) {
	bin := proctest.Build(t, "quorumlogd", "logctl")["quorumlogd"]
	pki := clienttest.NewPKI(t)
	nodeCert, nodeKey := pki.Issue(t, "dev")
	rules := filepath.Join(t.TempDir(), "authz")
	putFile(t, rules, []byte("cn:dev cluster\ncn:writer read,append,create dev\ncn:reader read dev\n"))
	base := freeBasePort(t)
	dev := proctest.Start(t, "quorumlogd dev", bin, "dev", "--data-dir", t.TempDir(),
		"--base-port", fmt.Sprint(base), "--log-level", "warn",
		"--tls-ca-file", pki.CAFile, "--tls-cert-file", nodeCert, "--tls-key-file", nodeKey, "--tls-authz-file", rules)
	endpoints := fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d", base+1, base+2, base+3)
	writer, reader := clientCert(t, pki, "writer"), clientCert(t, pki, "reader")
	logctl := func(f nodeFiles, stdin string, args ...string) (string, string, int) {
		t.Helper()
		all := []string{"--endpoints", endpoints, "--tls-ca-file", pki.CAFile, "--tls-cert-file", f.cert, "--tls-key-file", f.key}
		return runLogctl(t, stdin, append(all, args...)...)
	}
	proctest.WaitFor(t, 30*time.Second, func() error {
		stdout, stderr, code := logctl(reader, "", "status")
		if code != 0 || !strings.Contains(stdout, "leader") {
			return fmt.Errorf("logctl status: exit %d, %s%s\nquorumlogd dev:\n%s", code, stdout, stderr, dev.StderrTail(10))
		}
		return nil
	})
	for _, args := range [][]string{{"create", "dev"}, {"append", "dev", "one"}} {
		if _, stderr, code := logctl(writer, "", args...); code != 0 {
			t.Fatalf("writer %q: exit %d, %s", args, code, stderr)
		}
	}
	if out, stderr, code := logctl(reader, "", "read", "dev"); code != 0 || out != "one\n" {
		t.Fatalf("reader read: exit %d, %q, %s", code, out, stderr)
	}
	if _, stderr, code := logctl(reader, "", "append", "dev", "no"); code != 1 || !strings.Contains(stderr, `PERMISSION_DENIED: client cn:reader may not append to log "dev"`) {
		t.Fatalf("reader append: exit %d, %q; want 1 and PERMISSION_DENIED", code, stderr)
	}
	dev.Term(t) // fails the test unless it exits 0
}
