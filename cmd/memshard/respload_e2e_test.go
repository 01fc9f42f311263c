package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2E_RespLoad runs the real respload binary against a memshard
// primary, as bench-durable.sh does: every SET is acknowledged, and a
// replica holds as many keys as the primary once it has applied the log.
func TestE2E_RespLoad(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "respload")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/quorumlog/quorumlog/examples/memshard/bench/respload").CombinedOutput(); err != nil {
		t.Fatalf("go build respload: %v\n%s", err, out)
	}
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	n := "2000"
	if testing.Short() {
		n = "500"
	}
	cmd := exec.CommandContext(t.Context(), bin, "--addr", e.addrs[p], "--clients", "10", "--requests", n, "--keyspace", "1000", "--plain")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("respload against the primary %s: %v\n%s", e.ids[p], err, stderr.String())
	}
	out := string(stdout)
	f := strings.Fields(out)
	if len(f) != 5 || f[4] != "0" {
		t.Fatalf("respload --plain against the primary %s printed %q, want 'ops/s p50 p99 p999 0'", e.ids[p], out)
	}
	t.Logf("respload --clients 10 --requests %s against memshard: ops/s p50 p99 p999 failed = %s", n, strings.TrimSpace(out))

	want, err := e.appliedID(p)
	if err != nil {
		t.Fatal(err)
	}
	e.waitReplica(r, want)
	ctx := t.Context()
	ps, err := e.rc(p).DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	c := newRedis(e.addrs[r], true)
	defer c.Close()
	if rs, err := c.DBSize(ctx).Result(); err != nil || ps == 0 || rs != ps {
		t.Errorf("DBSIZE on the primary %s = %d, on the replica %s = %d, %v; want equal, above 0", e.ids[p], ps, e.ids[r], rs, err)
	}
}
