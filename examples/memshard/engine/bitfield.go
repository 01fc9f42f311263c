package engine

import "math"

// BITFIELD and BITFIELD_RO, as Redis 7.0's bitops.c runs them. The string
// is a bit array, most significant bit first (as SETBIT sees it); a field
// is a signed (i1..i64) or unsigned (u1..u63) integer of that many bits at
// any bit offset. Every operation is parsed before any runs, so an error
// anywhere leaves the value alone and replies only the error.

const errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

// Overflow behaviours, chosen by OVERFLOW for the operations after it.
const (
	bfWrap = iota
	bfSat
	bfFail
)

// Operation kinds.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

// bitfieldOp is one parsed GET, SET or INCRBY.
type bitfieldOp struct {
	kind     int
	overflow int // the OVERFLOW in force when it was parsed
	signed   bool
	bits     uint
	offset   uint64
	arg      int64 // SET's value or INCRBY's increment
}

func bitfieldCommands() []*Command {
	return []*Command{
		{Name: "bitfield", Arity: -2, Flags: []string{FlagWrite, FlagDenyOOM}, FirstKey: 1, LastKey: 1, Step: 1,
			Handler: func(db *DB, c *Call) { bitfieldCommand(db, c, false) }},
		{Name: "bitfield_ro", Arity: -2, Flags: []string{FlagReadOnly, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1,
			Handler: func(db *DB, c *Call) { bitfieldCommand(db, c, true) }},
	}
}

// bitfieldType parses a type such as i16 or u8. Redis reads the width as
// a C string, so it stops at a NUL byte; the sign letter is case-sensitive.
func bitfieldType(c *Call, b []byte) (signed bool, bits uint, ok bool) {
	if len(b) == 0 || (b[0] != 'i' && b[0] != 'u') {
		c.Out.Error(errBitfieldType)
		return false, 0, false
	}
	signed = b[0] == 'i'
	n, ok := parseInt(cString(b[1:]))
	limit := int64(63) // u64 cannot be replied as a signed integer
	if signed {
		limit = 64
	}
	if !ok || n < 1 || n > limit {
		c.Out.Error(errBitfieldType)
		return false, 0, false
	}
	return signed, uint(n), true
}

// bitfieldOffset is bitOffset with BITFIELD's "#n" form, n fields of the
// type's width. The product wraps as Redis's long long multiplication
// does, before the range check.
func bitfieldOffset(c *Call, b []byte, bits uint) (uint64, bool) {
	hash := len(b) > 0 && b[0] == '#'
	if hash {
		b = b[1:]
	}
	off, ok := parseInt(b)
	if hash {
		off *= int64(bits)
	}
	if !ok || off < 0 || off>>3 >= maxTransient.Load() {
		c.Out.Error(errBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// bitfieldParse parses the operations after the key, replying the first
// error it meets. writes reports a SET or INCRBY among them, highest the
// last bit any of those touches (the string must reach it).
func bitfieldParse(c *Call) (ops []bitfieldOp, writes bool, highest uint64, ok bool) {
	overflow := bfWrap
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		rest := len(argv) - j - 1
		op := bitfieldOp{overflow: overflow}
		switch sub := argv[j]; {
		case equalFold(sub, "get") && rest >= 2:
			op.kind = bfGet
		case equalFold(sub, "set") && rest >= 3:
			op.kind = bfSet
		case equalFold(sub, "incrby") && rest >= 3:
			op.kind = bfIncrBy
		case equalFold(sub, "overflow") && rest >= 1:
			j++
			switch name := argv[j]; {
			case equalFold(name, "wrap"):
				overflow = bfWrap
			case equalFold(name, "sat"):
				overflow = bfSat
			case equalFold(name, "fail"):
				overflow = bfFail
			default:
				c.Out.Error("ERR Invalid OVERFLOW type specified")
				return nil, false, 0, false
			}
			continue
		default:
			c.Out.Error(ErrSyntax)
			return nil, false, 0, false
		}
		if op.signed, op.bits, ok = bitfieldType(c, argv[j+1]); !ok {
			return nil, false, 0, false
		}
		if op.offset, ok = bitfieldOffset(c, argv[j+2], op.bits); !ok {
			return nil, false, 0, false
		}
		j += 2
		if op.kind != bfGet {
			writes = true
			highest = max(highest, op.offset+uint64(op.bits)-1)
			j++
			if op.arg, ok = argInt(c, argv[j], ""); !ok {
				return nil, false, 0, false
			}
		}
		ops = append(ops, op)
	}
	return ops, writes, highest, true
}

func bitfieldCommand(db *DB, c *Call, readOnly bool) {
	ops, writes, highest, ok := bitfieldParse(c)
	if !ok {
		return
	}
	key := c.Argv[1]
	var e *Entry
	var v []byte
	created, grown := false, false
	if !writes {
		// Only GETs: Redis looks the key up for reading (a keyspace hit
		// or miss), and a missing key reads as zeros.
		if e, v, ok = stringsRead(db, c, key); !ok {
			return
		}
	} else {
		if readOnly {
			c.Out.Error("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		if e, v, ok = stringsLookup(db, c, key); !ok {
			return
		}
		// Redis makes room for every write before running any, even one
		// OVERFLOW FAIL will refuse: the key is created or grown anyway.
		created = e == nil
		if need := int(highest>>3) + 1; len(v) < need {
			v = append(v, make([]byte, need-len(v))...)
			grown = true
		}
		if e != nil {
			e.strEnc, e.execArg = strRaw, false // dbUnshareStringValue
		}
		if created {
			db.notify(c, NotifyNew, "new", key) // Redis adds the key first
		}
	}

	changes := 0
	c.Out.Array(len(ops))
	for _, op := range ops {
		old := bitfieldRead(v, op.offset, op.bits)
		if op.kind == bfGet {
			c.Out.Int(bitfieldValue(old, op))
			continue
		}
		nv, reply, failed := bitfieldApply(old, op)
		if failed {
			c.Out.NullBulk()
			continue
		}
		c.Out.Int(reply)
		bitfieldWrite(v, op.offset, op.bits, nv)
		if created || grown || nv != old {
			changes++
		}
	}
	if !writes {
		return
	}

	switch {
	case changes > 0:
		if created {
			e, _ = db.store(string(key), v, 0)
			e.strEnc = strRaw
		} else {
			e.Value = v
			db.Touch(string(key))
		}
		db.dirty += uint64(changes - 1) // Redis counts every field changed
		db.notify(c, NotifyString, "setbit", key)
	case created:
		// Every write failed, yet Redis added the zeroed key (dbAdd),
		// neither signalling WATCH nor counting a change.
		db.keys.set(string(key), &Entry{Value: v, lru: db.newAccess(), strEnc: strRaw})
	case grown:
		e.Value = v // likewise grown silently
	default:
		return // nothing changed: nothing to replay
	}
	// Deterministic as sent. Redis propagates nothing when every write
	// failed; a key created or grown that way is propagated here too, so
	// that a replica holds the same value.
	c.PropagateAsIs()
}

// bitfieldRead returns the bits bits at offset off of v as an unsigned
// integer; bits past the end of v read as zeros.
func bitfieldRead(v []byte, off uint64, bits uint) uint64 {
	var x uint64
	for i := uint64(0); i < uint64(bits); i++ {
		bit := off + i
		x <<= 1
		if byteIdx := bit >> 3; byteIdx < uint64(len(v)) && v[byteIdx]&(0x80>>(bit&7)) != 0 {
			x |= 1
		}
	}
	return x
}

// bitfieldWrite stores the low bits bits of x at offset off of v, which
// reaches that far.
func bitfieldWrite(v []byte, off uint64, bits uint, x uint64) {
	for i := uint64(0); i < uint64(bits); i++ {
		bit := off + i
		mask := byte(0x80) >> (bit & 7)
		if x>>(uint64(bits)-1-i)&1 != 0 {
			v[bit>>3] |= mask
		} else {
			v[bit>>3] &^= mask
		}
	}
}

// bitfieldMask has the low bits bits set.
func bitfieldMask(bits uint) uint64 { return math.MaxUint64 >> (64 - bits) }

// bitfieldValue is the integer the raw field x holds under op's type.
func bitfieldValue(x uint64, op bitfieldOp) int64 {
	if op.signed && op.bits < 64 && x>>(op.bits-1)&1 != 0 {
		x |= ^bitfieldMask(op.bits) // sign extension
	}
	return int64(x)
}

// bitfieldApply runs a SET or INCRBY on the field's raw bits old: the new
// raw bits, the reply (SET: the old value; INCRBY: the new one), and
// whether OVERFLOW FAIL refuses it.
func bitfieldApply(old uint64, op bitfieldOp) (nv uint64, reply int64, failed bool) {
	var result int64
	var overflow bool
	switch {
	case op.signed && op.kind == bfSet:
		result, overflow = bitfieldAddSigned(op.arg, 0, op.bits, op.overflow)
	case op.signed:
		result, overflow = bitfieldAddSigned(bitfieldValue(old, op), op.arg, op.bits, op.overflow)
	case op.kind == bfSet:
		// Redis takes the value as unsigned: a negative one overflows
		// upwards (SAT stores the maximum, WRAP its low bits).
		var u uint64
		u, overflow = bitfieldAddUnsigned(uint64(op.arg), 0, op.bits, op.overflow)
		result = int64(u)
	default:
		var u uint64
		u, overflow = bitfieldAddUnsigned(old, op.arg, op.bits, op.overflow)
		result = int64(u)
	}
	if overflow && op.overflow == bfFail {
		return old, 0, true
	}
	nv = uint64(result) & bitfieldMask(op.bits)
	if op.kind == bfSet {
		return nv, bitfieldValue(old, op), false
	}
	return nv, result, false
}

// bitfieldAddSigned adds incr to value in a signed field of bits bits,
// where value is in range or incr is 0 (SET checks its value that way).
// On overflow, SAT gives the nearest limit and WRAP (and FAIL, whose
// result is unused) the sum's low bits, sign-extended.
func bitfieldAddSigned(value, incr int64, bits uint, mode int) (int64, bool) {
	hi := int64(math.MaxInt64 >> (64 - bits))
	lo := -hi - 1
	// Neither hi-incr nor lo-incr can overflow with the sign of incr
	// each is computed for.
	up := incr >= 0 && value > hi-incr
	down := incr <= 0 && value < lo-incr
	// Redis compares with hi-value computed in 64 bits, which wraps
	// negative for a value at or below hi-2^63 (only a SET's can be): it
	// then takes the value for too big, and SAT stores the maximum.
	if bits < 64 && value < 0 && hi-value < 0 {
		up, down = true, false
	}
	switch {
	case !up && !down:
		return value + incr, false
	case mode == bfSat && up:
		return hi, true
	case mode == bfSat:
		return lo, true
	}
	sum := (uint64(value) + uint64(incr)) & bitfieldMask(bits)
	return bitfieldValue(sum, bitfieldOp{signed: true, bits: bits}), true
}

// bitfieldAddUnsigned is bitfieldAddSigned for an unsigned field (at most
// 63 bits), where value may exceed the field only when incr is 0.
func bitfieldAddUnsigned(value uint64, incr int64, bits uint, mode int) (uint64, bool) {
	hi := bitfieldMask(bits)
	// -incr as unsigned is |incr|, math.MinInt64 included.
	up := value > hi || (incr > 0 && uint64(incr) > hi-value)
	down := !up && incr < 0 && uint64(-incr) > value
	switch {
	case !up && !down:
		return value + uint64(incr), false
	case mode == bfSat && up:
		return hi, true
	case mode == bfSat:
		return 0, true
	}
	return (value + uint64(incr)) & hi, true
}
