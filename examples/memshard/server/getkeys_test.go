package server

import (
	"bytes"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffGetKeysAndFlags: COMMAND GETKEYS and GETKEYSANDFLAGS of
// cmdgen's random command lines (well-formed and not) and of hand-picked
// ones, compared with redis-server's, in RESP2 and RESP3.
func TestDiffGetKeysAndFlags(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	lines := [][]string{
		{"SORT", "k", "BY", "w*", "GET", "#", "STORE", "d1", "STORE", "d2"},
		{"SORT", "k", "LIMIT", "0", "STORE", "STORE", "d"},
		{"SORT_RO", "k", "BY", "nosort", "STORE", "d"},
		{"EVAL", "return 1", "2", "a", "b", "c"}, {"EVAL", "return 1", "0"}, {"EVAL", "return 1", "5", "a"},
		{"FCALL", "f", "1", "a"}, {"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"},
		{"ZUNIONSTORE", "d", "-1", "a"}, {"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"},
		{"XREAD", "STREAMS", "a", "b", "0"}, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
		{"GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d", "STOREDIST", "e"},
		{"LMPOP", "2", "a", "b", "LEFT"}, {"BLMPOP", "0", "2", "a", "b", "LEFT"}, {"MSET", "a", "1", "b", "2"},
		{"MSET", "a", "1", "b"}, {"LMOVE", "a", "b", "LEFT", "RIGHT"}, {"WATCH", "a", "b"}, {"OBJECT", "ENCODING", "k"},
		{"MEMORY", "USAGE", "k"}, {"PING"}, {"GET"}, {"NOSUCH", "a"}, {"SET", "a", "b"}, {"BITFIELD_RO", "k", "GET", "u8", "0"},
		{"SINTERCARD", "2", "a", "b", "LIMIT", "1"}, {"ZDIFF", "3", "a", "b"}, {"PFCOUNT", "a", "b"}, {"SUBSCRIBE", "c"},
		{"PUBLISH", "c", "m"}, {"XINFO", "STREAM", "s"}, {"COMMAND", "INFO"}, {"EXISTS", "a", "b", "c"},
		{"SINTERCARD", "1.5", "k"}, {"ZUNIONSTORE", "d", "1.0", "a"}, {"EVAL", "s", "+1", "a"}, {"EVAL", "s", "01", "a"},
		{"LMPOP", "007", "a", "LEFT"}, {"SET", "k", "v", "GET"}, {"BITFIELD", "k", "GET", "u8", "0"},
		{"MIGRATE", "h", "1", "k", "0", "5"}, {"MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"}, {"MIGRATE", "h", "1", "", "0", "5"},
		{"MIGRATE", "h", "1", "", "0", "5", "AUTH", "keys", "KEYS", "a"}, {"MIGRATE", "h", "1", "", "0", "5", "COPY", "KEYS"},
	}
	g := cmdgen.New(7)
	for range 3000 {
		lines = append(lines, g.Draw().Args)
	}
	for _, proto := range []string{"2", "3"} {
		rc, mc := dial(t, rs.Addr), dial(t, addr)
		rc.Do("HELLO", proto)
		mc.Do("HELLO", proto)
		for _, sub := range []string{"GETKEYS", "GETKEYSANDFLAGS"} {
			for _, line := range lines {
				argv := append([]string{"COMMAND", sub}, line...)
				want, got := rc.Do(argv...), mc.Do(argv...)
				if !bytes.Equal(got, want) {
					t.Errorf("RESP%s %q:\nmemshard: %q\nredis:    %q", proto, argv, got, want)
				}
			}
		}
	}
}

// TestDiffClusterModeCommands: what a Redis Cluster node answers to the
// commands of a node that does not choose its own role.
func TestDiffClusterModeCommands(t *testing.T) {
	rs := redisdiff.StartWith(t, "--cluster-enabled", "yes")
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, argv := range [][]string{
		{"ASKING"}, {"ASKING", "x"}, {"FAILOVER"}, {"FAILOVER", "TO", "127.0.0.1", "1"}, {"FAILOVER", "ABORT"},
		{"REPLICAOF", "NO", "ONE"}, {"SLAVEOF", "127.0.0.1", "1"}, {"REPLICAOF", "x"},
		{"EVAL", "return redis.call('replicaof', 'no', 'one')", "0"},
		{"MULTI"}, {"ASKING"}, {"FAILOVER"}, {"EXEC"},
	} {
		want, got := rc.Do(argv...), mc.Do(argv...)
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, got, want)
		}
	}
}
