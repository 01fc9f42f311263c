package server

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestACLKeysAndChannelsDiff: key patterns by read and write access (key
// specs' flags), channels, selectors and the NOPERM replies and DRYRUN
// answers they give, compared with redis-server.
func TestACLKeysAndChannelsDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "SETUSER", "k", "on", "nopass", "+@all", "%R~r*", "%W~w*", "~rw*", "resetchannels", "&news.*", "&exact"),
		s(1, "AUTH", "k", "x"),
		s(1, "GET", "r1"), s(1, "GET", "w1"), s(1, "GET", "rw1"), s(1, "SET", "r1", "v"), s(1, "SET", "w1", "v"), s(1, "SET", "rw1", "v"),
		s(1, "APPEND", "w1", "v"), s(1, "APPEND", "rw1", "v"), s(1, "COPY", "r1", "w2"), s(1, "COPY", "w1", "w2"), s(1, "COPY", "rw1", "w3"),
		s(1, "RENAME", "rw1", "rw2"), s(1, "RENAME", "r1", "w1"), s(1, "LMOVE", "rwa", "w1", "LEFT", "RIGHT"), s(1, "DEL", "r1"),
		s(1, "DEL", "w1", "rw2"), s(1, "EXISTS", "r1", "w1"), s(1, "MSET", "w1", "a", "w2", "b"), s(1, "MSET", "w1", "a", "r2", "b"),
		s(1, "MGET", "r1", "rw1"), s(1, "MGET", "r1", "w1"), s(1, "SINTERSTORE", "w1", "r1", "rw1"), s(1, "SINTERSTORE", "r1", "r2"),
		s(1, "ZUNIONSTORE", "w9", "2", "r1", "rw1"), s(1, "ZUNIONSTORE", "w9", "2", "r1", "w1"), s(1, "EVAL", "return 1", "1", "r1"),
		s(1, "EVAL", "return 1", "1", "x1"), s(1, "XREAD", "STREAMS", "r1", "0"), s(1, "XREAD", "STREAMS", "w1", "0"),
		s(1, "SORT", "r1"), s(1, "SORT", "r1", "STORE", "w1"), s(1, "SORT", "r1", "STORE", "r2"), s(1, "BITFIELD", "r1", "GET", "u8", "0"),
		s(1, "BITFIELD", "w1", "SET", "u8", "0", "1"), s(1, "BITFIELD_RO", "r1", "GET", "u8", "0"), s(1, "GEOSEARCHSTORE", "w1", "r1", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
		s(1, "OBJECT", "ENCODING", "r1"), s(1, "OBJECT", "ENCODING", "w1"), s(1, "TYPE", "w1"), s(1, "TOUCH", "w1"), s(1, "EXPIRE", "r1", "10"),
		s(1, "WATCH", "r1"), s(1, "WATCH", "w1"), s(1, "UNWATCH"),
		// Key counts the key specs cannot read: Redis's getkeys_procs read
		// them with atoi.
		s(1, "SINTERCARD", "1.5", "t1"), s(1, "SINTERCARD", "1.5", "rw1"), s(1, "SINTERCARD", "x", "t1"),
		s(1, "ZUNIONSTORE", "t9", "2x", "r1", "rw1"), s(1, "ZUNIONSTORE", "w9", "9", "r1"), s(1, "EVAL", "return 1", " 1", "t1"),
		s(1, "LMPOP", "1abc", "t1", "LEFT"), s(1, "ZINTERCARD", "-1", "t1"),
		s(1, "PUBLISH", "news.a", "m"), s(1, "PUBLISH", "other", "m"), s(1, "SPUBLISH", "exact", "m"), s(1, "SPUBLISH", "exactly", "m"),
		s(2, "AUTH", "k", "x"), s(2, "SUBSCRIBE", "other"), s(2, "SUBSCRIBE", "news.x", "exact"), s(2, "UNSUBSCRIBE", "news.x", "exact"),
		s(2, "PSUBSCRIBE", "news.*"), s(2, "PSUBSCRIBE", "news.a*"), s(2, "PSUBSCRIBE", "news.*", "x"), s(2, "PUNSUBSCRIBE", "news.*", "news.a*"),
		s(2, "SSUBSCRIBE", "exact"), s(2, "SSUBSCRIBE", "nope"), s(2, "SUNSUBSCRIBE"),
		s(0, "ACL", "SETUSER", "sel", "on", "nopass", "-@all", "+get", "~a*", "(+set ~b*)", "(%W~c* +@write)"),
		s(0, "ACL", "DRYRUN", "sel", "get", "a1"), s(0, "ACL", "DRYRUN", "sel", "get", "b1"), s(0, "ACL", "DRYRUN", "sel", "set", "b1", "v"),
		s(0, "ACL", "DRYRUN", "sel", "set", "a1", "v"), s(0, "ACL", "DRYRUN", "sel", "set", "c1", "v"), s(0, "ACL", "DRYRUN", "sel", "set", "c1", "v", "GET"),
		s(0, "ACL", "DRYRUN", "sel", "lpush", "c1", "v"), s(0, "ACL", "DRYRUN", "sel", "lpush", "z1", "v"), s(0, "ACL", "DRYRUN", "sel", "hget", "a1", "f"),
		s(0, "ACL", "DRYRUN", "sel", "mset", "c1", "v", "b1", "v"), s(0, "ACL", "DRYRUN", "k", "publish", "x", "m"), s(0, "ACL", "DRYRUN", "k", "subscribe", "news.1", "y"),
		s(0, "ACL", "DRYRUN", "k", "psubscribe", "news.*"), s(0, "ACL", "DRYRUN", "k", "copy", "r1", "w1"),
		s(3, "AUTH", "sel", "x"), s(3, "GET", "a1"), s(3, "GET", "b1"), s(3, "SET", "b1", "v"), s(3, "SET", "a1", "v"), s(3, "SET", "c1", "v"),
		s(3, "MSET", "c1", "v", "b1", "v"), s(3, "HSET", "z1", "f", "v"), s(3, "PING"),
	})
}

// TestACLLogDiff: ACL LOG's entries for denied commands, keys, channels and
// logins, grouped as Redis groups them, in and out of MULTI; the fields
// that differ between two servers (client addresses, ages) are blanked.
func TestACLLogDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "LOG", "RESET"),
		s(0, "ACL", "SETUSER", "lim", "on", ">pw", "+get", "+multi", "+exec", "+publish", "~a*", "&c"),
		s(1, "AUTH", "lim", "bad"), s(1, "AUTH", "lim", "bad"), s(1, "AUTH", "nosuch", "bad"), s(1, "AUTH", "lim", "pw"),
		s(1, "SET", "a", "v"), s(1, "SET", "a", "v"), s(1, "GET", "b"), s(1, "GET", "a"), s(1, "PUBLISH", "d", "m"),
		s(1, "MULTI"), s(1, "GET", "b"), s(1, "SET", "a", "v"), s(1, "EXEC"), s(1, "HELLO", "2", "AUTH", "lim", "bad"),
		s(0, "ACL", "LOG"), s(0, "ACL", "LOG", "2"), s(0, "ACL", "LOG", "0"), s(0, "ACL", "LOG", "-1"), s(0, "ACL", "LOG", "x"),
		s(0, "ACL", "LOG", "1", "2"), s(0, "ACL", "LOG", "RESET"), s(0, "ACL", "LOG"),
	})
}

// normalizeACLLog blanks an ACL LOG entry's age and the length of its
// client info (whose varying fields clientFields blanks).
var (
	aclLogAge     = regexp.MustCompile(`age-seconds\r\n(,[^\r]*|\$[0-9]+\r\n[^\r]*)\r\n`)
	aclClientInfo = regexp.MustCompile(`\$[0-9]+\r\nid=`)
)

func normalizeACLLog(b []byte) []byte {
	b = aclLogAge.ReplaceAll(b, []byte("age-seconds\r\n*\r\n"))
	return aclClientInfo.ReplaceAll(b, []byte("$*\r\nid="))
}

// TestACLMultiDiff: inside MULTI a denied command is refused at queueing
// (EXECABORT), and a command allowed then but no longer at EXEC gets
// Redis's NOPERM in EXEC's reply, the others running.
func TestACLMultiDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "SETUSER", "m", "on", "nopass", "+@all", "~a*", "~b*", "&c"),
		s(1, "AUTH", "m", "x"),
		s(1, "MULTI"), s(1, "SET", "a1", "v"), s(1, "SET", "z", "v"), s(1, "EXEC"),
		s(1, "MULTI"), s(1, "SET", "a1", "v"), s(1, "GET", "b1"), s(1, "PUBLISH", "c", "m"), s(1, "CLIENT", "ID"), s(1, "INCR", "a2"),
		s(0, "ACL", "SETUSER", "m", "resetkeys", "~a*", "-client", "resetchannels", "-incr"),
		s(1, "EXEC"), s(1, "GET", "a1"), s(1, "GET", "a2"),
		s(0, "ACL", "LOG"),
	})
}

// TestACLScriptsDiff: a script's redis.call of a command or key its caller
// may not use fails with Redis's script error and is logged in context
// lua; redis.acl_check_cmd answers without logging. (memshard's scripts
// cannot PUBLISH at all: no channel case.)
func TestACLScriptsDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "LOG", "RESET"),
		s(0, "ACL", "SETUSER", "sc", "on", "nopass", "+@all", "~a*", "&c", "-hget"),
		s(1, "AUTH", "sc", "x"),
		s(1, "EVAL", "return redis.call('get','b')", "0"), s(1, "EVAL", "return redis.call('hget','a','f')", "0"),
		s(1, "EVAL", "return redis.pcall('get','b')", "0"),
		s(1, "EVAL", "return redis.call('set','a1','v')", "0"), s(1, "EVAL", "return redis.acl_check_cmd('get','b')", "0"),
		s(1, "EVAL", "return redis.acl_check_cmd('hget','a','f')", "0"), s(1, "EVAL", "return redis.acl_check_cmd('get','a')", "0"),
		s(1, "EVAL", "return redis.call('get','a1')", "1", "b"), s(1, "EVAL", "return redis.call('ping')", "0"),
		s(0, "ACL", "LOG"),
	})
}

// TestACLDisconnectsDiff: CLIENT KILL USER kills the clients of a user;
// ACL DELUSER disconnects the clients of the users it deletes, the
// deleting client itself after its reply; a client whose user changes
// stays connected, with the new permissions.
func TestACLDisconnectsDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "SETUSER", "a", "on", "nopass", "+@all", "~*"), s(0, "ACL", "SETUSER", "b", "on", "nopass", "+@all", "~*"),
		s(1, "AUTH", "a", "x"), s(2, "AUTH", "a", "x"), s(3, "AUTH", "b", "x"), s(4, "AUTH", "b", "x"),
		s(0, "CLIENT", "KILL", "USER", "nosuch"), s(0, "CLIENT", "KILL", "USER", "a"), s(0, "CLIENT", "KILL", "USER", "a"),
		s(3, "ACL", "SETUSER", "b", "-get"), s(3, "GET", "k"), s(4, "GET", "k"), s(4, "SET", "k", "v"),
		s(3, "ACL", "DELUSER", "b"), s(0, "CLIENT", "KILL", "USER", "b"), s(0, "ACL", "USERS"),
	})
}

// TestACLDelUserClosesConnections: after ACL DELUSER, a client of the
// deleted user finds its connection closed, and the client that deleted
// its own user gets the reply, then the close; redis-server does the same.
func TestACLDelUserClosesConnections(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, a := range []string{rs.Addr, addr} {
		admin := dial(t, a)
		admin.Do("ACL", "SETUSER", "d", "on", "nopass", "+@all", "~*")
		victim, self := rawAuthed(t, a, "d"), rawAuthed(t, a, "d")
		if _, err := self.Write(redisdiff.Encode("ACL", "DELUSER", "d")); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, self); got != ":1\r\n" {
			t.Errorf("%s: the deleting client read %q, want :1 then the close", a, got)
		}
		if _, err := victim.Write(redisdiff.Encode("PING")); err != nil {
			continue // closed already
		}
		if got := readAll(t, victim); got != "" {
			t.Errorf("%s: the deleted user's client read %q, want the close", a, got)
		}
	}
}

// rawAuthed dials addr and logs in as user (nopass).
func rawAuthed(t *testing.T, addr, user string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if _, err := nc.Write(redisdiff.Encode("AUTH", user, "x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "+OK\r\n" {
		t.Fatalf("AUTH %s on %s = %q, %v", user, addr, buf, err)
	}
	return nc
}

// readAll reads until the connection closes (or 10 s pass).
func readAll(t *testing.T, nc net.Conn) string {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(nc)
	if err != nil && !isReset(err) {
		t.Errorf("reading until the close: %v", err)
	}
	return string(b)
}

// TestACLRevokedChannelsCloseSubscribers: ACL SETUSER that takes away a
// pattern a client of the user is subscribed to disconnects that client,
// as Redis does; clients whose channels are still allowed stay.
func TestACLRevokedChannelsCloseSubscribers(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, a := range []string{rs.Addr, addr} {
		admin := dial(t, a)
		admin.Do("ACL", "SETUSER", "p", "on", "nopass", "+@all", "resetchannels", "&news.*", "&sport")
		kept, byPattern, byChannel := rawAuthed(t, a, "p"), rawAuthed(t, a, "p"), rawAuthed(t, a, "p")
		subscribe := func(nc net.Conn, kind, name string) {
			t.Helper()
			want := fmt.Sprintf("*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:1\r\n", len(kind), kind, len(name), name)
			if _, err := nc.Write(redisdiff.Encode(strings.ToUpper(kind), name)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, len(want))
			if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != want {
				t.Fatalf("%s: %s %s = %q, %v", a, kind, name, buf, err)
			}
		}
		subscribe(kept, "subscribe", "sport")
		subscribe(byPattern, "psubscribe", "news.*")
		subscribe(byChannel, "subscribe", "news.1")
		for _, rules := range [][]string{{"&other"}, {"resetchannels", "&sport", "&news.1"}} {
			if got := string(admin.Do(append([]string{"ACL", "SETUSER", "p"}, rules...)...)); got != "+OK\r\n" {
				t.Fatalf("%s: ACL SETUSER p %q = %q", a, rules, got)
			}
		}
		if got := readAll(t, byPattern); got != "" {
			t.Errorf("%s: the client of a revoked pattern read %q, want the close", a, got)
		}
		for _, nc := range []net.Conn{kept, byChannel} {
			const pong = "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
			if _, err := nc.Write(redisdiff.Encode("PING")); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, len(pong))
			if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != pong {
				t.Errorf("%s: a client whose channel is still allowed: PING = %q, %v", a, buf, err)
			}
		}
	}
}

// TestACLPubsubDefaultDiff: acl-pubsub-default allchannels gives a user
// ACL SETUSER creates, its new selectors and "reset" every channel; the
// users made before keep theirs.
func TestACLPubsubDefaultDiff(t *testing.T) {
	runACLScenario(t, []aclStep{
		s(0, "ACL", "SETUSER", "before", "on"), s(0, "CONFIG", "SET", "acl-pubsub-default", "allchannels"),
		s(0, "ACL", "SETUSER", "after", "on", "(~x +get)"), s(0, "ACL", "SETUSER", "before", "(~y +set)"),
		s(0, "ACL", "SETUSER", "r", "resetchannels", "&c", "reset"), s(0, "ACL", "SETUSER", "n", "&c"),
		s(0, "ACL", "LIST"), s(0, "CONFIG", "SET", "acl-pubsub-default", "resetchannels"),
		s(0, "ACL", "SETUSER", "later", "(~z)"), s(0, "ACL", "SETUSER", "r", "reset"), s(0, "ACL", "LIST"),
		s(0, "CONFIG", "GET", "acl-pubsub-default"),
	})
}
