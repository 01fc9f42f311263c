package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets, as HdrHistogram does:
// values below 2*subBuckets nanoseconds get a bucket each; above, every
// power-of-two range is split into subBuckets equal buckets, so a
// quantile is off by less than 1/subBuckets (0.8%) of its value, p999
// included. It is not safe for concurrent use: give each goroutine its
// own and merge them.
type histogram struct {
	counts []uint64 // grown on demand
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	subBits    = 7
	subBuckets = 1 << subBits
)

func bucketOf(v int64) int {
	if v < 2*subBuckets {
		return int(max(v, 0))
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	return subBuckets + shift*subBuckets + int(v>>shift) - subBuckets
}

// bucketLow returns the smallest value of bucket i.
func bucketLow(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	shift := (i - subBuckets) / subBuckets
	sub := (i - subBuckets) % subBuckets
	return int64(subBuckets+sub) << shift
}

func (h *histogram) record(d time.Duration) {
	i := bucketOf(int64(d))
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
	h.sum += d
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]uint64, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the value below or at which a fraction q of the
// recorded values lie: the highest value of the bucket holding that rank,
// capped at the recorded maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketLow(i+1)-1), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}
