package server

import (
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// A replica this node sees as failed is flagged in CLUSTER NODES
// ("slave,fail", link "disconnected"), reported "failed" by CLUSTER SHARDS,
// and left out of CLUSTER SLOTS, as Redis Cluster does, so that cluster
// clients stop routing reads to it.
func TestClusterFailedReplica(t *testing.T) {
	f := newFakeBackend()
	self := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	live := Node{ID: strings.Repeat("b", 40), Addr: "127.0.0.1:7002", PongMS: 1700000000000}
	dead := Node{ID: strings.Repeat("c", 40), Addr: "127.0.0.1:7003", Failed: true, PongMS: 1690000000000, PingSentMS: 1690000001000}
	f.setTopology(Topology{Role: "master", Self: self, Primary: self, Replicas: []Node{live, dead}, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	c := redisdiff.Dial(t, addr)

	slots := string(c.Do("CLUSTER", "SLOTS"))
	if !strings.Contains(slots, live.ID) || strings.Contains(slots, dead.ID) || !strings.HasPrefix(slots, "*1\r\n*4\r\n:0\r\n:16383\r\n") {
		t.Errorf("CLUSTER SLOTS = %q, want the primary and the live replica only", slots)
	}

	nodes := string(c.Do("CLUSTER", "NODES"))
	for _, want := range []string{
		self.ID + " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-16383\n",
		live.ID + " 127.0.0.1:7002@17002 slave " + self.ID + " 0 1700000000000 0 connected\n",
		dead.ID + " 127.0.0.1:7003@17003 slave,fail " + self.ID + " 1690000001000 1690000000000 0 disconnected\n",
	} {
		if !strings.Contains(nodes, want) {
			t.Errorf("CLUSTER NODES = %q, want a line %q", nodes, want)
		}
	}

	// ROLE and WAIT count only the replicas connected to the primary.
	if got, want := string(c.Do("ROLE")), "*3\r\n$6\r\nmaster\r\n:0\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7002\r\n$1\r\n0\r\n"; got != want {
		t.Errorf("ROLE = %q, want %q", got, want)
	}
	if got := string(c.Do("WAIT", "0", "0")); got != ":1\r\n" {
		t.Errorf("WAIT 0 0 = %q, want :1", got)
	}
	if info := string(c.Do("INFO", "replication")); !strings.Contains(info, "connected_slaves:1\r\nslave0:ip=127.0.0.1,port=7002,") || strings.Contains(info, "slave1:") {
		t.Errorf("INFO replication = %q, want the live replica only", info)
	}

	shards := string(c.Do("CLUSTER", "SHARDS"))
	if strings.Count(shards, "$6\r\nonline\r\n") != 2 || strings.Count(shards, "$6\r\nfailed\r\n") != 1 {
		t.Errorf("CLUSTER SHARDS = %q, want two nodes online and one failed", shards)
	}
}

// The HELP of a container lists, in Redis's words and order, the
// subcommands memshard implements: every line of memshard's reply is a
// line of Redis's, in the same order.
func TestHelpIsRedisSubsequence(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, container := range []string{"CLIENT", "CONFIG", "COMMAND"} {
		want := helpLines(t, rc.Do(container, "HELP"))
		got := helpLines(t, mc.Do(container, "HELP"))
		i := 0
		for _, line := range got {
			for i < len(want) && want[i] != line {
				i++
			}
			if i == len(want) {
				t.Errorf("%s HELP line %q is not in Redis's, or out of its order:\n%s", container, line, strings.Join(want, "\n"))
				break
			}
			i++
		}
	}
}

// helpLines returns the simple strings of a HELP reply (RESP2 array).
func helpLines(t *testing.T, reply []byte) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(string(reply), "\r\n") {
		if strings.HasPrefix(l, "+") {
			lines = append(lines, l[1:])
		}
	}
	if len(lines) == 0 {
		t.Fatalf("not a HELP reply: %q", reply)
	}
	return lines
}
