package server

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// refBucket is the HDR layout worked out the slow way: values below 256
// are exact; above, a value shares its counter with the 2^k values that
// agree with it on their 8 highest bits.
func refBucket(v int64) (lowest, width int64) {
	width = 1
	for v>>1 >= 128*width { // while v >= 256*width
		width *= 2
	}
	return v / width * width, width
}

func TestHistogram_BucketsMatchReference(t *testing.T) {
	check := func(v int64) {
		t.Helper()
		lowest, width := refBucket(v)
		if got := histHighestEquivalent(v); got != lowest+width-1 {
			t.Fatalf("histHighestEquivalent(%d) = %d, want %d", v, got, lowest+width-1)
		}
		_, i := histBucket(v)
		if got := histValueAt(i); got != lowest {
			t.Fatalf("histValueAt(index of %d) = %d, want %d", v, got, lowest)
		}
		if i < 0 || i >= histLen {
			t.Fatalf("index of %d = %d, out of [0, %d)", v, i, histLen)
		}
	}
	for v := int64(0); v < 70000; v++ {
		check(v)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(r.Int64N(histMax) + 1)
	}
	check(histMax)
	// Neighbouring counters hold increasing values, so a walk over the
	// indices is a walk over the values.
	for i := 1; i < histLen; i++ {
		if histValueAt(i) <= histValueAt(i-1) {
			t.Fatalf("histValueAt(%d) = %d after %d", i, histValueAt(i), histValueAt(i-1))
		}
	}
}

// TestHistogram_RedisFigures: durations and the percentiles redis-server
// 7.0.15 printed for them in INFO latencystats (it records microseconds
// times 1000, and 0 as 1 ns).
func TestHistogram_RedisFigures(t *testing.T) {
	for _, tc := range []struct {
		nanos []int64
		want  [3]int64 // p50, p99, p99.9 in ns
	}{
		{[]int64{0}, [3]int64{1, 1, 1}},                     // p50=0.001
		{[]int64{34000}, [3]int64{34047, 34047, 34047}},     // config|resetstat usec=34
		{[]int64{33000}, [3]int64{33023, 33023, 33023}},     // usec=33
		{[]int64{147000}, [3]int64{147455, 147455, 147455}}, // info
		{[]int64{1000, 2000}, [3]int64{1003, 2007, 2007}},   // lpush, usec=3 over 2 calls
		{[]int64{1000, 8000}, [3]int64{1003, 8031, 8031}},   // set, usec=9 over 2 calls
		{[]int64{0, 9000, 0, 0}, [3]int64{1, 9023, 9023}},   // exec
		{[]int64{2e9}, [3]int64{1002438655, 0, 0}},          // clamped to 1 s: its bucket is 2^22 wide
	} {
		var h latencyHistogram
		for _, v := range tc.nanos {
			h.record(v)
		}
		var s histSnapshot
		h.snapshot(&s)
		for i, lp := range latencyPercentiles {
			if tc.want[i] == 0 {
				continue
			}
			if got := s.valueAt(lp.p); got != tc.want[i] {
				t.Errorf("record(%v): p%s = %d, want %d", tc.nanos, lp.label, got, tc.want[i])
			}
		}
	}
}

// TestHistogram_Percentiles: against the exact percentile of the recorded
// values, the histogram's answer is the same value's bucket top: never
// below it, and within 1% above (two significant digits).
func TestHistogram_Percentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 99, 1000, 12345} {
		var h latencyHistogram
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = int64(r.ExpFloat64()*50000) + 1
			h.record(vals[i])
		}
		slices.Sort(vals)
		var s histSnapshot
		h.snapshot(&s)
		for _, p := range []float64{0.1, 1, 50, 90, 99, 99.9, 100} {
			// HDR counts at least one value when p% of the count rounds to none.
			rank := max(min(int(p/100*float64(n)+0.5), n), 1)
			got := s.valueAt(p)
			exact := vals[rank-1]
			if got != histHighestEquivalent(exact) {
				t.Errorf("n=%d p%v = %d, want %d (the bucket top of %d)", n, p, got, histHighestEquivalent(exact), exact)
			}
			if float64(got-exact) > 0.01*float64(exact) {
				t.Errorf("n=%d p%v = %d, more than 1%% above %d", n, p, got, exact)
			}
		}
	}
	var empty histSnapshot
	if got := empty.valueAt(50); got != 0 {
		t.Errorf("empty p50 = %d, want 0", got)
	}
}

// TestHistogram_Concurrent: records from many goroutines all count.
func TestHistogram_Concurrent(t *testing.T) {
	var h latencyHistogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.record(int64(g*1000 + i))
			}
		})
	}
	wg.Wait()
	var s histSnapshot
	h.snapshot(&s)
	if s.total != 8000 {
		t.Fatalf("total = %d, want 8000", s.total)
	}
}
