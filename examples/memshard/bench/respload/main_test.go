package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestBinary builds respload and runs it as a script would: a clean run
// exits 0 with one machine line, a run whose WAITs time out exits 1 after
// printing it, bad flags exit 2.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "respload")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := redisdiff.Start(t)
	for _, tc := range []struct {
		args     []string
		code     int
		failed   string // the machine line's last field; "" if no line
		inStderr string
	}{
		{[]string{"--requests", "500", "--clients", "5"}, 0, "0", "SET: 500 requests, 5 clients, 100-byte values, 1000000 keys:"},
		{[]string{"--requests", "4", "--clients", "2", "--wait", "1", "--wait-timeout", "20"}, 1, "4", "4 of 4 requests failed"},
		{[]string{"--clients", "0"}, 2, "", "--clients 0: want at least 1"},
	} {
		cmd := exec.Command(bin, append([]string{"--addr", s.Addr, "--plain"}, tc.args...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("respload %q: %v", tc.args, err)
		}
		if code != tc.code {
			t.Errorf("respload %q exited %d, want %d; stderr:\n%s", tc.args, code, tc.code, stderr.String())
		}
		if !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("respload %q stderr %q, want it to contain %q", tc.args, stderr.String(), tc.inStderr)
		}
		lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
		if tc.failed == "" {
			if stdout.Len() != 0 {
				t.Errorf("respload %q printed %q, want nothing", tc.args, stdout.String())
			}
			continue
		}
		f := strings.Fields(stdout.String())
		if len(lines) != 1 || len(f) != 5 || f[4] != tc.failed {
			t.Errorf("respload %q printed %q, want one line 'ops/s p50 p99 p999 %s'", tc.args, stdout.String(), tc.failed)
			continue
		}
		for _, x := range f[:4] {
			if v, err := strconv.ParseFloat(x, 64); err != nil || v <= 0 {
				t.Errorf("respload %q printed %q: %q is not a positive number", tc.args, stdout.String(), x)
			}
		}
	}
}
