package engine

import (
	"fmt"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
)

// A replica built only from the effects the primary records stays equal to
// the primary under random command streams, those with random outcomes
// included (SPOP, SRANDMEMBER and the like must propagate what they did,
// not what they were asked): every key, type, value and expiry, checked
// every 50 commands.
func TestReplay_RandomStreamsKeepTheReplicaEqual(t *testing.T) {
	for seed := range 20 {
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
		})
	}
}
