//go:build linux

package proctest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A process started by a test dies with the test process, even when that
// is killed and runs no cleanup.
func TestStart_ChildDiesWithTheTestProcess(t *testing.T) {
	if os.Getenv("PROCTEST_HOLD_CHILD") == "1" {
		holdChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStart_ChildDiesWithTheTestProcess$", "-test.v")
	// The helper's temporary directories go under this test's, which are
	// removed at its end: the killed helper cannot remove its own.
	cmd.Env = append(os.Environ(), "PROCTEST_HOLD_CHILD=1", "TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "child pid "); ok {
			pid, _ = strconv.Atoi(v)
			break
		}
	}
	if pid == 0 {
		t.Fatalf("the helper test process printed no child pid (scan: %v)", sc.Err())
	}
	if !alive(pid) {
		t.Fatalf("child %d is not running while its test process is", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := Poll(t.Context(), 10*time.Second, func() error {
		if alive(pid) {
			return fmt.Errorf("child %d still runs after its test process was killed", pid)
		}
		return nil
	}); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatal(err)
	}
}

// holdChild runs in the helper test process: it starts a child, says its
// PID and waits to be killed.
func holdChild(t *testing.T) {
	p := Start(t, "sleeper", "/bin/sleep", "300")
	fmt.Printf("child pid %d\n", p.cmd.Process.Pid)
	time.Sleep(time.Minute)
}

// alive reports whether pid runs (a zombie, dead but not yet reaped by
// whoever inherited it, does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
