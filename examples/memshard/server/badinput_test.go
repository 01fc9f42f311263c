package server

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

func TestBadInputLeavesServerUp(t *testing.T) {
	_, addr := startServer(t, Config{})
	other := redisdiff.Dial(t, addr)
	for _, tc := range []struct{ name, in, want string }{
		{"huge-multibulk", "*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"over-max-multibulk", "*1048577\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"huge-bulk", "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"garbage", "*1\r\n\x00\xff\xfe\r\n", "-ERR Protocol error: expected '$', got '\x00'\r\n"},
		{"unknown", "*2\r\n$3\r\n\x00\x01\x02\r\n$1\r\nk\r\n", "-ERR unknown command '', with args beginning with: 'k' \r\n"},
		{"arity", "*1\r\n$4\r\nECHO\r\n", "-ERR wrong number of arguments for 'echo' command\r\n"},
		{"binary", "*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\x00\xff\r\n", "$4\r\n\r\n\x00\xff\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got, _ := exchange(t, addr, []byte(tc.in), true)
			if tc.name == "garbage" { // strchr stops at the NUL: no line, no reply
				tc.want = ""
			}
			if string(got) != tc.want {
				t.Errorf("reply to %q = %q, want %q", tc.in, got, tc.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("reply to %q took %v", tc.in, time.Since(start))
			}
			if got := other.Do("PING"); string(got) != "+PONG\r\n" {
				t.Fatalf("PING on another connection = %q", got)
			}
		})
	}
}

func TestHugeLengthFailsAtOnce(t *testing.T) {
	_, addr := startServer(t, Config{})
	for _, in := range []string{"*3000000000\r\n", "*1\r\n$600000000\r\n"} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		nc.Write([]byte(in))
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 100)
		n, err := nc.Read(buf)
		if err != nil || !bytes.HasPrefix(buf[:n], []byte("-ERR Protocol error")) {
			t.Errorf("%q: read %q, %v", in, buf[:n], err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%q: error after %v", in, d)
		}
		nc.Close()
	}
}

func TestQueryBufferLimit(t *testing.T) {
	_, addr := startServer(t, Config{ClientQueryBufferLimit: 1 << 20, ProtoMaxBulkLen: 4 << 20})
	in := "*2\r\n$4\r\nECHO\r\n$3000000\r\n" + strings.Repeat("a", 2<<20)
	got, closed := exchange(t, addr, []byte(in), true)
	if len(got) != 0 || !closed {
		t.Errorf("over the query buffer limit: got %q closed=%v, want nothing and closed", got, closed)
	}
}

// A client that pipelines without reading gets backpressure: the server
// stops reading it, and its queued replies stay bounded.
func TestBackpressure(t *testing.T) {
	s, addr := startServer(t, Config{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	payload := strings.Repeat("x", 64*1024)
	cmd := []byte("*2\r\n$4\r\nECHO\r\n$65536\r\n" + payload + "\r\n")
	const n = 400 // 26 MB of requests and as much of replies
	wrote := make(chan error, 1)
	go func() {
		var err error
		for range n {
			if _, err = nc.Write(cmd); err != nil {
				break
			}
		}
		wrote <- err
	}()
	select {
	case err := <-wrote:
		t.Fatalf("the client wrote 26 MB without reading (%v): no backpressure", err)
	case <-time.After(500 * time.Millisecond):
	}
	for _, c := range s.connList() {
		c.q.mu.Lock()
		queued := c.q.bytes
		c.q.mu.Unlock()
		if limit := maxQueuedReplyBytes + batchBytes + 2*len(cmd); queued > limit {
			t.Errorf("queued reply bytes = %d, want at most %d", queued, limit)
		}
	}
	want := []byte("$65536\r\n" + payload + "\r\n")
	buf := make([]byte, len(want))
	for i := range n {
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := readFull(nc, buf); err != nil || !bytes.Equal(buf, want) {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

func readFull(nc net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := nc.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestCloseIdempotentWithConnections(t *testing.T) {
	st := NewStandalone(StandaloneConfig{})
	defer st.Close()
	s, err := New(Config{Backend: st})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	var conns []net.Conn
	for range 200 {
		nc, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		nc.Write([]byte("PING\r\n*2\r\n$4\r\nECHO\r\n$100\r\npartial"))
		conns = append(conns, nc)
	}
	redisdiff.Dial(t, l.Addr().String()).Do("PING")
	s.Close()
	s.Close()
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve() = %v, want ErrServerClosed", err)
	}
	for _, nc := range conns {
		nc.Close()
	}
	if err := s.Serve(l); err != ErrServerClosed {
		t.Errorf("Serve() after Close = %v", err)
	}
}
