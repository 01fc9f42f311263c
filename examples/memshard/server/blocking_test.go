package server

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// A blocking scenario is run on redis-server and on memshard, step by
// step, on several connections; the replies each connection reads are
// compared. "blocked N" waits until the server reports N blocked clients,
// so that the order in which clients block (which decides who is served
// first) is the same on both.
type bstep struct {
	conn int    // 1-based; 0: the control connection
	op   string // do (send, read), send, read, quiet (do, unrecorded), blocked, close
	args []string
}

func bdo(conn int, args ...string) bstep    { return bstep{conn: conn, op: "do", args: args} }
func bsend(conn int, args ...string) bstep  { return bstep{conn: conn, op: "send", args: args} }
func bread(conn int) bstep                  { return bstep{conn: conn, op: "read"} }
func bquiet(conn int, args ...string) bstep { return bstep{conn: conn, op: "quiet", args: args} }
func bblocked(n int) bstep                  { return bstep{op: "blocked", args: []string{itoa(n)}} }
func bclose(conn int) bstep                 { return bstep{conn: conn, op: "close"} }

type bscenario struct {
	name  string
	steps []bstep
}

func blockingScenarios() []bscenario {
	return []bscenario{
		{"fifo", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2), bsend(3, "BRPOP", "k", "0"), bblocked(3),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(2), bblocked(1), bdo(4, "EXISTS", "k"),
			bdo(4, "LPUSH", "k", "c", "d"), bread(3), bdo(4, "LRANGE", "k", "0", "-1"),
		}},
		{"first-ready-key", []bstep{
			bsend(1, "BLPOP", "a", "b", "0"), bblocked(1), bsend(2, "BRPOP", "b", "0"), bblocked(2),
			bdo(4, "RPUSH", "b", "x", "y"), bread(1), bread(2), bdo(4, "EXISTS", "a", "b"),
		}},
		{"exec-creation-order", []bstep{
			bsend(1, "BLPOP", "a", "b", "0"), bblocked(1), bsend(2, "BLPOP", "a", "0"), bblocked(2),
			bdo(4, "MULTI"), bdo(4, "RPUSH", "b", "1"), bdo(4, "RPUSH", "a", "2"), bdo(4, "EXEC"),
			bread(1), bread(2),
		}},
		{"exec-created-and-gone", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1),
			bdo(4, "MULTI"), bdo(4, "RPUSH", "k", "a"), bdo(4, "LPOP", "k"), bdo(4, "EXEC"), bblocked(1),
			bdo(4, "RPUSH", "k", "b"), bread(1),
		}},
		{"type-decides", []bstep{
			bsend(1, "BZPOPMIN", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2),
			bdo(4, "RPUSH", "k", "v"), bread(2), bblocked(1), bdo(4, "ZADD", "k", "1.5", "m", "2", "n"), bread(1),
			bdo(4, "ZRANGE", "k", "0", "-1", "WITHSCORES"),
		}},
		{"blmove-chain", []bstep{
			bsend(1, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"), bblocked(1), bsend(2, "BLPOP", "dst", "0"), bblocked(2),
			bdo(4, "RPUSH", "src", "v", "w"), bread(1), bread(2), bdo(4, "LRANGE", "src", "0", "-1"), bdo(4, "EXISTS", "dst"),
		}},
		{"brpoplpush-wrongtype-destination", []bstep{
			bsend(1, "BRPOPLPUSH", "src", "d", "0"), bblocked(1), bsend(2, "BLPOP", "src", "0"), bblocked(2),
			bdo(4, "SET", "d", "x"), bdo(4, "RPUSH", "src", "v"), bread(1), bread(2), bdo(4, "EXISTS", "src"),
		}},
		{"timeouts", []bstep{
			bdo(1, "BLPOP", "k", "0.05"), bdo(1, "BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"), bdo(1, "BZMPOP", "0.02", "1", "z", "MIN"),
			bquiet(2, "HELLO", "3"), bdo(2, "BZPOPMAX", "z", "0.02"), bdo(2, "BRPOPLPUSH", "a", "b", "0.01"),
		}},
		{"client-unblock", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$1"), bread(1),
			bsend(1, "BZPOPMIN", "k", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$1", "ERROR"), bread(1),
			bdo(4, "CLIENT", "UNBLOCK", "$1"), bdo(4, "CLIENT", "UNBLOCK", "$1", "TIMEOUT"),
			bquiet(2, "HELLO", "3"), bsend(2, "BLMOVE", "a", "b", "LEFT", "LEFT", "0"), bblocked(1), bdo(4, "CLIENT", "UNBLOCK", "$2", "timeout"), bread(2),
		}},
		{"pipeline-after-block", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(1, "PING"), bsend(1, "LLEN", "k"),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(1), bread(1),
		}},
		{"mpop-counts", []bstep{
			bsend(1, "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"), bblocked(1), bsend(2, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"), bblocked(2),
			bdo(4, "RPUSH", "b", "1", "2", "3"), bread(1), bdo(4, "ZADD", "z", "1", "a", "2", "b"), bread(2), bdo(4, "LRANGE", "b", "0", "-1"),
		}},
		{"more-waiters-than-elements", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bsend(2, "BLPOP", "k", "0"), bblocked(2), bsend(3, "BLPOP", "k", "0"), bblocked(3),
			bdo(4, "RPUSH", "k", "a", "b"), bread(1), bread(2), bblocked(1), bdo(4, "RPUSH", "k", "c"), bread(3),
		}},
		{"disconnected-client-takes-nothing", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bclose(1), bblocked(0), bdo(4, "RPUSH", "k", "a"), bdo(4, "LRANGE", "k", "0", "-1"),
		}},
		{"rename-and-copy-create", []bstep{
			bsend(1, "BLPOP", "d1", "0"), bblocked(1), bsend(2, "BLPOP", "d2", "0"), bblocked(2), bsend(3, "BLPOP", "d3", "0"), bblocked(3),
			bdo(4, "RPUSH", "s", "a"), bdo(4, "RENAME", "s", "d1"), bread(1),
			bdo(4, "SET", "d2", "x"), bdo(4, "RPUSH", "s", "b"), bdo(4, "RENAME", "s", "d2"), bread(2),
			bdo(4, "RPUSH", "s", "c"), bdo(4, "SET", "d3", "y"), bdo(4, "COPY", "s", "d3", "REPLACE"), bread(3),
		}},
		{"overwrite-is-not-creation", []bstep{
			bsend(1, "BZPOPMIN", "zd", "0"), bblocked(1), bdo(4, "SET", "zd", "x"), bdo(4, "ZADD", "zs", "1", "a"),
			bdo(4, "ZUNIONSTORE", "zd", "1", "zs"), bblocked(1), bdo(4, "DEL", "zd"), bdo(4, "ZADD", "zd", "5", "q"), bread(1),
		}},
		{"multi-does-not-block", []bstep{
			bdo(1, "MULTI"), bdo(1, "RPUSH", "k", "a"), bdo(1, "BLPOP", "k", "0"), bdo(1, "BLPOP", "k", "0"), bdo(1, "BRPOPLPUSH", "k", "j", "0"), bdo(1, "EXEC"),
		}},
		{"client-list-and-info", []bstep{
			bsend(1, "BLPOP", "k", "0"), bblocked(1), bdo(4, "CLIENT", "LIST", "ID", "$1"), bdo(4, "INFO", "clients"),
			bdo(4, "RPUSH", "k", "a"), bread(1), bdo(4, "CLIENT", "LIST", "ID", "$1"), bdo(4, "INFO", "clients"),
		}},
	}
}

// TestDiffBlocking runs the blocking scenarios on redis-server and
// memshard and compares what every connection read.
func TestDiffBlocking(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, sc := range blockingScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			want := runBlockingScenario(t, rs.Addr, sc.steps)
			got := runBlockingScenario(t, addr, sc.steps)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("memshard:\n%s\nredis-server:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

var clientListVolatile = regexp.MustCompile(`(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem)=[^ ]*`)

// runBlockingScenario runs steps on a flushed server and returns, in
// order, each recorded reply with its connection's number. Client IDs
// are written $N in steps; CLIENT LIST and INFO replies keep only what
// both servers share.
func runBlockingScenario(t *testing.T, addr string, steps []bstep) []string {
	ctl := dial(t, addr)
	ctl.Do("FLUSHALL")
	conns := make([]*redisdiff.Conn, 5)
	ids := make([]string, 5)
	for i := 1; i < len(conns); i++ {
		conns[i] = dial(t, addr)
		ids[i] = strings.TrimSpace(strings.TrimPrefix(string(conns[i].Do("CLIENT", "ID")), ":"))
	}
	var out []string
	for _, st := range steps {
		args := make([]string, len(st.args))
		for i, a := range st.args {
			if strings.HasPrefix(a, "$") {
				a = ids[a[1]-'0']
			}
			args[i] = a
		}
		c := conns[st.conn]
		record := func(reply []byte) {
			s := string(reply)
			switch {
			case len(args) > 1 && args[0] == "CLIENT" && args[1] == "LIST":
				s = clientListVolatile.ReplaceAllString(s[strings.Index(s, "\r\n")+2:], "")
			case len(args) > 0 && args[0] == "INFO":
				s = infoLineOf(s, "blocked_clients")
			}
			out = append(out, fmt.Sprintf("%d %q", st.conn, s))
		}
		switch st.op {
		case "do":
			record(c.Do(args...))
		case "quiet":
			c.Do(args...)
		case "send":
			c.Send(redisdiff.Encode(args...))
		case "read":
			record(c.Read())
		case "close":
			c.Close()
		case "blocked":
			waitBlockedClients(t, ctl, args[0])
		}
	}
	return out
}

// infoLineOf returns the line of INFO reply s for field.
func infoLineOf(s, field string) string {
	for _, line := range strings.Split(s, "\r\n") {
		if strings.HasPrefix(line, field+":") {
			return line
		}
	}
	return field + " missing"
}

// waitBlockedClients waits until INFO reports n blocked clients.
func waitBlockedClients(t *testing.T, ctl *redisdiff.Conn, n string) {
	t.Helper()
	want := "blocked_clients:" + n
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := infoLineOf(string(ctl.Do("INFO", "clients")), "blocked_clients")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s, want %s", got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestBlocking_ReadWhileBlockedKeepsLargeInput: what a blocked client
// sends meanwhile, more than one read buffer of it, runs after the
// blocking command, in order.
func TestBlocking_ReadWhileBlockedKeepsLargeInput(t *testing.T) {
	_, addr := startServer(t, Config{})
	c, ctl := dial(t, addr), dial(t, addr)
	c.Send(redisdiff.Encode("BLPOP", "k", "0"))
	waitBlockedClients(t, ctl, "1")
	big := strings.Repeat("x", 3*readSize)
	var pipe bytes.Buffer
	for i := range 20 {
		pipe.Write(redisdiff.Encode("SET", "v"+itoa(i), big))
	}
	pipe.Write(redisdiff.Encode("DBSIZE"))
	c.Send(pipe.Bytes())
	time.Sleep(50 * time.Millisecond) // let the reader take it in while blocked
	if got := string(ctl.Do("DBSIZE")); got != ":0\r\n" {
		t.Fatalf("DBSIZE while blocked = %q: commands ran before the blocking one ended", got)
	}
	ctl.Do("RPUSH", "k", "a")
	if got := string(c.Read()); got != "*2\r\n$1\r\nk\r\n$1\r\na\r\n" {
		t.Fatalf("BLPOP = %q", got)
	}
	for i := range 20 {
		if got := string(c.Read()); got != "+OK\r\n" {
			t.Fatalf("SET %d = %q", i, got)
		}
	}
	if got := string(c.Read()); got != ":20\r\n" {
		t.Fatalf("DBSIZE = %q, want 20", got)
	}
}
