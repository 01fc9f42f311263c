package engine

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// struct is compared with redis-server byte for byte, as cmsgpack is:
// packed bytes in hex, unpacked values in canonical text, errors.

// structCases are Lua calls of the library whose results are compared.
var structCases = []string{
	// pack: every option, both byte orders, alignment.
	"struct.pack('b', -1)", "struct.pack('B', 255)", "struct.pack('b', 200)", "struct.pack('B', -1)",
	"struct.pack('h', -2)", "struct.pack('>h', -2)", "struct.pack('H', 65535)", "struct.pack('>H', 258)",
	"struct.pack('l', -3)", "struct.pack('>l', 2^40)", "struct.pack('L', 2^63)", "struct.pack('L', 2^64)",
	"struct.pack('L', 2^70)", "struct.pack('l', -2^63)", "struct.pack('l', -2^70)", "struct.pack('L', 0/0)",
	"struct.pack('l', 1/0)", "struct.pack('l', -1/0)", "struct.pack('T', 12345)", "struct.pack('>T', 1)",
	"struct.pack('i', -1)", "struct.pack('I', 1)", "struct.pack('i1', -1)", "struct.pack('i2', 513)",
	"struct.pack('>i3', 65536*3 + 2)", "struct.pack('<i3', -2)", "struct.pack('i8', -1)", "struct.pack('i16', -1)",
	"struct.pack('>i16', -1)", "struct.pack('I32', 2^63)", "struct.pack('i0', 5)", "struct.pack('i33', 1)",
	"struct.pack('i99999999999', 1)", "struct.pack('i2147483647', 1)", "struct.pack('i2147483648', 1)",
	"struct.pack('b', 1.9)", "struct.pack('b', -1.9)", "struct.pack('b', '7')", "struct.pack('b', 'x')",
	"struct.pack('b')", "struct.pack('b', nil)", "struct.pack('b', {})",
	// Numbers in strings, as lua_tonumber reads them.
	"struct.pack('b', '0x10')", "struct.pack('b', ' -0X10 ')", "struct.pack('b', '1e1')", "struct.pack('d', 'inf')",
	"struct.pack('d', '-Infinity')", "struct.pack('d', 'nan')", "struct.pack('d', '-nan')", "struct.pack('d', ' NaN ')", "struct.pack('d', '1e999')", "struct.pack('d', '1e-999')",
	"struct.pack('b', '0x')", "struct.pack('b', '1_0')", "struct.pack('d', '0x1.8')", "struct.pack('d', '0x1p4')",
	"struct.pack('b', '\\t5\\n')", "struct.pack('b', '5x')", "struct.pack('b', '')", "struct.pack('b', ' ')",
	"struct.pack('b', '.5')", "struct.pack('b', '5.')", "struct.pack('b', '0x-1')",
	"struct.pack('f', 1.5)", "struct.pack('>f', 0.1)", "struct.pack('f', 1e300)", "struct.pack('f', -0.0)",
	"struct.pack('d', 0.1)", "struct.pack('>d', -2.5)", "struct.pack('d', 1/0)", "struct.pack('d', 'x')",
	"struct.pack('x')", "struct.pack('xbx', 1)", "struct.pack('c', 'abc')", "struct.pack('c3', 'abc')",
	"struct.pack('c5', 'abc')", "struct.pack('c0', 'abc')", "struct.pack('c0', '')", "struct.pack('c2', 12)",
	"struct.pack('s', 'abc')", "struct.pack('s', '')", "struct.pack('s', 'a\\0b')", "struct.pack('s', 1.5)",
	"struct.pack('bc3', 1, 'ab')", "struct.pack('c')", "struct.pack('s', {})",
	"struct.pack('!bi', 1, 2)", "struct.pack('!4bi', 1, 2)", "struct.pack('!2bi', 1, 2)", "struct.pack('!bd', 1, 2)",
	"struct.pack('!8bhbibld', 1, 2, 3, 4, 5, 6, 7)", "struct.pack('!16bd', 1, 2)", "struct.pack('!3b', 1)",
	"struct.pack('!0b', 1)", "struct.pack('!bi3', 1, 2)", "struct.pack('!4bi3bi3', 1, 2, 3, 4)", "struct.pack('!4bc3i', 1, 'abc', 2)",
	"struct.pack('!4bsi', 1, 'ab', 2)", "struct.pack('! b', 1)", "struct.pack('< > b', 1)", "struct.pack('>b<h', 1, 2)",
	"struct.pack('', 1)", "struct.pack('z', 1)", "struct.pack('=i', 1)", "struct.pack('n', 1)", "struct.pack('b4', 1)",
	"struct.pack('\\200', 1)", "struct.pack('b\\0z', 1)", "struct.pack()", "struct.pack(nil)", "struct.pack(12)",
	"struct.pack({})", "struct.pack('b', 1, 2, 3)",
	// unpack.
	"struct.unpack('b', '\\255')", "struct.unpack('B', '\\255')", "struct.unpack('h', '\\1\\2')", "struct.unpack('>h', '\\255\\254')",
	"struct.unpack('H', '\\255\\255')", "struct.unpack('l', '\\255\\255\\255\\255\\255\\255\\255\\255')",
	"struct.unpack('L', '\\255\\255\\255\\255\\255\\255\\255\\255')", "struct.unpack('>L', '\\0\\0\\0\\0\\0\\0\\1\\0')",
	"struct.unpack('T', '12345678')", "struct.unpack('i', '\\1\\0\\0\\128')", "struct.unpack('I', '\\1\\0\\0\\128')",
	"struct.unpack('i3', '\\255\\255\\255')", "struct.unpack('>i3', '\\128\\0\\0')", "struct.unpack('I3', '\\255\\255\\255')",
	"struct.unpack('i16', string.rep('\\255', 16))", "struct.unpack('i9', string.rep('\\255', 9))",
	"struct.unpack('>i9', '\\1' .. string.rep('\\0', 7) .. '\\128')", "struct.unpack('i12', string.rep('\\1', 12))",
	"struct.unpack('I32', string.rep('\\255', 32))", "struct.unpack('i0', '')", "struct.unpack('i0b', '\\5')",
	"struct.unpack('f', '\\0\\0\\192\\63')", "struct.unpack('>f', '\\63\\192\\0\\0')", "struct.unpack('d', struct.pack('d', 0.1))",
	"struct.unpack('>d', struct.pack('>d', -1/3))", "struct.unpack('f', '\\0\\0\\128\\127')",
	"struct.unpack('x', 'a')", "struct.unpack('xb', 'ab')", "struct.unpack('c', 'ab')", "struct.unpack('c2', 'ab')",
	"struct.unpack('c3', 'ab')", "struct.unpack('bc0', '\\2abc')", "struct.unpack('c0', 'abc')", "struct.unpack('xc0', 'abc')",
	"struct.unpack('c1c0', '2abc')", "struct.unpack('c1c0', 'xabc')", "struct.unpack('bc0', '\\9abc')",
	"struct.unpack('bc0', '\\255abc')", "struct.unpack('c1c0', '0x2ab')", "struct.unpack('c2c0', ' 1ab')",
	"struct.unpack('s', 'ab\\0cd')", "struct.unpack('ss', 'ab\\0\\0')", "struct.unpack('s', 'ab')", "struct.unpack('sb', 'a\\0\\7')",
	"struct.unpack('b', 'ab', 2)", "struct.unpack('b', 'ab', 3)", "struct.unpack('b', 'ab', 0)", "struct.unpack('b', 'ab', -1)",
	"struct.unpack('b', 'ab', '2')", "struct.unpack('b', 'ab', 'x')", "struct.unpack('', 'ab', 3)", "struct.unpack('', 'ab', 4)",
	"struct.unpack('b', 'ab', 1.9)", "struct.unpack('b', 'ab', nil)", "struct.unpack('b', '')", "struct.unpack('h', 'a')",
	"struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0\\0')", "struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0')",
	"struct.unpack('!bd', string.rep('\\0', 16))", "struct.unpack('>!2bh', '\\1\\0\\0\\2')", "struct.unpack('!3b', 'a')",
	"struct.unpack('z', 'a')", "struct.unpack('=b', 'a')", "struct.unpack('b4', 'a')", "struct.unpack('i40', 'a')",
	"struct.unpack('b')", "struct.unpack(nil, 'a')", "struct.unpack('b', nil)", "struct.unpack('b', 7)", "struct.unpack(1, 'a')",
	"struct.unpack('b', 'a', 1, 'extra')", "select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 8000)))",
	"select('#', struct.unpack(string.rep('b', 7999), string.rep('a', 8000)))",
	"select('#', struct.unpack(string.rep('x', 9000), string.rep('a', 9000)))",
	"select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000), 1))",
	"select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 8000), 1))",
	// size.
	"struct.size('')", "struct.size('bhlTfdx')", "struct.size('!bhlTfdx')", "struct.size('!4bd')", "struct.size('i3i')",
	"struct.size('!i3i')", "struct.size('c10')", "struct.size('c0')", "struct.size('c')", "struct.size('s')", "struct.size('z')",
	"struct.size('zzi')", "struct.size('=')", "struct.size('<>!2 bh')", "struct.size('!3')", "struct.size('i40')",
	"struct.size('b4')", "struct.size('\\200')", "struct.size('c99999999999')", "struct.size()", "struct.size(5)",
	// The library.
	"(function() local t = {} for k, v in pairs(struct) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return unpack(t) end)()",
	"pcall(rawset, struct, 'x', 1)",
}

func TestStructDiff(t *testing.T) {
	for _, proto := range []int{2, 3} {
		h := newHarnessProto(t, proto)
		for _, call := range structCases {
			h.diff("EVAL", luaTestPrelude+"return serall("+call+")", "0")
		}
		h.diff("EVAL", "struct.x = 1", "0")
	}
}

// TestStructRandom packs random values with random formats in both
// servers, and unpacks random bytes with them.
func TestStructRandom(t *testing.T) {
	seed := int64(26112026)
	r := rand.New(rand.NewSource(seed))
	opts := []string{"b", "B", "h", "H", "l", "L", "T", "i", "I", "i3", "I5", "i12", "f", "d", "x", "c2", "c0", "s",
		"<", ">", "!", "!2", "!4", " ", "i1", "I2", "i7"}
	values := func(opt string) string {
		switch opt[0] {
		case 'c', 's':
			return fmt.Sprintf("%q", strings.Repeat(string(rune('a'+r.Intn(26))), r.Intn(5)))
		case 'f', 'd':
			return fmt.Sprintf("%g", r.NormFloat64()*1e6)
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			return fmt.Sprint(r.Int63()>>uint(r.Intn(63)) - r.Int63()>>uint(r.Intn(63)))
		}
		return ""
	}
	h := newHarness(t)
	for i := 0; i < 300; i++ {
		var format strings.Builder
		var args []string
		for n := r.Intn(6); n > 0; n-- {
			o := opts[r.Intn(len(opts))]
			format.WriteString(o)
			if v := values(o); v != "" {
				args = append(args, v)
			}
		}
		fmtLit := fmt.Sprintf("%q", format.String())
		pack := "struct.pack(" + strings.Join(append([]string{fmtLit}, args...), ", ") + ")"
		h.diff("EVAL", luaTestPrelude+"return serall(hex("+pack+"), struct.size("+fmtLit+"))", "0")
		h.diff("EVAL", luaTestPrelude+"return serall(struct.unpack("+fmtLit+", "+pack+"))", "0")
		data := make([]byte, r.Intn(40))
		r.Read(data)
		h.diff("EVAL", luaTestPrelude+"return serall(struct.unpack("+fmtLit+", ARGV[1]))", "0", string(data))
	}
	if t.Failed() {
		t.Logf("seed %d", seed)
	}
}
