package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	lat := func(n int) []time.Duration { // 1ms, 2ms, ... n ms
		l := make([]time.Duration, n)
		for i := range l {
			l[i] = time.Duration(i+1) * time.Millisecond
		}
		return l
	}
	for _, tc := range []struct {
		n    int
		p    float64
		want time.Duration
	}{
		{1, 0.5, 1 * time.Millisecond},
		{1, 0.999, 1 * time.Millisecond},
		{2, 0.5, 1 * time.Millisecond},
		{3, 0.5, 2 * time.Millisecond},
		{100, 0.99, 99 * time.Millisecond},
		{1000, 0.999, 999 * time.Millisecond},
		{1001, 0.999, 1000 * time.Millisecond}, // ceil(999.999)
		{200000, 0.5, 100000 * time.Millisecond},
		{200000, 0.99, 198000 * time.Millisecond},
		{200000, 0.999, 199800 * time.Millisecond},
	} {
		r := Result{Latencies: lat(tc.n)}
		if got := r.Percentile(tc.p); got != tc.want {
			t.Errorf("Percentile(%v) of 1..%d ms = %v, want %v", tc.p, tc.n, got, tc.want)
		}
	}
	if got := (&Result{}).Percentile(0.5); got != 0 {
		t.Errorf("Percentile of no latencies = %v, want 0", got)
	}
}

func TestPlain(t *testing.T) {
	r := Result{Done: 4, Failed: 1, Elapsed: 2 * time.Second,
		Latencies: []time.Duration{1500 * time.Microsecond, 2 * time.Millisecond, 2500 * time.Microsecond, 3001 * time.Microsecond}}
	if got, want := r.Plain(), "2 2.000 3.001 3.001 1"; got != want {
		t.Errorf("Plain() = %q, want %q", got, want)
	}
}
