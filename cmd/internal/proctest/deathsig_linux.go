//go:build linux

package proctest

import (
	"os/exec"
	"syscall"
)

// startDyingWithTest starts cmd so that the kernel kills it (SIGKILL) when
// the test process dies without running its cleanups: a test binary that
// go test kills at its -timeout, or that dies of SIGPIPE when its output
// is cut short, would otherwise leave whole clusters running, holding
// their addresses and CPU while the next tests run. (The kernel ties the
// signal to the thread that forked; Go ends a thread only when a goroutine
// locked to it exits, which nothing here does.)
func startDyingWithTest(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd.Start()
}
