//go:build linux

package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Partition drops every packet between ip and each of others, both ways,
// until heal is called (at the latest in t.Cleanup), with iptables (root
// only). Servers on one host get distinct loopback addresses (127.0.0.11,
// ...) and dial from them; clients dialling from 127.0.0.1 still reach
// every server.
func Partition(t *testing.T, ip string, others ...string) (heal func()) {
	t.Helper()
	var rules [][]string
	for _, o := range others {
		for _, pair := range [][2]string{{ip, o}, {o, ip}} {
			rules = append(rules, []string{"INPUT", "-s", pair[0], "-d", pair[1], "-m", "comment", "--comment", "quorumlog-e2e", "-j", "DROP"})
		}
	}
	heal = insertRules(t, rules)
	t.Cleanup(heal)
	return heal
}

// NeedIptables skips t unless it runs as root (CI does), and fails it if
// iptables is not installed (make deps installs it).
func NeedIptables(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for iptables (CI runs as root)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Fatal("iptables is not installed (make deps installs it)")
	}
}

// iptables runs iptables op (-I, -D) with rule.
func iptables(op string, rule []string) error {
	out, err := exec.Command("iptables", append([]string{op}, rule...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("iptables %s %s: %v: %s", op, strings.Join(rule, " "), err, out)
	}
	return nil
}

// insertRules inserts the iptables rules (all, or none and t fails), and
// returns a func that deletes them, once. Rules a killed run of the same
// test left between the same addresses go first.
func insertRules(t *testing.T, rules [][]string) (remove func()) {
	t.Helper()
	for _, r := range rules {
		removeLeftovers(r)
	}
	for i, r := range rules {
		if err := iptables("-I", r); err != nil {
			for _, done := range rules[:i] {
				iptables("-D", done)
			}
			t.Fatal(err)
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, r := range rules {
				if err := iptables("-D", r); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// removeLeftovers deletes the quorumlog-e2e rules in rule's table and chain
// between the same source and destination as rule. A test process killed
// before its cleanup (at go test's -timeout, say) leaves its rules, and
// they would cut or divert the next run's connections; each test has
// addresses of its own, so no other test's rule matches.
func removeLeftovers(rule []string) {
	table, src, dst := "filter", "", ""
	for i := 1; i+1 < len(rule); i++ {
		switch rule[i] {
		case "-t":
			table = rule[i+1]
		case "-s":
			src = rule[i+1] + "/32"
		case "-d":
			dst = rule[i+1] + "/32"
		}
	}
	out, err := exec.Command("iptables", "-t", table, "-S", rule[0]).Output()
	if err != nil {
		return // inserting will say what is wrong
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "-A" || !slices.Contains(f, "quorumlog-e2e") ||
			!hasOption(f, "-s", src) || !hasOption(f, "-d", dst) {
			continue
		}
		_ = exec.Command("iptables", append([]string{"-t", table, "-D"}, f[1:]...)...).Run()
	}
}

// hasOption reports whether fields hold name followed by value.
func hasOption(fields []string, name, value string) bool {
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == name && fields[i+1] == value {
			return true
		}
	}
	return false
}
