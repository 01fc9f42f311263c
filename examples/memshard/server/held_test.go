package server

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// readNothing fails the test if anything arrives on nc within d.
func readNothing(t *testing.T, nc net.Conn, d time.Duration) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 256)
	n, err := nc.Read(buf)
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read %q (%v), want nothing yet", buf[:n], err)
	}
}

// readAvailable returns what arrives on nc within d.
func readAvailable(t *testing.T, nc net.Conn, d time.Duration) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	deadline := time.Now().Add(d)
	for {
		_ = nc.SetReadDeadline(deadline)
		n, err := nc.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("read: %v", err)
			}
			return string(got)
		}
	}
}

// readExactly reads len(want) bytes and compares them.
func readExactly(t *testing.T, nc net.Conn, want string) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(want))
	n := 0
	for n < len(buf) {
		m, err := nc.Read(buf[n:])
		n += m
		if err != nil {
			t.Fatalf("read: %v (got %q, want %q)", err, buf[:n], want)
		}
	}
	if string(buf) != want {
		t.Fatalf("read %q, want %q", buf, want)
	}
}

func TestHeldReplies(t *testing.T) {
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	a, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// SET (ticket 1), PING, SET (ticket 2), GET, SET (ticket 3), ECHO.
	if _, err := a.Write([]byte("SET a 1\r\nPING\r\nSET b 2\r\nGET a\r\nSET c 3\r\nECHO e\r\n")); err != nil {
		t.Fatal(err)
	}
	readNothing(t, a, 200*time.Millisecond)

	// Another connection is not delayed.
	b := redisdiff.Dial(t, addr)
	if got := b.Do("PING"); string(got) != "+PONG\r\n" {
		t.Fatalf("PING on another connection = %q", got)
	}

	// Settling ticket 2 first releases nothing: ticket 1 is still pending.
	f.settle(2, "ERR the write was lost")
	readNothing(t, a, 100*time.Millisecond)
	// Ticket 1 releases its reply and the PING after it at once; the rest
	// may follow (ticket 2 has settled) but not the reply held by ticket 3.
	f.settle(1, "")
	readExactly(t, a, "+OK\r\n+PONG\r\n")
	want := "-ERR the write was lost\r\n$1\r\na\r\n+OK\r\n$1\r\ne\r\n"
	early := readAvailable(t, a, 200*time.Millisecond)
	if !strings.HasPrefix(want, early) || strings.Contains(early, "+OK") {
		t.Fatalf("before ticket 3 settled: read %q, want a prefix of %q without the third +OK", early, want)
	}
	f.settle(3, "")
	readExactly(t, a, want[len(early):])

	// A held EXEC.
	if _, err := a.Write([]byte("MULTI\r\nSET x 1\r\nPING\r\nGET x\r\nEXEC\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	readExactly(t, a, "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n")
	readNothing(t, a, 100*time.Millisecond)
	f.settle(4, "")
	readExactly(t, a, "*3\r\n+OK\r\n+PONG\r\n$1\r\nx\r\n+PONG\r\n")
}

func TestHeldRepliesManyPipelined(t *testing.T) {
	f := newFakeBackend()
	_, addr := startServer(t, Config{Backend: f})
	a, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const n = 1000
	go func() { _, _ = a.Write([]byte(strings.Repeat("SET k v\r\nPING\r\n", n))) }()
	readNothing(t, a, 100*time.Millisecond)
	for i := Ticket(n); i >= 1; i-- { // settle in reverse: nothing may leave early
		f.settle(i, "")
	}
	readExactly(t, a, strings.Repeat("+OK\r\n+PONG\r\n", n))
}

func TestMovedOnReplica(t *testing.T) {
	f := newFakeBackend()
	f.setTopology(Topology{Role: "slave", Self: Node{ID: "b", Addr: "127.0.0.1:2"}, Primary: Node{ID: "a", Addr: "10.0.0.1:7000"}, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	c := redisdiff.Dial(t, addr)
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"SET", "foo", "1"}, "-MOVED 12182 10.0.0.1:7000\r\n"},
		{[]string{"GET", "foo"}, "-MOVED 12182 10.0.0.1:7000\r\n"},
		{[]string{"GET", "{user1000}.following"}, "-MOVED 3443 10.0.0.1:7000\r\n"},
		{[]string{"WATCH", "bar"}, "-MOVED 5061 10.0.0.1:7000\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
		{[]string{"FLUSHALL"}, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"WAIT", "0", "0"}, "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n"},
		{[]string{"ROLE"}, "*5\r\n$5\r\nslave\r\n$8\r\n10.0.0.1\r\n:7000\r\n$9\r\nconnected\r\n:0\r\n"},
		{[]string{"READONLY"}, "+OK\r\n"},
		{[]string{"GET", "foo"}, "$3\r\nfoo\r\n"},
		{[]string{"WATCH", "bar"}, "+OK\r\n"},
		{[]string{"SET", "foo", "1"}, "-MOVED 12182 10.0.0.1:7000\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "foo"}, "+QUEUED\r\n"},
		{[]string{"SET", "foo", "1"}, "-MOVED 12182 10.0.0.1:7000\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"READWRITE"}, "+OK\r\n"},
		{[]string{"GET", "foo"}, "-MOVED 12182 10.0.0.1:7000\r\n"},
		{[]string{"HELLO"}, "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$7\r\nmodules\r\n*0\r\n"},
		// Pong 0: the backend has no liveness for the primary (never answered).
		{[]string{"CLUSTER", "NODES"}, "$106\r\na 10.0.0.1:7000@17000 master - 0 0 0 connected 0-16383\nb 127.0.0.1:2@10002 myself,slave a 0 0 0 connected\n\r\n"},
	} {
		got := string(c.Do(tc.argv...))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q = %q, want %q", tc.argv, got, tc.want)
		}
	}
}

func TestClusterDownWhenNotServing(t *testing.T) {
	f := newFakeBackend()
	f.setTopology(Topology{Role: "master", Self: Node{ID: "a", Addr: "127.0.0.1:1"}, Primary: Node{ID: "a", Addr: "127.0.0.1:1"}, Serving: false})
	_, addr := startServer(t, Config{Backend: f})
	c := redisdiff.Dial(t, addr)
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"SET", "foo", "1"}, "-CLUSTERDOWN The cluster is down\r\n"},
		{[]string{"GET", "foo"}, "-CLUSTERDOWN The cluster is down\r\n"},
		{[]string{"DBSIZE"}, "-CLUSTERDOWN The cluster is down\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"CLUSTER", "INFO"}, "$314\r\ncluster_state:fail\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "foo"}, "-CLUSTERDOWN The cluster is down\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
	} {
		got := string(c.Do(tc.argv...))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q = %q, want prefix %q", tc.argv, got, tc.want)
		}
	}
	// The topology changes between queueing and EXEC: EXEC is redirected.
	f.setTopology(Topology{Role: "master", Self: Node{ID: "a", Addr: "127.0.0.1:1"}, Primary: Node{ID: "a", Addr: "127.0.0.1:1"}, Serving: true})
	c.Do("MULTI")
	c.Do("GET", "foo")
	f.setTopology(Topology{Role: "slave", Self: Node{ID: "a", Addr: "127.0.0.1:1"}, Primary: Node{ID: "z", Addr: "10.0.0.2:7000"}, Serving: true})
	if got := string(c.Do("EXEC")); got != "-MOVED 12182 10.0.0.2:7000\r\n" {
		t.Errorf("EXEC after a role change = %q", got)
	}
}
