package main

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// MEMORY STATS, MEMORY DOCTOR and LOLWUT on a real shard's primary and
// replica, beside redis-server 7.0.15: the replica answers as the primary
// does, with its own figures and the keys the log gave it.
func TestE2E_MemoryStatsDoctorLolwut(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	r := (p + 1) % len(e.nodes)
	rs := redisdiff.Start(t)
	rc := redisdiff.Dial(t, rs.Addr)
	pc := redisdiff.Dial(t, e.addrs[p])
	for _, argv := range [][]string{
		{"SET", "{m}a", "1"}, {"RPUSH", "{m}l", "x", "y"}, {"SET", "{m}e", "v", "EX", "1000"}, {"HSET", "{m}h", "f", "v"},
	} {
		if got, want := pc.Do(argv...), rc.Do(argv...); !bytes.Equal(got, want) {
			t.Fatalf("%q on the primary = %q, redis-server %q", argv, got, want)
		}
	}
	want, err := e.appliedID(p)
	if err != nil {
		t.Fatal(err)
	}
	e.waitReplica(r, want)
	for _, i := range []int{p, r} {
		for _, proto := range []int{2, 3} {
			mc, rc := dialRESP(t, e.addrs[i], proto), dialRESP(t, rs.Addr, proto)
			who := fmt.Sprintf("%s RESP%d", e.ids[i], proto)
			stats := mc.Do("MEMORY", "STATS")
			if got, want := maskNumbers(stats), maskNumbers(rc.Do("MEMORY", "STATS")); got != want {
				t.Errorf("%s MEMORY STATS, numbers masked:\n got  %q\n want %q (redis-server)", who, got, want)
			}
			if got, want := statsField(t, stats, "keys.count"), intReply(t, mc.Do("DBSIZE")); got != want || got != 4 {
				t.Errorf("%s: keys.count = %d, DBSIZE %d; want 4", who, got, want)
			}
			total, startup := statsField(t, stats, "total.allocated"), statsField(t, stats, "startup.allocated")
			net := int64(1) // Redis's net_usage
			if total > startup {
				net = total - startup
			}
			if got, want := statsField(t, stats, "keys.bytes-per-key"), net/4; got != want {
				t.Errorf("%s: keys.bytes-per-key = %d, want %d = (%d - %d) / 4", who, got, want, total, startup)
			}
			doctor := string(mc.Do("MEMORY", "DOCTOR"))
			if !strings.Contains(doctor, "Sam") || proto == 3 && !strings.HasPrefix(doctor, "=") || proto == 2 && !strings.HasPrefix(doctor, "$") {
				t.Errorf("%s MEMORY DOCTOR = %q", who, doctor)
			}
			for _, argv := range [][]string{
				{"LOLWUT"}, {"LOLWUT", "VERSION", "7"}, {"LOLWUT", "VERSION", "x"}, {"LOLWUT", "VERSION", "6", "1", "x"},
			} {
				if got, want := mc.Do(argv...), rc.Do(argv...); !bytes.Equal(got, want) {
					t.Errorf("%s %q = %q, want %q (redis-server)", who, argv, got, want)
				}
			}
			// Schotter in braille: its pixels are random, not its size.
			art := string(mc.Do("LOLWUT", "VERSION", "5", "7", "3", "2"))
			shape := regexp.MustCompile("[\u2800-\u28ff]").ReplaceAllString(art, "x")
			wantArt := string(rc.Do("LOLWUT", "VERSION", "5", "7", "3", "2"))
			if wantShape := regexp.MustCompile("[\u2800-\u28ff]").ReplaceAllString(wantArt, "x"); shape != wantShape {
				t.Errorf("%s LOLWUT VERSION 5 7 3 2, pixels masked = %q, want %q (redis-server)", who, shape, wantShape)
			}
		}
	}
	// A fresh memshard uses little memory: its report is the empty
	// instance's, byte for byte Redis's.
	addr := proctest.FreeAddrs(t, 1)[0]
	proctest.Start(t, "memshard standalone", e.mbin, "--standalone", "--addr", addr)
	proctest.WaitFor(t, 10*time.Second, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	for _, proto := range []int{2, 3} {
		mc, rc := dialRESP(t, addr, proto), dialRESP(t, rs.Addr, proto)
		if got, want := mc.Do("MEMORY", "DOCTOR"), rc.Do("MEMORY", "DOCTOR"); !bytes.Equal(got, want) {
			t.Errorf("fresh memshard RESP%d MEMORY DOCTOR = %q, want %q (redis-server)", proto, got, want)
		}
	}
}

// dialRESP connects to addr and switches to RESP3 if proto is 3.
func dialRESP(t *testing.T, addr string, proto int) *redisdiff.Conn {
	t.Helper()
	c := redisdiff.Dial(t, addr)
	if proto == 3 {
		if got := c.Do("HELLO", "3"); len(got) == 0 || got[0] != '%' {
			t.Fatalf("HELLO 3 on %s = %q", addr, got)
		}
	}
	return c
}

var (
	intLine     = regexp.MustCompile(`(?m)^([:,])[-0-9.e+inf]+\r$`)
	numericBulk = regexp.MustCompile(`\$\d+\r\n[-0-9.e+]+\r\n`)
)

// maskNumbers replaces a reply's integers, doubles and numeric bulk
// strings (RESP2's doubles) by 0: what is left is its shape.
func maskNumbers(reply []byte) string {
	s := numericBulk.ReplaceAllString(string(reply), "$$1\r\n0\r\n")
	return intLine.ReplaceAllString(s, "${1}0\r")
}

// statsField is the integer after name in a MEMORY STATS reply.
func statsField(t *testing.T, reply []byte, name string) int64 {
	t.Helper()
	m := regexp.MustCompile(`\$\d+\r\n` + regexp.QuoteMeta(name) + `\r\n:(-?\d+)\r\n`).FindSubmatch(reply)
	if m == nil {
		t.Fatalf("no %s in %q", name, reply)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

func intReply(t *testing.T, reply []byte) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(string(reply), ":"), "\r\n"), 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %q", reply)
	}
	return n
}
