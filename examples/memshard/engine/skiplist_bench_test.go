package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// BenchmarkZAdd is redis-benchmark's ZADD load (-r 1000000): random scores
// and members into one sorted set of up to a million, through the command
// table as the primary and its replicas run it.
func BenchmarkZAdd(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	argvs := make([][][]byte, n)
	for i := range argvs {
		argvs[i] = [][]byte{[]byte("ZADD"), []byte("myzset"), fmt.Appendf(nil, "%d", rng.IntN(1000000)), fmt.Appendf(nil, "element:%012d", rng.IntN(1000000))}
	}
	table, out := NewTable(), resp.NewWriter(2)
	db := New()
	for _, argv := range argvs[:n/2] { // a set of about half a million to start from
		table.Exec(db, &Call{Argv: argv, Out: out})
		out.Reset()
	}
	b.ResetTimer()
	for i := range b.N {
		table.Exec(db, &Call{Argv: argvs[(n/2+i)%n], Out: out})
		out.Reset()
	}
}
