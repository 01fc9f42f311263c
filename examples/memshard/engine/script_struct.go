package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library of Redis 7.0's scripts (deps/lua/src/lua_struct.c,
// Roberto Ierusalimschy's struct with Redis's overflow fixes), on x86-64:
// int is 4 bytes, long and size_t 8, the native order little-endian, the
// default alignment ('!' without a number) 8. Integers are C's unsigned
// long, so sizes above 8 bytes pack zeros (never a sign) in the extra
// bytes and unpack only the low 8 bytes.

const (
	structMaxIntSize = 32 // MAXINTSIZE
	structMaxAlign   = 8  // MAXALIGN
)

// structHeader is Header: the byte order and the alignment in force.
type structHeader struct {
	little bool
	align  int
}

// structFormat walks a format string as the C code does (it ends at the
// first zero byte).
type structFormat struct {
	L     *lua.LState
	fname string
	fmt   string
	i     int
	h     structHeader
}

func newStructFormat(L *lua.LState, fname string) *structFormat {
	f := luaCheckLString(L, 1, fname)
	if i := strings.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	return &structFormat{L: L, fname: fname, fmt: f, h: structHeader{little: true, align: 1}}
}

func (f *structFormat) more() bool { return f.i < len(f.fmt) }

func (f *structFormat) next() byte {
	c := f.fmt[f.i]
	f.i++
	return c
}

// getnum reads a number after an option, or gives df.
func (f *structFormat) getnum(df int) int {
	if !f.more() || !isDigit(f.fmt[f.i]) {
		return df
	}
	a := 0
	for f.more() && isDigit(f.fmt[f.i]) {
		d := int(f.fmt[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// optsize is the size of an option's item (0 for the control options).
func (f *structFormat) optsize(opt byte) uint64 {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return uint64(f.getnum(1))
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			f.L.RaiseError("%s", fmt.Sprintf("integral size %d is larger than limit of %d", sz, structMaxIntSize))
		}
		return uint64(sz)
	}
	return 0
}

// gettoalign is the padding before an item of size at position pos.
func (f *structFormat) gettoalign(pos uint64, opt byte, size uint64) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	size = min(size, uint64(f.h.align))
	return (size - (pos & (size - 1))) & (size - 1)
}

// control is controloptions: order, alignment, spaces; anything else is
// an invalid option.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.h.little = false
	case '<':
		f.h.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("%s", fmt.Sprintf("alignment %d is not a power of 2", a))
		}
		f.h.align = a
	default:
		luaArgError(f.L, 1, f.fname, "invalid format option '"+string([]byte{opt})+"'")
	}
}

func (s *luaState) openStruct(L *lua.LState, g *lua.LTable) {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	g.RawSetString("struct", t)
}

// cToUint64 is C's (unsigned long) cast of a non-negative double as gcc
// compiles it for x86-64.
func cToUint64(n float64) uint64 {
	if math.IsNaN(n) || n < 1<<63 {
		return uint64(luaToInt64(n))
	}
	if n-(1<<63) < 1<<63 {
		return uint64(int64(n-(1<<63))) ^ 1<<63
	}
	return 0 // cvttsd2si's "indefinite" 1<<63, xored with 1<<63
}

// putinteger packs argument arg as an integer of size bytes.
func (f *structFormat) putinteger(b []byte, arg int, size uint64) []byte {
	n := luaCheckNumber(f.L, arg, f.fname)
	var v uint64
	if n < 0 {
		v = uint64(luaToInt64(n))
	} else {
		v = cToUint64(n)
	}
	buf := make([]byte, size)
	for i := uint64(0); i < size; i++ {
		j := i
		if !f.h.little {
			j = size - 1 - i
		}
		buf[j] = byte(v)
		v >>= 8
	}
	return append(b, buf...)
}

func (f *structFormat) putBytes(b []byte, bits uint64, size int) []byte {
	buf := make([]byte, 8)
	if f.h.little {
		binary.LittleEndian.PutUint64(buf, bits)
		return append(b, buf[:size]...)
	}
	binary.BigEndian.PutUint64(buf, bits<<(64-8*size))
	return append(b, buf[:size]...)
}

func structPack(L *lua.LState) int {
	f := newStructFormat(L, "pack")
	L.Push(lua.LNil) // the C code's mark after the arguments: a missing one is nil
	arg := 2
	var b []byte
	total := uint64(0)
	for f.more() {
		opt := f.next()
		size := f.optsize(opt)
		pad := f.gettoalign(total, opt, size)
		total += pad
		b = append(b, make([]byte, pad)...)
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			b = f.putinteger(b, arg, size)
			arg++
		case 'x':
			b = append(b, 0)
		case 'f':
			v := float32(luaCheckNumber(L, arg, "pack"))
			arg++
			b = f.putBytes(b, uint64(math.Float32bits(v)), 4)
		case 'd':
			v := luaCheckNumber(L, arg, "pack")
			arg++
			b = f.putBytes(b, math.Float64bits(v), 8)
		case 'c', 's':
			s := luaCheckLString(L, arg, "pack")
			arg++
			if size == 0 {
				size = uint64(len(s))
			}
			if uint64(len(s)) < size {
				// The C code names the argument after it.
				luaArgError(L, arg, "pack", "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += size
	}
	L.Push(lua.LString(b))
	return 1
}

// getinteger reads size bytes as C's unsigned long, shifting the bytes
// beyond the eighth out; signed, the sign is extended from the mask that
// x86's shift (its count modulo 64) makes.
func (f *structFormat) getinteger(data string, signed bool, size int) float64 {
	var l uint64
	for i := 0; i < size; i++ {
		j := i
		if f.h.little {
			j = size - 1 - i
		}
		l = l<<8 | uint64(data[j])
	}
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func (f *structFormat) getBytes(data string, size int) uint64 {
	buf := make([]byte, 8)
	if f.h.little {
		copy(buf, data[:size])
		return binary.LittleEndian.Uint64(buf)
	}
	copy(buf[8-size:], data[:size])
	return binary.BigEndian.Uint64(buf)
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L, "unpack")
	data := luaCheckLString(L, 2, "unpack")
	ld := uint64(len(data))
	pos := uint64(luaOptInteger(L, 3, "unpack", 1))
	if pos == 0 {
		luaArgError(L, 3, "unpack", "offset must be 1 or greater")
	}
	pos--
	nargs := L.GetTop()
	var out []lua.LValue
	for f.more() {
		opt := f.next()
		size := f.optsize(opt)
		pos += f.gettoalign(pos, opt, size)
		if size > ld || pos > ld-size {
			luaArgError(L, 2, "unpack", "data string too short")
		}
		if nargs+len(out)+2 > luaMaxCStack {
			L.RaiseError("stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a'
			out = append(out, lua.LNumber(f.getinteger(data[pos:], signed, int(size))))
		case 'x':
		case 'f':
			out = append(out, lua.LNumber(math.Float32frombits(uint32(f.getBytes(data[pos:], 4)))))
		case 'd':
			out = append(out, lua.LNumber(math.Float64frombits(f.getBytes(data[pos:], 8))))
		case 'c':
			if size == 0 {
				if len(out) == 0 {
					L.RaiseError("format 'c0' needs a previous size")
				}
				n, ok := luaStrToNumber(out[len(out)-1])
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				out = out[:len(out)-1]
				if n < 0 {
					size = uint64(luaToInt64(n))
				} else {
					size = cToUint64(n)
				}
				if size > ld-pos {
					luaArgError(L, 2, "unpack", "data string too short")
				}
			}
			out = append(out, lua.LString(data[pos:pos+size]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = uint64(e) + 1
			out = append(out, lua.LString(data[pos:pos+uint64(e)]))
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, v := range out {
		L.Push(v)
	}
	L.Push(lua.LNumber(float64(int64(pos + 1))))
	return len(out) + 1
}

// luaStrToNumber is lua_isnumber and lua_tonumber: a number, or a string
// that reads as one.
func luaStrToNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return luaStr2d(string(x))
	}
	return 0, false
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L, "size")
	pos := uint64(0)
	for f.more() {
		opt := f.next()
		size := f.optsize(opt)
		pos += f.gettoalign(pos, opt, size)
		if opt == 's' {
			luaArgError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			luaArgError(L, 1, "size", "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(float64(int64(pos))))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
