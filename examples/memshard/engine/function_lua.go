package engine

import (
	"context"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The Lua engine of Redis 7.0's functions (function_lua.c): a Lua state of
// its own, whose callbacks run as EVAL's scripts run (script_lua.go), and
// the environment a library's code runs in while it loads, where it sees
// only redis.register_function, redis.log, the log levels and the version:
// anything else is a nonexistent global, and every table is read-only.

// functionLoadTimeout is how long a library's code may run while it loads
// (Redis's LOAD_TIMEOUT_MS). A replayed FUNCTION LOAD has none: the
// primary's ran in time, and a replica must not fail where it succeeded.
const functionLoadTimeout = 500 * time.Millisecond

// functionEngine is the Lua state the functions live in.
type functionEngine struct {
	*luaState
	// env is every library's environment (a function's too: Lua closures
	// inherit it): an empty read-only table whose reads go to envMeta's
	// __index, loadAPI while a library loads, the globals otherwise (as
	// Redis swaps its globals' __index).
	env, envMeta *lua.LTable
	loadAPI      *lua.LTable
	loading      *library // the library loading, which register_function adds to; nil otherwise
}

func newFunctionEngine(rand *rand48) *functionEngine {
	fe := &functionEngine{luaState: newLuaState(rand)}
	L := fe.L
	r := L.NewTable()
	r.RawSetString("register_function", L.NewFunction(fe.registerFunction))
	registerLog(L, r)
	registerVersion(r)
	fe.loadAPI = L.NewTable()
	fe.loadAPI.RawSetString("redis", r)
	for _, t := range []*lua.LTable{fe.loadAPI, r} {
		mt := L.NewTable()
		mt.RawSetString("__index", L.NewFunction(nonexistentGlobal))
		mt.RawSetString("__newindex", L.NewFunction(readonlyError))
		L.SetMetatable(t, mt)
	}
	fe.protect(fe.loadAPI)
	fe.env, fe.envMeta = L.NewTable(), L.NewTable()
	fe.envMeta.RawSetString("__index", L.G.Global)
	fe.envMeta.RawSetString("__newindex", L.NewFunction(readonlyError))
	L.SetMetatable(fe.env, fe.envMeta)
	fe.protect(fe.env)
	return fe
}

// load runs a library's code (after its shebang line) so that it
// registers its functions into lib, and returns Redis's error if it does
// not compile or fails (timeout 0: no limit).
func (fe *functionEngine) load(lib *library, code []byte, timeout time.Duration) string {
	L := fe.L
	fn, cerr := fe.compile(code, functionChunkName)
	if cerr != "" {
		return "ERR Error compiling function: " + cerr
	}
	fn.Env = fe.env
	fe.envMeta.RawSetString("__index", fe.loadAPI)
	fe.loading = lib
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
		L.SetContext(ctx) // the VM raises an error once it is done
	}
	defer func() {
		if timeout > 0 {
			L.RemoveContext()
		}
		cancel()
		fe.envMeta.RawSetString("__index", L.G.Global)
		fe.loading = nil
		fe.restore()
		L.SetTop(0)
	}()
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		if ctx.Err() != nil {
			return "ERR Error registering functions: ERR FUNCTION LOAD timeout"
		}
		return "ERR Error registering functions: " + loadErrorMessage(err.(*lua.ApiError).Object)
	}
	return ""
}

// loadErrorMessage is luaExtractErrorInformation's message: a string
// error gets "ERR " before it, an error table gives its err field.
func loadErrorMessage(obj lua.LValue) string {
	t, ok := obj.(*lua.LTable)
	if !ok {
		return "ERR " + luaToString(obj)
	}
	if e := t.RawGetString("err"); isLuaString(e) {
		return luaToString(e)
	}
	return "(null)" // glibc's printf of a NULL string
}

// functionArgs are redis.register_function's arguments.
type functionArgs struct {
	name, desc string
	hasName    bool
	hasDesc    bool
	flags      int
	callback   *lua.LFunction
}

// registerFunction is redis.register_function: (name, callback), or a
// table of named arguments {function_name=..., callback=..., flags={...},
// description=...}.
func (fe *functionEngine) registerFunction(L *lua.LState) int {
	lib := fe.loading
	if lib == nil {
		raise(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	var a functionArgs
	var err string
	switch L.GetTop() {
	case 1:
		a, err = namedFunctionArgs(L)
	case 2:
		a, err = positionalFunctionArgs(L)
	default:
		err = "wrong number of arguments to redis.register_function"
	}
	if err != "" {
		raise(L, err)
	}
	if !validFunctionName(a.name) {
		raise(L, errFunctionName)
	}
	for _, f := range lib.funcs {
		// Redis compares them as they are, then indexes them ignoring
		// case (and fails an assertion when it deletes the library):
		// memshard refuses the second.
		if strings.EqualFold(f.name, a.name) {
			raise(L, "Function already exists in the library")
		}
	}
	lib.funcs = append(lib.funcs, &luaFunction{name: a.name, desc: a.desc, hasDesc: a.hasDesc, flags: a.flags, fn: a.callback, lib: lib})
	return 0
}

func positionalFunctionArgs(L *lua.LState) (functionArgs, string) {
	var a functionArgs
	if v := L.Get(1); !isLuaString(v) {
		return a, "first argument to redis.register_function must be a string"
	} else {
		a.name, a.hasName = luaToString(v), true
	}
	cb, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		return a, "second argument to redis.register_function must be a function"
	}
	a.callback = cb
	return a, ""
}

func namedFunctionArgs(L *lua.LState) (functionArgs, string) {
	var a functionArgs
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return a, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !isLuaString(k) {
			return a, "named argument key given to redis.register_function is not a string"
		}
		switch key := luaToString(k); {
		case strings.EqualFold(key, "function_name"):
			if !isLuaString(v) {
				return a, "function_name argument given to redis.register_function must be a string"
			}
			a.name, a.hasName = luaToString(v), true
		case strings.EqualFold(key, "description"):
			if !isLuaString(v) {
				return a, "description argument given to redis.register_function must be a string"
			}
			a.desc, a.hasDesc = luaToString(v), true
		case strings.EqualFold(key, "callback"):
			cb, ok := v.(*lua.LFunction)
			if !ok {
				return a, "callback argument given to redis.register_function must be a function"
			}
			a.callback = cb
		case strings.EqualFold(key, "flags"):
			ft, ok := v.(*lua.LTable)
			if !ok {
				return a, "flags argument to redis.register_function must be a table representing function flags"
			}
			flags, known := functionFlagsOf(L, ft)
			if !known {
				return a, "unknown flag given"
			}
			a.flags = flags
		default:
			return a, "unknown argument given to redis.register_function"
		}
	}
	switch {
	case !a.hasName:
		return a, "redis.register_function must get a function name argument"
	case a.callback == nil:
		return a, "redis.register_function must get a callback argument"
	}
	return a, ""
}

// functionFlagsOf reads a flags table, t[1], t[2], ... up to the first
// nil, each a flag's name in any case; known is false at an unknown one.
func functionFlagsOf(L *lua.LState, t *lua.LTable) (flags int, known bool) {
	for j := 1; ; j++ {
		v := L.GetTable(t, lua.LNumber(j))
		if v == lua.LNil {
			return flags, true
		}
		if !isLuaString(v) {
			return 0, false
		}
		bit, ok := shebangFlags[strings.ToLower(luaToString(v))]
		if !ok {
			return 0, false
		}
		flags |= bit
	}
}
