package engine

import (
	"math"
	"math/big"
	"strconv"
)

// INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT, with Redis's number parsing:
// string2ll for integers and string2ld (glibc strtold on x86-64, an 80-bit
// long double) for floats, emulated exactly with math/big.

// incrParseInt parses b as Redis's string2ll does: an optional '-', no '+',
// no spaces, no leading zeros ("0" itself excepted), no "-0", at most 20
// bytes, within int64.
func incrParseInt(b []byte) (int64, bool) {
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

func incrCommands() []*Command {
	return []*Command{
		{Name: "incr", Arity: 2, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: incrIncr},
		{Name: "decr", Arity: 2, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: incrDecr},
		{Name: "incrby", Arity: 3, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: incrIncrBy},
		{Name: "decrby", Arity: 3, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: incrDecrBy},
		{Name: "incrbyfloat", Arity: 3, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: incrIncrByFloat},
	}
}

func incrIncr(db *DB, c *Call) { incrBy(db, c, 1) }
func incrDecr(db *DB, c *Call) { incrBy(db, c, -1) }

func incrIncrBy(db *DB, c *Call) {
	n, ok := incrParseInt(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotInteger)
		return
	}
	incrBy(db, c, n)
}

func incrDecrBy(db *DB, c *Call) {
	n, ok := incrParseInt(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.Out.Error("ERR decrement would overflow")
		return
	}
	incrBy(db, c, -n)
}

// incrBy adds by to the integer at Argv[1] (0 if missing), keeping its TTL.
// The command is deterministic: it propagates as sent.
func incrBy(db *DB, c *Call, by int64) {
	key := c.Argv[1]
	e := db.Lookup(c, key)
	var v int64
	if e != nil {
		s, ok := e.Value.([]byte)
		if !ok {
			c.Out.Error(ErrWrongType)
			return
		}
		if v, ok = incrParseInt(s); !ok {
			c.Out.Error(ErrNotInteger)
			return
		}
	}
	if (by < 0 && v < 0 && by < math.MinInt64-v) || (by > 0 && v > 0 && by > math.MaxInt64-v) {
		c.Out.Error(ErrOverflow)
		return
	}
	v += by
	val := strconv.AppendInt(nil, v, 10)
	if e != nil {
		e.Value = val
		db.Touch(string(key))
	} else {
		db.Set(string(key), val, 0)
	}
	c.Out.Int(v)
	c.PropagateAsIs()
}

// incrIncrByFloat is INCRBYFLOAT: long double arithmetic, formatted as
// Redis's ld2string(LD_STR_HUMAN) ("%.17Lf", trailing zeros stripped). It
// propagates as SET key result KEEPTTL.
func incrIncrByFloat(db *DB, c *Call) {
	key := c.Argv[1]
	e := db.Lookup(c, key)
	value := new(big.Float).SetPrec(incrLDPrec)
	if e != nil {
		s, ok := e.Value.([]byte)
		if !ok {
			c.Out.Error(ErrWrongType)
			return
		}
		if value, ok = incrParseLongDouble(s); !ok {
			c.Out.Error(ErrNotFloat)
			return
		}
	}
	incr, ok := incrParseLongDouble(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() || value.IsInf() {
		c.Out.Error("ERR increment would produce NaN or Infinity")
		return
	}
	sum := new(big.Float).SetPrec(incrLDPrec).SetMode(big.ToNearestEven).Add(value, incr)
	if sum.MantExp(nil) > incrLDMaxExp {
		c.Out.Error("ERR increment would produce NaN or Infinity")
		return
	}
	val := incrFormatLongDouble(sum)
	if e != nil {
		e.Value = val
		db.Touch(string(key))
	} else {
		db.Set(string(key), val, 0)
	}
	c.Out.Bulk(val)
	c.Propagate([]byte("SET"), key, val, []byte("KEEPTTL"))
}
