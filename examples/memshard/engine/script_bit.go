package engine

import (
	"math"
	"math/bits"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The bit library of Redis 7.0's scripts (LuaBitOp 1.0): 32-bit operations
// on Lua numbers, results as signed 32-bit integers.

// toBit is LuaBitOp's tobit: the number rounded to an integer (ties to
// even, as its 2^52+2^51 addition does) and taken modulo 2^32.
func toBit(L *lua.LState, n int, fname string) uint32 {
	f := luaCheckNumber(L, n, fname)
	r := math.RoundToEven(f)
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	return uint32(int64(math.Mod(r, 1<<32)))
}

func pushBit(L *lua.LState, v uint32) int {
	L.Push(lua.LNumber(int32(v)))
	return 1
}

func (s *luaState) openBit(L *lua.LState, g *lua.LTable) {
	fold := func(name string, op func(a, b uint32) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			v := toBit(L, 1, name)
			for i := 2; i <= L.GetTop(); i++ {
				v = op(v, toBit(L, i, name))
			}
			return pushBit(L, v)
		}
	}
	shift := func(name string, op func(a uint32, n uint) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			a := toBit(L, 1, name)
			n := toBit(L, 2, name) & 31
			return pushBit(L, op(a, uint(n)))
		}
	}
	fns := map[string]lua.LGFunction{
		"tobit":  func(L *lua.LState) int { return pushBit(L, toBit(L, 1, "tobit")) },
		"bnot":   func(L *lua.LState) int { return pushBit(L, ^toBit(L, 1, "bnot")) },
		"bswap":  func(L *lua.LState) int { return pushBit(L, bits.ReverseBytes32(toBit(L, 1, "bswap"))) },
		"band":   fold("band", func(a, b uint32) uint32 { return a & b }),
		"bor":    fold("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":   fold("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift": shift("lshift", func(a uint32, n uint) uint32 { return a << n }),
		"rshift": shift("rshift", func(a uint32, n uint) uint32 { return a >> n }),
		"arshift": shift("arshift", func(a uint32, n uint) uint32 {
			return uint32(int32(a) >> n)
		}),
		"rol": shift("rol", func(a uint32, n uint) uint32 { return bits.RotateLeft32(a, int(n)) }),
		"ror": shift("ror", func(a uint32, n uint) uint32 { return bits.RotateLeft32(a, -int(n)) }),
		"tohex": func(L *lua.LState) int {
			v := toBit(L, 1, "tohex")
			n := int32(8)
			if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
				n = int32(toBit(L, 2, "tohex"))
			}
			digits := "0123456789abcdef"
			if n < 0 {
				n = -n
				digits = strings.ToUpper(digits)
			}
			n = min(n, 8)
			buf := make([]byte, n)
			for i := n - 1; i >= 0; i-- {
				buf[i] = digits[v&15]
				v >>= 4
			}
			L.Push(lua.LString(buf))
			return 1
		},
	}
	t := L.NewTable()
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	g.RawSetString("bit", t)
}
