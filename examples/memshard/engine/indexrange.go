package engine

// indexRange normalizes the start and end indexes of LRANGE, LTRIM,
// ZRANGE and ZREMRANGEBYRANK against a length n: negative ones count from
// the end, then both are clamped; ok is false if the range is empty.
func indexRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		return 0, 0, false
	}
	if end >= n {
		end = n - 1
	}
	return start, end, true
}
