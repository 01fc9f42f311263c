package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogram_BucketsAreContiguous(t *testing.T) {
	for i := 0; i < 5000; i++ {
		lo := bucketLow(i)
		if got := bucketOf(lo); got != i {
			t.Fatalf("bucketOf(bucketLow(%d) = %d) = %d", i, lo, got)
		}
		if got := bucketOf(bucketLow(i+1) - 1); got != i {
			t.Fatalf("bucketOf(bucketLow(%d)-1) = %d, want %d", i+1, got, i)
		}
	}
}

func TestHistogram_QuantilesWithinOnePercent(t *testing.T) {
	var parts [4]histogram
	var all []time.Duration
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		// Log-normal-ish latencies from 10µs to ~1s.
		d := time.Duration(10e3 * (1 + r.ExpFloat64()*r.ExpFloat64()*50))
		if i%1000 == 0 {
			d = time.Duration(r.Int64N(int64(time.Second)))
		}
		parts[i%4].record(d)
		all = append(all, d)
	}
	var m histogram
	for i := range parts {
		m.merge(&parts[i])
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.99, 0.999, 1} {
		want := all[int(q*float64(len(all)))-1]
		got := m.quantile(q)
		if got < want || float64(got-want) > 0.01*float64(want) {
			t.Errorf("quantile(%v) = %v, want %v within 1%%", q, got, want)
		}
	}
	if m.max != all[len(all)-1] || m.min != all[0] || m.n != uint64(len(all)) {
		t.Errorf("max/min/n = %v/%v/%d, want %v/%v/%d", m.max, m.min, m.n, all[len(all)-1], all[0], len(all))
	}
}
