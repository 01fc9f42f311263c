package engine

import (
	"encoding/binary"
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library of Redis 7.0's scripts (deps/lua/src/lua_cmsgpack.c,
// lua-cmsgpack 0.4.0 on Lua 5.1): MessagePack from and to Lua values.
// Packing picks the smallest encoding (float32 when a non-integral number
// survives the round trip); unpacking knows only the types of the old
// MessagePack spec (no bin, no ext: "Bad data format in input.").

const (
	// cmsgpackMaxNesting is LUACMSGPACK_MAX_NESTING: a table this deep is
	// packed as nil, so that cycles end.
	cmsgpackMaxNesting = 16
	// luaMaxCStack is Lua 5.1's LUAI_MAXCSTACK: the most values a C
	// function may have on its stack (lua_checkstack refuses more).
	luaMaxCStack = 8000
)

func (s *luaState) openCmsgpack(L *lua.LState, g *lua.LTable) {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(cmsgpackPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int {
		return cmsgpackUnpack(L, "unpack", 0, 0, false)
	}))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		offset := luaOptInteger(L, 2, "unpack_one", 0)
		return cmsgpackUnpack(L, "unpack_one", 1, offset, true)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		limit := luaToInt64(luaCheckNumber(L, 2, "unpack_limit"))
		offset := luaOptInteger(L, 3, "unpack_limit", 0)
		return cmsgpackUnpack(L, "unpack_limit", limit, offset, true)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	g.RawSetString("cmsgpack", t)
}

// luaOptInteger is luaL_optinteger: def for none or nil, else the number
// truncated as lua_tointeger does.
func luaOptInteger(L *lua.LState, n int, fname string, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaToInt64(luaCheckNumber(L, n, fname))
}

// luaCheckLString is luaL_checklstring: a string, or a number as Lua
// prints it.
func luaCheckLString(L *lua.LState, n int, fname string) string {
	switch x := L.Get(n).(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return fmtNumber14(float64(x))
	}
	got := L.Get(n).Type().String()
	if n > L.GetTop() {
		got = "no value"
	}
	luaArgError(L, n, fname, "string expected, got "+got)
	return ""
}

// cmsgpackPack is mp_pack: each argument packed, the results concatenated.
func cmsgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		luaArgError(L, 0, "pack", "MessagePack pack needs input.")
	}
	var b []byte
	for i := 1; i <= n; i++ {
		b = msgpackEncode(b, L.Get(i), 0)
	}
	L.Push(lua.LString(b))
	return 1
}

// msgpackEncode appends v's encoding (mp_encode_lua_type).
func msgpackEncode(b []byte, v lua.LValue, level int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return msgpackBytes(b, string(x))
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(x)
		// IS_INT64_EQUIVALENT: the (int64_t) cast (x86's, for NaN and
		// out-of-range values) gives the number back.
		if i := luaToInt64(f); !math.IsInf(f, 0) && float64(i) == f {
			return msgpackInt(b, i)
		}
		return msgpackDouble(b, f)
	case *lua.LTable:
		if level == cmsgpackMaxNesting {
			return append(b, 0xc0)
		}
		return msgpackTable(b, x, level)
	}
	return append(b, 0xc0) // nil, functions, userdata (cjson.null), threads
}

func msgpackBytes(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = append(b, 0xda)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func msgpackDouble(b []byte, d float64) []byte {
	if f := float32(d); float64(f) == d {
		b = append(b, 0xca)
		return binary.BigEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = append(b, 0xcb)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(d))
}

func msgpackInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 127:
		return append(b, byte(n))
	case n >= 0 && n <= 0xff:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n >= 0 && n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// msgpackHeader appends an array's or a map's header: fix (base|n), 16 or
// 32 bits.
func msgpackHeader(b []byte, fix, c16, c32 byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, c16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
}

// msgpackTable packs t as an array if its keys are exactly the numbers 1
// to n (table_is_an_array: numbers, not numeric strings, each a positive
// int), else as a map in the table's traversal order.
func msgpackTable(b []byte, t *lua.LTable, level int) []byte {
	count, max, isArray := int32(0), int32(0), true
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || math.IsInf(f, 0) || float64(luaToInt32(f)) != f {
			isArray = false
			break
		}
		if int32(f) > max {
			max = int32(f)
		}
		count++
	}
	if isArray && max == count {
		b = msgpackHeader(b, 0x90, 0xdc, 0xdd, int(count))
		for i := 1; i <= int(count); i++ {
			b = msgpackEncode(b, t.RawGetInt(i), level+1)
		}
		return b
	}
	n := 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n++
	}
	b = msgpackHeader(b, 0x80, 0xde, 0xdf, n)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		b = msgpackEncode(b, k, level+1)
		b = msgpackEncode(b, v, level+1)
	}
	return b
}

// luaToInt32 is C's (int) cast of a double as x86-64 does it: NaN and
// out-of-range values become the smallest int32.
func luaToInt32(f float64) int32 {
	if math.IsNaN(f) || f >= 1<<31 || f <= -(1<<31)-1 {
		return math.MinInt32
	}
	return int32(f)
}

// msgpackDecodeError is what stops a decoding: a cursor error (the
// message luaL_error gives it), or a Lua error raised where the C code
// would (settable's, checkstack's), which has no position.
type msgpackDecodeError struct {
	msg      string
	position bool // luaL_error: the message gets the script's position
}

// msgpackDecoder is mp_cur, with the count of values the C function would
// have on its Lua stack, so that luaL_checkstack fails where Redis's does.
type msgpackDecoder struct {
	L     *lua.LState
	data  string
	pos   int
	stack int
	err   *msgpackDecodeError
	// arraySlots counts the array slots that maps' integer keys make
	// gopher-lua allocate: it keeps every key from 1 to lua.MaxArrayIndex
	// in its table's array part, so {[k]=v} takes k slots however few
	// bytes said it (PUC Lua hashes such a key). maxArraySlots, when not
	// 0, stops a decoding that would take more (scripts:
	// scriptArraySlots; FuzzMsgpackDecode has its own budget).
	arraySlots, maxArraySlots int
	// overBudget: a map went over maxArraySlots. Its keys are no longer
	// set (nothing is allocated for them), but decoding goes on, so that
	// an input Redis refuses gets Redis's error; one it would accept gets
	// errMsgpackOverBudget at the end.
	overBudget bool
}

// scriptArraySlots is the budget of array slots a script's unpack of n
// bytes may make maps' integer keys take: 2^20 (16 MiB of gopher-lua
// values) and 64 for each byte. Without one, a 5-byte map keyed by
// 60,000,000, in data a script unpacks (a job's payload, say), would
// allocate about 1 GiB where Redis allocates one hash node; with it, such
// a map is an error (a known difference, script_knowndiff_test.go), and
// every map whose keys are not so sparse decodes as in Redis.
func scriptArraySlots(n int) int { return 1<<20 + 64*n }

var (
	errMsgpackEOF    = &msgpackDecodeError{"Missing bytes in input.", true}
	errMsgpackBadFmt = &msgpackDecodeError{"Bad data format in input.", true}
	// errMsgpackOverBudget is maxArraySlots's error.
	errMsgpackOverBudget = &msgpackDecodeError{"memshard: a map in the input has an integer key too large for its size (Lua tables here keep integer keys below 2^26 in an array)", true}
)

func (d *msgpackDecoder) left() int { return len(d.data) - d.pos }

// need is mp_cur_need: false (and the EOF error) unless n bytes are left.
func (d *msgpackDecoder) need(n uint64) bool {
	if uint64(d.left()) < n {
		d.err = errMsgpackEOF
		return false
	}
	return true
}

// checkStack is luaL_checkstack(L, 1, msg).
func (d *msgpackDecoder) checkStack(msg string) bool {
	if d.stack+1 > luaMaxCStack {
		d.err = &msgpackDecodeError{"stack overflow (" + msg + ")", true}
		return false
	}
	return true
}

func (d *msgpackDecoder) uint(off, n int) uint64 {
	var v uint64
	for _, c := range []byte(d.data[d.pos+off : d.pos+off+n]) {
		v = v<<8 | uint64(c)
	}
	return v
}

// value is mp_decode_to_lua_type: the next object, or nil with d.err set.
// On success it counts one more value on the stack.
func (d *msgpackDecoder) value() lua.LValue {
	if !d.need(1) {
		return nil
	}
	if !d.checkStack("too many return values at once; use unpack_one or unpack_limit instead.") {
		return nil
	}
	c := d.data[d.pos]
	num := func(size int, v float64) lua.LValue { // after need(size)
		d.pos += size
		d.stack++
		return lua.LNumber(v)
	}
	str := func(hdr int, n uint64) lua.LValue {
		if !d.need(uint64(hdr) + n) {
			return nil
		}
		s := d.data[d.pos+hdr : d.pos+hdr+int(n)]
		d.pos += hdr + int(n)
		d.stack++
		return lua.LString(s)
	}
	switch {
	case c == 0xcc:
		if !d.need(2) {
			return nil
		}
		return num(2, float64(d.uint(1, 1)))
	case c == 0xd0:
		if !d.need(2) {
			return nil
		}
		return num(2, float64(int8(d.uint(1, 1))))
	case c == 0xcd:
		if !d.need(3) {
			return nil
		}
		return num(3, float64(d.uint(1, 2)))
	case c == 0xd1:
		if !d.need(3) {
			return nil
		}
		return num(3, float64(int16(d.uint(1, 2))))
	case c == 0xce:
		if !d.need(5) {
			return nil
		}
		return num(5, float64(d.uint(1, 4)))
	case c == 0xd2:
		if !d.need(5) {
			return nil
		}
		return num(5, float64(int32(d.uint(1, 4))))
	case c == 0xcf, c == 0xd3:
		// lua_pushunsigned is lua_pushinteger on 64 bits: a uint64 above
		// 2^63 becomes negative.
		if !d.need(9) {
			return nil
		}
		return num(9, float64(int64(d.uint(1, 8))))
	case c == 0xc0:
		d.pos++
		d.stack++
		return lua.LNil
	case c == 0xc3, c == 0xc2:
		d.pos++
		d.stack++
		return lua.LBool(c == 0xc3)
	case c == 0xca:
		if !d.need(5) {
			return nil
		}
		return num(5, float64(math.Float32frombits(uint32(d.uint(1, 4)))))
	case c == 0xcb:
		if !d.need(9) {
			return nil
		}
		return num(9, math.Float64frombits(d.uint(1, 8)))
	case c == 0xd9:
		if !d.need(2) {
			return nil
		}
		return str(2, d.uint(1, 1))
	case c == 0xda:
		if !d.need(3) {
			return nil
		}
		return str(3, d.uint(1, 2))
	case c == 0xdb:
		if !d.need(5) {
			return nil
		}
		return str(5, d.uint(1, 4))
	case c == 0xdc, c == 0xdd, c == 0xde, c == 0xdf:
		size := 2
		if c == 0xdd || c == 0xdf {
			size = 4
		}
		if !d.need(uint64(1 + size)) {
			return nil
		}
		n := d.uint(1, size)
		d.pos += 1 + size
		if c <= 0xdd {
			return d.array(n)
		}
		return d.hash(n)
	case c&0x80 == 0:
		d.pos++
		d.stack++
		return lua.LNumber(c)
	case c&0xe0 == 0xe0:
		d.pos++
		d.stack++
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return str(1, uint64(c&0x1f))
	case c&0xf0 == 0x90:
		d.pos++
		return d.array(uint64(c & 0xf))
	case c&0xf0 == 0x80:
		d.pos++
		return d.hash(uint64(c & 0xf))
	}
	d.err = errMsgpackBadFmt
	return nil
}

// array is mp_decode_to_lua_array. Its table grows with what decodes, never
// from the claimed length: each element takes at least one byte.
func (d *msgpackDecoder) array(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.stack++
	if !d.checkStack("in function mp_decode_to_lua_array") {
		return nil
	}
	for i := 1; n > 0; i, n = i+1, n-1 {
		d.stack++ // the index
		v := d.value()
		if d.err != nil {
			return nil
		}
		t.RawSetInt(i, v)
		d.stack -= 2
	}
	return t
}

// hash is mp_decode_to_lua_hash; lua_settable refuses nil and NaN keys.
func (d *msgpackDecoder) hash(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.stack++
	arrayLen := 0
	for ; n > 0; n-- {
		k := d.value()
		if d.err != nil {
			return nil
		}
		v := d.value()
		if d.err != nil {
			return nil
		}
		if k == lua.LNil {
			d.err = &msgpackDecodeError{"table index is nil", false}
			return nil
		}
		if f, ok := k.(lua.LNumber); ok && math.IsNaN(float64(f)) {
			d.err = &msgpackDecodeError{"table index is NaN", false}
			return nil
		}
		if f, ok := k.(lua.LNumber); ok && f >= 1 && f < lua.LNumber(lua.MaxArrayIndex) && f == lua.LNumber(int(f)) && int(f) > arrayLen {
			d.arraySlots += int(f) - arrayLen
			arrayLen = int(f)
			if d.maxArraySlots > 0 && d.arraySlots > d.maxArraySlots {
				d.overBudget = true
			}
		}
		if !d.overBudget {
			t.RawSet(k, v)
		}
		d.stack -= 2
	}
	return t
}

// cmsgpackUnpack is mp_unpack_full: limit objects from offset (both 0: all
// of them, without the offset result); the next offset (-1 at the end)
// comes first when a limit or an offset was asked. pop: unpack_one and
// unpack_limit drop their arguments but the string first (their values
// count on the C stack otherwise).
func cmsgpackUnpack(L *lua.LState, fname string, limit, offset int64, pop bool) int {
	if pop {
		L.SetTop(min(L.GetTop(), 1))
	}
	s := luaCheckLString(L, 1, fname)
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		// Redis's text says limit but prints the length.
		L.RaiseError("%s", fmt.Sprintf("Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s))))
	} else if offset > int64(len(s)) {
		L.RaiseError("%s", fmt.Sprintf("Start offset %d greater than input length %d.", int32(offset), int32(len(s))))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	d := &msgpackDecoder{L: L, data: s, pos: int(offset), stack: L.GetTop(), maxArraySlots: scriptArraySlots(len(s))}
	var out []lua.LValue
	for cnt := int64(0); d.left() > 0 && cnt < limit; cnt++ {
		v := d.value()
		if e := d.err; e != nil {
			if e.position {
				L.RaiseError("%s", e.msg)
			}
			L.Error(lua.LString(e.msg), 0)
		}
		out = append(out, v)
	}
	if !decodeAll && d.stack+1 > luaMaxCStack {
		L.RaiseError("stack overflow (in function mp_unpack_full)")
	}
	if d.overBudget {
		L.RaiseError("%s", errMsgpackOverBudget.msg)
	}
	if !decodeAll {
		next := int64(d.pos)
		if d.left() == 0 {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range out {
		L.Push(v)
	}
	if decodeAll {
		return len(out)
	}
	return len(out) + 1
}

// msgpackDecode decodes all of data as unpack does, for tests and fuzzing:
// the values, or the error's message, and the array slots that maps'
// integer keys took (see msgpackDecoder.arraySlots, and maxSlots).
func msgpackDecode(L *lua.LState, data string, maxSlots int) ([]lua.LValue, string, int) {
	d := &msgpackDecoder{L: L, data: data, stack: 1, maxArraySlots: maxSlots}
	var out []lua.LValue
	for d.left() > 0 {
		v := d.value()
		if d.err != nil {
			return nil, d.err.msg, d.arraySlots
		}
		out = append(out, v)
	}
	if d.overBudget {
		return nil, errMsgpackOverBudget.msg, d.arraySlots
	}
	return out, "", d.arraySlots
}
