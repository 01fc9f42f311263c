package migrate

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzExchange feeds arbitrary bytes to an exchange as the target's
// replies: it never panics or hangs, and a key counts as migrated only if
// the target's line for it, and those for AUTH and SELECT, are +OK.
func FuzzExchange(f *testing.F) {
	for _, seed := range []string{
		"+OK\r\n+OK\r\n+OK\r\n", "+OK\r\n-BUSYKEY Target key name already exists.\r\n+OK\r\n",
		"-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n",
		"+OK\r\n+OK", "", "\n\n\n", "+OK\n+OK\n+OK\n", "+QUEUED\r\n+OK\r\n+OK\r\n",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, replies []byte, auth bool) {
		client, server := net.Pipe()
		go func() {
			go func() { _, _ = io.Copy(io.Discard, server) }()
			_, _ = server.Write(replies)
			server.Close()
		}()
		defer client.Close()
		cs := &cached{nc: client, r: bufio.NewReaderSize(client, maxLine), lastDB: -1}
		req := Request{Timeout: time.Second, Auth: auth, Password: "pw", Restores: [][][]byte{{[]byte("RESTORE")}, {[]byte("RESTORE")}}}
		x := cs.exchange(req)
		lines := strings.Split(string(replies), "\n")
		for i := range lines {
			lines[i] = strings.TrimSuffix(lines[i], "\r")
		}
		first := 1 // SELECT's reply: lastDB is -1
		if auth {
			first = 2
		}
		for j, acked := range x.acked {
			if !acked {
				continue
			}
			for _, k := range []int{0, first - 1, first + j} {
				if k >= len(lines) || lines[k] != "+OK" {
					t.Fatalf("key %d acked, but reply line %d of %q is not +OK", j, k, replies)
				}
			}
		}
	})
}
