package shard

import (
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// TestShard_EvictionGoesThroughTheLog: the primary's evictions are DELs in
// the shard log, which the replica applies; the replica, though over the
// same limit, evicts nothing of its own and refuses nothing.
func TestShard_EvictionGoesThroughTheLog(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	r := 1 - p
	for _, argv := range [][]string{
		{"SET", "keep1", "x"}, {"SET", "keep2", "x"},
		{"SET", "vol1", "x", "EX", "1000"}, {"SADD", "vol2", "a"}, {"EXPIRE", "vol2", "2000"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q = %q, %v", argv, got, err)
		}
	}
	limit := engine.Maxmemory{Limit: 1, Policy: engine.VolatileTTL, Samples: 5, Tenacity: 10}
	for _, nd := range ts.nodes {
		nd.s.SetMaxmemory(limit)
	}
	if ts.nodes[r].s.Evict() {
		t.Fatal("the replica says it is out of memory")
	}
	if !ts.nodes[p].s.Evict() {
		t.Fatal("the primary, with no volatile key left, does not say it is out of memory")
	}
	if got, _ := ts.do(p, "EXISTS", "vol1", "vol2", "keep1", "keep2"); got != ":2\r\n" {
		t.Fatalf("EXISTS on the primary after eviction = %q", got)
	}
	ts.waitEveryNode(map[string]string{"EXISTS vol1 vol2": ":0\r\n", "EXISTS keep1 keep2": ":2\r\n", "DBSIZE": ":2\r\n"})

	var dels []string
	recs, _, _ := ts.shardBatches()
	for _, rec := range recs {
		for _, eff := range rec.Effects {
			if strings.EqualFold(string(eff[0]), "DEL") {
				dels = append(dels, string(eff[1]))
			}
		}
	}
	if strings.Join(dels, " ") != "vol1 vol2" {
		t.Fatalf("DELs in the log: %q, want vol1 then vol2 (soonest expiry first)", dels)
	}
	if info := ts.nodes[p].s.Info("stats"); !strings.Contains(info, "evicted_keys:2\r\n") {
		t.Fatalf("primary's INFO stats: %q", info)
	}
	if info := ts.nodes[r].s.Info("stats"); !strings.Contains(info, "evicted_keys:0\r\n") {
		t.Fatalf("replica's INFO stats: %q", info)
	}
}
