//go:build linux

package proctest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Delay puts oneWay of latency on every TCP connection between the local
// addresses a and b that either of them opens from then on, as a link
// between two distant zones would: both ways, every byte arrives oneWay
// after it was sent (the kernel's netem is not available here). iptables
// (root only; see NeedIptables) redirects those connections to a proxy,
// which opens its own to the original destination from 127.0.0.1, so a
// and b must be other addresses. The rules go, and the proxy with its
// connections closes, when undo is called, at the latest in t.Cleanup.
// Go's timers sleep at least about a millisecond here, so a smaller
// oneWay comes out at about a millisecond.
func Delay(t *testing.T, oneWay time.Duration, a, b string) (undo func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var rules [][]string
	for _, pair := range [][2]string{{a, b}, {b, a}} {
		rules = append(rules, []string{"OUTPUT", "-t", "nat", "-p", "tcp", "-s", pair[0], "-d", pair[1],
			"-m", "comment", "--comment", "quorumlog-e2e", "-j", "REDIRECT", "--to-ports", port})
	}
	p := &delayProxy{oneWay: oneWay, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(p.close) // also if the rules fail
	remove := insertRules(t, rules)
	var once sync.Once
	undo = func() {
		once.Do(func() {
			remove()
			p.close()
		})
	}
	t.Cleanup(undo)
	go p.serve()
	return undo
}

// delayProxy forwards each connection redirected to ln to the connection's
// original destination, holding every byte for oneWay in both directions.
type delayProxy struct {
	oneWay time.Duration
	ln     net.Listener

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]bool // open on either side, closed by close
	wg     sync.WaitGroup
}

func (p *delayProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(in) {
			return
		}
		p.wg.Go(func() { p.forward(in) })
	}
}

// track notes c as open, or closes it and returns false once p is closed.
func (p *delayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

// done closes c and forgets it.
func (p *delayProxy) done(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *delayProxy) forward(in net.Conn) {
	defer p.done(in)
	dst, err := originalDst(in.(*net.TCPConn))
	if err != nil {
		return
	}
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	out, err := d.Dial("tcp", dst.String())
	if err != nil {
		return // the client sees its connection reset, as it would have
	}
	if !p.track(out) {
		return
	}
	defer p.done(out)
	var both sync.WaitGroup
	both.Go(func() { delayCopy(out, in, p.oneWay) })
	both.Go(func() { delayCopy(in, out, p.oneWay) })
	both.Wait()
}

// close stops accepting, closes every connection and waits for the
// forwarders to return.
func (p *delayProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// delayCopy copies src to dst, writing each chunk read oneWay after it was
// read, and then half-closes dst. A read ahead of the writes is bounded
// (256 chunks), so a slow receiver still pushes back on the sender.
func delayCopy(dst, src net.Conn, oneWay time.Duration) {
	type chunk struct {
		b   []byte
		due time.Time
	}
	chunks := make(chan chunk, 256)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{buf[:n], time.Now().Add(oneWay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.b); err != nil {
			src.Close() // unblocks the reader, which drains into chunks
			for range chunks {
			}
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// originalDst returns where c was headed before iptables redirected it
// (SO_ORIGINAL_DST, an IPv4 sockaddr_in).
func originalDst(c *net.TCPConn) (netip.AddrPort, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return netip.AddrPort{}, err
	}
	var sa [16]byte
	var serr error
	if err := raw.Control(func(fd uintptr) {
		var m *unix.IPv6Mreq // 20 bytes, enough for a sockaddr_in
		m, serr = unix.GetsockoptIPv6Mreq(int(fd), unix.SOL_IP, unix.SO_ORIGINAL_DST)
		if serr == nil {
			copy(sa[:], m.Multiaddr[:])
		}
	}); err != nil {
		return netip.AddrPort{}, err
	}
	if serr != nil {
		return netip.AddrPort{}, fmt.Errorf("SO_ORIGINAL_DST: %w", serr)
	}
	if binary.NativeEndian.Uint16(sa[0:2]) != unix.AF_INET {
		return netip.AddrPort{}, errors.New("SO_ORIGINAL_DST: not an IPv4 address")
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa[4:8])), binary.BigEndian.Uint16(sa[2:4])), nil
}
