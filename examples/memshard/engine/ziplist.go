package engine

import (
	"encoding/binary"
	"strconv"
)

// The compact encodings older than the listpack, which RESTORE still reads
// (Redis 7.0 converts them when it loads them), and the intset, which DUMP
// still writes. RESTORE validates them fully, as Redis does for the old
// ones (ziplistValidateIntegrity, zipmapValidateIntegrity with deep set:
// it converts them element by element anyway).
//
//	ziplist := bytes:u32le | tail:u32le | count:u16le (65535: unknown) | entry* | 0xFF
//	entry   := prevlen (< 254: 1 byte; else 0xFE u32le) | encoding | data
//	encoding:= 00xxxxxx (string < 64) | 01xxxxxx x (string, 14 bits big-endian)
//	         | 10xxxxxx u32be (string) | 0xC0 int16le | 0xD0 int32le
//	         | 0xE0 int64le | 0xF0 int24le | 0xFE int8 | 0xF1..0xFD (0..12)
//	zipmap  := count:u8 (254: unknown) | (len key len free:u8 value free-bytes)* | 0xFF
//	           (len: < 254 one byte, else 254 u32le)
//	intset  := encoding:u32le (2, 4 or 8) | count:u32le | ints, ascending, little-endian

// zlDecode returns the elements of the ziplist p, or false unless it is
// valid (ziplistValidateIntegrity, deep).
func zlDecode(p []byte) ([]string, bool) {
	const header = 10
	if len(p) < header+1 || int(binary.LittleEndian.Uint32(p)) != len(p) || p[len(p)-1] != 0xFF {
		return nil, false
	}
	tail := int(binary.LittleEndian.Uint32(p[4:]))
	count := int(binary.LittleEndian.Uint16(p[8:]))
	if tail > len(p)-1 {
		return nil, false
	}
	var out []string
	i, prevSize, last := header, 0, -1
	for p[i] != 0xFF {
		s, size, prevlen, ok := zlEntry(p[:len(p)-1], i)
		if !ok || prevlen != prevSize {
			return nil, false
		}
		out = append(out, s)
		last, prevSize = i, size
		i += size
	}
	if i != len(p)-1 || last != -1 && last != tail || count != 65535 && count != len(out) {
		return nil, false
	}
	return out, true
}

// zlEntry decodes the entry at p[i:]: its element as a string, its size
// and the previous entry's size it records.
func zlEntry(p []byte, i int) (s string, size, prevlen int, ok bool) {
	start := i
	if p[i] < 0xFE {
		prevlen = int(p[i])
		i++
	} else {
		if p[i] != 0xFE || i+5 > len(p) {
			return "", 0, 0, false
		}
		prevlen = int(binary.LittleEndian.Uint32(p[i+1:]))
		i += 5
	}
	if i >= len(p) {
		return "", 0, 0, false
	}
	c := p[i]
	str := func(hdr, n int) (string, int, int, bool) {
		if n < 0 || hdr > len(p)-i || n > len(p)-i-hdr {
			return "", 0, 0, false
		}
		return string(p[i+hdr : i+hdr+n]), i + hdr + n - start, prevlen, true
	}
	num := func(n int) (string, int, int, bool) {
		if i+1+n > len(p) {
			return "", 0, 0, false
		}
		var u uint64
		for k := n; k >= 1; k-- {
			u = u<<8 | uint64(p[i+k])
		}
		shift := 64 - 8*n
		return strconv.FormatInt(int64(u<<shift)>>shift, 10), i + 1 + n - start, prevlen, true
	}
	switch {
	case c < 0x40:
		return str(1, int(c))
	case c < 0x80:
		if i+2 > len(p) {
			return "", 0, 0, false
		}
		return str(2, int(c&0x3f)<<8|int(p[i+1]))
	case c < 0xC0:
		if i+5 > len(p) {
			return "", 0, 0, false
		}
		n := binary.BigEndian.Uint32(p[i+1:])
		if uint64(n) > uint64(len(p)) {
			return "", 0, 0, false
		}
		return str(5, int(n))
	}
	switch c {
	case 0xC0:
		return num(2)
	case 0xD0:
		return num(4)
	case 0xE0:
		return num(8)
	case 0xF0:
		return num(3)
	case 0xFE:
		return num(1)
	}
	if c >= 0xF1 && c <= 0xFD {
		return strconv.Itoa(int(c&0x0f) - 1), i + 1 - start, prevlen, true
	}
	return "", 0, 0, false
}

// zipmapDecode returns the fields and values of the zipmap p, alternating,
// or false unless it is valid (zipmapValidateIntegrity, deep: not empty).
func zipmapDecode(p []byte) ([]string, bool) {
	if len(p) < 2 || p[len(p)-1] != 0xFF {
		return nil, false
	}
	end := len(p) - 1
	inRange := func(i int) bool { return i >= 2 && i <= end }
	length := func(i int) (n, size int, ok bool) {
		if p[i] < 254 {
			return int(p[i]), 1, inRange(i + 1)
		}
		if !inRange(i + 5) {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint32(p[i+1:])), 5, true
	}
	var out []string
	for i := 1; p[i] != 0xFF; {
		n, s, ok := length(i)
		if !ok || n > end-i-s {
			return nil, false
		}
		out = append(out, string(p[i+s:i+s+n]))
		i += s + n
		if n, s, ok = length(i); !ok || i+s >= end {
			return nil, false
		}
		free := int(p[i+s])
		i += s + 1
		if n > end-i || free > end-i-n {
			return nil, false
		}
		out = append(out, string(p[i:i+n]))
		i += n + free
		if !inRange(i) {
			return nil, false
		}
	}
	if len(out) == 0 || p[0] != 254 && int(p[0]) != len(out)/2 {
		return nil, false
	}
	return out, true
}

// intsetDecode returns the integers of the intset p and its encoding (the
// size of each), or false unless it is valid (intsetValidateIntegrity,
// deep: ascending, no duplicate, not empty).
func intsetDecode(p []byte) (ints []int64, width int, ok bool) {
	if len(p) < 8 {
		return nil, 0, false
	}
	width = int(binary.LittleEndian.Uint32(p))
	if width != 2 && width != 4 && width != 8 {
		return nil, 0, false
	}
	n := uint64(binary.LittleEndian.Uint32(p[4:]))
	if n*uint64(width) != uint64(len(p)-8) || n == 0 {
		return nil, 0, false
	}
	ints = make([]int64, n)
	for i := range ints {
		b := p[8+i*width:]
		switch width {
		case 2:
			ints[i] = int64(int16(binary.LittleEndian.Uint16(b)))
		case 4:
			ints[i] = int64(int32(binary.LittleEndian.Uint32(b)))
		default:
			ints[i] = int64(binary.LittleEndian.Uint64(b))
		}
		if i > 0 && ints[i] <= ints[i-1] {
			return nil, 0, false
		}
	}
	return ints, width, true
}

// intsetEncode is the intset of ints, ascending, each width bytes.
func intsetEncode(ints []int64, width int) []byte {
	b := make([]byte, 8, 8+len(ints)*width)
	binary.LittleEndian.PutUint32(b, uint32(width))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(ints)))
	for _, v := range ints {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// intsetWidth is the size of v's intset encoding (_intsetValueEncoding).
func intsetWidth(v int64) int {
	switch {
	case v == int64(int16(v)):
		return 2
	case v == int64(int32(v)):
		return 4
	}
	return 8
}
