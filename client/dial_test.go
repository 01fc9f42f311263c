package client

import (
	"net"
	"syscall"
	"testing"
)

// The client's connections set SO_REUSEADDR (see reuseAddr); with DialFrom
// they leave from the given IP, and still reach a server of the other
// address family.
func TestDialer_FromAnIPWithReuseAddr(t *testing.T) {
	for _, from := range []net.IP{nil, net.ParseIP("127.0.0.5")} {
		dial := dialer(from)
		for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				t.Fatal(err)
			}
			c, err := dial(t.Context(), ln.Addr().String())
			if err != nil {
				t.Fatalf("dial %s from %v: %v", ln.Addr(), from, err)
			}
			peer, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"127.0.0.1:0": "127.0.0.1", "[::1]:0": "::1"}[listen]
			if from != nil && listen == "127.0.0.1:0" {
				want = from.String()
			}
			if got := peer.RemoteAddr().(*net.TCPAddr).IP.String(); got != want {
				t.Errorf("a dial from %v to %s comes from %s, want %s", from, ln.Addr(), got, want)
			}
			raw, err := c.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			reuse, serr := 0, error(nil)
			raw.Control(func(fd uintptr) {
				reuse, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR)
			})
			if serr != nil || reuse == 0 {
				t.Errorf("a dial from %v to %s: SO_REUSEADDR is %d (%v)", from, ln.Addr(), reuse, serr)
			}
			peer.Close()
			c.Close()
			ln.Close()
		}
	}
}
