package engine

import (
	"fmt"
	"math"
)

// Integer arguments, as Redis 7.0's util.c (string2ll) and object.c
// (get*FromObjectOrReply) parse them.

// parseInt parses b as Redis's string2ll does: an optional '-', no '+',
// no spaces, no leading zeros ("0" itself excepted), no "-0", at most 20
// bytes, within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(d-'0') {
			return 0, false
		}
		v += uint64(d - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to MinInt64, as intended
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// argInt parses an integer argument as getLongLongFromObjectOrReply:
// on failure it replies msg (prefixed "ERR ") or ErrNotInteger.
func argInt(c *Call, b []byte, msg string) (int64, bool) {
	v, ok := parseInt(b)
	if !ok {
		if msg != "" {
			c.Out.Error("ERR " + msg)
		} else {
			c.Out.Error(ErrNotInteger)
		}
	}
	return v, ok
}

// argRange is getRangeLongFromObjectOrReply.
func argRange(c *Call, b []byte, lo, hi int64, msg string) (int64, bool) {
	v, ok := argInt(c, b, msg)
	if !ok {
		return 0, false
	}
	if v < lo || v > hi {
		if msg != "" {
			c.Out.Error("ERR " + msg)
		} else {
			c.Out.Error(fmt.Sprintf("ERR value is out of range, value must between %d and %d", lo, hi))
		}
		return 0, false
	}
	return v, true
}

// argPositive is getPositiveLongFromObjectOrReply.
func argPositive(c *Call, b []byte, msg string) (int64, bool) {
	if msg == "" {
		msg = "value is out of range, must be positive"
	}
	return argRange(c, b, 0, math.MaxInt64, msg)
}

// ParseInt parses b as Redis's string2ll does (see parseInt): for the
// server's commands that take integers as Redis's getLongLongFromObject.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }
