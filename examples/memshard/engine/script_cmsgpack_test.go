package engine

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// cmsgpack is compared with redis-server byte for byte: scripts return the
// packed bytes in hex, or what unpack gave in a canonical text (numbers
// with all their digits, strings in hex, a table's pairs sorted), or the
// error.

// luaTestPrelude defines hex (a string's bytes in hex, or its length and
// SHA1 when long) and ser (a value's
// canonical text) for the scripts of these tests.
const luaTestPrelude = `
local function hex(s)
  if #s > 512 then return #s .. ':' .. redis.sha1hex(s) end
  return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end))
end
local function ser(v)
  local t = type(v)
  if t == 'number' then
    if v ~= v then return 'nnan' end
    if v == 1/0 then return 'ninf' end
    if v == -1/0 then return 'n-inf' end
    return 'n' .. string.format('%.17g', v)
  elseif t == 'string' then
    return 's' .. hex(v)
  elseif t == 'table' then
    local parts = {}
    for k, x in pairs(v) do parts[#parts+1] = ser(k) .. '=' .. ser(x) end
    table.sort(parts)
    return '{' .. table.concat(parts, ',') .. '}'
  end
  return t .. ':' .. tostring(v)
end
local function serall(...)
  local out = {tostring(select('#', ...))}
  for i = 1, select('#', ...) do out[#out+1] = ser((select(i, ...))) end
  return out
end
`

// cmsgpackPackCases are Lua expressions whose packing is compared.
var cmsgpackPackCases = []string{
	// Integers at each width's boundaries.
	"0", "1", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296",
	"2^53", "2^53+2", "2^62", "2^63-1024", "2^63", "2^64", "-1", "-32", "-33", "-128", "-129",
	"-32768", "-32769", "-2147483648", "-2147483649", "-2^53", "-2^63", "-2^63-2048", "-2^64",
	// Floats: exact in float32, not, special values.
	"0.5", "-0.5", "1.5", "0.1", "-0.1", "1/3", "1e300", "-1e300", "1e-45", "1e-300", "3.4028234663852886e38",
	"3.4028235677973366e38", "1.401298464324817e-45", "0/0", "-(0/0)", "1/0", "-1/0", "-0.0", "2^24+1", "2^31+0.5",
	// Strings at each header's boundaries.
	"''", "'a'", "string.rep('x', 31)", "string.rep('x', 32)", "string.rep('x', 255)", "string.rep('x', 256)",
	"string.rep('x', 65535)", "string.rep('x', 65536)", "'\\0\\1\\255'",
	// nil, booleans, what packs as nil.
	"nil", "true", "false", "print", "redis.call", "cjson.null", "coroutine.create(function() end)",
	// Tables: arrays, holes, mixed, one-key maps, keys that are no index.
	"{}", "{1}", "{1, 2, 3}", "{1, nil, 3}", "{nil, 2}", "{[2]=1}", "{[1]=1, [2]=2}", "{[0]=1}", "{[-1]=1}",
	"{[1.5]=1}", "{['1']=1}", "{a=1}", "{[true]=false}", "{[2^31]=1}", "{[2^31-1]=1}", "{1, 2, x=3}",
	"{{}}", "{{1, {2, {3}}}}", "{a={b={c='d'}}}", "{[{}]=1}", "{[{1}]={2}}",
	"{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}", "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}",
	"(function() local t = {} for i = 1, 65535 do t[i] = i end return t end)()",
	"(function() local t = {} for i = 1, 65536 do t[i] = 0 end return t end)()",
	"(function() local t = {} for i = 1, 16 do t[i] = nil end t[16] = 1 return t end)()",
	// Tables changed after their constructor; a metatable.
	"(function() local t = {1,2,3} t[3] = nil return t end)()", "(function() local t = {1,2,3} t[2] = nil return t end)()",
	"(function() local t = {1,2,3} t[1] = nil return t end)()", "(function() local t = {} t[3] = 1 t[2] = 1 t[1] = 1 return t end)()",
	"(function() local t = {} t[3] = 1 t[1] = 1 return t end)()", "(function() local t = {x=1} t.x = nil return t end)()",
	"(function() local t = {x=1} t.x = nil t[1] = 5 return t end)()",
	"(function() local t = setmetatable({}, {__index=function() return 1 end}) t[1] = 2 return t end)()",
	"{[1]=1, [2]=nil, [3]=3}", "{[-0.0]=1}", "{[1e308]=1}", "{1, 2, [4]=4}", "{[4294967297]=1}", "{[2^53]=1}",
	"12345678901234567890", "0.1 + 0.2", "1e15 + 0.3",
	// Nesting: 16 levels are packed, the 17th table is nil.
	"(function() local t = {} for i = 1, 15 do t = {t} end return t end)()",
	"(function() local t = {} for i = 1, 16 do t = {t} end return t end)()",
	"(function() local t = {} for i = 1, 17 do t = {t} end return t end)()",
	"(function() local t = {1} for i = 1, 20 do t = {x=t} end return t end)()",
	"(function() local t = {} t[1] = t return t end)()",
	// Several arguments, concatenated.
	"1, 2, 3", "'a', {1}, nil, true", "nil, nil",
}

func TestCmsgpackPackDiff(t *testing.T) {
	for _, proto := range []int{2, 3} {
		h := newHarnessProto(t, proto)
		for _, expr := range cmsgpackPackCases {
			h.diff("EVAL", luaTestPrelude+"return hex(cmsgpack.pack("+expr+"))", "0")
		}
	}
}

// cmsgpackUnpackCases are msgpack bytes, in hex, unpacked by the scripts.
var cmsgpackUnpackCases = []string{
	"", "00", "7f", "ff", "e0", "c0", "c2", "c3", "cc80", "ccff", "cd0100", "cdffff", "ce00010000", "ceffffffff",
	"cf0000000100000000", "cf0020000000000001", "cf7fffffffffffffff", "cf8000000000000000", "cfffffffffffffffff",
	"d080", "d0ff", "d18000", "d1ffff", "d280000000", "d2ffffffff", "d38000000000000000", "d3ffffffffffffffff",
	"ca3fc00000", "ca7f800000", "caff800000", "ca7fc00000", "ca00000001", "cb3fb999999999999a", "cb7ff8000000000000",
	"a0", "a161", "bf" + strings.Repeat("61", 31), "d900", "d90161", "da000161", "db0000000161",
	"90", "9101", "93010203", "dc0000", "dc0002c3c2", "dd00000001a0", "80", "81a161c3", "82a16101a16202",
	"de0001c0c0", "df0000000101c3", "8101918102c0", "93c0c0c0", "9101c0", "01020304", "91919191919100",
	// Types cmsgpack does not know, and reserved codes.
	"c1", "c4", "c40101", "c5000101", "c600000001ff", "c7010001", "c80001000000", "c9000000010000",
	"d40100", "d5010000", "d601", "d701", "d801", "0001c1",
	// Truncated input.
	"cc", "cd01", "ce000001", "cf00000000000000", "d0", "d100", "d2000000", "d300", "ca0000", "cb00",
	"a1", "bf61", "d9", "d902", "d90261", "da00", "da0002", "db000000", "db00000002", "91", "92c0", "dc00",
	"dc0001", "dd000000", "dd00000001", "81", "81c0", "de00", "de0001c3", "df00000001", "ddffffffff", "dfffffffff",
	"dbffffffff", "dc0003", "9f", "8f",
	// Keys Lua refuses.
	"81c001", "81cb7ff800000000000001", "81ca7fc0000001", "82a16101c0c0",
	// Keys that make the same Lua key.
	"820101cb3ff000000000000002", "82a16101a16102",
}

func unhex(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return string(b)
}

func TestCmsgpackUnpackDiff(t *testing.T) {
	for _, proto := range []int{2, 3} {
		h := newHarnessProto(t, proto)
		for _, hx := range cmsgpackUnpackCases {
			data := unhex(t, hx)
			for _, call := range []string{"cmsgpack.unpack(ARGV[1])", "cmsgpack.unpack_one(ARGV[1])",
				"cmsgpack.unpack_limit(ARGV[1], 2)", "cmsgpack.unpack_one(ARGV[1], 1)"} {
				h.diff("EVAL", luaTestPrelude+"return serall("+call+")", "0", data)
			}
		}
	}
}

// TestCmsgpackCallsDiff covers offsets, limits, round trips, arguments and
// the library's table.
func TestCmsgpackCallsDiff(t *testing.T) {
	h := newHarness(t)
	for _, script := range []string{
		"return serall(cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2}, {x={y=true}}, nil, -1.5)))",
		"return serall(cmsgpack.unpack(cmsgpack.pack({1, 2, x=3, [10]=4, [-1]=5, [0.5]=6})))",
		"return serall(cmsgpack.unpack(cmsgpack.pack({a={1, {b=2}}, c={d={e={f={}}}}})))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 2))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 3))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 4))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, -1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 1.9))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, '1'))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, nil))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, 'x'))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_one(s, {}))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 2))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 2, 1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 5, 1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 0))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 0, 1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, -1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 1, -5))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 1, 2^40))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, nil, 1))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 'x'))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, 1, 'x'))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack(s, 1, 2))",
		"local s = cmsgpack.pack(1, 2, 3) return serall(cmsgpack.unpack_limit(s, '0x1', ' 1 '))",
		"local s, off, v = cmsgpack.pack('a', 'b', 'c'), 0 local out = {} repeat off, v = cmsgpack.unpack_one(s, off) out[#out+1] = v until off == -1 return out",
		"return serall(cmsgpack.unpack())", "return serall(cmsgpack.unpack(nil))", "return serall(cmsgpack.unpack({}))",
		"return serall(cmsgpack.unpack(true))", "return serall(cmsgpack.unpack(12))", "return serall(cmsgpack.unpack(-1.5))",
		"return serall(cmsgpack.unpack_one())", "return serall(cmsgpack.unpack_limit())", "return serall(cmsgpack.unpack_limit('x'))",
		"return serall(cmsgpack.unpack_one(nil, 'x'))",
		"return cmsgpack.pack()", "return hex(cmsgpack.pack(nil))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7999)))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 8000)))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7998), 'x'))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7999), 'x'))",
		"return select('#', cmsgpack.unpack_limit(string.rep('\\0', 8000), 7998))",
		"return select('#', cmsgpack.unpack_limit(string.rep('\\0', 8000), 7999))",
		"return select('#', cmsgpack.unpack_limit(string.rep('\\0', 8000), 8000))",
		"return select('#', cmsgpack.unpack(string.rep('\\145', 3997) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\145', 3998) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\145', 3999) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\145', 4000) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\129\\0', 7997) .. '\\0\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\129\\0', 7998) .. '\\0\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\129', 7998) .. '\\0\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\129', 7999) .. '\\0\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7000) .. string.rep('\\145', 500) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7000) .. string.rep('\\145', 499) .. '\\0'))",
		"return select('#', cmsgpack.unpack(string.rep('\\0', 7000) .. string.rep('\\145', 498) .. '\\0'))",
		// The library: its fields, read-only.
		"local t = {} for k, v in pairs(cmsgpack) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return t",
		"return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
		"cmsgpack.x = 1 return 1", "rawset(cmsgpack, 'x', 1) return 1",
		"return type(cmsgpack.pack)", "return type(cmsgpack_safe)",
	} {
		h.diff("EVAL", luaTestPrelude+script, "0")
	}
	h.checkReplica()
}

// luaRandomValue writes a random Lua value's constructor, depth levels
// deep at most. multiKey allows tables with several keys that are no
// array (whose packed order follows the table's traversal).
func luaRandomValue(r *rand.Rand, depth int, multiKey bool) string {
	k := r.Intn(10)
	if depth == 0 && k >= 7 {
		k = r.Intn(7)
	}
	switch k {
	case 0:
		return []string{"nil", "true", "false"}[r.Intn(3)]
	case 1:
		// Integers around each boundary.
		bounds := []int64{0, 127, 255, 65535, 1<<32 - 1, 1 << 53, 32, 128, 32768, 1 << 31}
		b := bounds[r.Intn(len(bounds))]
		v := b + int64(r.Intn(5)) - 2
		if r.Intn(2) == 0 {
			v = -v
		}
		return fmt.Sprint(v)
	case 2:
		return fmt.Sprint(r.Int63() >> uint(r.Intn(63)))
	case 3:
		return fmt.Sprintf("%g", r.NormFloat64()*float64(int(1)<<uint(r.Intn(40))))
	case 4:
		return fmt.Sprintf("(%d/%d)", r.Intn(1000)-500, 1+r.Intn(64))
	case 5, 6:
		n := []int{0, 1, 5, 31, 32, 33, 255, 256, 300}[r.Intn(9)]
		return fmt.Sprintf("string.rep(%q, %d)", string(rune('a'+r.Intn(26))), n)
	case 7, 8:
		var items []string
		for i := r.Intn(6); i > 0; i-- {
			items = append(items, luaRandomValue(r, depth-1, multiKey))
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	keys := 1
	if multiKey {
		keys = 1 + r.Intn(4)
	}
	var items []string
	for i := 0; i < keys; i++ {
		key := []string{fmt.Sprintf("k%d", r.Intn(5)), fmt.Sprint(r.Intn(4) + 1), "0.5", "-3", "'7'"}[r.Intn(5)]
		if !strings.HasPrefix(key, "k") {
			key = "[" + key + "]"
		}
		items = append(items, key+"="+luaRandomValue(r, depth-1, multiKey))
	}
	return "{" + strings.Join(items, ", ") + "}"
}

// TestCmsgpackRandom packs random values in both servers: one-key maps
// byte for byte; values with several-key maps through a round trip, as
// canonical text.
func TestCmsgpackRandom(t *testing.T) {
	seed := int64(20261126)
	r := rand.New(rand.NewSource(seed))
	h := newHarness(t)
	for i := 0; i < 300; i++ {
		v := luaRandomValue(r, 4, false)
		h.diff("EVAL", luaTestPrelude+"return hex(cmsgpack.pack("+v+"))", "0")
		m := luaRandomValue(r, 4, true)
		h.diff("EVAL", luaTestPrelude+"return serall(cmsgpack.unpack(cmsgpack.pack("+m+")))", "0")
	}
	if t.Failed() {
		t.Logf("seed %d", seed)
	}
}

// TestCmsgpackRandomBytes unpacks random byte strings, drawn mostly from
// msgpack's type codes so that they often decode some way.
func TestCmsgpackRandomBytes(t *testing.T) {
	seed := int64(112026)
	r := rand.New(rand.NewSource(seed))
	codes := []byte{0x00, 0x05, 0x7f, 0x80, 0x81, 0x82, 0x90, 0x91, 0x92, 0xa0, 0xa1, 0xa3, 0xc0, 0xc1, 0xc2, 0xc3,
		0xc4, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde,
		0xdf, 0xe0, 0xff, 0x7f, 0x3f}
	h := newHarness(t)
	for i := 0; i < 400; i++ {
		b := make([]byte, r.Intn(24))
		for j := range b {
			if r.Intn(3) == 0 {
				b[j] = byte(r.Intn(256))
			} else {
				b[j] = codes[r.Intn(len(codes))]
			}
		}
		call := []string{"cmsgpack.unpack(ARGV[1])", "cmsgpack.unpack_one(ARGV[1], 1)", "cmsgpack.unpack_limit(ARGV[1], 2, 0)"}[i%3]
		h.diff("EVAL", luaTestPrelude+"return serall("+call+")", "0", string(b))
	}
	if t.Failed() {
		t.Logf("seed %d", seed)
	}
}

// TestCmsgpackFunctionDiff uses cmsgpack and struct in a function library:
// in its functions, and while it loads; the function's write of a packed
// value reaches the replica.
func TestCmsgpackFunctionDiff(t *testing.T) {
	h := newHarness(t)
	h.diff("FUNCTION", "FLUSH")
	h.diff("FUNCTION", "LOAD", "#!lua name=mp\n"+
		"redis.register_function('mp_set', function(keys, args)\n"+
		"  return redis.call('set', keys[1], cmsgpack.pack({args[1], tonumber(args[2]), {x=true}}))\n"+
		"end)\n"+
		"redis.register_function('mp_get', function(keys)\n"+
		"  local v = cmsgpack.unpack(redis.call('get', keys[1]))\n"+
		"  return {v[1], v[2], tostring(v[3].x), struct.pack('>I2', v[2]), struct.unpack('>I2', struct.pack('>I2', v[2]))}\n"+
		"end)\n"+
		"redis.register_function('mp_bad', function() return cmsgpack.unpack('\\145') end)\n")
	h.diff("FCALL", "mp_set", "1", "k", "hello", "300")
	h.diff("GET", "k")
	h.diff("FCALL", "mp_get", "1", "k")
	h.diff("FCALL", "mp_bad", "0")
	for _, lib := range []string{
		"#!lua name=atload\nlocal s = cmsgpack.pack(1)\nredis.register_function('f', function() return 1 end)",
		"#!lua name=atload2\nlocal s = struct.size('i')\nredis.register_function('f2', function() return 1 end)",
		"#!lua name=types\nredis.register_function('types', function() return {type(cmsgpack), type(struct), type(cjson), type(bit)} end)",
	} {
		h.diff("FUNCTION", "LOAD", lib)
	}
	h.diff("FCALL", "types", "0")
	h.checkReplica()
}
