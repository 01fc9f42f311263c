package main

import (
	"bufio"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// infoField returns field's value in INFO section's reply on c.
func infoField(t *testing.T, c *redisdiff.Conn, section, field string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + field + `:(.*)\r$`).FindSubmatch(c.Do("INFO", section))
	if m == nil {
		t.Fatalf("INFO %s has no %s", section, field)
	}
	return string(m[1])
}

// infoInt is infoField as an integer.
func infoInt(t *testing.T, c *redisdiff.Conn, section, field string) int {
	t.Helper()
	n, err := strconv.Atoi(infoField(t, c, section, field))
	if err != nil {
		t.Fatalf("INFO %s %s: %v", section, field, err)
	}
	return n
}

// intReply parses an integer reply.
func intReply(t *testing.T, b []byte) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(b), ":"), "\r\n"))
	if err != nil {
		t.Fatalf("not an integer reply: %q", b)
	}
	return n
}

// config is a small run against addr.
func config(addr string, clients, requests int) Config {
	return Config{Addr: addr, Clients: clients, Requests: requests, Keyspace: 1000000, Size: 100,
		WaitTimeout: 1000, MaxDuration: time.Minute, Seed: 1}
}

// mustLoad runs cfg and fails the test on a connection error.
func mustLoad(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := load(t.Context(), cfg)
	if err != nil {
		t.Fatalf("load(%+v): %v", cfg, err)
	}
	return res
}

// checkComplete checks that every request was done, and failed ones.
func checkComplete(t *testing.T, res *Result, requests, failed int) {
	t.Helper()
	if res.Done != requests || len(res.Latencies) != requests || res.Failed != failed || res.Stopped != "" {
		t.Errorf("result: %d done, %d latencies, %d failed (%s), stopped %q; want %d done and latencies, %d failed",
			res.Done, len(res.Latencies), res.Failed, res.FirstFailure, res.Stopped, requests, failed)
	}
	for i := 1; i < len(res.Latencies); i++ {
		if res.Latencies[i] < res.Latencies[i-1] || res.Latencies[0] <= 0 {
			t.Fatalf("latencies not sorted and positive at %d: %v, %v", i, res.Latencies[i-1], res.Latencies[i])
		}
	}
}

func TestLoad_SetsLand(t *testing.T) {
	s := redisdiff.Start(t)
	c := redisdiff.Dial(t, s.Addr)
	before := infoInt(t, c, "stats", "total_commands_processed")
	const requests = 3000
	cfg := config(s.Addr, 8, requests)
	cfg.Keyspace = 500
	res := mustLoad(t, cfg)
	checkComplete(t, res, requests, 0)
	// The first INFO counts itself only once it has replied.
	if got := infoInt(t, c, "stats", "total_commands_processed") - before; got != requests+1 {
		t.Errorf("total_commands_processed grew by %d, want %d (the requests and one INFO)", got, requests+1)
	}
	size := intReply(t, c.Do("DBSIZE"))
	if size == 0 || size > 500 {
		t.Errorf("DBSIZE = %d, want 1 to 500 (--keyspace 500)", size)
	}
	key := string(c.Do("RANDOMKEY"))
	if !regexp.MustCompile(`^\$16\r\nkey:000000000[0-4]\d\d\r\n$`).MatchString(key) {
		t.Errorf("RANDOMKEY = %q, want key:<12 digits below 500>", key)
	}
	if got := intReply(t, c.Do("STRLEN", key[5:len(key)-2])); got != 100 {
		t.Errorf("STRLEN %s = %d, want 100", key[5:len(key)-2], got)
	}
	if res.OpsPerSec() <= 0 || res.Elapsed <= 0 {
		t.Errorf("ops/s %v over %v, want > 0", res.OpsPerSec(), res.Elapsed)
	}
}

// startReplica starts a redis-server replicating primary and waits until
// its link is up.
func startReplica(t *testing.T, primary *redisdiff.Server) *redisdiff.Conn {
	t.Helper()
	host, port, _ := net.SplitHostPort(primary.Addr)
	r := redisdiff.StartWith(t, "--replicaof", host, port)
	c := redisdiff.Dial(t, r.Addr)
	deadline := time.Now().Add(30 * time.Second)
	for infoField(t, c, "replication", "master_link_status") != "up" {
		if time.Now().After(deadline) {
			t.Fatalf("replica %s: master_link_status not up after 30s", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

func TestLoad_WaitOneReplica(t *testing.T) {
	// Redis 7.0 waits 5s for more replicas before a diskless full sync.
	p := redisdiff.StartWith(t, "--repl-diskless-sync-delay", "0")
	rc := startReplica(t, p)
	pc := redisdiff.Dial(t, p.Addr)
	const requests = 2000
	cfg := config(p.Addr, 8, requests)
	cfg.Wait = 1
	res := mustLoad(t, cfg)
	checkComplete(t, res, requests, 0)
	// total_commands_processed counts the replica's REPLCONF ACKs too.
	for _, cmd := range []string{"set", "wait"} {
		if got, want := infoField(t, pc, "commandstats", "cmdstat_"+cmd), "calls="+strconv.Itoa(requests)+","; !strings.HasPrefix(got, want) {
			t.Errorf("INFO commandstats cmdstat_%s:%s, want %s...", cmd, got, want)
		}
	}
	// Every SET was acknowledged by the replica before its WAIT replied:
	// the replica holds every key now, without waiting.
	if ps, rs := intReply(t, pc.Do("DBSIZE")), intReply(t, rc.Do("DBSIZE")); ps == 0 || rs != ps {
		t.Errorf("DBSIZE on the primary %d, on the replica %d; want equal, above 0", ps, rs)
	}
}

func TestLoad_WaitNoReplica(t *testing.T) {
	s := redisdiff.Start(t)
	cfg := config(s.Addr, 4, 12)
	cfg.Wait, cfg.WaitTimeout = 1, 50
	res := mustLoad(t, cfg)
	checkComplete(t, res, 12, 12)
	if want := "WAIT 1 replied 0: the write was not acknowledged by 1 replicas in time"; res.FirstFailure != want {
		t.Errorf("first failure %q, want %q", res.FirstFailure, want)
	}
	var out, errOut strings.Builder
	err := run(t.Context(), []string{"--addr", s.Addr, "--clients", "2", "--requests", "4", "--wait", "1", "--wait-timeout", "50", "--plain"}, &out, &errOut)
	if !errors.Is(err, errIncomplete) {
		t.Errorf("run with every WAIT short: error %v, want errIncomplete (exit 1)", err)
	}
	if f := strings.Fields(out.String()); len(f) != 5 || f[4] != "4" {
		t.Errorf("run --plain printed %q, want 5 fields ending with 4 failed", out.String())
	}
	if !strings.Contains(errOut.String(), "4 of 4 requests failed; the first: WAIT 1 replied 0") {
		t.Errorf("run's stderr %q does not say every request failed", errOut.String())
	}
}

func TestLoad_ErrorReplies(t *testing.T) {
	s := redisdiff.StartWith(t, "--maxmemory", "1") // every write is refused
	res := mustLoad(t, config(s.Addr, 2, 10))
	checkComplete(t, res, 10, 10)
	if want := "SET replied -OOM command not allowed when used memory > 'maxmemory'."; res.FirstFailure != want {
		t.Errorf("first failure %q, want %q", res.FirstFailure, want)
	}
}

// A WAIT with timeout 0 never replies without a replica: --max-duration
// ends the run, which reports what was done (nothing).
func TestLoad_MaxDuration(t *testing.T) {
	s := redisdiff.Start(t)
	cfg := config(s.Addr, 3, 10)
	cfg.Wait, cfg.WaitTimeout, cfg.MaxDuration = 1, 0, 100*time.Millisecond
	res := mustLoad(t, cfg)
	if res.Done != 0 || res.Stopped != "--max-duration 100ms reached" {
		t.Errorf("done %d, stopped %q; want 0 done, stopped by --max-duration", res.Done, res.Stopped)
	}
}

func TestLoad_ConnectionFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if res, err := load(t.Context(), config(addr, 2, 10)); err == nil {
		t.Errorf("load against a closed port = %+v, nil; want an error", res)
	}

	// A server that answers the first request with garbage and hangs up.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = bufio.NewReader(c).ReadByte()
		_, _ = c.Write([]byte("?\r\n"))
	}()
	res, err := load(t.Context(), config(l.Addr().String(), 1, 10))
	if !errors.Is(err, errProtocol) {
		t.Errorf("load against a server replying garbage = %+v, %v; want a protocol error", res, err)
	}
	<-done
}

// A request allocates nothing once the client is set up.
func TestClient_NoAllocation(t *testing.T) {
	s := redisdiff.Start(t)
	nc, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := config(s.Addr, 1, 1)
	cfg.Wait = 0
	cl := &client{conn: nc, r: bufio.NewReader(nc), req: newRequest(cfg), rng: newRand(1, 0), lats: make([]time.Duration, 0, 1000)}
	var derr error
	allocs := testing.AllocsPerRun(200, func() {
		if err := cl.do(cfg.Keyspace); err != nil {
			derr = err
		}
	})
	if derr != nil || cl.failed != 0 {
		t.Fatalf("do: %v, %d failed (%s)", derr, cl.failed, cl.firstFailure)
	}
	if allocs != 0 {
		t.Errorf("a request allocates %v times, want 0", allocs)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:6379", Clients: 50, Requests: 200000, Keyspace: 1000000, Size: 100,
		WaitTimeout: 1000, MaxDuration: 5 * time.Minute}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	for _, args := range [][]string{
		{"--clients", "0"}, {"--requests", "0"}, {"--keyspace", "0"}, {"--keyspace", "1000000000001"},
		{"--size", "-1"}, {"--wait", "-1"}, {"--wait-timeout", "-1"}, {"--max-duration", "0s"},
		{"--addr", ""}, {"--bogus"}, {"--clients", "x"}, {"extra"},
	} {
		var errOut strings.Builder
		_, err := parseFlags(args, &errOut)
		if u := (usageError{}); !errors.As(err, &u) {
			t.Errorf("parseFlags(%q) error %v, want a usage error (exit 2)", args, err)
		}
	}
}
