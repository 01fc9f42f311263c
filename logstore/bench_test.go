package logstore

import (
	"fmt"
	"testing"
)

// BenchmarkApply applies entries of 256 records of 100 bytes spread over 1
// or 256 logs, with a Sync every 1000 entries as raft snapshots would.
func BenchmarkApply(b *testing.B) {
	const perEntry, size = 256, 100
	for _, logs := range []int{1, 256} {
		b.Run(fmt.Sprintf("logs=%d", logs), func(b *testing.B) {
			s := mustOpen(b, Config{Dir: b.TempDir()})
			var ops []Op
			for i := range logs {
				ops = append(ops, createOp(fmt.Sprint(i)))
			}
			mustApply(b, s, 1, ops...)
			ops = ops[:0]
			for i := range logs {
				op := appendOp(fmt.Sprint(i), 0, perEntry/logs, size)
				ops = append(ops, op)
			}
			res := make([]Result, len(ops))
			b.SetBytes(perEntry * size)
			b.ReportAllocs()
			index := uint64(1)
			for b.Loop() {
				index++
				if err := s.Apply(index, ops, res); err != nil {
					b.Fatal(err)
				}
				if index%1000 == 0 {
					mustSync(b, s)
				}
			}
			b.ReportMetric(float64(b.N*perEntry)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkRead reads 256 records at a time from a log of 1M records of
// 100 bytes, walking from the start (sequential) or jumping (random).
func BenchmarkRead(b *testing.B) {
	const n, size, batch = 1_000_000, 100, 256
	s := mustOpen(b, Config{Dir: b.TempDir(), SegmentBytes: 8 << 20})
	var index uint64
	fillLong(b, s, &index, n, size, 10000)
	for _, mode := range []string{"sequential", "random"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			from, x := uint64(1), uint64(12345)
			for b.Loop() {
				if mode == "random" {
					x = x*6364136223846793005 + 1442695040888963407
					from = 1 + (x>>33)%(n-batch)
				}
				recs, err := s.Read("long", from, batch, 1<<20)
				if err != nil || len(recs) != batch {
					b.Fatalf("Read(%d) = %d records, %v", from, len(recs), err)
				}
				if from += batch; from > n-batch {
					from = 1
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
