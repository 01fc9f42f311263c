package server

import (
	"strings"
	"testing"
)

// CLUSTER FAILOVER's arguments and the refusal on a primary answer as
// Redis 7.0 does (a one-node Redis cluster is its own primary).
func TestClusterFailover_AsRedis(t *testing.T) {
	_, _, rc := startRedisClusterNode(t)
	f := newFakeBackend()
	self := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	f.setTopology(Topology{Role: "master", Self: self, Primary: self, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	mc := dial(t, addr)
	for _, argv := range [][]string{
		{"CLUSTER", "FAILOVER"},
		{"CLUSTER", "FAILOVER", "FORCE"},
		{"cluster", "failover", "takeover"},
		{"CLUSTER", "FAILOVER", "foo"},
		{"CLUSTER", "FAILOVER", "a", "b"},
		{"COMMAND", "INFO", "cluster|failover"},
	} {
		if got, want := string(mc.Do(argv...)), string(rc.Do(argv...)); got != want {
			t.Errorf("%q: memshard %q, Redis %q", argv, got, want)
		}
	}
}
