package engine

import (
	"math"
	"math/big"
	"strconv"
)

// INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT, with Redis's number parsing:
// string2ll for integers and string2ld (glibc strtold on x86-64, an 80-bit
// long double) for floats, emulated exactly with math/big.

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
	n, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	incrBy(db, c, n)
}

func incrDecrBy(db *DB, c *Call) {
	n, ok := argInt(c, c.Argv[2], "")
	if !ok {
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
		if v, ok = argInt(c, s, ""); !ok {
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
		e.Value, e.strEnc, e.execArg = val, strEncoded, false
		if db.noSharedInts && e.isSmallInt() {
			e.strEnc = strIntCopy
		}
		db.Touch(string(key))
	} else {
		db.Set(c, string(key), val, 0)
	}
	db.notify(c, NotifyString, "incrby", key)
	c.Out.Int(v)
	c.PropagateAsIs()
}

// incrIncrByFloat is INCRBYFLOAT: long double arithmetic, formatted as
// Redis's ld2string(LD_STR_HUMAN) ("%.17Lf", trailing zeros stripped). It
// propagates as SET key result KEEPTTL.
func incrIncrByFloat(db *DB, c *Call) {
	key := c.Argv[1]
	e := db.Lookup(c, key)
	value := new(big.Float).SetPrec(ldPrec)
	if e != nil {
		s, ok := e.Value.([]byte)
		if !ok {
			c.Out.Error(ErrWrongType)
			return
		}
		if value, ok = parseLongDouble(s); !ok {
			c.Out.Error(ErrNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() || value.IsInf() {
		c.Out.Error("ERR increment would produce NaN or Infinity")
		return
	}
	sum, ok := addLongDouble(value, incr)
	if !ok {
		c.Out.Error("ERR increment would produce NaN or Infinity")
		return
	}
	val := formatLongDouble(sum)
	if e != nil {
		e.Value = val
		db.Touch(string(key))
	} else {
		e = db.Set(c, string(key), val, 0)
	}
	e.strEnc, e.execArg = strFromFloat, false
	// Redis rewrites the command as SET with the new value for its
	// replicas: in EXEC, the transaction holds that value until it ends.
	db.holdForExec(c, e)
	db.notify(c, NotifyString, "incrbyfloat", key)
	c.Out.Bulk(val)
	c.Propagate([]byte("SET"), key, val, []byte("KEEPTTL"))
}
