package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// BenchmarkCommandPath measures the server's per-command path (parse,
// dispatch with its permission check, the Standalone backend, reply)
// through a real socket: pipelines of 256 GETs, as the default user (who
// may do anything: the check is skipped) and as a user whose every command
// is checked (a command bit and a key pattern).
func BenchmarkCommandPath(b *testing.B) {
	_, addr := startServer(b, Config{})
	admin := dial(b, addr)
	admin.Do("SET", "k1", "v")
	if got := string(admin.Do("ACL", "SETUSER", "bench", "on", "nopass", "-@all", "+get", "~k*")); got != "+OK\r\n" {
		b.Fatalf("ACL SETUSER = %q", got)
	}
	for _, user := range []string{"default", "bench"} {
		b.Run(user, func(b *testing.B) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			r := bufio.NewReader(nc)
			auth := redisdiff.Encode("AUTH", user, "x")
			if _, err := nc.Write(auth); err != nil {
				b.Fatal(err)
			}
			if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
				b.Fatalf("AUTH %s = %q", user, line)
			}
			const batch = 256
			pipe := bytes.Repeat(redisdiff.Encode("GET", "k1"), batch)
			reply := []byte("$1\r\nv\r\n")
			buf := make([]byte, len(reply)*batch)
			b.ResetTimer()
			for done := 0; done < b.N; done += batch {
				if _, err := nc.Write(pipe); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(r, buf); err != nil {
					b.Fatal(err)
				}
			}
			if !bytes.HasPrefix(buf, reply) {
				b.Fatalf("GET k1 as %s = %q", user, buf[:len(reply)])
			}
		})
	}
}
