package main

import (
	"net"
	"testing"
)

// The log client dials from the node's own IP, and still reaches a log
// on the other address family.
func TestDialerFrom(t *testing.T) {
	dial := dialerFrom(net.ParseIP("127.0.0.5"))
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		c, err := dial(t.Context(), ln.Addr().String())
		if err != nil {
			t.Fatalf("dial %s from 127.0.0.5: %v", ln.Addr(), err)
		}
		peer, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		from := peer.RemoteAddr().(*net.TCPAddr).IP.String()
		if want := map[string]string{"127.0.0.1:0": "127.0.0.5", "[::1]:0": "::1"}[listen]; from != want {
			t.Errorf("a dial to %s comes from %s, want %s", ln.Addr(), from, want)
		}
		peer.Close()
		c.Close()
		ln.Close()
	}
}
