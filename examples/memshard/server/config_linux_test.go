package server

import (
	"syscall"
	"testing"
)

// TestConfig_TCPKeepAlive: connections accepted after CONFIG SET
// tcp-keepalive N probe as Redis's anetKeepAlive sets them: after N
// seconds idle, every N/3 seconds (at least 1), 3 probes; 0 turns
// keepalive off.
func TestConfig_TCPKeepAlive(t *testing.T) {
	s, addr := startServer(t, Config{})
	admin := dial(t, addr)
	for _, tc := range []struct {
		value                  string
		on, idle, intvl, count int
	}{
		{"300", 1, 300, 100, 3}, // the default
		{"7", 1, 7, 2, 3},
		{"2", 1, 2, 1, 3},
		{"0", 0, 0, 0, 0},
	} {
		if tc.value != "300" {
			mustConfigSet(t, admin, "tcp-keepalive", tc.value)
		}
		c := dial(t, addr)
		c.Do("CLIENT", "SETNAME", "ka"+tc.value)
		var fd int
		for _, sc := range s.connList() {
			sc.mu.Lock()
			if sc.name == "ka"+tc.value {
				fd = sc.fd
			}
			sc.mu.Unlock()
		}
		if fd <= 0 {
			t.Fatalf("tcp-keepalive %s: no server-side descriptor", tc.value)
		}
		get := func(level, opt int) int {
			v, err := syscall.GetsockoptInt(fd, level, opt)
			if err != nil {
				t.Fatalf("getsockopt: %v", err)
			}
			return v
		}
		if got := get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE); got != tc.on {
			t.Errorf("tcp-keepalive %s: SO_KEEPALIVE = %d, want %d", tc.value, got, tc.on)
		}
		if tc.on == 0 {
			continue
		}
		for _, o := range []struct {
			name      string
			opt, want int
		}{{"TCP_KEEPIDLE", syscall.TCP_KEEPIDLE, tc.idle}, {"TCP_KEEPINTVL", syscall.TCP_KEEPINTVL, tc.intvl}, {"TCP_KEEPCNT", syscall.TCP_KEEPCNT, tc.count}} {
			if got := get(syscall.IPPROTO_TCP, o.opt); got != o.want {
				t.Errorf("tcp-keepalive %s: %s = %d, want %d", tc.value, o.name, got, o.want)
			}
		}
	}
}
