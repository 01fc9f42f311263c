package engine

import (
	"encoding/binary"
	"hash/crc64"
	"math"
	"strconv"
)

// The RDB encoding of lengths and strings, and the footer of a DUMP
// payload, shared by DUMP/RESTORE (rdb_save.go, rdb_load.go) and FUNCTION
// DUMP/RESTORE (function_dump.go): see function_dump.go for the grammar.

// rdbVersion is the RDB format version of Redis 7.0.
const rdbVersion = 10

const (
	rdbEncLZF = 3 // RDB_ENC_LZF, after the 0xC0 of an encoded string
	rdbLenErr = math.MaxUint64
)

// crc64Table is the table of Redis's crc64: the Jones polynomial
// 0xad93d23594c935a9, reflected.
var crc64Table = crc64.MakeTable(0x95ac9329ac4bc9b5)

// redisCRC64 is Redis's crc64(crc, p). Go's crc64 inverts the CRC before
// and after; Redis's does not, so the inversions are undone here.
func redisCRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, crc64Table, p)
}

// appendRDBString is rdbSaveRawString: a string of up to 11 bytes that
// reads as an integer fitting 32 bits is stored as that integer
// (rdbTryIntegerEncoding), one longer than 20 bytes compressed with LZF
// when that saves at least 4 bytes (rdbcompression yes), any other as is.
func appendRDBString(dst, s []byte) []byte {
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok && v == int64(int32(v)) {
			return appendRDBInt(dst, v)
		}
	}
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

// appendRDBInt is rdbEncodeInteger for v, which fits 32 bits.
func appendRDBInt(dst []byte, v int64) []byte {
	switch {
	case v == int64(int8(v)):
		return append(dst, 0xC0, byte(v))
	case v == int64(int16(v)):
		return binary.LittleEndian.AppendUint16(append(dst, 0xC1), uint16(v))
	}
	return binary.LittleEndian.AppendUint32(append(dst, 0xC2), uint32(v))
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

// verifyDumpPayload is Redis's verifyDumpPayload: at least the version and
// the CRC, a version no newer than Redis 7.0's, the CRC right.
func verifyDumpPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return redisCRC64(0, p[:len(p)-8]) == binary.LittleEndian.Uint64(footer[2:])
}

// appendDumpFooter appends the RDB version and the CRC of everything
// before it, ending a DUMP payload.
func appendDumpFooter(b []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, redisCRC64(0, b))
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
		if !ok {
			return 0, false, false
		}
		return uint64(h[0]&0x3f)<<8 | uint64(b[0]), false, true
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
		if !ok || ulen > stringsMaxLen {
			// A compressed string longer than 512 MB (proto-max-bulk-len's
			// default; a constant, so that replicas decide alike) is
			// refused before it is allocated: Redis would try to allocate
			// it, up to 88 times the compressed size.
			return nil, false
		}
		return lzfDecompress(comp, ulen)
	}
	return nil, false
}
