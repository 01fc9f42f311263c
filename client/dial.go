package client

import (
	"context"
	"errors"
	"net"
	"syscall"

	"google.golang.org/grpc"
)

// DialFrom returns a DialOption (Config.DialOptions) that makes the
// client's connections leave from the local IP ip: a server, a firewall
// rule or a packet capture then sees them come from that address (a
// memshard node dials its log from the address it serves on, as QuorumLog's
// nodes dial each other from theirs). A server of the other address
// family is dialled from whatever address the kernel picks. A nil or
// unspecified ip changes nothing.
func DialFrom(ip net.IP) grpc.DialOption {
	if ip.IsUnspecified() {
		ip = nil
	}
	return grpc.WithContextDialer(dialer(ip))
}

// dialer dials TCP from ip (if set) with SO_REUSEADDR on the socket.
func dialer(ip net.IP) func(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Control: reuseAddr}
	if ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, "tcp", addr)
		var ae *net.AddrError
		if d.LocalAddr != nil && errors.As(err, &ae) {
			plain := net.Dialer{Control: reuseAddr}
			return plain.DialContext(ctx, "tcp", addr)
		}
		return c, err
	}
}

// reuseAddr sets SO_REUSEADDR on a socket about to dial. Reconnecting to a
// server that is down, on one's own IP, can connect the socket to itself
// (TCP's simultaneous open, when the kernel picks the server's port as the
// source); Go closes it and dials again, but the closed socket stays in
// TIME_WAIT for a minute, and without SO_REUSEADDR on it the server,
// restarting, cannot bind its port.
func reuseAddr(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return serr
}
