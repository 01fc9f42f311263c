package server

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// aclScenario runs steps on connections to redis-server and memshard
// (conn 0 creates the users, the others log in) and compares the replies.
type aclStep struct {
	conn int
	argv []string
}

func runACLScenario(t *testing.T, steps []aclStep) {
	t.Helper()
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	var rcs, mcs []*redisdiff.Conn
	for _, st := range steps {
		for len(rcs) <= st.conn {
			rcs, mcs = append(rcs, dial(t, rs.Addr)), append(mcs, dial(t, addr))
		}
		want, got := normalizeACL(rcs[st.conn].Do(st.argv...)), normalizeACL(mcs[st.conn].Do(st.argv...))
		want, got = normalizeACLLog(clientFields(normalizeHello(want))), normalizeACLLog(clientFields(normalizeHello(got)))
		if !bytes.Equal(got, want) {
			t.Errorf("conn %d %q:\n got  %q\n want %q (redis-server)", st.conn, st.argv, got, want)
		}
	}
}

// clientFields blanks what differs between two servers' client lines:
// addresses, ports, file descriptors, IDs, ages and buffer sizes.
var clientVarying = regexp.MustCompile(`(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem)=\S*`)

func clientFields(b []byte) []byte {
	out := clientVarying.ReplaceAll(b, []byte("$1=*"))
	if len(out) != len(b) && len(out) > 0 && out[0] == '$' {
		// A bulk string's length changed with it: drop the header.
		if i := bytes.Index(out, []byte("\r\n")); i >= 0 {
			out = out[i+2:]
		}
	}
	return out
}

func s(conn int, argv ...string) aclStep { return aclStep{conn, argv} }

func TestACLAuthDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "SETUSER", "alice", "on", ">pw", "~k*", "+get", "+set", "+client|list", "+client|info", "+acl|whoami"),
		s(0, "ACL", "SETUSER", "bob", "off", ">pw", "allcommands", "allkeys"),
		s(0, "ACL", "SETUSER", "carol", "on", "nopass", "+@all", "-@dangerous", "allkeys", "-client|kill"),
		s(1, "AUTH", "alice", "bad"), s(1, "AUTH", "nosuch", "pw"), s(1, "AUTH", "bob", "pw"), s(1, "AUTH", "pw"),
		s(1, "AUTH", "a", "b", "c"), s(1, "AUTH", "alice", "pw"), s(1, "ACL", "WHOAMI"), s(1, "GET", "k1"),
		s(1, "SET", "k1", "v"), s(1, "GET", "other"), s(1, "SET", "other", "v"), s(1, "DEL", "k1"), s(1, "PING"),
		s(1, "CLIENT", "INFO"), s(1, "CLIENT", "ID"), s(1, "ACL", "LIST"), s(1, "MGET", "k1", "x"), s(1, "NOSUCH"),
		s(1, "GET"), s(1, "CLIENT", "NOSUCH"), s(1, "AUTH", "carol", "anything"), s(1, "ACL", "WHOAMI"),
		s(1, "CLIENT", "KILL", "ID", "999999"), s(1, "FLUSHALL"), s(1, "CONFIG", "GET", "maxclients"), s(1, "SET", "x", "1"),
		s(2, "HELLO", "2", "AUTH", "alice", "bad"), s(2, "HELLO", "2", "AUTH", "alice", "pw", "SETNAME", "n"),
		s(2, "CLIENT", "LIST"), s(2, "ACL", "WHOAMI"), s(2, "RESET"), s(2, "ACL", "WHOAMI"),
		s(0, "ACL", "SETUSER", "default", "resetpass", ">defpw"), s(3, "GET", "k"), s(3, "HELLO", "3"), s(3, "AUTH", "x"),
		s(3, "AUTH", "defpw"), s(3, "ACL", "WHOAMI"), s(4, "HELLO", "3", "AUTH", "default", "defpw"),
		s(0, "ACL", "SETUSER", "default", "nopass"), s(5, "ACL", "WHOAMI"), s(5, "AUTH", "x"),
		s(0, "ACL", "SETUSER", "default", "off"), s(6, "PING"), s(6, "AUTH", "carol", "x"), s(6, "PING"),
		s(0, "ACL", "SETUSER", "default", "on"),
		s(0, "ACL", "SETUSER", "sel", "on", "nopass", "-@all", "+select|0", "+config|get", "(+set ~s*)", "~g*", "+get"),
		s(7, "AUTH", "sel", "x"), s(7, "SELECT", "0"), s(7, "SELECT", "1"), s(7, "CONFIG", "GET", "timeout"),
		s(7, "CONFIG", "SET", "port", "1"), s(7, "SET", "s1", "v"), s(7, "SET", "g1", "v"), s(7, "GET", "s1"), s(7, "GET", "g1"),
		s(0, "ACL", "DRYRUN", "sel", "get", "g1"), s(0, "ACL", "DRYRUN", "sel", "get", "s1"), s(0, "ACL", "DRYRUN", "sel", "set", "s1", "v"),
		s(0, "ACL", "DRYRUN", "sel", "set", "g1", "v"), s(0, "ACL", "DRYRUN", "sel", "client", "id"),
		s(0, "ACL", "DRYRUN", "sel", "client", "nosuch"), s(0, "ACL", "DRYRUN", "sel", "get"), s(0, "ACL", "DRYRUN", "sel", "nosuch"),
		s(0, "ACL", "DRYRUN", "sel", "select", "0"), s(0, "ACL", "DRYRUN", "sel", "select", "2"),
	})
}
