package server

import (
	"net"
	"strconv"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"go.uber.org/goleak"
)

// startServer runs a Server on 127.0.0.1:0 with backend (a Standalone if
// nil) and returns its address; both stop in t.Cleanup.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend == nil {
		st := NewStandalone(StandaloneConfig{Addr: l.Addr().String()})
		t.Cleanup(func() { st.Close() })
		cfg.Backend = st
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve() = %v, want ErrServerClosed", err)
		}
	})
	return s, l.Addr().String()
}

// dial opens a raw RESP connection.
func dial(t testing.TB, addr string) *redisdiff.Conn {
	t.Helper()
	return redisdiff.Dial(t, addr)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMain checks that every test leaves no goroutine behind (Close waits
// for the server's).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
