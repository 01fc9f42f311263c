package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync/atomic"
)

// PFADD, PFCOUNT and PFMERGE: Redis 7.0's HyperLogLog, whose values are
// plain strings that GET returns byte for byte as Redis stores them.
//
// An HLL string starts with a 16-byte header: "HYLL", the encoding (0
// dense, 1 sparse), three unused bytes, and the cached cardinality, a
// little-endian uint64 whose top bit, when set, says the cache is stale.
// Then come the 16384 registers of 6 bits, each the longest run of zero
// bits (plus one) seen in the hashes that chose it:
//
//   - dense: the registers packed in 12288 bytes, each register's bits
//     from the least significant bit of its first byte up;
//   - sparse: run-length opcodes covering the registers in order: ZERO
//     00xxxxxx (1 to 64 zero registers), XZERO 01xxxxxx yyyyyyyy (1 to
//     16384 zero registers, 14 bits), VAL 1vvvvvxx (1 to 4 registers
//     holding 1 to 32), each field holding its count minus one.
//
// A new HLL is sparse; it turns dense for good when a register needs more
// than 32 or when an update would make it longer than hll-sparse-max-bytes.
// The estimate is Ertl's improved estimator over the histogram of register
// values. Values that are not valid HLLs are refused with Redis's errors,
// and corrupted sparse data is read exactly as Redis 7.0.15 (with the
// CVE-2025-32023 bounds checks Debian ships) reads it.
//
// PFADD and PFMERGE propagate as sent. A PFCOUNT of one key that
// recomputes a stale cache writes it into the value, as Redis does, and
// propagates itself so that the replica's bytes match; a client read
// served by a replica (ReadOnlyReplica) answers without writing, so that
// the replica stays equal to what the log built.

const (
	hllP           = 14                            // bits of the hash choosing the register
	hllQ           = 64 - hllP                     // bits left for the zero run
	hllRegisters   = 1 << hllP                     // 16384
	hllHdrSize     = 16                            // "HYLL", encoding, 3 unused, cached cardinality
	hllDenseSize   = hllHdrSize + hllRegisters*6/8 // a dense HLL's exact length
	hllDense       = 0                             // encoding byte of a dense HLL
	hllSparse      = 1                             // encoding byte of a sparse HLL
	hllSeed        = 0xadc83b19                    // the MurmurHash64A seed of the elements
	hllValMax      = 32                            // largest value a VAL opcode holds
	hllValMaxRun   = 4                             // longest run of a VAL opcode
	hllZeroMaxRun  = 64                            // longest run of a ZERO opcode
	hllAlphaInf    = 0.721347520444481703680       // 0.5/ln(2), the estimator's constant
	hllStaleBit    = 0x80                          // in the cardinality's last byte
	hllStaleByte   = hllHdrSize - 1                // the byte holding hllStaleBit
	errHLLInvalid  = "INVALIDOBJ Corrupted HLL object detected"
	errHLLNotAnHLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
)

// hllSparseMaxBytes is hll-sparse-max-bytes: the longest a sparse HLL
// (header included) may grow before it turns dense. The server sets it
// (SetHLLSparseMaxBytes).
var hllSparseMaxBytes atomic.Int64

func init() { hllSparseMaxBytes.Store(3000) }

// SetHLLSparseMaxBytes sets hll-sparse-max-bytes (Redis's default: 3000).
func SetHLLSparseMaxBytes(n int64) { hllSparseMaxBytes.Store(n) }

// hllCommands: PFADD PFCOUNT PFMERGE PFDEBUG.
func hllCommands() []*Command {
	return []*Command{
		{Name: "pfadd", Arity: -2, Flags: []string{FlagWrite, FlagDenyOOM, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: pfaddCommand},
		// Read-only for COMMAND INFO, as in Redis, though it may write the
		// cached cardinality.
		{Name: "pfcount", Arity: -2, Flags: []string{FlagReadOnly}, FirstKey: 1, LastKey: -1, Step: 1, Handler: pfcountCommand,
			MayReplicateFunc: func([][]byte) bool { return true }}, // it may rewrite its keys' cache
		{Name: "pfmerge", Arity: -2, Flags: []string{FlagWrite, FlagDenyOOM}, FirstKey: 1, LastKey: -1, Step: 1, Handler: pfmergeCommand},
		pfdebugCommandDef(), // hll_debug.go
	}
}

// pfaddCommand is PFADD key [element ...]: it creates the key (an empty
// sparse HLL) if missing, adds the elements, and replies 1 if the key was
// created or a register changed, else 0.
func pfaddCommand(db *DB, c *Call) {
	key := c.Argv[1]
	e := db.Lookup(c, key)
	var v []byte
	updated := 0 // registers changed, plus one for a created key
	if e == nil {
		v, updated = hllNew(), 1
	} else {
		var ok bool
		if v, ok = hllOf(c, e); !ok {
			return
		}
		e.strEnc, e.execArg = strRaw, false // dbUnshareStringValue
	}
	for j, ele := range c.Argv[2:] {
		var r int
		v, r = hllAdd(v, ele)
		if r > 0 {
			updated++
		}
		if r < 0 { // corrupted: only an existing key can be
			// Redis keeps what the elements before changed, without
			// signaling the key or counting a change: the replica
			// gets those elements.
			e.Value = v
			if updated > 0 {
				c.PropagateOwned(append([][]byte{c.Argv[0], key}, c.Argv[2:2+j]...))
			}
			c.Out.Error(errHLLInvalid)
			return
		}
	}
	if updated == 0 {
		e.Value = v // unchanged, but it may have made room
		c.Out.Int(0)
		return
	}
	v[hllStaleByte] |= hllStaleBit
	if e == nil {
		db.Set(c, string(key), v, 0).strEnc = strRaw
	} else {
		e.Value = v
		db.Touch(string(key))
	}
	db.dirty += uint64(updated - 1) // Redis counts every register changed
	db.notify(c, NotifyString, "pfadd", key)
	c.PropagateAsIs()
	c.Out.Int(1)
}

// pfcountCommand is PFCOUNT key [key ...]: the estimated cardinality of
// one HLL (from its cache, or computed and cached), or of the union of
// several (missing keys count as empty).
func pfcountCommand(db *DB, c *Call) {
	if len(c.Argv) > 2 {
		// The union of the keys, in a scratch HLL: nothing is written.
		var max [hllRegisters]uint8
		for _, key := range c.Argv[1:] {
			e := db.lookupRead(c, key)
			if e == nil {
				continue // a missing key is an empty HLL
			}
			v, ok := hllOf(c, e)
			if !ok {
				return
			}
			if !hllMergeMax(&max, v) {
				c.Out.Error(errHLLInvalid)
				return
			}
		}
		var h [64]int
		for _, x := range max {
			h[x]++
		}
		c.Out.Int(int64(hllEstimate(&h)))
		return
	}
	key := c.Argv[1]
	e := db.lookupRead(c, key)
	if e == nil {
		c.Out.Int(0)
		return
	}
	v, ok := hllOf(c, e)
	if !ok {
		return
	}
	if !c.ReadOnlyReplica {
		e.strEnc, e.execArg = strRaw, false // dbUnshareStringValue
	}
	if v[hllStaleByte]&hllStaleBit == 0 {
		c.Out.Int(int64(binary.LittleEndian.Uint64(v[8:hllHdrSize])))
		return
	}
	h, valid := hllHistogram(v)
	if !valid {
		c.Out.Error(errHLLInvalid)
		return
	}
	card := hllEstimate(&h)
	if !c.ReadOnlyReplica {
		binary.LittleEndian.PutUint64(v[8:hllHdrSize], card)
		db.Touch(string(key))
		c.PropagateAsIs()
	}
	// As Redis's reply of the unsigned cardinality as a long long: 1<<63
	// (an overflowed estimate) reads as the most negative integer.
	c.Out.Int(int64(card))
}

// pfmergeCommand is PFMERGE destkey [sourcekey ...]: the destination
// (created if missing) takes, register by register, the largest value of
// itself and the sources.
func pfmergeCommand(db *DB, c *Call) {
	// Every key is read, the destination included (it is the first).
	var max [hllRegisters]uint8
	anyDense := false
	for _, key := range c.Argv[1:] {
		e := db.lookupRead(c, key)
		if e == nil {
			continue
		}
		v, ok := hllOf(c, e)
		if !ok {
			return
		}
		anyDense = anyDense || v[4] == hllDense
		if !hllMergeMax(&max, v) {
			c.Out.Error(errHLLInvalid)
			return
		}
	}
	key := string(c.Argv[1])
	e := db.Lookup(c, c.Argv[1])
	var v []byte
	if e == nil {
		v = hllNew()
	} else {
		v = e.Value.([]byte) // checked as a source above
		e.strEnc, e.execArg = strRaw, false
	}
	// The destination turns dense if any key read was dense; else the
	// registers are set one by one into the sparse form, which may still
	// turn dense on the way.
	if anyDense && v[4] == hllSparse {
		d, ok := hllSparseToDense(v)
		if !ok { // not reached: the destination was checked as a source
			c.Out.Error(errHLLInvalid)
			return
		}
		v = d
	}
	for i, x := range max {
		if x == 0 {
			continue
		}
		if v[4] == hllDense {
			hllDenseRaise(v[hllHdrSize:], i, x)
		} else {
			v, _ = hllSparseSet(v, i, x)
		}
	}
	v[hllStaleByte] |= hllStaleBit
	if e == nil {
		db.Set(c, key, v, 0).strEnc = strRaw
	} else {
		e.Value = v
		db.Touch(key)
	}
	// A mass-add of elements, for Redis: PFADD's event.
	db.notifyKey(c, NotifyString, "pfadd", key)
	c.PropagateAsIs()
	c.Out.OK()
}

// hllOf returns e's value if it is a string that may be an HLL: long
// enough for the header, "HYLL", a known encoding, and a dense one's exact
// length (sparse data is checked as it is read). Otherwise it replies
// WRONGTYPE, in Redis's words for a string that is no HLL.
func hllOf(c *Call, e *Entry) ([]byte, bool) {
	v, ok := e.Value.([]byte)
	if !ok {
		c.Out.Error(ErrWrongType)
		return nil, false
	}
	if len(v) < hllHdrSize || string(v[:4]) != "HYLL" || v[4] > hllSparse ||
		(v[4] == hllDense && len(v) != hllDenseSize) {
		c.Out.Error(errHLLNotAnHLL)
		return nil, false
	}
	return v, true
}

// hllNew returns an empty HLL: sparse, one XZERO covering every register,
// cached cardinality 0.
func hllNew() []byte {
	v := make([]byte, hllHdrSize, hllHdrSize+2)
	copy(v, "HYLL")
	v[4] = hllSparse
	return hllAppendZeros(v, hllRegisters)
}

// hllPatLen hashes an element: the register it updates (the low 14 bits)
// and the value it offers, the position of the first set bit in the other
// 50 (1 to 51).
func hllPatLen(ele []byte) (index int, count uint8) {
	h := murmurHash64A(ele, hllSeed)
	index = int(h & (hllRegisters - 1))
	h = h>>hllP | 1<<hllQ // the extra bit ends a run of 50 zeros
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// hllAdd adds an element to the HLL v. It returns the value (a new slice
// if it grew or turned dense) and 1 if a register changed, 0 if not, -1 if
// v is a corrupted sparse HLL.
func hllAdd(v []byte, ele []byte) ([]byte, int) {
	index, count := hllPatLen(ele)
	if v[4] == hllDense {
		if hllDenseRaise(v[hllHdrSize:], index, count) {
			return v, 1
		}
		return v, 0
	}
	return hllSparseSet(v, index, count)
}

// hllDenseGet returns register i of the dense registers r.
func hllDenseGet(r []byte, i int) uint8 {
	b, shift := i*6/8, uint(i*6%8)
	x := uint(r[b]) >> shift
	if b+1 < len(r) {
		x |= uint(r[b+1]) << (8 - shift)
	}
	return uint8(x & 63)
}

// hllDensePut sets register i of the dense registers r to val (0 to 63).
func hllDensePut(r []byte, i int, val uint8) {
	b, shift := i*6/8, uint(i*6%8)
	r[b] = r[b]&^byte(63<<shift) | byte(uint(val)<<shift)
	if b+1 < len(r) {
		r[b+1] = r[b+1]&^byte(63>>(8-shift)) | byte(uint(val)>>(8-shift))
	}
}

// hllDenseRaise sets register i of r to count if it holds less, and
// reports whether it did.
func hllDenseRaise(r []byte, i int, count uint8) bool {
	if count <= hllDenseGet(r, i) {
		return false
	}
	hllDensePut(r, i, count)
	return true
}

// hllTail returns the byte just past v's end. Redis keeps the value in an
// sds string, which has a byte there (a NUL, unless a sparse update wrote
// past the new end: see hllSparseSet), and reads it as the second byte of
// an XZERO opcode that the end of a corrupted value cuts short. Here it is
// the next byte of v's spare capacity, 0 if it has none: string values own
// their whole array, and every other writer leaves the spare bytes zero.
func hllTail(v []byte) byte {
	if cap(v) > len(v) {
		return v[:len(v)+1][len(v)]
	}
	return 0
}

// hllMakeRoom returns v with at least n bytes of spare capacity, the byte
// past its end kept, as sdsMakeRoomFor keeps the NUL.
func hllMakeRoom(v []byte, n int) []byte {
	if cap(v)-len(v) >= n {
		return v
	}
	w := make([]byte, len(v), 2*(len(v)+n))
	copy(w, v)
	w[:len(v)+1][len(v)] = hllTail(v)
	return w
}

// hllOp decodes the sparse opcode at v[i]: its size in bytes, the number
// of registers it covers, and their value (0 for ZERO and XZERO).
func hllOp(v []byte, i int) (size, run int, val uint8) {
	switch op := v[i]; {
	case op&0x80 != 0: // VAL
		return 1, int(op&3) + 1, (op>>2)&0x1f + 1
	case op&0x40 != 0: // XZERO
		second := hllTail(v)
		if i+1 < len(v) {
			second = v[i+1]
		}
		return 2, (int(op&0x3f)<<8 | int(second)) + 1, 0
	default: // ZERO
		return 1, int(op&0x3f) + 1, 0
	}
}

// hllValOp encodes a VAL opcode: run registers (1 to 4) holding val (1 to
// 32).
func hllValOp(val uint8, run int) byte { return 0x80 | (val-1)<<2 | byte(run-1) }

// hllAppendZeros appends the opcode for n zero registers: ZERO up to 64,
// XZERO above.
func hllAppendZeros(seq []byte, n int) []byte {
	if n > hllZeroMaxRun {
		return append(seq, 0x40|byte((n-1)>>8), byte(n-1))
	}
	return append(seq, byte(n-1))
}

// hllSparseRuns calls f for each opcode of the sparse HLL v in order, with
// the first register it covers, how many, and their value; it reports
// whether the opcodes cover exactly the 16384 registers. It stops before
// an opcode that would go past the last register, without calling f.
func hllSparseRuns(v []byte, f func(first, run int, val uint8)) bool {
	idx := 0
	for i := hllHdrSize; i < len(v); {
		size, run, val := hllOp(v, i)
		if idx+run > hllRegisters {
			return false
		}
		f(idx, run, val)
		idx += run
		i += size
	}
	return idx == hllRegisters
}

// hllSparseToDense returns the dense form of the sparse HLL v (its header
// copied, the cached cardinality too), or false if v is corrupted.
func hllSparseToDense(v []byte) ([]byte, bool) {
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllDense
	r := d[hllHdrSize:]
	ok := hllSparseRuns(v, func(first, run int, val uint8) {
		for i := first; val != 0 && i < first+run; i++ {
			hllDensePut(r, i, val)
		}
	})
	return d, ok
}

// hllPromote turns the sparse HLL v dense and raises register index to
// count there (the update that the sparse form could not take). It
// returns 1, or -1 with v as it was if v is corrupted.
func hllPromote(v []byte, index int, count uint8) ([]byte, int) {
	d, ok := hllSparseToDense(v)
	if !ok {
		return v, -1
	}
	hllDenseRaise(d[hllHdrSize:], index, count)
	return d, 1
}

// hllSparseSet raises register index of the sparse HLL v to count if it
// holds less, in place, producing Redis's exact bytes. The opcode covering
// the register is replaced: a VAL or ZERO of one register by a VAL; a run
// of zeros by zeros, the VAL, zeros (the parts that are not empty); a VAL
// run by VAL (old value), the VAL, VAL (old value). Then equal adjacent
// VALs are merged (up to 4 registers), scanning five opcodes from the one
// before the replaced one, and the cache marked stale. A value over 32, or
// a replacement that would grow v past hll-sparse-max-bytes, turns v dense
// instead. It returns the value (a new slice if it grew or turned dense)
// and 1 if the register changed, 0 if not, -1 if v is corrupted (the
// register is past the opcodes' end, or a conversion to dense failed).
func hllSparseSet(v []byte, index int, count uint8) ([]byte, int) {
	if count > hllValMax {
		return hllPromote(v, index, count)
	}
	// Room for the longest replacement (an XZERO's two bytes become five)
	// and the byte past the end; buf sees it all.
	v = hllMakeRoom(v, 4)
	end := len(v)
	buf := v[:cap(v)]

	// The opcode at p covers registers first to first+span-1; prev is the
	// one before it (-1: none).
	p, prev, first, span := hllHdrSize, -1, 0, 0
	for p < end {
		var size int
		size, span, _ = hllOp(v, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += size
		first += span
	}
	if span == 0 || p >= end {
		return v, -1
	}
	size, run, cur := hllOp(v, p)
	isVal, isXZero := v[p]&0x80 != 0, v[p]&0xc0 == 0x40
	switch {
	case isVal && cur >= count:
		return v, 0
	case run == 1 && !isXZero:
		buf[p] = hllValOp(count, 1)
	default:
		last := first + span - 1
		seq := make([]byte, 0, 5)
		if !isVal {
			if index != first {
				seq = hllAppendZeros(seq, index-first)
			}
			seq = append(seq, hllValOp(count, 1))
			if index != last {
				seq = hllAppendZeros(seq, last-index)
			}
		} else {
			if index != first {
				seq = append(seq, hllValOp(cur, index-first))
			}
			seq = append(seq, hllValOp(count, 1))
			if index != last {
				seq = append(seq, hllValOp(cur, last-index))
			}
		}
		delta := len(seq) - size
		if delta > 0 && int64(end+delta) > hllSparseMaxBytes.Load() {
			return hllPromote(v, index, count)
		}
		// Shift what follows, set the new end's NUL, then write the
		// replacement. An XZERO cut short by the end (its second byte was
		// the NUL) has nothing after it: the replacement's last byte lands
		// past the new end, where Redis leaves it too.
		if next := p + size; delta != 0 && next < end {
			copy(buf[next+delta:], buf[next:end])
		}
		buf[end+delta] = 0
		copy(buf[p:], seq)
		end += delta
	}

	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; scan-- {
		if buf[p]&0xc0 == 0x40 {
			p += 2
			continue
		}
		if buf[p]&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && buf[p+1]&0x80 != 0 {
			_, run1, val1 := hllOp(buf, p)
			_, run2, val2 := hllOp(buf, p+1)
			if val1 == val2 && run1+run2 <= hllValMaxRun {
				// The right one takes both runs, the left one goes; the
				// NUL moves down with the rest.
				buf[p+1] = hllValOp(val1, run1+run2)
				copy(buf[p:end], buf[p+1:end+1])
				end--
				buf[end] = 0
				continue // it may merge with the next one too
			}
		}
		p++
	}
	buf[hllStaleByte] |= hllStaleBit
	return buf[:end], 1
}

// hllHistogram counts the registers of the HLL v by value; ok is false if
// v is a corrupted sparse HLL.
func hllHistogram(v []byte) (h [64]int, ok bool) {
	if v[4] == hllDense {
		r := v[hllHdrSize:]
		for i := range hllRegisters {
			h[hllDenseGet(r, i)]++
		}
		return h, true
	}
	ok = hllSparseRuns(v, func(_, run int, val uint8) { h[val] += run })
	return h, ok
}

// hllMergeMax raises each max[i] to register i of the HLL v; false if v is
// a corrupted sparse HLL (max then holds part of it).
func hllMergeMax(max *[hllRegisters]uint8, v []byte) bool {
	if v[4] == hllDense {
		r := v[hllHdrSize:]
		for i := range max {
			if x := hllDenseGet(r, i); x > max[i] {
				max[i] = x
			}
		}
		return true
	}
	return hllSparseRuns(v, func(first, run int, val uint8) {
		for i := first; val != 0 && i < first+run; i++ {
			if val > max[i] {
				max[i] = val
			}
		}
	})
}

// hllEstimate is the cardinality of an HLL whose registers count h[v] of
// each value v: Ertl's improved estimator ("New cardinality estimation
// algorithms for HyperLogLog sketches", arXiv:1702.01284), in Redis's
// order of double operations so that the result is the same integer.
// Values above 51 (only in crafted dense data) count nowhere. The
// conversions to float64 forbid fused multiply-adds, which Redis's build
// for x86-64 does not use.
func hllEstimate(h *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := m * hllTau((m-float64(h[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	e := hllAlphaInf * m * m / z
	// Redis rounds half away from zero to a long long (an estimate out of
	// its range, an infinite one included, becomes its most negative
	// value), then converts through a double to uint64: 1<<63.
	if !(e < 1<<63) {
		return 1 << 63
	}
	return uint64(math.Round(e))
}

// hllSigma is Ertl's σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k-1), summed until
// the sum stops changing.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if z == prev {
			return z
		}
	}
}

// hllTau is Ertl's τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))²·2^-k) / 3,
// summed until the sum stops changing.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		sq := float64(d * d)
		z -= float64(sq * y)
		if z == prev {
			return z / 3
		}
	}
}
