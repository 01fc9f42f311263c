// Package proctest holds what the end-to-end tests of the commands share:
// it builds the real binaries once per test binary, picks free loopback
// addresses, runs subprocesses with their output captured to a file (whose
// tail is logged when the test fails) and, on Linux, tied to the test
// process's life, signals them, and polls until a condition holds.
//
// It is used by tests only.
package proctest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Main runs the tests of m, removes the binaries Build built, checks for
// leaked goroutines if the tests passed, and exits. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	build.mu.Lock()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	build.mu.Unlock()
	if code == 0 {
		err := goleak.Find()
		if err != nil {
			// go-redis redials a node that went away (tests kill them) in a
			// goroutine that sleeps a second between attempts and sees its
			// client closed only after the sleep. A real leak outlives a
			// second look.
			time.Sleep(2 * time.Second)
			err = goleak.Find()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

var build struct {
	mu   sync.Mutex
	dir  string           // the binaries of this test binary; removed by Main
	errs map[string]error // by command name, nil once built
}

// Build builds the commands ./cmd/<name> of the module the tests run in,
// each once per test binary (without -race: the race detector belongs to
// the test process, not the servers), and returns their paths by name.
func Build(t *testing.T, names ...string) map[string]string {
	t.Helper()
	build.mu.Lock()
	defer build.mu.Unlock()
	if build.errs == nil {
		build.errs = map[string]error{}
	}
	var todo []string
	for _, name := range names {
		if _, ok := build.errs[name]; !ok && !slices.Contains(todo, name) {
			todo = append(todo, name)
		}
	}
	if len(todo) > 0 {
		err := goBuild(todo)
		for _, name := range todo {
			build.errs[name] = err
		}
	}
	paths := map[string]string{}
	for _, name := range names {
		if err := build.errs[name]; err != nil {
			t.Fatalf("building the binaries: %v", err)
		}
		paths[name] = filepath.Join(build.dir, name)
	}
	return paths
}

// goBuild builds ./cmd/<name> for every name into build.dir. It is called
// with build.mu held.
func goBuild(names []string) error {
	if build.dir == "" {
		dir, err := os.MkdirTemp("", "proctest-bin-")
		if err != nil {
			return err
		}
		build.dir = dir
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return errors.New("go env GOMOD: not in a module")
	}
	args := []string{"build", "-o", build.dir + string(filepath.Separator)}
	for _, name := range names {
		args = append(args, "./cmd/"+name)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// handedOut holds every address FreeAddrs has returned in this process: a
// port closed by one call is free again for the kernel, and a later call
// must not give it to a second server of the same test (it once gave a
// node's raft port again as its --debug-addr).
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

// FreeAddrs returns n distinct free 127.0.0.1 addresses, none returned
// before in this process: it listens on :0 until it has n new ones, and
// closes the listeners only once all are open.
func FreeAddrs(t *testing.T, n int) []string {
	t.Helper()
	return FreeAddrsOn(t, "127.0.0.1", n)
}

// FreeAddrsOn is FreeAddrs on the local address ip (127.0.0.2, ...).
func FreeAddrsOn(t *testing.T, ip string, n int) []string {
	t.Helper()
	var lis []net.Listener
	defer func() {
		for _, l := range lis {
			l.Close()
		}
	}()
	handedOut.Lock()
	defer handedOut.Unlock()
	addrs := make([]string, 0, n)
	for tries := 0; len(addrs) < n; tries++ {
		if tries > 100*n {
			t.Fatalf("no %d new free ports after %d tries", n, tries)
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Fatalf("listen for a free port: %v", err)
		}
		lis = append(lis, l) // held open: the kernel will not offer it again meanwhile
		if a := l.Addr().String(); !handedOut.addrs[a] {
			handedOut.addrs[a] = true
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// WaitFor calls f until it returns nil, every 25ms, for at most total;
// then it fails the test with f's last error. Call it from the test
// goroutine only.
func WaitFor(t *testing.T, total time.Duration, f func() error) {
	t.Helper()
	if err := Poll(t.Context(), total, f); err != nil {
		t.Fatalf("still failing after %v: %v", total, err)
	}
}

// Poll calls f until it returns nil, every 25ms, for at most total, and
// returns f's last error if it never did.
func Poll(ctx context.Context, total time.Duration, f func() error) error {
	deadline := time.Now().Add(total)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%w (while: %v)", ctx.Err(), err)
		}
	}
}

// Proc is one subprocess and what it needs to run again. Its methods must
// be called from the test goroutine, except Running and Stopped.
type Proc struct {
	Name       string   // in messages
	Bin        string   // the binary
	Args       []string // used by the next Start
	StderrPath string   // stdout and stderr of every run, appended

	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // read after done is closed
	stopped bool          // SIGSTOPped and not yet SIGCONTed
	starts  int
}

// New returns a Proc that is not started yet. In t.Cleanup it is killed if
// it runs, and if the test failed the tail of its output is logged.
func New(t *testing.T, name, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{
		Name: name, Bin: bin, Args: args,
		StderrPath: filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".stderr"),
	}
	t.Cleanup(func() {
		p.reap()
		if t.Failed() {
			t.Logf("tail of %s's stderr (%s):\n%s", p.Name, p.StderrPath, p.StderrTail(40))
		}
	})
	return p
}

// Start starts a new Proc (see New).
func Start(t *testing.T, name, bin string, args ...string) *Proc {
	t.Helper()
	p := New(t, name, bin, args...)
	p.Start(t)
	return p
}

// State returns the state letter of p's process from /proc/PID/stat ("R",
// "S", "T" for stopped, ...), or why it cannot: for diagnostics.
func (p *Proc) State() string {
	if !p.Running() {
		return "not running"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return err.Error()
	}
	// pid (comm) state ...: comm may hold spaces, so look after the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return s
}

// Running reports whether p has been started and has not exited.
func (p *Proc) Running() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stopped reports whether p has been SIGSTOPped and not SIGCONTed since.
func (p *Proc) Stopped() bool { return p.stopped }

// Start starts p (again) with p.Args, appending its output to its stderr
// file.
func (p *Proc) Start(t *testing.T) {
	t.Helper()
	if p.Running() {
		t.Fatalf("start %s: it is running", p.Name)
	}
	f, err := os.OpenFile(p.StderrPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("open stderr file: %v", err)
	}
	p.starts++
	fmt.Fprintf(f, "=== e2e: start #%d: %s %s\n", p.starts, filepath.Base(p.Bin), strings.Join(p.Args, " "))
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := startDyingWithTest(cmd); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", p.Name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.waitErr, p.stopped = cmd, done, nil, false
	go func() {
		err := cmd.Wait()
		f.Close()
		p.waitErr = err
		close(done)
	}()
}

// Wait waits for p to exit and returns what exec.Cmd.Wait returned.
func (p *Proc) Wait() error {
	if p.done == nil {
		return errors.New(p.Name + " was never started")
	}
	<-p.done
	return p.waitErr
}

func (p *Proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if !p.Running() {
		t.Fatalf("%v to %s: it is not running", sig, p.Name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%v to %s: %v", sig, p.Name, err)
	}
}

// Kill kills p with SIGKILL and waits for it to exit.
func (p *Proc) Kill(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	<-p.done
	p.stopped = false
}

// Term sends p SIGTERM and waits for it to exit; a process that does not
// exit within 20s is killed and fails the test, and so does a non-zero
// exit status.
func (p *Proc) Term(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not exit within 20s of SIGTERM", p.Name)
	}
	if p.waitErr != nil {
		t.Errorf("%s after SIGTERM: %v, want exit status 0\n%s", p.Name, p.waitErr, p.StderrTail(10))
	}
}

// Stop freezes p with SIGSTOP (Cont thaws it) and returns once every thread of it is
// stopped. kill(2) returns before that: a process was measured making
// progress for a millisecond after it, long enough for a quorumlogd to
// commit a write the test had sent to a log it believed paused.
func (p *Proc) Stop(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGSTOP)
	p.stopped = true
	deadline := time.Now().Add(5 * time.Second)
	for !p.allThreadsStopped() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not stopped 5s after SIGSTOP (state %s)", p.Name, p.State())
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// allThreadsStopped reports whether every thread of p is in the stopped
// state (T, or t when traced), from /proc/PID/task/*/stat.
func (p *Proc) allThreadsStopped() bool {
	dir := fmt.Sprintf("/proc/%d/task", p.cmd.Process.Pid)
	tasks, err := os.ReadDir(dir)
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if err != nil {
			return false
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 >= len(s) || (s[i+2] != 'T' && s[i+2] != 't') {
			return false
		}
	}
	return true
}
func (p *Proc) Cont(t *testing.T) { t.Helper(); p.signal(t, syscall.SIGCONT); p.stopped = false }

// reap kills p if it runs (a frozen process dies of SIGKILL too).
func (p *Proc) reap() {
	if p.Running() {
		p.cmd.Process.Kill()
		<-p.done
	}
}

// StderrTail returns the last n lines of p's output over all its runs.
func (p *Proc) StderrTail(n int) string {
	b, err := os.ReadFile(p.StderrPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
