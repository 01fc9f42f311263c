package engine

import (
	"encoding/binary"
	"hash/crc64"
	"math"
	"strconv"
)

// FUNCTION DUMP's payload, in Redis 7.0's format (functionDumpCommand,
// rdbSaveFunctions), which FUNCTION RESTORE reads from memshard and from
// redis-server alike:
//
//	payload := library* | version:u16le | crc:u64le
//	library := 0xF5 (RDB_OPCODE_FUNCTION2) | string (the library's code)
//	         | 0xF6 (RDB_OPCODE_FUNCTION, Redis 7.0's release candidates)
//	           | string (name) | string (engine) | len (has a description)
//	           | [string (description)] | string (code after the shebang)
//	string  := len | bytes
//	         | 0xC0 int8 | 0xC1 int16le | 0xC2 int32le (the decimal digits)
//	         | 0xC3 | len (compressed) | len (uncompressed) | LZF data
//	len     := 00xxxxxx | 01xxxxxx xxxxxxxx | 0x80 u32be | 0x81 u64be
//
// The version is the RDB format's, 10 for Redis 7.0: a payload of a newer
// one is refused. The CRC is Redis's crc64 (Jones polynomial, reflected,
// no initial or final inversion) of everything before it. Redis compresses
// a string longer than 20 bytes with LZF (rdbcompression, on by default)
// when that saves at least 4 bytes, as memshard does.

// rdbVersion is the RDB format version of Redis 7.0.
const rdbVersion = 10

const (
	rdbOpcodeFunction    = 246 // RDB_OPCODE_FUNCTION, before Redis 7.0's release
	rdbOpcodeFunction2   = 245 // RDB_OPCODE_FUNCTION2
	rdbEncLZF            = 3   // RDB_ENC_LZF, after the 0xC0 of an encoded string
	rdbLenErr            = math.MaxUint64
	errBadFunctionDump   = "DUMP payload version or checksum are wrong"
	errBadLibraryPayload = "Failed loading library payload"
)

// crc64Table is the table of Redis's crc64: the Jones polynomial
// 0xad93d23594c935a9, reflected.
var crc64Table = crc64.MakeTable(0x95ac9329ac4bc9b5)

// redisCRC64 is Redis's crc64(crc, p). Go's crc64 inverts the CRC before
// and after; Redis's does not, so the inversions are undone here.
func redisCRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, crc64Table, p)
}

// encodeFunctionPayload returns FUNCTION DUMP's payload for the libraries'
// codes, in order.
func encodeFunctionPayload(codes [][]byte) []byte {
	var b []byte
	for _, code := range codes {
		b = append(b, rdbOpcodeFunction2)
		b = appendRDBString(b, code)
	}
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, redisCRC64(0, b))
}

// appendRDBString is rdbSaveRawString for a library's code. Redis first
// tries to store a string of up to 11 bytes as an integer: a library's
// code starts with "#!", so it never is one.
func appendRDBString(dst, s []byte) []byte {
	if len(s) > 20 {
		if comp := lzfCompress(s, len(s)-4); comp != nil {
			dst = append(dst, 0xC0|rdbEncLZF)
			dst = appendRDBLen(dst, uint64(len(comp)))
			dst = appendRDBLen(dst, uint64(len(s)))
			return append(dst, comp...)
		}
	}
	return append(appendRDBLen(dst, uint64(len(s))), s...)
}

// appendRDBLen is rdbSaveLen.
func appendRDBLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0x81), n)
}

// decodeFunctionPayload returns the codes of the libraries in a FUNCTION
// RESTORE payload, in order, as functionRestoreCommand reads them: after
// the version and checksum check, elements up to the last 10 bytes (a
// string may run into them). err is Redis's error (without its code) for
// what follows the codes returned, "" if nothing does.
func decodeFunctionPayload(data []byte) (codes [][]byte, err string) {
	if !verifyFunctionPayload(data) {
		return nil, errBadFunctionDump
	}
	r := &rdbReader{b: data}
	for len(data)-r.pos > 10 {
		var code []byte
		switch typ := r.b[r.pos]; typ {
		case rdbOpcodeFunction2:
			r.pos++
			var ok bool
			if code, ok = r.str(); !ok {
				return codes, errBadLibraryPayload
			}
		case rdbOpcodeFunction:
			r.pos++
			if code, err = r.preGALibrary(); err != "" {
				return codes, err
			}
		default:
			return codes, "given type is not a function"
		}
		codes = append(codes, code)
	}
	return codes, ""
}

// verifyFunctionPayload is verifyDumpPayload: at least the version and the
// CRC, a version no newer than Redis 7.0's, the CRC right.
func verifyFunctionPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return redisCRC64(0, p[:len(p)-8]) == binary.LittleEndian.Uint64(footer[2:])
}

// preGALibrary reads a library of Redis 7.0's release candidates: its
// name, engine, description and code become the shebang and code a
// library has now (rdbFunctionLoad, which prints them as C strings).
func (r *rdbReader) preGALibrary() ([]byte, string) {
	name, ok := r.str()
	if !ok {
		return nil, "Failed loading library name"
	}
	engine, ok := r.str()
	if !ok {
		return nil, "Failed loading engine name"
	}
	hasDesc, _, ok := r.readLen()
	if !ok || hasDesc == rdbLenErr {
		return nil, "Failed loading library description indicator"
	}
	if hasDesc != 0 {
		if _, ok := r.str(); !ok {
			return nil, "Failed loading library description"
		}
	}
	code, ok := r.str()
	if !ok {
		return nil, "Failed loading library blob"
	}
	out := append([]byte("#!"), cString(engine)...)
	out = append(append(out, " name="...), cString(name)...)
	return append(append(out, '\n'), cString(code)...), ""
}

// rdbReader reads RDB lengths and strings from b, as Redis's rio on a
// buffer: a read past the end fails.
type rdbReader struct {
	b   []byte
	pos int
}

func (r *rdbReader) take(n uint64) ([]byte, bool) {
	if n > uint64(len(r.b)-r.pos) {
		return nil, false
	}
	p := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return p, true
}

// readLen is rdbLoadLenByRef: a length, or (encoded) the type of an encoded
// string.
func (r *rdbReader) readLen() (n uint64, encoded, ok bool) {
	h, ok := r.take(1)
	if !ok {
		return 0, false, false
	}
	switch h[0] >> 6 {
	case 0:
		return uint64(h[0] & 0x3f), false, true
	case 1:
		b, ok := r.take(1)
		return uint64(h[0]&0x3f)<<8 | uint64(b[0]), false, ok
	case 3:
		return uint64(h[0] & 0x3f), true, true
	}
	switch h[0] {
	case 0x80:
		b, ok := r.take(4)
		if !ok {
			return 0, false, false
		}
		return uint64(binary.BigEndian.Uint32(b)), false, true
	case 0x81:
		b, ok := r.take(8)
		if !ok {
			return 0, false, false
		}
		return binary.BigEndian.Uint64(b), false, true
	}
	return 0, false, false
}

// str is rdbGenericLoadStringObject.
func (r *rdbReader) str() ([]byte, bool) {
	n, encoded, ok := r.readLen()
	if !ok {
		return nil, false
	}
	if !encoded {
		b, ok := r.take(n)
		return append([]byte(nil), b...), ok
	}
	var v int64
	switch n {
	case 0, 1, 2: // RDB_ENC_INT8, INT16, INT32, little-endian
		b, ok := r.take(1 << n)
		if !ok {
			return nil, false
		}
		switch n {
		case 0:
			v = int64(int8(b[0]))
		case 1:
			v = int64(int16(binary.LittleEndian.Uint16(b)))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(b)))
		}
		return strconv.AppendInt(nil, v, 10), true
	case rdbEncLZF:
		clen, _, ok1 := r.readLen()
		ulen, _, ok2 := r.readLen()
		if !ok1 || !ok2 || clen == rdbLenErr || ulen == rdbLenErr {
			return nil, false
		}
		comp, ok := r.take(clen)
		if !ok {
			return nil, false
		}
		return lzfDecompress(comp, ulen)
	}
	return nil, false
}

// LZF as Redis builds it (lzf_c.c, lzf_d.c, lzfP.h: HLOG 16, VERY_FAST,
// CHECK_INPUT). Redis leaves the compressor's hash table uninitialised,
// so that a stale entry can, rarely, find another match than a zeroed
// table does: memshard's table starts zeroed.
const (
	lzfHashLog = 16
	lzfMaxLit  = 1 << 5
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = 1<<8 + 1<<3
)

func lzfIndex(h uint32) uint32 { return (h>>(3*8-lzfHashLog) - h*5) & (1<<lzfHashLog - 1) }

// lzfCompress is lzf_compress(in, len(in), out, outLen): the compressed
// bytes, or nil if they would not fit in outLen.
func lzfCompress(in []byte, outLen int) []byte {
	if len(in) < 3 || outLen == 0 {
		return nil // Redis compresses strings of more than 20 bytes only
	}
	var htab [1 << lzfHashLog]int // positions in in; 0 never matches (ref > in_data)
	out := make([]byte, outLen+1)
	ip, op, end := 0, 1, len(in) // op 1: the first literal run starts
	lit := 0
	hval := uint32(in[0])<<8 | uint32(in[1])
	for ip < end-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIndex(hval)
		ref := htab[slot]
		htab[slot] = ip
		if off := ip - ref - 1; off < lzfMaxOff && ip+4 < end && ref > 0 &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			n := 2
			maxlen := min(end-ip-n, lzfMaxRef)
			out[op-lit-1] = byte(lit - 1) // stop the run
			if lit == 0 {
				op-- // undo a run of no literal
			}
			if op+3+1 >= outLen {
				return nil
			}
			// lzf_compress's loop: 16 comparisons unchecked when more
			// than 16 bytes remain, then one at a time up to maxlen.
			matched := false
			if maxlen > 16 {
				matched = true
				for range 16 {
					n++
					if in[ref+n] != in[ip+n] {
						matched = false
						break
					}
				}
			}
			if matched || maxlen <= 16 {
				for {
					n++
					if n >= maxlen || in[ref+n] != in[ip+n] {
						break
					}
				}
			}
			n -= 2 // the match's length - 1
			ip++
			if n < 7 {
				out[op] = byte(off>>8 + n<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(n - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // and a new run starts
			lit = 0
			ip += n + 1
			if ip >= end-2 {
				break
			}
			ip -= 2 // VERY_FAST: hash the match's last two positions
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			for range 2 {
				hval = hval<<8 | uint32(in[ip+2])
				htab[lzfIndex(hval)] = ip
				ip++
			}
			continue
		}
		if op >= outLen {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < end {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end the run
	if lit == 0 {
		op--
	}
	return out[:op]
}

// lzfDecompress is lzf_decompress into exactly n bytes: Redis refuses
// compressed data that does not give the length it says.
func lzfDecompress(in []byte, n uint64) ([]byte, bool) {
	if n == 0 {
		return []byte{}, true // lzf_decompress fails, with 0 bytes: as many as wanted
	}
	// No LZF element gives more than 88 bytes per byte (a 3-byte
	// reference to 264): a longer n cannot come out, so is not allocated.
	if len(in) == 0 || n > 88*uint64(len(in)) {
		return nil, false
	}
	out := make([]byte, 0, n)
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 { // a literal run
			ctrl++
			if uint64(len(out)+ctrl) > n || ip+ctrl > len(in) {
				return nil, false
			}
			out = append(out, in[ip:ip+ctrl]...)
			ip += ctrl
			continue
		}
		length := ctrl >> 5 // a back reference
		ref := len(out) - (ctrl&0x1f)<<8 - 1
		if ip >= len(in) {
			return nil, false
		}
		if length == 7 {
			length += int(in[ip])
			ip++
			if ip >= len(in) {
				return nil, false
			}
		}
		ref -= int(in[ip])
		ip++
		if uint64(len(out)+length+2) > n || ref < 0 {
			return nil, false
		}
		for i := range length + 2 {
			out = append(out, out[ref+i])
		}
	}
	return out, uint64(len(out)) == n
}
