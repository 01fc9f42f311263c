package server

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// requireCommands skips the test while the engine lacks a command it uses
// (the data-command families land separately).
func requireCommands(t *testing.T, names ...string) {
	t.Helper()
	table := NewStandalone(StandaloneConfig{})
	defer table.Close()
	for _, n := range names {
		if table.Table()[n] == nil {
			t.Skipf("engine has no %s command yet", strings.ToUpper(n))
		}
	}
}

func TestRedisCLI(t *testing.T) {
	_, addr := startServer(t, Config{})
	_, port := splitAddr(addr)
	p := strconv.Itoa(port)
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("redis-cli", append([]string{"-p", p}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := run("", "PING"); got != "PONG\n" {
		t.Errorf("redis-cli PING = %q", got)
	}
	if got := run("", "--no-raw", "INFO", "server"); !strings.HasPrefix(got, "# Server\r\nredis_version:7.0.15\r\n") {
		t.Errorf("redis-cli --no-raw INFO server = %q", got)
	}
	if got := run("PING\nECHO \"a b\"\nCLIENT SETNAME cli\nCLIENT GETNAME\nCLUSTER KEYSLOT foo\nNOSUCH\nHELLO 3\nCONFIG GET save\n"); !strings.Contains(got, "PONG\na b\nOK\ncli\n12182\nERR unknown command 'NOSUCH'") {
		t.Errorf("redis-cli with piped commands = %q", got)
	}
	bench := func(tests string) {
		t.Helper()
		cmd := exec.Command("redis-benchmark", "-p", p, "-t", tests, "-n", "2000", "-q")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "ERR") {
			t.Errorf("redis-benchmark -t %s: %v\n%s", tests, err, out)
		}
		t.Logf("redis-benchmark -t %s: %s", tests, strings.TrimSpace(string(out)))
	}
	bench("ping")
	requireCommands(t, "set", "get")
	bench("set,get")
	cmd := exec.Command("redis-benchmark", "-p", p, "-t", "set,get", "-n", "5000", "-P", "50", "-q")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("redis-benchmark -P 50: %v\n%s", err, out)
	}
}
