package engine

import (
	"encoding/binary"
	"strconv"
)

// Listpacks as Redis 7.0 lays them out (listpack.c), which DUMP writes
// and RESTORE reads:
//
//	listpack := total:u32le | count:u16le (65535: unknown) | entry* | 0xFF
//	entry    := encoding+data | backlen (the size of encoding+data, 7 bits
//	            a byte from the last, every byte but the first flagged 0x80)
//	encoding := 0xxxxxxx (uint7) | 10xxxxxx data (string < 64 bytes)
//	          | 110xxxxx x (int13) | 1110xxxx x data (string < 4096)
//	          | 0xF1 int16le | 0xF2 int24le | 0xF3 int32le | 0xF4 int64le
//	          | 0xF0 len:u32le data (string)
//
// A string that reads as an integer (string2ll) is stored as that integer,
// in the smallest encoding: the same elements give the same bytes whatever
// the edits that produced them.

const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
	lpNumUnknown = 65535
)

// lpWriter builds a listpack.
type lpWriter struct {
	b []byte
	n int
}

func newLPWriter() *lpWriter { return &lpWriter{b: make([]byte, lpHeaderSize, 64)} }

// str appends s, as an integer if it reads as one.
func (w *lpWriter) str(s string) {
	if v, ok := parseInt([]byte(s)); ok {
		w.int(v)
		return
	}
	start := len(w.b)
	switch l := len(s); {
	case l < 64:
		w.b = append(w.b, 0x80|byte(l))
	case l < 4096:
		w.b = append(w.b, 0xE0|byte(l>>8), byte(l))
	default:
		w.b = binary.LittleEndian.AppendUint32(append(w.b, 0xF0), uint32(l))
	}
	w.b = append(w.b, s...)
	w.backlen(len(w.b) - start)
}

// int appends v in the smallest integer encoding.
func (w *lpWriter) int(v int64) {
	start := len(w.b)
	switch {
	case v >= 0 && v <= 127:
		w.b = append(w.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		w.b = append(w.b, 0xC0|byte(u>>8), byte(u))
	case v >= -32768 && v <= 32767:
		w.b = binary.LittleEndian.AppendUint16(append(w.b, 0xF1), uint16(v))
	case v >= -8388608 && v <= 8388607:
		u := uint32(v)
		w.b = append(w.b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case v >= -2147483648 && v <= 2147483647:
		w.b = binary.LittleEndian.AppendUint32(append(w.b, 0xF3), uint32(v))
	default:
		w.b = binary.LittleEndian.AppendUint64(append(w.b, 0xF4), uint64(v))
	}
	w.backlen(len(w.b) - start)
}

// backlen is lpEncodeBacklen.
func (w *lpWriter) backlen(l int) {
	w.n++
	switch n := lpBacklen(l); n {
	case 1:
		w.b = append(w.b, byte(l))
	default:
		w.b = append(w.b, byte(l>>(7*(n-1))))
		for i := n - 2; i >= 0; i-- {
			w.b = append(w.b, byte(l>>(7*i))&127|128)
		}
	}
}

// size is the listpack's size once finished.
func (w *lpWriter) size() int { return len(w.b) + 1 }

// finish returns the listpack: its end byte and header written.
func (w *lpWriter) finish() []byte {
	w.b = append(w.b, lpEOF)
	binary.LittleEndian.PutUint32(w.b, uint32(len(w.b)))
	binary.LittleEndian.PutUint16(w.b[4:], uint16(min(w.n, lpNumUnknown)))
	return w.b
}

// lpElem is one listpack element: an integer (isInt) or a string.
type lpElem struct {
	s     []byte
	v     int64
	isInt bool
}

// String returns the element as Redis replies it.
func (e lpElem) String() string {
	if e.isInt {
		return strconv.FormatInt(e.v, 10)
	}
	return string(e.s)
}

// lpDecode returns the elements of the listpack p, or false unless p is
// a valid one: lpValidateIntegrity with deep validation (header size and
// count, every entry's encoding, bounds and back-length, the end byte
// right after the last entry). The strings point into p.
func lpDecode(p []byte) ([]lpElem, bool) {
	if len(p) < lpHeaderSize+1 || int(binary.LittleEndian.Uint32(p)) != len(p) || p[len(p)-1] != lpEOF {
		return nil, false
	}
	numele := int(binary.LittleEndian.Uint16(p[4:]))
	var out []lpElem
	end := len(p) - 1
	for i := lpHeaderSize; i < end; {
		e, size, ok := lpEntry(p[i:end])
		if !ok {
			return nil, false
		}
		bl := lpBacklen(size)
		if i+size+bl > end || lpReadBacklen(p[i+size:i+size+bl]) != size {
			return nil, false
		}
		out = append(out, e)
		i += size + bl
	}
	if numele != lpNumUnknown && numele != len(out) {
		return nil, false
	}
	return out, true
}

// lpEntry decodes the encoding and data of the entry at the start of p:
// the element and the size of encoding+data.
func lpEntry(p []byte) (lpElem, int, bool) {
	if len(p) == 0 {
		return lpElem{}, 0, false
	}
	c := p[0]
	sized := func(hdr, n int) (lpElem, int, bool) {
		if n > len(p)-hdr {
			return lpElem{}, 0, false
		}
		return lpElem{s: p[hdr : hdr+n]}, hdr + n, true
	}
	signed := func(n int) (lpElem, int, bool) {
		if len(p) < 1+n {
			return lpElem{}, 0, false
		}
		var u uint64
		for i := n; i >= 1; i-- {
			u = u<<8 | uint64(p[i])
		}
		shift := 64 - 8*n
		return lpElem{v: int64(u<<shift) >> shift, isInt: true}, 1 + n, true
	}
	switch {
	case c < 0x80:
		return lpElem{v: int64(c), isInt: true}, 1, true
	case c < 0xC0:
		return sized(1, int(c&0x3f))
	case c < 0xE0:
		if len(p) < 2 {
			return lpElem{}, 0, false
		}
		u := uint64(c&0x1f)<<8 | uint64(p[1])
		return lpElem{v: int64(u<<51) >> 51, isInt: true}, 2, true
	case c < 0xF0:
		if len(p) < 2 {
			return lpElem{}, 0, false
		}
		return sized(2, int(c&0x0f)<<8|int(p[1]))
	}
	switch c {
	case 0xF0:
		if len(p) < 5 {
			return lpElem{}, 0, false
		}
		n := uint64(binary.LittleEndian.Uint32(p[1:]))
		if n > uint64(len(p)-5) {
			return lpElem{}, 0, false
		}
		return sized(5, int(n))
	case 0xF1:
		return signed(2)
	case 0xF2:
		return signed(3)
	case 0xF3:
		return signed(4)
	case 0xF4:
		return signed(8)
	}
	return lpElem{}, 0, false
}

// lpReadBacklen decodes a back-length written by lpWriter.backlen.
func lpReadBacklen(b []byte) int {
	v := 0
	for i, c := range b {
		if i > 0 && c&128 == 0 || i == 0 && len(b) > 1 && c&128 != 0 {
			return -1
		}
		v = v<<7 | int(c&127)
	}
	return v
}
