package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Tests that CONFIG SET takes effect, and that memshard refuses what it
// does not do.

// mustConfigSet runs CONFIG SET on c and fails the test unless it is OK.
func mustConfigSet(t *testing.T, c *redisdiff.Conn, args ...string) {
	t.Helper()
	if r := c.Do(append([]string{"CONFIG", "SET"}, args...)...); string(r) != "+OK\r\n" {
		t.Fatalf("CONFIG SET %q = %q", args, r)
	}
}

// configGet returns the value of one parameter.
func configGet(t *testing.T, c *redisdiff.Conn, name string) string {
	t.Helper()
	pairs := parseConfigGet(t, c.Do("CONFIG", "GET", name))
	if len(pairs) != 1 {
		t.Fatalf("CONFIG GET %s = %v", name, pairs)
	}
	return pairs[0].value
}

// infoLine returns field's value in INFO section, "" if absent.
func infoLine(t *testing.T, c *redisdiff.Conn, section, field string) string {
	t.Helper()
	r := c.Do("INFO", section)
	for _, line := range strings.Split(string(r), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// waitClosed reads from nc until it closes, within d; it returns what came.
func waitClosed(t *testing.T, nc net.Conn, d time.Duration) []byte {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(d))
	out, err := io.ReadAll(nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v (got %q)", d, out)
	}
	return out
}

// TestConfig_RequirePass: a password set by CONFIG SET is required of new
// connections at once, as in Redis; connections already authenticated
// stay so; an empty one lifts it.
func TestConfig_RequirePass(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, c := range []*redisdiff.Conn{rc, mc} {
		mustConfigSet(t, c, "requirepass", "p\x00w")
	}
	rn, mn := dial(t, rs.Addr), dial(t, addr) // new connections
	for _, argv := range [][]string{{"PING"}, {"AUTH", "p"}, {"AUTH", "p\x00w"}, {"PING"}} {
		if want, got := rn.Do(argv...), mn.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q on a new connection:\nmemshard: %q\nredis:    %q", argv, got, want)
		}
	}
	for _, c := range []*redisdiff.Conn{rc, mc} {
		if r := c.Do("PING"); string(r) != "+PONG\r\n" {
			t.Errorf("PING on the connection that set the password = %q", r)
		}
		if got := configGet(t, c, "requirepass"); got != "p\x00w" {
			t.Errorf("CONFIG GET requirepass = %q", got)
		}
		mustConfigSet(t, c, "requirepass", "")
	}
	if got := dial(t, addr).Do("PING"); string(got) != "+PONG\r\n" {
		t.Errorf("PING after requirepass \"\" = %q", got)
	}
}

// TestConfig_MaxClients: with maxclients n, the (n+1)th connection is
// refused with an error and closed, as in Redis, counted in INFO's
// rejected_connections; INFO shows the limit.
func TestConfig_MaxClients(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, srv := range []struct {
		addr, refusal string
	}{
		{rs.Addr, "-ERR max number of clients reached\r\n"},
		{addr, "-ERR max number of clients + cluster connections reached\r\n"}, // memshard is a cluster node
	} {
		c := dial(t, srv.addr)
		c.Do("CONFIG", "RESETSTAT")
		mustConfigSet(t, c, "maxclients", "2")
		dial(t, srv.addr).Do("PING") // the second
		nc, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := waitClosed(t, nc, 5*time.Second); string(got) != srv.refusal {
			t.Errorf("%s: third connection got %q, want %q", srv.addr, got, srv.refusal)
		}
		nc.Close()
		if got := infoLine(t, c, "stats", "rejected_connections"); got != "1" {
			t.Errorf("%s: rejected_connections = %q, want 1", srv.addr, got)
		}
		if got := infoLine(t, c, "clients", "maxclients"); got != "2" {
			t.Errorf("%s: INFO maxclients = %q, want 2", srv.addr, got)
		}
		mustConfigSet(t, c, "maxclients", "10000")
		if r := dial(t, srv.addr).Do("PING"); string(r) != "+PONG\r\n" {
			t.Errorf("%s: PING after maxclients 10000 = %q", srv.addr, r)
		}
	}
}

// TestConfig_ProtoMaxBulkLen: a new proto-max-bulk-len applies to every
// connection, those already open too, as in Redis.
func TestConfig_ProtoMaxBulkLen(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	open := map[string]net.Conn{}
	for _, a := range []string{rs.Addr, addr} {
		nc, err := net.Dial("tcp", a)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		open[a] = nc
		mustConfigSet(t, dial(t, a), "proto-max-bulk-len", "1mb")
	}
	big := "*2\r\n$4\r\nECHO\r\n$1048577\r\n"
	fits := "*2\r\n$4\r\nECHO\r\n$1048576\r\n" + strings.Repeat("x", 1<<20) + "\r\n"
	for _, in := range []string{big, fits} {
		want, wantClosed := exchange(t, rs.Addr, []byte(in), false)
		got, gotClosed := exchange(t, addr, []byte(in), false)
		if !bytes.Equal(got, want) || gotClosed != wantClosed {
			t.Errorf("%q:\nmemshard: %q closed=%v\nredis:    %q closed=%v", truncate(in), truncate(string(got)), gotClosed, truncate(string(want)), wantClosed)
		}
	}
	for a, nc := range open {
		if _, err := nc.Write([]byte(big)); err != nil {
			t.Fatal(err)
		}
		if got := waitClosed(t, nc, 5*time.Second); string(got) != "-ERR Protocol error: invalid bulk length\r\n" {
			t.Errorf("%s: connection opened before the SET got %q", a, got)
		}
	}
}

// TestConfig_QueryBufferLimit: a connection whose unparsed input passes a
// new client-query-buffer-limit is closed without a reply, as in Redis.
func TestConfig_QueryBufferLimit(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, a := range []string{rs.Addr, addr} {
		mustConfigSet(t, dial(t, a), "client-query-buffer-limit", "1mb")
	}
	in := "*2\r\n$4\r\nECHO\r\n$2000000\r\n" + strings.Repeat("x", 1200000)
	want, wantClosed := exchange(t, rs.Addr, []byte(in), true)
	got, gotClosed := exchange(t, addr, []byte(in), true)
	if !bytes.Equal(got, want) || gotClosed != wantClosed || !gotClosed {
		t.Errorf("%q:\nmemshard: %q closed=%v\nredis:    %q closed=%v", truncate(in), got, gotClosed, want, wantClosed)
	}
}

// TestConfig_Timeout: with timeout set, a connection idle that long is
// closed without a reply, as Redis closes one; an active connection, or
// one blocked in a command, is not. Connections already idle when the
// timeout is set count from then.
func TestConfig_Timeout(t *testing.T) {
	t.Parallel() // waits for timeouts
	_, addr := startServer(t, Config{})
	admin := dial(t, addr)
	before, err := net.Dial("tcp", addr) // idle since before the SET
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	mustConfigSet(t, admin, "timeout", "1")
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		// From before the dial: the server's idle time may start as soon
		// as it accepts, before Dial returns here.
		start := time.Now()
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if got := waitClosed(t, nc, 5*time.Second); len(got) != 0 {
			t.Errorf("idle connection got %q before closing", got)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("idle connection closed after %v, before the 1 s timeout", d)
		}
	})
	t.Run("idle-before-set", func(t *testing.T) {
		t.Parallel()
		if got := waitClosed(t, before, 5*time.Second); len(got) != 0 {
			t.Errorf("connection idle before the SET got %q before closing", got)
		}
	})
	t.Run("active", func(t *testing.T) {
		t.Parallel()
		c := dial(t, addr)
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); <-tick.C {
			if r := c.Do("PING"); string(r) != "+PONG\r\n" {
				t.Fatalf("PING = %q", r)
			}
		}
	})
}

// TestConfig_TimeoutPending: a connection waiting for a reply is not idle
// (Redis does not time out a blocked client): a write whose ticket
// settles after twice the timeout still gets its reply.
func TestConfig_TimeoutPending(t *testing.T) {
	t.Parallel() // waits for timeouts
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	c := dial(t, addr)
	mustConfigSet(t, c, "timeout", "1")
	start := time.Now()
	settle := time.AfterFunc(2500*time.Millisecond, func() { f.settle(1, "") })
	defer settle.Stop()
	if r := c.Do("SET", "k", "v"); string(r) != "+OK\r\n" {
		t.Fatalf("SET = %q", r)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("SET replied after %v, before its ticket settled", d)
	}
	if r := c.Do("PING"); string(r) != "+PONG\r\n" {
		t.Fatalf("PING after the reply = %q", r)
	}
}

// TestConfig_TimeoutOff: timeout 0 closes no connection.
func TestConfig_TimeoutOff(t *testing.T) {
	t.Parallel() // waits for timeouts
	_, addr := startServer(t, Config{})
	admin := dial(t, addr)
	mustConfigSet(t, admin, "timeout", "1")
	mustConfigSet(t, admin, "timeout", "0")
	c := dial(t, addr)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	var ne net.Error
	if _, err := nc.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("idle connection with timeout 0: read = %v, want our own deadline", err)
	}
	if r := c.Do("PING"); string(r) != "+PONG\r\n" {
		t.Fatalf("PING = %q", r)
	}
}

// TestConfig_InfoFollows: INFO shows what CONFIG SET changed, as in Redis:
// hz (capped to 500), maxmemory_policy, maxclients, and latencystats'
// percentiles (none: an empty value).
func TestConfig_InfoFollows(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, c := range []*redisdiff.Conn{rc, mc} {
		mustConfigSet(t, c, "hz", "1000", "maxmemory-policy", "allkeys-lru", "maxclients", "77")
		c.Do("CONFIG", "RESETSTAT")
		c.Do("PING")
	}
	for _, f := range [][2]string{{"server", "hz"}, {"server", "configured_hz"}, {"memory", "maxmemory_policy"}, {"clients", "maxclients"}} {
		if want, got := infoLine(t, rc, f[0], f[1]), infoLine(t, mc, f[0], f[1]); got != want || got == "" {
			t.Errorf("INFO %s %s = %q, redis-server %q", f[0], f[1], got, want)
		}
	}
	shape := regexp.MustCompile(`=[0-9]+\.[0-9]{3}`)
	for _, pcts := range []string{"0 50 99.99 100", ""} {
		var lines [2]string
		for i, c := range []*redisdiff.Conn{rc, mc} {
			mustConfigSet(t, c, "latency-tracking-info-percentiles", pcts)
			c.Do("PING")
			lines[i] = shape.ReplaceAllString(infoLine(t, c, "latencystats", "latency_percentiles_usec_ping"), "=N")
		}
		if lines[0] != lines[1] {
			t.Errorf("percentiles %q: latency_percentiles_usec_ping:%s, redis-server :%s", pcts, lines[1], lines[0])
		}
	}
	mustConfigSet(t, mc, "latency-tracking", "no")
	if r := string(mc.Do("INFO", "latencystats")); strings.Contains(r, "latency_percentiles_usec") {
		t.Errorf("INFO latencystats with latency-tracking no = %q", r)
	}
}

// TestConfig_EngineLimits: the listpack and intset limits CONFIG GET
// shows are the engine's: a hash, sorted set or set within them is
// compact, and SCAN returns it whole (cursor 0); one element more, or one
// byte more, and it is not.
func TestConfig_EngineLimits(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	limit := func(name string) int {
		n, err := strconv.Atoi(configGet(t, c, name))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	whole := func(scan ...string) bool {
		r := c.Do(scan...)
		return bytes.HasPrefix(r, []byte("*2\r\n$1\r\n0\r\n"))
	}
	fill := func(key string, n, size int, add func(i int, member string) []string) {
		c.Do("DEL", key)
		for i := range n {
			m := fmt.Sprintf("%0*d", size, i)
			c.Do(add(i, m)...)
		}
	}
	for _, tc := range []struct {
		entries, value string
		scan           string
		add            func(key string) func(i int, member string) []string
	}{
		{"hash-max-listpack-entries", "hash-max-listpack-value", "HSCAN", func(k string) func(int, string) []string {
			return func(_ int, m string) []string { return []string{"HSET", k, m, "v"} }
		}},
		{"zset-max-listpack-entries", "zset-max-listpack-value", "ZSCAN", func(k string) func(int, string) []string {
			return func(i int, m string) []string { return []string{"ZADD", k, strconv.Itoa(i), m} }
		}},
		{"set-max-intset-entries", "", "SSCAN", func(k string) func(int, string) []string {
			return func(i int, _ string) []string { return []string{"SADD", k, strconv.Itoa(i)} }
		}},
	} {
		n := limit(tc.entries)
		fill("k", n, 4, tc.add("k"))
		if !whole(tc.scan, "k", "0", "COUNT", "1") {
			t.Errorf("%s %d: %d elements are not compact", tc.entries, n, n)
		}
		fill("k", n+1, 4, tc.add("k"))
		if whole(tc.scan, "k", "0", "COUNT", "1") {
			t.Errorf("%s %d: %d elements are still compact", tc.entries, n, n+1)
		}
		if tc.value == "" {
			continue
		}
		v := limit(tc.value)
		fill("k", 2, v, tc.add("k"))
		if !whole(tc.scan, "k", "0", "COUNT", "1") {
			t.Errorf("%s %d: members of %d bytes are not compact", tc.value, v, v)
		}
		fill("k", 2, v+1, tc.add("k"))
		if whole(tc.scan, "k", "0", "COUNT", "1") {
			t.Errorf("%s %d: members of %d bytes are still compact", tc.value, v, v+1)
		}
	}
}

// TestConfig_Refusals: values memshard does not act on in a way that could
// lose or expose data are refused, with Redis's words where Redis can fail
// the same way; a refused CONFIG SET changes nothing, not even the
// parameters before it.
func TestConfig_Refusals(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	_, port, _ := strings.Cut(addr, ":")
	other := strconv.Itoa(mustAtoi(t, port) + 1)
	if port == "65535" {
		other = "65534"
	}
	tooMany := ""
	if limit := openFilesLimit(); limit > 64 && limit < uintMax-32 {
		tooMany = strconv.FormatUint(limit-31, 10)
	}
	failed := func(arg, msg string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + msg + "\r\n"
	}
	for _, tc := range []struct {
		name, value, want string
	}{
		{"appendonly", "yes", failed("appendonly", "Unable to turn on AOF. Check server logs.")},
		{"save", "100 10", failed("save", "memshard writes no RDB snapshots: save must be empty")},
		{"save", "100 ", failed("save", "memshard writes no RDB snapshots: save must be empty")},
		{"replica-ignore-maxmemory", "no", failed("replica-ignore-maxmemory", "a memshard replica applies its primary's evictions from the log: replica-ignore-maxmemory must be yes")},
		{"min-replicas-to-write", "1", failed("min-replicas-to-write", "memshard does not enforce min-replicas-to-write: it must be 0")},
		{"min-slaves-to-write", "1", failed("min-slaves-to-write", "memshard does not enforce min-replicas-to-write: it must be 0")},
		{"protected-mode", "yes", failed("protected-mode", "memshard has no protected mode: set requirepass, or listen on a loopback --addr")},
		{"port", other, failed("port", "Unable to listen on this port. Check server logs.")},
		{"bind", "0.0.0.0", failed("bind", "Failed to bind to specified addresses.")},
		{"tls-port", "6390", failed("tls-port", "Unable to update TLS configuration. Check server logs.")},
		{"maxclients", tooMany, failed("maxclients", fmt.Sprintf("The operating system is not able to handle the specified number of clients, try with %d", openFilesLimit()-32))},
	} {
		if tc.value == "" {
			continue // no open files limit to exceed
		}
		before := configGet(t, c, tc.name)
		if got := string(c.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru", tc.name, tc.value)); got != tc.want {
			t.Errorf("CONFIG SET maxmemory-policy allkeys-lru %s %q = %q, want %q", tc.name, tc.value, got, tc.want)
		}
		if got := configGet(t, c, tc.name); got != before {
			t.Errorf("after the refused SET, CONFIG GET %s = %q, want %q", tc.name, got, before)
		}
		if got := configGet(t, c, "maxmemory-policy"); got != "noeviction" {
			t.Errorf("after the refused SET, maxmemory-policy = %q, want noeviction", got)
		}
	}
	// What memshard is already doing is accepted.
	for _, kv := range [][2]string{
		{"port", port}, {"bind", "127.0.0.1"}, {"appendonly", "no"}, {"save", ""}, {"maxmemory", "0"},
		{"protected-mode", "no"}, {"tls-port", "0"}, {"min-replicas-to-write", "0"}, {"maxclients", "4294967295"},
		{"proc-title-template", "{server-mode}"}, // memshard's server mode is [cluster]: Redis, standalone, would refuse
	} {
		mustConfigSet(t, c, kv[0], kv[1])
		if got := configGet(t, c, kv[0]); got != kv[1] {
			t.Errorf("CONFIG SET %s %q; CONFIG GET = %q", kv[0], kv[1], got)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConfig_Replicaof: a replica shows its primary as replicaof (and
// slaveof), as a Redis Cluster replica does; a primary shows none.
func TestConfig_Replicaof(t *testing.T) {
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	c := dial(t, addr)
	if got := configGet(t, c, "replicaof"); got != "" {
		t.Errorf("primary: CONFIG GET replicaof = %q, want \"\"", got)
	}
	f.setTopology(Topology{Role: "slave", Self: Node{ID: "b", Addr: "127.0.0.1:2"}, Primary: Node{ID: "a", Addr: "127.0.0.1:1"}, Serving: true})
	for _, name := range []string{"replicaof", "slaveof"} {
		if got := configGet(t, c, name); got != "127.0.0.1 1" {
			t.Errorf("replica: CONFIG GET %s = %q, want %q", name, got, "127.0.0.1 1")
		}
	}
}

// TestConfig_ClusterNodeTimeout: CONFIG GET shows Config.ClusterNodeTimeout
// in milliseconds, Redis's default without one.
func TestConfig_ClusterNodeTimeout(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "15000"}, {5 * time.Second, "5000"}} {
		_, addr := startServer(t, Config{ClusterNodeTimeout: tc.d})
		if got := configGet(t, dial(t, addr), "cluster-node-timeout"); got != tc.want {
			t.Errorf("ClusterNodeTimeout %v: CONFIG GET cluster-node-timeout = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestConfig_SetConcurrent: CONFIG SET and GET from many connections while
// others run commands (for -race).
func TestConfig_SetConcurrent(t *testing.T) {
	_, addr := startServer(t, Config{})
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				done <- err
				return
			}
			defer nc.Close()
			r := bufio.NewReader(nc)
			for i := range 50 {
				cmd := redisdiff.Encode("CONFIG", "SET", "timeout", strconv.Itoa((g+i)%2*100), "maxclients", strconv.Itoa(1000+i),
					"proto-max-bulk-len", strconv.Itoa(1<<20+i), "hz", strconv.Itoa(i+1))
				cmd = append(cmd, redisdiff.Encode("CONFIG", "GET", "*")...)
				cmd = append(cmd, redisdiff.Encode("PING")...)
				if _, err := nc.Write(cmd); err != nil {
					done <- err
					return
				}
				for range 3 {
					line, err := r.ReadString('\n')
					if err != nil {
						done <- err
						return
					}
					if line[0] == '*' { // CONFIG GET's names and values
						n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
						for range n {
							if _, err := r.ReadString('\n'); err != nil {
								done <- err
								return
							}
							if _, err := r.ReadString('\n'); err != nil {
								done <- err
								return
							}
						}
					}
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
