package migrate

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// payloadOf returns the DUMP payload of a string, as the server at addr
// makes it.
func payloadOf(t *testing.T, addr string) []byte {
	c := redisdiff.Dial(t, addr)
	c.Do("SET", "payload-source", "v")
	reply := c.Do("DUMP", "payload-source")
	c.Do("DEL", "payload-source")
	c.Close()
	return reply[bytes.IndexByte(reply, '\n')+1 : len(reply)-2]
}

func restore(payload []byte, key, ttl string) [][]byte {
	return [][]byte{[]byte("RESTORE"), []byte(key), []byte(ttl), payload}
}

// TestPool_RetriesOnAConnectionTheTargetClosed: a cached connection the
// target has closed meanwhile is replaced, and the exchange tried once
// more, so the caller sees success, as with Redis; the database selected
// is selected again on the new one.
func TestPool_RetriesOnAConnectionTheTargetClosed(t *testing.T) {
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	tc := redisdiff.Dial(t, target)
	p := NewPool()
	defer p.Close()
	payload := payloadOf(t, target)
	req := func(key string) Request {
		return Request{Host: host, Port: port, Timeout: 5 * time.Second, DB: 3, Restores: [][][]byte{restore(payload, key, "0")}}
	}
	if res := p.Migrate(req("a")); res.Err != "" || !res.Acked[0] {
		t.Fatalf("first MIGRATE: %+v", res)
	}
	// The pool's connection is the one whose last command was RESTORE.
	addr := ""
	for _, line := range strings.Split(string(tc.Do("CLIENT", "LIST")), "\n") {
		if strings.Contains(line, " cmd=restore ") {
			_, rest, _ := strings.Cut(line, " addr=")
			addr, _, _ = strings.Cut(rest, " ")
		}
	}
	if got := string(tc.Do("CLIENT", "KILL", "ADDR", addr)); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ADDR %q on the target = %q", addr, got)
	}
	if res := p.Migrate(req("b")); res.Err != "" || !res.Acked[0] {
		t.Fatalf("MIGRATE on the killed connection: %+v, want success after a retry", res)
	}
	tc.Do("SELECT", "3")
	if got := string(tc.Do("EXISTS", "a", "b")); got != ":2\r\n" {
		t.Fatalf("EXISTS a b in database 3 of the target = %q", got)
	}
}

// TestPool_ReportsEachKey: the keys the target refused are not acked, the
// others are, and the first refusal is the error.
func TestPool_ReportsEachKey(t *testing.T) {
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	redisdiff.Dial(t, target).Do("SET", "busy", "x")
	payload := payloadOf(t, target)
	p := NewPool()
	defer p.Close()
	res := p.Migrate(Request{Host: host, Port: port, Timeout: 5 * time.Second,
		Restores: [][][]byte{restore(payload, "k1", "0"), restore(payload, "busy", "0"), restore(payload, "k2", "-1")}})
	if want := []bool{true, false, false}; !equalBools(res.Acked, want) {
		t.Errorf("Acked = %v, want %v", res.Acked, want)
	}
	if want := "ERR Target instance replied with error: BUSYKEY Target key name already exists."; res.Err != want {
		t.Errorf("Err = %q, want %q", res.Err, want)
	}
}

// TestPool_TimesOut: a target that does not answer within the timeout
// gives IOERR, and is not tried again.
func TestPool_TimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 4) // read nothing, answer nothing
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- nc
		}
	}()
	defer func() {
		for len(accepted) > 0 {
			(<-accepted).Close()
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p := NewPool()
	defer p.Close()
	res := p.Migrate(Request{Host: host, Port: port, Timeout: 100 * time.Millisecond, Restores: [][][]byte{restore([]byte("x"), "k", "0")}})
	if res.Err != errReading || res.Acked[0] {
		t.Fatalf("MIGRATE to a silent target: %+v, want %q", res, errReading)
	}
	if n := len(accepted); n != 1 {
		t.Fatalf("%d connections to the silent target, want 1 (no retry after a timeout)", n)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPool_NotARedisServer: a target that answers something other than
// +OK or an error (an HTTP server here) acknowledges nothing, so no key is
// deleted on its word (Redis would take any other line for success).
func TestPool_NotARedisServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_, _ = nc.Read(make([]byte, 4096))
		_, _ = nc.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		_, _ = nc.Read(make([]byte, 1)) // until the pool closes it
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p := NewPool()
	res := p.Migrate(Request{Host: host, Port: port, Timeout: 5 * time.Second, Restores: [][][]byte{restore([]byte("x"), "k", "0")}})
	p.Close()
	<-done
	want := `IOERR the target's reply is not a Redis reply to RESTORE: "HTTP/1.1 400 Bad Request"`
	if res.Err != want || res.Acked[0] {
		t.Fatalf("MIGRATE to an HTTP server: %+v, want nothing acked and %q", res, want)
	}
}
