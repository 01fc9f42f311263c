package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// `quorumlogd dev`, what `make run` starts: three nodes in one process
// form a cluster that logctl can use, and SIGTERM stops it cleanly.
func TestE2E_DevCluster(t *testing.T) {
	bin := proctest.Build(t, "quorumlogd", "logctl")["quorumlogd"]
	base := freeBasePort(t)
	dev := proctest.Start(t, "quorumlogd dev", bin, "dev", "--data-dir", t.TempDir(),
		"--base-port", fmt.Sprint(base), "--log-level", "warn")
	endpoints := fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d", base+1, base+2, base+3)
	logctl := func(stdin string, args ...string) string {
		t.Helper()
		stdout, stderr, code := runLogctl(t, stdin, append([]string{"--endpoints", endpoints}, args...)...)
		if code != 0 {
			t.Fatalf("logctl %q exited %d; stderr:\n%s\nquorumlogd dev:\n%s", args, code, stderr, dev.StderrTail(20))
		}
		return stdout
	}
	proctest.WaitFor(t, 30*time.Second, func() error {
		stdout, stderr, code := runLogctl(t, "", "--endpoints", endpoints, "status")
		if code != 0 || !strings.Contains(stdout, "leader") {
			return fmt.Errorf("logctl status: exit %d, %s%s\nquorumlogd dev:\n%s", code, stdout, stderr, dev.StderrTail(10))
		}
		return nil
	})
	logctl("", "create", "dev")
	logctl("", "append", "dev", "one", "two")
	if got := logctl("", "read", "dev"); got != "one\ntwo\n" {
		t.Fatalf("logctl read = %q", got)
	}
	dev.Term(t) // fails the test unless it exits 0
}

// freeBasePort picks a --base-port whose ports base+1..3 and base+101..103
// are free now.
func freeBasePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		base := 10000 + rand.IntN(20000) // below the ephemeral ports (32768 up) that FreeAddrs and outgoing connections take
		free := true
		for _, p := range []int{base + 1, base + 2, base + 3, base + 101, base + 102, base + 103} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free base port")
	return 0
}
