//go:build !linux

package proctest

import "os/exec"

// startDyingWithTest starts cmd; only Linux can tie a child's life to ours.
func startDyingWithTest(cmd *exec.Cmd) error { return cmd.Start() }
