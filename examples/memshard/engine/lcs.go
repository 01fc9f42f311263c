package engine

import (
	"sync/atomic"
)

// LCS, as Redis 7.0's lcsCommand computes it: the textbook dynamic
// programming table, then a walk back from its end that builds the common
// subsequence and, for IDX, the ranges of matching bytes, last first.

// maxTransient is proto-max-bulk-len: LCS refuses a table larger than
// that, as Redis does. The server sets it (SetMaxTransient).
var maxTransient atomic.Int64

func init() { maxTransient.Store(512 << 20) }

// SetMaxTransient sets the largest transient allocation a command may make
// (Redis's proto-max-bulk-len, which LCS's table is held to).
func SetMaxTransient(n int64) { maxTransient.Store(n) }

func lcsCommand(db *DB, c *Call) {
	ea, eb := db.lookupRead(c, c.Argv[1]), db.lookupRead(c, c.Argv[2])
	a, aok := stringsValue(ea)
	b, bok := stringsValue(eb)
	if (ea != nil && !aok) || (eb != nil && !bok) {
		c.Out.Error("ERR The specified keys must contain string values")
		return
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		switch opt := c.Argv[j]; {
		case equalFold(opt, "idx"):
			getIdx = true
		case equalFold(opt, "len"):
			getLen = true
		case equalFold(opt, "withmatchlen"):
			withMatchLen = true
		case equalFold(opt, "minmatchlen") && more > 0:
			n, ok := argInt(c, c.Argv[j+1], "")
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.Out.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	if uint64(alen+1)*uint64(blen+1)*4 > uint64(maxTransient.Load()) {
		c.Out.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	w := blen + 1
	lcs := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				lcs[i*w+j] = lcs[(i-1)*w+j-1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i-1)*w+j], lcs[i*w+j-1])
			}
		}
	}
	total := lcs[alen*w+blen]
	if getLen {
		c.Out.Int(int64(total))
		return
	}
	// Walk back, building the subsequence and the ranges of contiguous
	// matches (emitted as they end, so last first).
	result := make([]byte, total)
	idx := total
	type match struct{ aStart, aEnd, bStart, bEnd uint32 }
	var matches []match
	unset := uint32(alen) // aStart == alen: no range open
	aStart, aEnd, bStart, bEnd := unset, uint32(0), uint32(0), uint32(0)
	for i, j := uint32(alen), uint32(blen); i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == unset {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if lcs[(i-1)*uint32(w)+j] > lcs[i*uint32(w)+j-1] {
				i--
			} else {
				j--
			}
			if aStart != unset {
				emit = true
			}
		}
		if emit {
			if n := aEnd - aStart + 1; minMatchLen == 0 || int64(n) >= minMatchLen {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = unset
		}
	}
	if !getIdx {
		c.Out.Bulk(result)
		return
	}
	c.Out.Map(2)
	c.Out.BulkString("matches")
	c.Out.Array(len(matches))
	for _, m := range matches {
		if withMatchLen {
			c.Out.Array(3)
		} else {
			c.Out.Array(2)
		}
		c.Out.Array(2)
		c.Out.Int(int64(m.aStart))
		c.Out.Int(int64(m.aEnd))
		c.Out.Array(2)
		c.Out.Int(int64(m.bStart))
		c.Out.Int(int64(m.bEnd))
		if withMatchLen {
			c.Out.Int(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.Out.BulkString("len")
	c.Out.Int(int64(total))
}
