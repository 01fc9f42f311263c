package server

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// A scenario is run on redis-server and on memshard, step by step, on
// several connections (blocking commands, Pub/Sub); the replies each
// connection reads are compared. "blocked N" waits until the server
// reports N blocked clients, so that the order in which clients block
// (which decides who is served first) is the same on both; "until" repeats
// a command on the control connection until it replies as given.
type bstep struct {
	conn int    // 1-based; 0: the control connection
	op   string // do (send, read), send, read, quiet (do, unrecorded), blocked, until, close, upto
	args []string
}

func bdo(conn int, args ...string) bstep    { return bstep{conn: conn, op: "do", args: args} }
func bsend(conn int, args ...string) bstep  { return bstep{conn: conn, op: "send", args: args} }
func bread(conn int) bstep                  { return bstep{conn: conn, op: "read"} }
func bquiet(conn int, args ...string) bstep { return bstep{conn: conn, op: "quiet", args: args} }
func bblocked(n int) bstep                  { return bstep{op: "blocked", args: []string{itoa(n)}} }
func bclose(conn int) bstep                 { return bstep{conn: conn, op: "close"} }

// bupto reads, as one record, everything conn receives up to and
// including a bulk string s: the reply of PING s (RESP3, or outside
// Pub/Sub) or the end of a message s, however the replies before it
// interleave.
func bupto(conn int, s string) bstep { return bstep{conn: conn, op: "upto", args: []string{s}} }

// buntil repeats argv until it replies want (RESP, as redis-server sends it).
func buntil(want string, args ...string) bstep {
	return bstep{op: "until", args: append([]string{want}, args...)}
}

type bscenario struct {
	name  string
	steps []bstep
}

// diffScenarios runs each scenario on a redis-server and a memshard of
// its own and compares what every connection read.
func diffScenarios(t *testing.T, scenarios []bscenario) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			want := runScenario(t, rs.Addr, sc.steps)
			got := runScenario(t, addr, sc.steps)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("memshard:\n%s\nredis-server:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// functionStatsDuration is how long the running function has run, in
// FUNCTION STATS: N in the scenarios.
var functionStatsDuration = regexp.MustCompile(`(duration_ms\r\n:)[0-9]+`)

// monitorLineVolatile is the time and client address of a MONITOR line
// (a script's commands show "lua", which stays).
var monitorLineVolatile = regexp.MustCompile(`^\+[0-9]+\.[0-9]{6} \[0 (lua|[0-9.]+:[0-9]+)\]`)

var clientListVolatile = regexp.MustCompile(`(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem)=[^ ]*`)

// runScenario runs steps on a flushed server and returns, in
// order, each recorded reply with its connection's number. Client IDs
// are written $N in steps; CLIENT LIST and INFO replies keep only what
// both servers share.
func runScenario(t *testing.T, addr string, steps []bstep) []string {
	ctl := dial(t, addr)
	ctl.Do("CLIENT", "UNPAUSE") // if a failed scenario left a pause
	ctl.Do("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")
	ctl.Do("FLUSHALL")
	// The connections of the scenario before may still be closing (a
	// subscriber CLIENT KILL TYPE pubsub would count): wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for infoLineOf(string(ctl.Do("INFO", "clients")), "connected_clients") != "connected_clients:1" {
		if time.Now().After(deadline) {
			t.Fatal("the connections of an earlier scenario are still open")
		}
		time.Sleep(2 * time.Millisecond)
	}
	conns := make([]*redisdiff.Conn, 5)
	conns[0] = ctl
	ids := make([]string, 5)
	for i := 1; i < len(conns); i++ {
		conns[i] = dial(t, addr)
		ids[i] = strings.TrimSpace(strings.TrimPrefix(string(conns[i].Do("CLIENT", "ID")), ":"))
	}
	var out []string
	for _, st := range steps {
		args := make([]string, len(st.args))
		for i, a := range st.args {
			if len(a) == 2 && a[0] == '$' && a[1] >= '1' && a[1] <= '4' { // "$" alone is XREAD's
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
			case len(args) > 1 && args[0] == "INFO" && args[1] == "stats":
				s = infoLineOf(s, "pubsub_channels") + " " + infoLineOf(s, "pubsub_patterns") + " " + infoLineOf(s, "pubsubshard_channels") +
					" " + infoLineOf(s, "tracking_total_keys") + " " + infoLineOf(s, "tracking_total_items") + " " + infoLineOf(s, "tracking_total_prefixes") +
					" " + infoLineOf(s, "evicted_keys")
			case len(args) > 1 && args[0] == "INFO" && args[1] == "memory":
				s = infoLineOf(s, "number_of_cached_scripts") + " " + infoLineOf(s, "number_of_functions") + " " + infoLineOf(s, "number_of_libraries") +
					" " + infoLineOf(s, "maxmemory") + " " + infoLineOf(s, "maxmemory_human") + " " + infoLineOf(s, "maxmemory_policy")
			case len(args) > 0 && args[0] == "INFO":
				s = infoLineOf(s, "blocked_clients") + " " + infoLineOf(s, "tracking_clients")
			case len(args) > 1 && args[0] == "FUNCTION" && args[1] == "STATS":
				s = functionStatsDuration.ReplaceAllString(s, "${1}N")
			}
			s = monitorLineVolatile.ReplaceAllStringFunc(s, func(line string) string {
				if strings.HasSuffix(line, "[0 lua]") {
					return "+T [0 lua]"
				}
				return "+T [0 addr]"
			})
			if showsClientID(args, s) { // written $N too
				for i, id := range ids[1:] {
					s = strings.ReplaceAll(s, ":"+id+"\r\n", fmt.Sprintf(":$%d\r\n", i+1))
					s = strings.ReplaceAll(s, "redir="+id+" ", fmt.Sprintf("redir=$%d ", i+1))
				}
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
		case "upto":
			record(c.ReadUntil(fmt.Appendf(nil, "$%d\r\n%s\r\n", len(args[0]), args[0])))
		case "close":
			c.Close()
		case "blocked":
			waitBlockedClients(t, ctl, args[0])
		case "until":
			deadline := time.Now().Add(10 * time.Second)
			for string(ctl.Do(args[1:]...)) != args[0] {
				if time.Now().After(deadline) {
					t.Fatalf("%q never replied %q", args[1:], args[0])
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	return out
}

// infoLineOf returns the line of INFO reply s for field.
// showsClientID reports whether a reply names a client ID (CLIENT
// TRACKING's redirect target).
func showsClientID(args []string, reply string) bool {
	return len(args) > 1 && args[0] == "CLIENT" && (args[1] == "GETREDIR" || args[1] == "TRACKINGINFO" || args[1] == "LIST") ||
		strings.Contains(reply, "tracking-redir-broken")
}

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

// concatSteps joins the parts of a scenario.
func concatSteps(parts ...[]bstep) []bstep {
	var out []bstep
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// notifyEvents sets notify-keyspace-events from connection 4, unrecorded.
func notifyEvents(flags string) bstep {
	return bquiet(4, "CONFIG", "SET", "notify-keyspace-events", flags)
}

// markEvents publishes m on __keyevent@0__:mark from connection 2 and
// records what subscriber connection 3 received up to it.
func markEvents(m string) []bstep {
	return []bstep{bquiet(2, "PUBLISH", "__keyevent@0__:mark", m), bupto(3, m)}
}
