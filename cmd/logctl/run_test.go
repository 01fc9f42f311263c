package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for a writer and a polling reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	code           int
	stdout, stderr string
}

func runCtx(ctx context.Context, stdin string, args ...string) result {
	var out, errOut syncBuffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// logctl runs logctl against fc with the given stdin.
func logctl(t *testing.T, fc *clienttest.Cluster, stdin string, args ...string) result {
	t.Helper()
	all := append([]string{"--endpoints", strings.Join(fc.Addrs(), ","), "--timeout", "5s"}, args...)
	return runCtx(t.Context(), stdin, all...)
}

// mustRun runs logctl and fails the test unless it exits 0.
func mustRun(t *testing.T, fc *clienttest.Cluster, stdin string, args ...string) string {
	t.Helper()
	r := logctl(t, fc, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("logctl %q = exit %d, stderr %q", args, r.code, r.stderr)
	}
	return r.stdout
}

func TestRun_UsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"--bogus", "status"},
		{"status", "extra"},
		{"create"},
		{"create", "a", "b"},
		{"describe"},
		{"append"},
		{"trim", "l"},
		{"trim", "l", "--through", "x"},
		{"read", "l", "--limit", "-1"},
		{"read"},
		{"bench", "--clients", "0"},
		{"bench", "--duration", "0s"},
		{"bench", "--size", "0"},
		{"--endpoints", "nohostport", "status"},
		{"members", "remove"},
		{"members", "remove", "a", "b"},
		{"members", "drop", "n1"},
		{"--tls-crl-file", "crl.pem", "status"}, // a CRL needs the CA it is checked against
	} {
		r := runCtx(t.Context(), "", args...)
		if r.code != exitUsage {
			t.Errorf("logctl %q = exit %d, want %d; stderr %q", args, r.code, exitUsage, r.stderr)
		}
		if !strings.Contains(r.stderr, "usage: logctl") {
			t.Errorf("logctl %q stderr = %q, want the usage", args, r.stderr)
		}
	}
}

func TestRun_Help(t *testing.T) {
	for _, cmd := range commands {
		r := runCtx(t.Context(), "", cmd.name, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "usage: logctl "+cmd.name) || !strings.Contains(r.stdout, "-endpoints") || !strings.Contains(r.stdout, "-tls-crl-file") {
			t.Errorf("logctl %s --help = exit %d, stdout %q", cmd.name, r.code, r.stdout)
		}
	}
	if r := runCtx(t.Context(), "", "help"); r.code != exitOK || !strings.Contains(r.stdout, "bench") {
		t.Errorf("logctl help = exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestRun_Commands(t *testing.T) {
	fc := clienttest.New(t, 3)
	if got := mustRun(t, fc, "", "create", "l"); got != "created l\n" {
		t.Errorf("create = %q", got)
	}
	r := logctl(t, fc, "", "create", "l")
	if r.code != exitFail || r.stderr != "logctl: create: ALREADY_EXISTS: log \"l\" already exists\n" {
		t.Errorf("create again = exit %d, stderr %q", r.code, r.stderr)
	}
	if got := mustRun(t, fc, "", "append", "l", "a", "b", "c"); !strings.HasPrefix(got, "first_id=1 last_id=3 checksum=0x") {
		t.Errorf("append = %q", got)
	}
	// Flags may follow the log; stdin gives one record per line.
	if got := mustRun(t, fc, "d\ne\n", "append", "l", "--if-last-id", "3"); !strings.HasPrefix(got, "first_id=4 last_id=5 ") {
		t.Errorf("append from stdin = %q", got)
	}
	r = logctl(t, fc, "", "append", "--if-last-id", "3", "l", "x")
	if r.code != exitFail || r.stderr != "logctl: append: ABORTED: condition failed: expected last id 3, actual 5\n" {
		t.Errorf("append --if-last-id 3 = exit %d, stderr %q", r.code, r.stderr)
	}
	if got := mustRun(t, fc, "", "read", "l"); got != "a\nb\nc\nd\ne\n" {
		t.Errorf("read = %q", got)
	}
	r = logctl(t, fc, "", "read", "l", "--from", "5")
	if r.code != exitOK || !strings.Contains(r.stderr, "caught up at id 5") {
		t.Errorf("read --from 5 = exit %d, stderr %q", r.code, r.stderr)
	}
	mustRun(t, fc, "\xff\xfe\n", "append", "l")
	got := mustRun(t, fc, "", "read", "l", "--json", "--from", "5", "--limit", "2", "--serializable")
	want := `{"id":5,"payload":"e"}` + "\n" + `{"id":6,"payload":"//4=","encoding":"base64"}` + "\n"
	if got != want {
		t.Errorf("read --json = %q, want %q", got, want)
	}
	if got := mustRun(t, fc, "", "describe", "l", "--serializable"); !strings.Contains(got, "last id: 6\n") || !strings.Contains(got, "records: 6\n") {
		t.Errorf("describe = %q", got)
	}
	if got := mustRun(t, fc, "", "trim", "l", "--through", "2"); got != "first_id=3 last_id=6\n" {
		t.Errorf("trim = %q", got)
	}
	if got := mustRun(t, fc, "", "logs"); !strings.Contains(got, "NAME") || !strings.Contains(got, "\nl ") {
		t.Errorf("logs = %q", got)
	}
	r = logctl(t, fc, "", "read", "l", "--from", "1")
	if r.code != exitFail || !strings.HasPrefix(r.stderr, "logctl: read: OUT_OF_RANGE: ") {
		t.Errorf("read below trim = exit %d, stderr %q", r.code, r.stderr)
	}
	if got := mustRun(t, fc, "", "delete", "l"); got != "deleted l\n" {
		t.Errorf("delete = %q", got)
	}
	r = logctl(t, fc, "", "describe", "l")
	if r.code != exitFail || !strings.HasPrefix(r.stderr, "logctl: describe: NOT_FOUND: ") {
		t.Errorf("describe deleted log = exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestRun_Status(t *testing.T) {
	fc := clienttest.New(t, 3)
	fc.SetLeader(1)
	fc.Node(2).Stop()
	got := mustRun(t, fc, "", "status")
	for _, want := range []string{
		"ID  ZONE  SUFFRAGE  LEADER",
		"n2  b     voter     *",
		"leader: n2\n",
		"voters per zone: a=1 b=1 c=1\n",
		"survives zone loss: yes\n",
		"warning: node n3 (" + fc.Addrs()[2] + ") unreachable",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("status output lacks %q:\n%s", want, got)
		}
	}
}

func TestRun_Members(t *testing.T) {
	fc := clienttest.New(t, 3)
	fc.SetLeader(1)
	for _, args := range [][]string{{"members"}, {"members", "list"}} {
		got := mustRun(t, fc, "", args...)
		for _, want := range []string{"ID  ZONE  SUFFRAGE  LEADER  RAFT ADDR", "n2  b     voter     *"} {
			if !strings.Contains(got, want) {
				t.Errorf("logctl %q output lacks %q:\n%s", args, want, got)
			}
		}
	}
}

func TestRun_ReadFollow(t *testing.T) {
	fc := clienttest.New(t, 3)
	mustRun(t, fc, "", "create", "l")
	mustRun(t, fc, "", "append", "l", "a")
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--endpoints", strings.Join(fc.Addrs(), ","), "--timeout", "1ms", "read", "--follow", "l"},
			strings.NewReader(""), &out, &errOut)
	}()
	waitFor(t, func() bool { return strings.Contains(errOut.String(), "caught up at id 1") })
	mustRun(t, fc, "", "append", "l", "b")
	waitFor(t, func() bool { return out.String() == "a\nb\n" })
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("read --follow after interrupt = exit %d, stderr %q", code, errOut.String())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRun_Bench(t *testing.T) {
	fc := clienttest.New(t, 3)
	for _, tc := range []struct {
		args      []string
		conflicts bool
	}{
		{[]string{"--clients", "4", "--size", "16"}, false},
		{[]string{"--clients", "4", "--conditional", "--warmup", "50ms"}, false},
		{[]string{"--clients", "4", "--conditional", "--one-log", "--log-prefix", "one"}, true},
		{[]string{"--clients", "2", "--unary", "--max-ops", "50"}, false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := mustRun(t, fc, "", append([]string{"bench", "--duration", "300ms", "--json"}, tc.args...)...)
			var res benchResult
			if err := json.Unmarshal([]byte(got), &res); err != nil {
				t.Fatalf("bench --json output %q: %v", got, err)
			}
			if res.Ops == 0 || res.OpsPerSec <= 0 || res.Latency.P50 <= 0 || res.Latency.P999 < res.Latency.P50 || res.Latency.Max < res.Latency.P999 {
				t.Errorf("bench result = %+v", res)
			}
			if len(res.Errors) > 0 {
				t.Errorf("bench errors = %v", res.Errors)
			}
			if tc.conflicts != (res.Conflicts > 0) {
				t.Errorf("bench conflicts = %d, want some: %t", res.Conflicts, tc.conflicts)
			}
			if tc.args[len(tc.args)-1] == "50" && res.Ops > 50 {
				t.Errorf("bench --max-ops 50 did %d ops", res.Ops)
			}
		})
	}
	got := mustRun(t, fc, "", "bench", "--duration", "100ms", "--clients", "2", "--conditional", "--one-log")
	for _, want := range []string{"ops:", "ops/s", "MB/s", "p999", "errors:    none", "conflicts:"} {
		if !strings.Contains(got, want) {
			t.Errorf("bench output lacks %q:\n%s", want, got)
		}
	}
}
