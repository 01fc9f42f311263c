package engine

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
)

// A replica built only from the effects the primary records stays equal to
// the primary under random command streams, those with random outcomes
// included (SPOP, SRANDMEMBER and the like must propagate what they did,
// not what they were asked): every key, type, value and expiry, checked
// every 50 commands; and a snapshot of the primary (Dump) rebuilds it.
func TestReplay_RandomStreamsKeepTheReplicaEqual(t *testing.T) {
	seeds := 20
	if s := os.Getenv("MEMSHARD_RANDOM_SEEDS"); s != "" { // to hunt: more seeds
		seeds, _ = strconv.Atoi(s)
	}
	base, _ := strconv.Atoi(os.Getenv("MEMSHARD_RANDOM_SEED_BASE")) // to hunt: new seeds
	for seed := base; seed < base+seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			h := newHarness(t)
			g := cmdgen.New(uint64(seed))
			g.Random, g.NoTransactions = true, true
			for i := range 1500 {
				args, _ := g.Next()
				h.exec(args...)
				if i%50 == 49 {
					h.checkReplica()
				}
			}
			h.checkReplica()

			// A snapshot of the primary (Dump) rebuilds the same keyspace.
			h.replica, h.replicaLoaded = h.loadDump(), true
			h.checkReplica()
		})
	}
}
