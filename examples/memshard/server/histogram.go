package server

import (
	"math/bits"
	"sync/atomic"
)

// latencyHistogram counts command durations, in nanoseconds, for INFO
// latencystats. Its buckets are those of the HDR histogram Redis 7.0 keeps
// per command (hdr_init(1, 1e9, 2): two significant decimal digits): 256
// unit-wide sub-buckets below 256 ns, then 128 sub-buckets per power of
// two up to 1 s. Same buckets and the same percentile rule
// (hdr_value_at_percentile) make the figures read as Redis's do, without
// a dependency. It is safe for concurrent use: record is one atomic add,
// and a percentile read while records land sees some of them.
type latencyHistogram struct {
	counts [histLen]atomic.Uint64
}

const (
	histHalfBits  = 7                                 // log2(sub_bucket_half_count)
	histHalfCount = 1 << histHalfBits                 // 128
	histSubCount  = 2 * histHalfCount                 // 256: values below it are exact
	histBuckets   = 23                                // powers of two to reach histMax from histSubCount
	histLen       = (histBuckets + 1) * histHalfCount // 3072 counters, 24 KiB
	histMin       = 1                                 // LATENCY_HISTOGRAM_MIN_VALUE
	histMax       = 1_000_000_000                     // LATENCY_HISTOGRAM_MAX_VALUE: 1 s
)

// histBucket returns v's bucket (the power of two above the unit-wide
// range) and the index of v's counter (HDR's counts_index_for).
func histBucket(v int64) (bucket, index int) {
	bucket = bits.Len64(uint64(v)|(histSubCount-1)) - (histHalfBits + 1)
	sub := int(v >> bucket)
	return bucket, (bucket+1)<<histHalfBits + sub - histHalfCount
}

// record counts one duration, clamped to [1 ns, 1 s] as Redis clamps.
func (h *latencyHistogram) record(nanos int64) {
	nanos = min(max(nanos, histMin), histMax)
	_, i := histBucket(nanos)
	h.counts[i].Add(1)
}

// histSnapshot is a histogram's counts at one moment, to read several
// percentiles from the same counts.
type histSnapshot struct {
	counts [histLen]uint64
	total  uint64
}

// snapshot copies h's counts into s.
func (h *latencyHistogram) snapshot(s *histSnapshot) {
	s.total = 0
	for i := range s.counts {
		s.counts[i] = h.counts[i].Load()
		s.total += s.counts[i]
	}
}

// valueAt returns the duration at percentile p [0-100] in nanoseconds:
// the highest value equivalent to the bucket where the cumulative count
// reaches p% of the total (at least one value), as hdr_value_at_percentile
// does; for p = 0, the lowest value of the first bucket counted. An empty
// histogram gives 0.
func (s *histSnapshot) valueAt(p float64) int64 {
	if s.total == 0 {
		return 0
	}
	want := max(min(uint64(min(p, 100)/100*float64(s.total)+0.5), s.total), 1)
	var sum uint64
	value := int64(0)
	for i := 0; sum < want; i++ {
		sum += s.counts[i]
		value = histValueAt(i)
	}
	if p == 0 {
		return value
	}
	return histHighestEquivalent(value)
}

// cdf is LATENCY HISTOGRAM's histogram_usec: hdr_iter_log from 1024 ns in
// powers of two, each step the highest value equivalent to its level in
// microseconds (1, 2, 4, 8, 16, 33, 66, ...) and the count of values up
// to it, the steps that add nothing left out (fillCommandCDF).
func (s *histSnapshot) cdf() [][2]int64 {
	var out [][2]int64
	level := int64(1024)
	levelLow := histLowestEquivalent(level)
	idx, value, highest := -1, int64(0), int64(0)
	var cum, prev uint64
	moveNext := func() bool {
		idx++
		if idx >= histLen {
			return false
		}
		cum += s.counts[idx]
		value = histValueAt(idx)
		highest = histHighestEquivalent(value)
		return true
	}
	// next is log_iter_next: it stops at the first counter whose value
	// reaches the level, or past the last counter.
	next := func() bool {
		if cum >= s.total && (idx >= histLen || histValueAt(idx+1) <= levelLow) {
			return false
		}
		for value < levelLow {
			if !moveNext() {
				return true
			}
		}
		level *= 2
		levelLow = histLowestEquivalent(level)
		return true
	}
	for next() {
		if cum > prev {
			out = append(out, [2]int64{highest / 1000, int64(cum)})
		}
		prev = cum
	}
	return out
}

// histLowestEquivalent is the lowest value counted with v.
func histLowestEquivalent(v int64) int64 {
	bucket, _ := histBucket(v)
	return v >> bucket << bucket
}

// histValueAt is the lowest value counted at index i (hdr_value_at_index).
func histValueAt(i int) int64 {
	bucket := i>>histHalfBits - 1
	sub := i&(histHalfCount-1) + histHalfCount
	if bucket < 0 {
		sub -= histHalfCount
		bucket = 0
	}
	return int64(sub) << bucket
}

// histHighestEquivalent is the largest value counted with v.
func histHighestEquivalent(v int64) int64 {
	bucket, _ := histBucket(v)
	lowest := v >> bucket << bucket
	return lowest + 1<<bucket - 1
}

// latencyPercentile is one percentile INFO latencystats prints (of
// latency-tracking-info-percentiles): label is "%f" of p with its
// trailing zeros trimmed, as Redis prints it.
type latencyPercentile struct {
	label string
	p     float64
}

// latencyPercentiles are latency-tracking-info-percentiles' default.
var latencyPercentiles = []latencyPercentile{{"50", 50}, {"99", 99}, {"99.9", 99.9}}
