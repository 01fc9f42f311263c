package engine

import "math/bits"

// SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP, as Redis 7.0's bitops.c
// computes them. A string is a bit array, most significant bit first; a
// missing key is an empty one. SETBIT and BITOP propagate as sent (they
// are deterministic); their results are raw strings.

const errBitOffset = "ERR bit offset is not an integer or out of range"

// bitOffset is getBitOffsetFromArgument: a non-negative offset whose byte
// is within proto-max-bulk-len.
func bitOffset(c *Call, b []byte) (int64, bool) {
	off, ok := parseInt(b)
	if !ok || off < 0 || off>>3 >= maxTransient.Load() {
		c.Out.Error(errBitOffset)
		return 0, false
	}
	return off, true
}

func setbitCommand(db *DB, c *Call) {
	off, ok := bitOffset(c, c.Argv[2])
	if !ok {
		return
	}
	on, ok := parseInt(c.Argv[3])
	if !ok || (on != 0 && on != 1) {
		c.Out.Error("ERR bit is not an integer or out of range")
		return
	}
	key := c.Argv[1]
	e, v, ok := stringsLookup(db, c, key)
	if !ok {
		return
	}
	byteIdx := int(off >> 3)
	dirty := e == nil || byteIdx >= len(v) // created or grown
	if byteIdx >= len(v) {
		v = append(v, make([]byte, byteIdx+1-len(v))...)
	}
	mask := byte(1) << (7 - uint(off&7))
	old := int64(0)
	if v[byteIdx]&mask != 0 {
		old = 1
	}
	if e != nil {
		e.strEnc, e.execArg = strRaw, false // dbUnshareStringValue, change or not
	}
	if !dirty && old == on {
		// Redis 7.0 signals, counts and propagates nothing for a SETBIT
		// that changes nothing: a WATCH of the key holds.
		c.Out.Int(old)
		return
	}
	if on == 1 {
		v[byteIdx] |= mask
	} else {
		v[byteIdx] &^= mask
	}
	if e == nil {
		e = db.Set(c, string(key), v, 0)
		e.strEnc = strRaw
	} else {
		e.Value = v
		db.Touch(string(key))
	}
	db.notify(c, NotifyString, "setbit", key)
	c.Out.Int(old)
	c.PropagateAsIs()
}

func getbitCommand(db *DB, c *Call) {
	off, ok := bitOffset(c, c.Argv[2])
	if !ok {
		return
	}
	_, v, ok := stringsRead(db, c, c.Argv[1])
	if !ok {
		return
	}
	bit := 0
	if byteIdx := off >> 3; byteIdx < int64(len(v)) && v[byteIdx]&(1<<(7-uint(off&7))) != 0 {
		bit = 1
	}
	c.Out.Int(int64(bit))
}

// bitRange resolves BITCOUNT's and BITPOS's start and end (negative from
// the end, BYTE or BIT units) to a byte range and the masks of the edge
// bits outside it, as both commands do.
func bitRange(start, end int64, strlen int, isBit bool) (s, e int64, firstNeg, lastNeg byte) {
	total := int64(strlen)
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstNeg = ^byte((1 << (8 - uint(start&7))) - 1)
		lastNeg = byte((1 << (7 - uint(end&7))) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstNeg, lastNeg
}

// bitUnit parses BYTE or BIT.
func bitUnit(c *Call, b []byte) (isBit, ok bool) {
	switch {
	case equalFold(b, "bit"):
		return true, true
	case equalFold(b, "byte"):
		return false, true
	}
	c.Out.Error(ErrSyntax)
	return false, false
}

func popcount(b []byte) int64 {
	var n int
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

func bitcountCommand(db *DB, c *Call) {
	e, v, ok := stringsRead(db, c, c.Argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.Out.Int(0)
		return
	}
	var start, end int64
	var firstNeg, lastNeg byte
	switch len(c.Argv) {
	case 4, 5:
		if start, ok = argInt(c, c.Argv[2], ""); !ok {
			return
		}
		if end, ok = argInt(c, c.Argv[3], ""); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.Out.Int(0)
			return
		}
		isBit := false
		if len(c.Argv) == 5 {
			if isBit, ok = bitUnit(c, c.Argv[4]); !ok {
				return
			}
		}
		start, end, firstNeg, lastNeg = bitRange(start, end, len(v), isBit)
	case 2:
		start, end = 0, int64(len(v))-1
	default:
		c.Out.Error(ErrSyntax)
		return
	}
	if start > end {
		c.Out.Int(0)
		return
	}
	n := popcount(v[start : end+1])
	// Bits of the edge bytes outside a BIT range were counted: take them off.
	n -= popcount([]byte{v[start] & firstNeg, v[end] & lastNeg})
	c.Out.Int(n)
}

// firstBit is redisBitpos: the position of the first bit equal to bit in
// b; for a clear bit not found, the position just past b (the string reads
// as zero-padded on the right); for a set bit not found, -1.
func firstBit(b []byte, bit int64) int64 {
	for i, x := range b {
		if bit == 1 && x != 0 {
			return int64(i)<<3 + int64(bits.LeadingZeros8(x))
		}
		if bit == 0 && x != 0xff {
			return int64(i)<<3 + int64(bits.LeadingZeros8(^x))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(b)) << 3
}

func bitposCommand(db *DB, c *Call) {
	bit, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.Out.Error("ERR The bit argument must be 1 or 0.")
		return
	}
	e, v, ok := stringsRead(db, c, c.Argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.Out.Int(map[bool]int64{true: -1, false: 0}[bit == 1])
		return
	}
	var start, end int64
	var firstNeg, lastNeg byte
	endGiven := false
	switch n := len(c.Argv); {
	case n >= 4 && n <= 6:
		if start, ok = argInt(c, c.Argv[3], ""); !ok {
			return
		}
		isBit := false
		if n == 6 {
			if isBit, ok = bitUnit(c, c.Argv[5]); !ok {
				return
			}
		}
		if n >= 5 {
			if end, ok = argInt(c, c.Argv[4], ""); !ok {
				return
			}
			endGiven = true
		} else if isBit {
			end = int64(len(v))<<3 + 7
		} else {
			end = int64(len(v)) - 1
		}
		start, end, firstNeg, lastNeg = bitRange(start, end, len(v), isBit)
	case n == 3:
		start, end = 0, int64(len(v))-1
	default:
		c.Out.Error(ErrSyntax)
		return
	}
	if start > end {
		c.Out.Int(-1)
		return
	}
	bytes := end - start + 1
	pos := func() int64 {
		if firstNeg != 0 {
			tmp := v[start] | firstNeg
			if bit == 1 {
				tmp = v[start] &^ firstNeg
			}
			if lastNeg != 0 && bytes == 1 { // one byte: both edges
				if bit == 1 {
					tmp &^= lastNeg
				} else {
					tmp |= lastNeg
				}
			}
			p := firstBit([]byte{tmp}, bit)
			if bytes == 1 || (p != -1 && p != 8) {
				return p
			}
			start++
			bytes--
		}
		cur := bytes
		if lastNeg != 0 {
			cur--
		}
		if cur > 0 {
			p := firstBit(v[start:start+cur], bit)
			if bytes == cur || (p != -1 && p != cur<<3) {
				return p
			}
			start += cur
			bytes -= cur
		}
		tmp := v[end] | lastNeg
		if bit == 1 {
			tmp = v[end] &^ lastNeg
		}
		return firstBit([]byte{tmp}, bit)
	}()
	// A clear bit past an explicit end is not in the range.
	if endGiven && bit == 0 && pos == bytes<<3 {
		c.Out.Int(-1)
		return
	}
	if pos != -1 {
		pos += start << 3
	}
	c.Out.Int(pos)
}

func bitopCommand(db *DB, c *Call) {
	op := c.Argv[1]
	var not, and, or, xor bool
	switch {
	case equalFold(op, "and"):
		and = true
	case equalFold(op, "or"):
		or = true
	case equalFold(op, "xor"):
		xor = true
	case equalFold(op, "not"):
		not = true
	default:
		c.Out.Error(ErrSyntax)
		return
	}
	if not && len(c.Argv) != 4 {
		c.Out.Error("ERR BITOP NOT must be called with a single source key.")
		return
	}
	srcs := make([][]byte, 0, len(c.Argv)-3)
	maxLen := 0
	for _, k := range c.Argv[3:] {
		_, v, ok := stringsRead(db, c, k)
		if !ok {
			return
		}
		srcs = append(srcs, v)
		maxLen = max(maxLen, len(v))
	}
	dst := string(c.Argv[2])
	if maxLen == 0 {
		if db.Delete(dst) {
			db.notifyKey(c, NotifyGeneric, "del", dst)
			c.PropagateAsIs()
		}
		c.Out.Int(0)
		return
	}
	res := make([]byte, maxLen)
	at := func(s []byte, j int) byte {
		if j < len(s) {
			return s[j]
		}
		return 0
	}
	for j := range res {
		out := at(srcs[0], j)
		if not {
			out = ^out
		}
		for _, s := range srcs[1:] {
			switch b := at(s, j); {
			case and:
				out &= b
			case or:
				out |= b
			case xor:
				out ^= b
			}
		}
		res[j] = out
	}
	db.Set(c, dst, res, 0).strEnc = strRaw
	db.notifyKey(c, NotifyString, "set", dst)
	c.PropagateAsIs()
	c.Out.Int(int64(maxLen))
}
