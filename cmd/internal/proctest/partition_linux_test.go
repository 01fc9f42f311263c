//go:build linux

package proctest

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The rules a killed run left between a test's addresses go when the test
// makes its own; rules between other addresses stay.
func TestInsertRules_RemovesLeftoversOfAKilledRun(t *testing.T) {
	NeedIptables(t)
	leftovers := [][]string{
		{"INPUT", "-s", "127.0.0.91", "-d", "127.0.0.92", "-m", "comment", "--comment", "quorumlog-e2e", "-j", "DROP"},
		{"OUTPUT", "-t", "nat", "-p", "tcp", "-s", "127.0.0.93", "-d", "127.0.0.94",
			"-m", "comment", "--comment", "quorumlog-e2e", "-j", "REDIRECT", "--to-ports", "1"},
	}
	other := []string{"INPUT", "-s", "127.0.0.95", "-d", "127.0.0.96", "-m", "comment", "--comment", "quorumlog-e2e", "-j", "DROP"}
	for _, r := range append(leftovers, other) {
		if err := iptables("-I", r); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, r := range append(leftovers, other) {
			for iptables("-D", r) == nil {
			}
		}
	})

	Partition(t, "127.0.0.91", "127.0.0.92")()
	Delay(t, time.Millisecond, "127.0.0.93", "127.0.0.94")()

	for _, c := range [][]string{{"-S", "INPUT"}, {"-t", "nat", "-S", "OUTPUT"}} {
		out, err := exec.Command("iptables", c...).CombinedOutput()
		if err != nil {
			t.Fatalf("iptables %v: %v: %s", c, err, out)
		}
		for _, ip := range []string{"127.0.0.91", "127.0.0.93"} {
			if strings.Contains(string(out), ip) {
				t.Errorf("iptables %v still holds a rule of %s:\n%s", c, ip, out)
			}
		}
		if c[1] == "INPUT" && !strings.Contains(string(out), "127.0.0.95") {
			t.Errorf("the rule between 127.0.0.95 and .96, no leftover of this test, was removed:\n%s", out)
		}
	}
}
