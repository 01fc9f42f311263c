package server

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffTLS_Protocol runs the same exchanges over real TLS sockets with
// redis-server and with memshard, and compares the transcripts byte for
// byte: a pipeline of 2,000 requests, a 1 MB value, a BLPOP woken by
// another client, SUBSCRIBE and PUBLISH, MONITOR, CLIENT KILL, and a
// pipeline longer than a TLS record cut across writes, the idle timeout and
// the pubsub client-output-buffer-limit closing a TLS client.
func TestDiffTLS_Protocol(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, addr string) string
	}{
		{"pipeline", func(t *testing.T, addr string) string {
			c := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			var in []byte
			for i := range 2000 {
				in = append(in, redisdiff.Encode("SET", fmt.Sprint("{p}k", i%50), fmt.Sprint(i))...)
				in = append(in, redisdiff.Encode("GET", fmt.Sprint("{p}k", i%50))...)
			}
			// Sent in uneven pieces: requests cut across TLS records.
			for len(in) > 0 {
				n := min(len(in), 7777)
				c.Send(in[:n])
				in = in[n:]
			}
			var out bytes.Buffer
			for range 4000 {
				out.Write(c.Read())
			}
			out.Write(c.Do("DEL", "{p}k0"))
			return out.String()
		}},
		{"large value", func(t *testing.T, addr string) string {
			c := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
			var out bytes.Buffer
			out.Write(c.Do("SET", "{b}big", big))
			if got := c.Do("GET", "{b}big"); string(got) != fmt.Sprintf("$%d\r\n%s\r\n", len(big), big) {
				t.Errorf("%s: GET of the 1 MiB value: %d bytes back", addr, len(got))
			}
			out.Write(c.Do("STRLEN", "{b}big"))
			out.Write(c.Do("DEL", "{b}big"))
			return out.String()
		}},
		{"blpop", func(t *testing.T, addr string) string {
			waiter := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			other := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			waiter.Send(redisdiff.Encode("BLPOP", "{q}list", "0"))
			// The waiter is blocked once CLIENT LIST says so.
			deadline := time.Now().Add(10 * time.Second)
			for !bytes.Contains(other.Do("CLIENT", "LIST"), []byte("cmd=blpop")) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: BLPOP never blocked", addr)
				}
				time.Sleep(5 * time.Millisecond)
			}
			var out bytes.Buffer
			out.Write(other.Do("RPUSH", "{q}list", "a", "b"))
			out.Write(waiter.Read())
			out.Write(other.Do("LRANGE", "{q}list", "0", "-1"))
			out.Write(other.Do("DEL", "{q}list"))
			return out.String()
		}},
		{"pubsub", func(t *testing.T, addr string) string {
			sub := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			pub := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			var out bytes.Buffer
			out.Write(sub.Do("SUBSCRIBE", "tls-ch"))
			out.Write(pub.Do("PUBLISH", "tls-ch", "hello"))
			out.Write(sub.Read())
			out.Write(pub.Do("PUBLISH", "tls-ch", strings.Repeat("x", 100000)))
			out.Write(sub.Read())
			out.Write(sub.Do("UNSUBSCRIBE"))
			return out.String()
		}},
		{"monitor", func(t *testing.T, addr string) string {
			mon := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			c := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			var out bytes.Buffer
			out.Write(mon.Do("MONITOR"))
			out.Write(c.Do("SET", "{m}k", "v"))
			line := mon.Read() // +<time> [0 <addr>] "SET" "{m}k" "v"
			_, cmd, _ := bytes.Cut(line, []byte("] "))
			out.Write(cmd)
			out.Write(c.Do("DEL", "{m}k"))
			return out.String()
		}},
		{"client kill", func(t *testing.T, addr string) string {
			victim := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			killer := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			id := strings.TrimSuffix(strings.TrimPrefix(string(victim.Do("CLIENT", "ID")), ":"), "\r\n")
			var out bytes.Buffer
			out.Write(killer.Do("CLIENT", "KILL", "ID", id))
			out.WriteString(fmt.Sprint("victim closed: ", victim.Closed(10*time.Second)))
			return out.String()
		}},
		{"idle timeout", func(t *testing.T, addr string) string {
			admin := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			var out bytes.Buffer
			out.Write(admin.Do("CONFIG", "SET", "timeout", "1"))
			idle := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			out.Write(idle.Do("PING"))
			out.WriteString(fmt.Sprint("idle closed: ", idle.Closed(10*time.Second)))
			// The admin connection was idle as long: a new one.
			admin = redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			out.Write(admin.Do("CONFIG", "SET", "timeout", "0"))
			return out.String()
		}},
		{"output buffer limit", func(t *testing.T, addr string) string {
			admin := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			sub := redisdiff.DialTLS(t, addr, ts.clientConfig(true))
			var out bytes.Buffer
			out.Write(admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0"))
			out.Write(sub.Do("SUBSCRIBE", "obl"))
			// The subscriber reads nothing while 8 MB are published to it.
			msg := strings.Repeat("m", 64<<10)
			var in []byte
			for range 128 {
				in = append(in, redisdiff.Encode("PUBLISH", "obl", msg)...)
			}
			admin.Send(in)
			for range 128 {
				admin.Read() // :1, then :0 once the subscriber is gone
			}
			out.WriteString(fmt.Sprint("subscriber closed: ", sub.Closed(10*time.Second)))
			out.Write(admin.Do("PUBSUB", "NUMSUB", "obl"))
			out.Write(admin.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"))
			return out.String()
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			want := sc.run(t, rs.Addr)
			got := sc.run(t, addr)
			if got != want {
				t.Errorf("memshard %q\nredis    %q", truncate(got), truncate(want))
			}
		})
	}
}
