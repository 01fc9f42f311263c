//go:build linux

package proctest

import (
	"bytes"
	"io"
	"net"
	"os/exec"
	"testing"
	"time"
)

// Bytes between the two addresses, whichever dials, arrive intact and no
// sooner than the delay each way; the rules go with undo.
func TestDelay(t *testing.T) {
	NeedIptables(t)
	const oneWay = 40 * time.Millisecond
	a, b := "127.0.0.51", "127.0.0.52"
	undo := Delay(t, oneWay, a, b)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB: many chunks
	for _, dir := range [][2]string{{a, b}, {b, a}} {
		from, to := dir[0], dir[1]
		rtt := echoRoundTrip(t, from, to, payload)
		if rtt < 2*oneWay {
			t.Errorf("%s -> %s: echoed in %v, before the %v round trip", from, to, rtt, 2*oneWay)
		}
		t.Logf("%s -> %s: 1 MiB echoed in %v", from, to, rtt)
	}
	undo()
	if out, err := exec.Command("iptables", "-t", "nat", "-S", "OUTPUT").CombinedOutput(); err != nil || bytes.Contains(out, []byte("quorumlog-e2e")) {
		t.Errorf("rules left after undo (%v):\n%s", err, out)
	}
	echoRoundTrip(t, a, b, payload) // still connects, directly
}

// echoRoundTrip dials an echo server on to from from, sends payload, and
// returns how long until all of it came back.
func echoRoundTrip(t *testing.T, from, to string, payload []byte) time.Duration {
	t.Helper()
	ln, err := net.Listen("tcp", to+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	go c.Write(payload)
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("%s -> %s: %v", from, to, err)
	}
	rtt := time.Since(start)
	if !bytes.Equal(got, payload) {
		t.Fatalf("%s -> %s: the bytes came back changed", from, to)
	}
	return rtt
}
