// Package redisdiff runs Debian's redis-server (7.0) beside memshard in
// tests, so that replies can be compared byte for byte with the real thing
// rather than written from memory.
package redisdiff

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is a redis-server process started for one test.
type Server struct {
	Addr string
}

// Start runs redis-server on a free loopback port with persistence off and
// stops it in t.Cleanup. It fails the test if redis-server is not installed
// (`make test` installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	s, stop, err := Launch()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// StartWith is Start with more redis-server flags, e.g. "--cluster-enabled",
// "yes".
func StartWith(t testing.TB, flags ...string) *Server {
	t.Helper()
	s, stop, err := Launch(flags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// Launch is Start for TestMain, with more redis-server flags: the caller
// must call stop.
func Launch(flags ...string) (s *Server, stop func(), err error) {
	return launch("--port", flags)
}

// StartTLS is StartWith for a redis-server that serves TLS only, as
// memshard with TLS: its port is tls-port (port 0), with these files.
func StartTLS(t testing.TB, certFile, keyFile, caFile string, flags ...string) *Server {
	t.Helper()
	s, stop, err := launch("--tls-port", append([]string{"--port", "0", "--tls-cert-file", certFile,
		"--tls-key-file", keyFile, "--tls-ca-cert-file", caFile}, flags...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// launch is Launch with the flag that takes the port chosen.
func launch(portFlag string, flags []string) (s *Server, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, nil, fmt.Errorf("redis-server is not installed (apt-get install -y redis-server; make test does it): %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "redisdiff-")
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, portFlag, strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
		// DEBUG SET-ACTIVE-EXPIRE lets tests keep expired keys around.
		"--enable-debug-command", "local")
	cmd.Args = append(cmd.Args, flags...)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("start redis-server: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	s = &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", s.Addr)
		if err == nil {
			c.Close()
			return s, stop, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			stop()
			return nil, nil, fmt.Errorf("redis-server did not start on %s: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Conn is a raw RESP connection.
type Conn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

// Dial opens a raw connection to addr, closed in t.Cleanup.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// DialTLS opens a TLS connection to addr with cfg, closed in t.Cleanup.
// It fails the test if the handshake fails.
func DialTLS(t testing.TB, addr string, cfg *tls.Config) *Conn {
	t.Helper()
	nc, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial %s with TLS: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// Do sends argv as a RESP multibulk and returns the raw bytes of one reply.
func (c *Conn) Do(argv ...string) []byte {
	c.t.Helper()
	if _, err := c.nc.Write(Encode(argv...)); err != nil {
		c.t.Fatalf("write %q: %v", argv, err)
	}
	return c.Read()
}

// Send writes raw bytes (inline commands, malformed input, pipelines).
func (c *Conn) Send(raw []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(raw); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Read reads the raw bytes of one complete reply (RESP2 or RESP3).
func (c *Conn) Read() []byte {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var buf bytes.Buffer
	if err := readReply(c.r, &buf); err != nil {
		c.t.Fatalf("read reply: %v (so far %q)", err, buf.Bytes())
	}
	return buf.Bytes()
}

// ReadUntil reads raw bytes until they end with suffix, and returns them
// without it: the replies before one known to come last, however they
// interleave (RESP3 pushes inside an aggregate, as Redis may write them).
func (c *Conn) ReadUntil(suffix []byte) []byte {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var buf []byte
	for !bytes.HasSuffix(buf, suffix) {
		b, err := c.r.ReadByte()
		if err != nil {
			c.t.Fatalf("read until %q: %v (so far %q)", suffix, err, buf)
		}
		buf = append(buf, b)
	}
	return buf[:len(buf)-len(suffix)]
}

// Idle reports whether nothing arrives on the connection within d (0:
// nothing is already there). The connection stays usable.
func (c *Conn) Idle(d time.Duration) bool {
	if c.r.Buffered() > 0 {
		return false
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(max(d, time.Millisecond)))
	_, err := c.r.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Closed reports whether the server closes the connection within d
// (EOF, or a reset), reading and dropping whatever comes first.
func (c *Conn) Closed(d time.Duration) bool {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c.r)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// Encode encodes argv as a RESP multibulk.
func Encode(argv ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(argv))
	for _, a := range argv {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// readReply copies one reply from r to out.
func readReply(r *bufio.Reader, out *bytes.Buffer) error {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return err
	}
	out.Write(line)
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return err
		}
		out.Write(chunk)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for range max(n, 0) {
			if err := readReply(r, out); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute precedes the real reply
			return readReply(r, out)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line[0])
}

// Close closes the connection (before t's end: a client that goes away).
func (c *Conn) Close() { c.nc.Close() }
