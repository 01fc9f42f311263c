package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	lua "github.com/yuin/gopher-lua"
)

// The Lua environment of Redis 7.0's EVAL (script_lua.c, eval.c), on
// gopher-lua (Lua 5.1, as Redis's): the libraries Redis loads, the redis
// table, protected globals, and the conversions between Redis replies and
// Lua values.

// luaState is a node's Lua state, created on the first script and dropped
// by SCRIPT FLUSH.
type luaState struct {
	L *lua.LState
	// errHandler turns an error into Redis's error table (Redis's
	// __redis__err__handler), adding where it happened.
	errHandler *lua.LFunction
	// protected are the tables Redis makes read-only (the globals and the
	// libraries), with their contents after setup: see restore.
	protected map[*lua.LTable]map[lua.LValue]lua.LValue
	cjsonNull *lua.LUserData
	run       *scriptRun // the script running, nil between scripts
	rand      *rand48    // the node's, which SCRIPT FLUSH keeps
}

// scriptRun is one script's run: what redis.call needs.
type scriptRun struct {
	db       *DB
	c        *Call
	name     string // the script's SHA1, or the function's name: errors name it
	resp     int    // the protocol of redis.call's replies (redis.setresp)
	readOnly bool   // EVAL_RO, or no-writes
	repl     int    // redis.set_repl's flags
	allowOOM bool   // the script says allow-oom
	wrote    bool   // the script has called a write command (SCRIPT_WRITE_DIRTY)
}

// invocation is one run of a compiled script or function.
type invocation struct {
	fn   *lua.LFunction
	name string // the script's SHA1, or the function's name
	// function: fn is a function's callback, called with the keys and the
	// arguments as its two arguments (FCALL); else a script's body, which
	// finds them in KEYS and ARGV (EVAL).
	function   bool
	keys, args [][]byte
	readOnly   bool          // EVAL_RO, FCALL_RO, or no-writes
	allowOOM   bool          // the script's flags say allow-oom
	running    runningScript // what the monitor shows while it runs
}

// Redis's propagation flags (redis.REPL_*).
const (
	replNone = 0
	replAOF  = 1
	replRepl = 2
	replAll  = 3
)

// Redis's log levels (redis.LOG_*).
const (
	logDebug = iota
	logVerbose
	logNotice
	logWarning
)

// redisVersion is the version memshard answers as (INFO's redis_version).
const (
	redisVersion    = "7.0.15"
	redisVersionNum = 0x07000f
)

// The chunk names of EVAL's scripts and of function libraries: errors
// show them.
const (
	scriptChunkName   = "user_script"
	functionChunkName = "user_function"
)

func newLuaState(rand *rand48) *luaState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 1000, RegistrySize: 1024, RegistryMaxSize: 1024 * 1024})
	s := &luaState{L: L, rand: rand, protected: make(map[*lua.LTable]map[lua.LValue]lua.LValue)}
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{"", lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath}, {lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	// What Redis's base library leaves out, and gopher-lua's additions.
	for _, name := range []string{"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy",
		"module", "require", "_printregs", "_GOPHER_LUA_VERSION"} {
		g.RawSetString(name, lua.LNil)
	}
	s.patchLibraries(L, g)
	s.openCjson(L, g)
	s.openBit(L, g)
	s.openCmsgpack(L, g)
	s.openStruct(L, g)
	s.openRedis(L, g)

	s.errHandler = L.NewFunction(s.handleError)
	g.RawSetString("__redis__err__handler", s.errHandler)

	// Global protection: reading an undeclared global, or creating one,
	// is an error.
	gmt := L.NewTable()
	gmt.RawSetString("__index", L.NewFunction(nonexistentGlobal))
	gmt.RawSetString("__newindex", L.NewFunction(readonlyError))
	L.SetMetatable(g, gmt)
	s.protect(g)
	return s
}

// nonexistentGlobal is the __index of the tables whose missing fields
// Redis reports (the globals; a library's load-time environment).
func nonexistentGlobal(L *lua.LState) int {
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", luaToString(L.Get(2)))
	return 0
}

// readonlyError is the error of a write to a table Redis makes read-only.
func readonlyError(L *lua.LState) int {
	L.RaiseError("Attempt to modify a readonly table")
	return 0
}

// protect records t and the tables it holds as read-only: new fields are
// refused (a __newindex); fields changed anyway (gopher-lua has no
// read-only tables) are put back after each script by restore.
func (s *luaState) protect(t *lua.LTable) {
	if _, seen := s.protected[t]; seen {
		return
	}
	snap := make(map[lua.LValue]lua.LValue)
	s.protected[t] = snap
	t.ForEach(func(k, v lua.LValue) {
		snap[k] = v
		if sub, ok := v.(*lua.LTable); ok {
			s.protect(sub)
		}
	})
	if t.Metatable == lua.LNil || t.Metatable == nil {
		mt := s.L.NewTable()
		mt.RawSetString("__newindex", s.L.NewFunction(readonlyError))
		t.Metatable = mt
	}
}

// restore undoes what a script changed in the protected tables.
func (s *luaState) restore() {
	for t, snap := range s.protected {
		var extra []lua.LValue
		t.ForEach(func(k, v lua.LValue) {
			if old, ok := snap[k]; !ok {
				extra = append(extra, k)
			} else if old != v {
				t.RawSet(k, old)
			}
		})
		for _, k := range extra {
			t.RawSet(k, lua.LNil)
		}
		for k, v := range snap {
			if t.RawGet(k) == lua.LNil {
				t.RawSet(k, v)
			}
		}
	}
}

// patchLibraries makes the standard libraries Redis's: its tostring (Lua's
// "%.14g" for numbers), rawset and setmetatable refusing the read-only
// tables, pcall returning a redis.call error's message, and the Lua 5.1
// functions gopher-lua leaves out.
func (s *luaState) patchLibraries(L *lua.LState, g *lua.LTable) {
	origTostring := g.RawGetString("tostring").(*lua.LFunction)
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		v := L.CheckAny(1)
		if n, ok := v.(lua.LNumber); ok {
			L.Push(lua.LString(fmtNumber14(float64(n))))
			return 1
		}
		L.Push(origTostring)
		L.Push(v)
		L.Call(1, 1)
		return 1
	}))
	origRawset := g.RawGetString("rawset").(*lua.LFunction)
	g.RawSetString("rawset", L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok && s.protected[t] != nil {
			L.Error(lua.LString("Attempt to modify a readonly table"), 0)
		}
		L.Push(origRawset)
		for i := 1; i <= L.GetTop()-1; i++ {
			L.Push(L.Get(i))
		}
		L.Call(L.GetTop()-2, 1)
		return 1
	}))
	origSetmt := g.RawGetString("setmetatable").(*lua.LFunction)
	g.RawSetString("setmetatable", L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok && s.protected[t] != nil {
			L.Error(lua.LString("Attempt to modify a readonly table"), 0)
		}
		L.Push(origSetmt)
		L.Push(L.Get(1))
		L.Push(L.Get(2))
		L.Call(2, 1)
		return 1
	}))
	// Redis's pcall: a failing redis.call raises a table; pcall gives its
	// message, as Lua code written for Redis 6 expects.
	g.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		if n == 0 {
			L.ArgError(1, "value expected")
		}
		base := L.GetTop() - n
		err := L.PCall(n-1, lua.MultRet, nil)
		if err != nil {
			obj := err.(*lua.ApiError).Object
			if t, ok := obj.(*lua.LTable); ok {
				if m, ok := t.RawGetString("err").(lua.LString); ok {
					obj = m
				}
			}
			L.Push(lua.LFalse)
			L.Push(obj)
			return 2
		}
		results := L.GetTop() - base
		L.Insert(lua.LTrue, base+1)
		return results + 1
	}))
	// error: Lua 5.1's, whose position is the caller's only if that is a
	// Lua function (gopher-lua's skips Go functions such as pcall).
	g.RawSetString("error", L.NewFunction(func(L *lua.LState) int {
		obj := L.Get(1)
		level := L.OptInt(2, 1)
		if _, isTable := obj.(*lua.LTable); !isTable && isLuaString(obj) && level > 0 {
			prefix := ""
			if dbg, ok := L.GetStack(level); ok {
				if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
					prefix = fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)
				}
			}
			obj = lua.LString(prefix + luaToString(obj))
		}
		L.Error(obj, 0)
		return 0
	}))
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(0))
		return 1
	}))
	// math.random and math.randomseed: Redis's, on its rand48, reseeded
	// for every script so that scripts are deterministic.
	m := g.RawGetString("math").(*lua.LTable)
	m.RawSetString("random", L.NewFunction(s.mathRandom))
	m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		s.rand.seed(int32(luaCheckInt(L, 1, "randomseed")))
		return 0
	}))
	str := g.RawGetString("string").(*lua.LTable)
	if gm := str.RawGetString("gmatch"); gm != lua.LNil {
		str.RawSetString("gfind", gm)
	}
	tbl := g.RawGetString("table").(*lua.LTable)
	tbl.RawSetString("foreach", L.NewFunction(tableForeach(false)))
	tbl.RawSetString("foreachi", L.NewFunction(tableForeach(true)))
	tbl.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
}

// tableForeach is Lua 5.1's table.foreach / table.foreachi.
func tableForeach(indexed bool) lua.LGFunction {
	return func(L *lua.LState) int {
		t := L.CheckTable(1)
		f := L.CheckFunction(2)
		call := func(k, v lua.LValue) bool {
			L.Push(f)
			L.Push(k)
			L.Push(v)
			L.Call(2, 1)
			r := L.Get(-1)
			L.Pop(1)
			if r != lua.LNil {
				L.Push(r)
				return true
			}
			return false
		}
		if indexed {
			for i := 1; i <= t.Len(); i++ {
				if call(lua.LNumber(i), t.RawGetInt(i)) {
					return 1
				}
			}
			return 0
		}
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			if call(k, v) {
				return 1
			}
		}
		return 0
	}
}

// rand48 is Redis's redisLrand48: the 48-bit linear congruential
// generator of POSIX lrand48, for math.random. Redis 7.0 does not reseed
// it for each script: its sequence runs on from script to script, from
// the generator's initial state, until math.randomseed.
type rand48 struct{ x uint64 }

func newRand48() *rand48 { return &rand48{x: 0x1234abcd330e} }

func (r *rand48) seed(s int32) { r.x = (uint64(uint32(s))<<16 | 0x330e) & (1<<48 - 1) }

func (r *rand48) next() int32 {
	r.x = (0x5deece66d*r.x + 0xb) & (1<<48 - 1)
	return int32(r.x >> 17)
}

func (s *luaState) mathRandom(L *lua.LState) int {
	const max = 1<<31 - 1 // REDIS_LRAND48_MAX
	r := float64(s.rand.next()%max) / max
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := luaCheckInt(L, 1, "random")
		if u < 1 {
			luaArgError(L, 1, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := luaCheckInt(L, 1, "random"), luaCheckInt(L, 2, "random")
		if l > u {
			luaArgError(L, 2, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

// luaArgError raises Lua 5.1's "bad argument" error as PUC Lua words it.
func luaArgError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

// luaCheckNumber is luaL_checknumber: a number, or a string that reads as
// one.
func luaCheckNumber(L *lua.LState, n int, fname string) float64 {
	v := L.Get(n)
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x)
	case lua.LString:
		if f, ok := luaStr2d(string(x)); ok {
			return f
		}
	}
	got := v.Type().String()
	if n > L.GetTop() {
		got = "no value"
	}
	luaArgError(L, n, fname, "number expected, got "+got)
	return 0
}

// luaStr2d is Lua 5.1's luaO_str2d, glibc's strtod with C's white space
// around: decimal and hexadecimal numbers (0x10, 0x1.8p1), inf, nan; out
// of range is infinite or zero, not an error.
func luaStr2d(s string) (float64, bool) {
	t := strings.Trim(s, " \t\n\v\f\r")
	if t == "" || strings.Contains(t, "_") {
		return 0, false
	}
	if u := strings.ToLower(strings.TrimLeft(t, "+-")); u == "nan" {
		// glibc's NaN: the quiet bit alone (Go's has a payload), signed.
		nan := math.Float64frombits(0x7ff8 << 48)
		if t[0] == '-' {
			nan = -nan
		}
		return nan, true
	}
	f, err := strconv.ParseFloat(t, 64)
	if err == nil || errIsRange(err) {
		return f, true
	}
	// strtod reads a hexadecimal number without an exponent; Go wants one.
	u := strings.ToLower(strings.TrimLeft(t, "+-"))
	if strings.HasPrefix(u, "0x") && len(u) > 2 && !strings.Contains(u, "p") {
		if f, err := strconv.ParseFloat(t+"p0", 64); err == nil || errIsRange(err) {
			return f, true
		}
	}
	return 0, false
}

// luaCheckInt is luaL_checkint: the number truncated to an int.
func luaCheckInt(L *lua.LState, n int, fname string) int64 {
	return int64(int32(int64(luaCheckNumber(L, n, fname))))
}

// luaToString is lua_tostring: strings as they are, numbers as Lua
// prints them.
func luaToString(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return fmtNumber14(float64(n))
	}
	return v.String()
}

// fmtNumber14 formats f as Lua 5.1 and lua-cjson do, with C's "%.14g".
func fmtNumber14(f float64) string { return fmtG(f, 14) }

// fmtG is C's "%.<prec>g" for f, glibc's spelling of infinities and NaN
// included.
func fmtG(f float64, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', prec, 64)
}

// compile compiles a script's or a library's code as chunk, or returns
// Lua's compile error.
func (s *luaState) compile(code []byte, chunk string) (*lua.LFunction, string) {
	fn, err := s.L.Load(strings.NewReader(string(code)), chunk)
	if err != nil {
		msg := err.Error()
		if ae, ok := err.(*lua.ApiError); ok {
			msg = luaToString(ae.Object)
		}
		return nil, strings.TrimRight(msg, "\n")
	}
	return fn, ""
}

// execute runs a compiled script or function for call c and writes its
// reply (Redis's luaCallFunction).
func (s *luaState) execute(db *DB, c *Call, inv invocation) {
	L := s.L
	s.run = &scriptRun{db: db, c: c, name: inv.name, resp: 2, readOnly: inv.readOnly, repl: replAll, allowOOM: inv.allowOOM}
	defer func() {
		s.run = nil
		s.restore()
		L.SetTop(0)
	}()
	if m := c.Scripts; m != nil {
		ctx, cancel := context.WithCancel(context.Background())
		L.SetContext(ctx) // SCRIPT KILL cancels it: the VM raises an error
		m.begin(cancel, inv.running)
		defer func() {
			m.end()
			L.RemoveContext()
			cancel()
		}()
	}
	L.Push(inv.fn)
	nargs := 0
	if inv.function {
		L.Push(byteArray(L, inv.keys))
		L.Push(byteArray(L, inv.args))
		nargs = 2
	} else {
		g := L.G.Global
		g.RawSetString("KEYS", byteArray(L, inv.keys))
		g.RawSetString("ARGV", byteArray(L, inv.args))
	}
	err := L.PCall(nargs, 1, s.errHandler)
	if err != nil {
		s.replyError(c, err.(*lua.ApiError).Object)
		return
	}
	s.reply(c.Out, L.Get(-1), 0)
}

func byteArray(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for _, it := range items {
		t.Append(lua.LString(it))
	}
	return t
}

// handleError is Redis's __redis__err__handler: the error becomes a table
// {err=...} (a string error gets "ERR " before it), with the source and
// line of the function that raised it, or of its caller if that is a Go
// (C in Redis) function such as error or redis.call.
func (s *luaState) handleError(L *lua.LState) int {
	e := L.Get(1)
	level := 1
	if dbg, ok := L.GetStack(level); ok {
		if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.What == "G" {
			level = 2
		}
	}
	t, ok := e.(*lua.LTable)
	if !ok {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+luaToString(e)))
		if e == lua.LNil {
			t.RawSetString("err", lua.LString("ERR nil"))
		}
	}
	if s.run != nil && s.run.c.Scripts != nil && s.run.c.Scripts.wasKilled() {
		t = L.NewTable() // whatever the VM raised on the cancelled context
		t.RawSetString("err", lua.LString(errScriptKilled))
	}
	if dbg, ok := L.GetStack(level); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil {
			src := dbg.Source
			if src == scriptChunkName || src == functionChunkName {
				src = "@" + src
			}
			if dbg.What == "G" {
				src = "=[C]"
			}
			t.RawSetString("source", lua.LString(src))
			t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		}
	}
	L.Push(t)
	return 1
}

// replyError writes a script's error as luaCallFunction does.
func (s *luaState) replyError(c *Call, obj lua.LValue) {
	t, ok := obj.(*lua.LTable)
	if !ok {
		c.Out.Error(fmt.Sprintf("ERR Error running script %s, %.100s", s.run.name, luaToString(obj)))
		return
	}
	msg := ""
	if m := t.RawGetString("err"); isLuaString(m) {
		msg = luaToString(m)
	}
	s.replyErrorStats(t, msg, 0)
	src, line := t.RawGetString("source"), t.RawGetString("line")
	if isLuaString(src) && isLuaString(line) {
		msg += fmt.Sprintf(" script: %s, on %s:%s.", s.run.name, luaToString(src), luaToString(line))
	}
	writeRawError(c.Out, msg)
}

// writeRawError writes "-msg\r\n" as Redis's script replies do: the
// message as it is, its line breaks, which would break the protocol,
// turned into spaces.
func writeRawError(w *resp.Writer, msg string) {
	msg = strings.NewReplacer("\r", " ", "\n", " ").Replace(msg)
	w.Raw([]byte("-" + msg + "\r\n"))
}

func isLuaString(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

// luaToInt64 is C's (long long) cast of a Lua number as x86-64 does it:
// NaN and out-of-range values become the smallest int64.
func luaToInt64(f float64) int64 {
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// reply writes a script's result as Redis's luaReplyToRedisReply does.
func (s *luaState) reply(w *resp.Writer, v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		w.BulkString(string(x))
	case lua.LBool:
		switch {
		case s.run.resp == 3:
			w.Bool(bool(x))
		case x == lua.LTrue:
			w.Int(1)
		default:
			w.NullBulk()
		}
	case lua.LNumber:
		w.Int(luaToInt64(float64(x)))
	case *lua.LTable:
		s.replyTable(w, x, depth)
	default:
		w.NullBulk()
	}
}

func (s *luaState) replyTable(w *resp.Writer, t *lua.LTable, depth int) {
	if e := t.RawGetString("err"); isLuaString(e) {
		// addReplyErrorFormat("-%s"): trailing line breaks trimmed.
		msg := strings.TrimRight(luaToString(e), "\r\n")
		s.replyErrorStats(t, msg, depth)
		writeRawError(w, msg)
		return
	}
	if ok, isStr := t.RawGetString("ok").(lua.LString); isStr {
		w.Simple(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(ok)))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		writeDouble(w, float64(d))
		return
	}
	if b, ok := t.RawGetString("big_number").(lua.LString); ok {
		n := strings.NewReplacer("\r", " ", "\n", " ").Replace(string(b))
		if w.Proto() == 3 {
			w.Raw([]byte("(" + n + "\r\n"))
		} else {
			w.BulkString(n)
		}
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, fok := vt.RawGetString("format").(lua.LString)
		str, sok := vt.RawGetString("string").(lua.LString)
		if fok && sok {
			if w.Proto() == 3 {
				f := (string(format) + "???")[:3]
				w.Raw([]byte(fmt.Sprintf("=%d\r\n%s:%s\r\n", len(str)+4, f, str)))
			} else {
				w.BulkString(string(str))
			}
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		var ks, vs []lua.LValue
		m.ForEach(func(k, v lua.LValue) { ks, vs = append(ks, k), append(vs, v) })
		w.Map(len(ks))
		for i := range ks {
			s.reply(w, ks[i], depth+1)
			s.reply(w, vs[i], depth+1)
		}
		return
	}
	if set, ok := t.RawGetString("set").(*lua.LTable); ok {
		var ks []lua.LValue
		set.ForEach(func(k, _ lua.LValue) { ks = append(ks, k) })
		w.Set(len(ks))
		for _, k := range ks {
			s.reply(w, k, depth+1)
		}
		return
	}
	var items []lua.LValue
	for i := 1; ; i++ {
		v := t.RawGetInt(i)
		if v == lua.LNil {
			break
		}
		items = append(items, v)
	}
	w.Array(len(items))
	for _, it := range items {
		s.reply(w, it, depth+1)
	}
}

// writeDouble is Redis's addReplyDouble: "%.17g", glibc's inf and nan.
func writeDouble(w *resp.Writer, f float64) {
	str := fmtG(f, 17)
	if w.Proto() == 3 {
		w.Raw([]byte("," + str + "\r\n"))
	} else {
		w.BulkString(str)
	}
}

// luaError builds Redis's error table (luaPushErrorBuff): "-CODE msg" keeps
// its code, a message without one gets ERR.
func luaErrorTable(L *lua.LState, msg string) *lua.LTable {
	code := "ERR"
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		if c, m, found := strings.Cut(rest, " "); found {
			code, msg = c, m
		} else {
			msg = rest
		}
	}
	msg = strings.Trim(msg, "\r\n")
	t := L.NewTable()
	t.RawSetString("err", lua.LString(code+" "+msg))
	return t
}
