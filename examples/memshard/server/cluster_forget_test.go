package server

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// startRedisClusterNode runs redis-server with cluster support, its bus on
// a free port of its own (the default, port+10000, may not exist).
func startRedisClusterNode(t *testing.T) (rs *redisdiff.Server, bus int, c *redisdiff.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bus = l.Addr().(*net.TCPAddr).Port
	l.Close()
	rs = redisdiff.StartWith(t, "--cluster-enabled", "yes", "--cluster-port", fmt.Sprint(bus))
	return rs, bus, dial(t, rs.Addr)
}

// startServingRedisCluster runs a cluster-mode redis-server that serves
// every slot, as memshard's one-shard cluster does, once its cluster
// state is ok.
func startServingRedisCluster(t *testing.T) *redisdiff.Conn {
	t.Helper()
	_, _, rc := startRedisClusterNode(t)
	if got := string(rc.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")); got != "+OK\r\n" {
		t.Fatalf("CLUSTER ADDSLOTSRANGE = %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(rc.Do("CLUSTER", "INFO")), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("redis-server's cluster state never became ok")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rc
}

// CLUSTER FORGET answers as Redis 7.0 does, errors included (the node IDs
// differ, so the replies are compared with each node's own put in), and
// CLUSTER HELP's lines stand where Redis's do. A forgotten replica leaves
// the topology.
func TestClusterForget(t *testing.T) {
	_, _, rc := startRedisClusterNode(t)
	redisID := string(rc.Do("CLUSTER", "MYID"))
	redisID = redisID[strings.Index(redisID, "\r\n")+2 : len(redisID)-2]

	f := newFakeBackend()
	self := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	replica := Node{ID: strings.Repeat("b", 40), Addr: "127.0.0.1:7002"}
	f.setTopology(Topology{Role: "master", Self: self, Primary: self, Replicas: []Node{replica}, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	mc := dial(t, addr)

	for _, argv := range [][]string{
		{"CLUSTER", "FORGET", "MYID"},
		{"CLUSTER", "FORGET", strings.Repeat("c", 40)},
		{"CLUSTER", "FORGET", "abc"},
		{"CLUSTER", "FORGET"},
		{"CLUSTER", "FORGET", "a", "b"},
		{"cluster", "forget", "MYID"},
	} {
		redisArgv, ourArgv := subst(argv, redisID), subst(argv, self.ID)
		want := strings.ReplaceAll(string(rc.Do(redisArgv...)), redisID, "MYID")
		got := strings.ReplaceAll(string(mc.Do(ourArgv...)), self.ID, "MYID")
		if got != want {
			t.Errorf("%q: memshard %q, Redis %q", argv, got, want)
		}
	}

	want := helpLines(t, rc.Do("CLUSTER", "HELP"))
	i := 0
	for _, line := range helpLines(t, mc.Do("CLUSTER", "HELP")) {
		for i < len(want) && want[i] != line {
			i++
		}
		if i == len(want) {
			t.Fatalf("CLUSTER HELP line %q is not in Redis's, or out of its order:\n%s", line, strings.Join(want, "\n"))
		}
		i++
	}
	if got, want := string(mc.Do("COMMAND", "INFO", "cluster|forget")), string(rc.Do("COMMAND", "INFO", "cluster|forget")); got != want {
		t.Errorf("COMMAND INFO cluster|forget: memshard %q, Redis %q", got, want)
	}

	if got := string(mc.Do("CLUSTER", "FORGET", replica.ID)); got != "+OK\r\n" {
		t.Fatalf("CLUSTER FORGET of the replica = %q", got)
	}
	if nodes := string(mc.Do("CLUSTER", "NODES")); strings.Contains(nodes, replica.ID) {
		t.Errorf("CLUSTER NODES after FORGET still lists the replica: %q", nodes)
	}
}

// A replica cannot forget its primary: Redis's error, from a replica of a
// two-node Redis cluster.
func TestClusterForget_ReplicaKeepsItsPrimary(t *testing.T) {
	ra, busA, ca := startRedisClusterNode(t)
	_, _, cb := startRedisClusterNode(t)
	idA := string(ca.Do("CLUSTER", "MYID"))
	idA = idA[strings.Index(idA, "\r\n")+2 : len(idA)-2]
	host, port, _ := net.SplitHostPort(ra.Addr)
	if got := string(cb.Do("CLUSTER", "MEET", host, port, fmt.Sprint(busA))); got != "+OK\r\n" {
		t.Fatalf("CLUSTER MEET = %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(string(cb.Do("CLUSTER", "NODES")), idA+" ") || string(cb.Do("CLUSTER", "REPLICATE", idA)) != "+OK\r\n" {
		if time.Now().After(deadline) {
			t.Fatalf("the second Redis node never became a replica of the first: %q", cb.Do("CLUSTER", "NODES"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	want := strings.ReplaceAll(string(cb.Do("CLUSTER", "FORGET", idA)), idA, "PRIMARY")
	t.Logf("Redis replica: CLUSTER FORGET of its primary = %q", want)

	f := newFakeBackend()
	primary := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	self := Node{ID: strings.Repeat("b", 40), Addr: "127.0.0.1:7002"}
	f.setTopology(Topology{Role: "slave", Self: self, Primary: primary, Replicas: []Node{self}, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	got := strings.ReplaceAll(string(dial(t, addr).Do("CLUSTER", "FORGET", primary.ID)), primary.ID, "PRIMARY")
	if got != want || !strings.HasPrefix(got, "-ERR") {
		t.Errorf("CLUSTER FORGET of the primary on a replica: memshard %q, Redis %q", got, want)
	}
}

// subst replaces the argument "MYID" with id.
func subst(argv []string, id string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "MYID" {
			a = id
		}
		out[i] = a
	}
	return out
}
