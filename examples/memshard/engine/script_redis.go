package engine

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/lolwut"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	lua "github.com/yuin/gopher-lua"
)

// The redis table of Redis 7.0's scripts, and redis.call: a command run on
// the engine as Redis's scriptCall runs it, its reply turned into Lua
// values.

func (s *luaState) openRedis(L *lua.LState, g *lua.LTable) {
	r := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":         func(L *lua.LState) int { return s.redisCall(L, true) },
		"pcall":        func(L *lua.LState) int { return s.redisCall(L, false) },
		"setresp":      s.redisSetResp,
		"sha1hex":      redisSha1hex,
		"error_reply":  redisErrorReply,
		"status_reply": redisStatusReply,
		"set_repl":     s.redisSetRepl,
		"replicate_commands": func(L *lua.LState) int {
			L.Push(lua.LTrue) // effects replication is the only kind
			return 1
		},
		"breakpoint": func(L *lua.LState) int { // no debugger: never stops
			L.Push(lua.LFalse)
			return 1
		},
		"debug":         func(L *lua.LState) int { return 0 },
		"acl_check_cmd": s.redisACLCheckCmd,
	}
	for name, fn := range fns {
		r.RawSetString(name, L.NewFunction(fn))
	}
	for name, v := range map[string]int{
		"REPL_NONE": replNone, "REPL_AOF": replAOF, "REPL_SLAVE": replRepl, "REPL_REPLICA": replRepl, "REPL_ALL": replAll,
	} {
		r.RawSetString(name, lua.LNumber(v))
	}
	registerLog(L, r)
	registerVersion(r)
	g.RawSetString("redis", r)
}

// registerLog adds redis.log and the log levels to r (luaRegisterLogFunction):
// a script's redis table has them, and so has a library's while it loads.
func registerLog(L *lua.LState, r *lua.LTable) {
	r.RawSetString("log", L.NewFunction(redisLog))
	for name, v := range map[string]int{
		"LOG_DEBUG": logDebug, "LOG_VERBOSE": logVerbose, "LOG_NOTICE": logNotice, "LOG_WARNING": logWarning,
	} {
		r.RawSetString(name, lua.LNumber(v))
	}
}

// registerVersion adds redis.REDIS_VERSION and REDIS_VERSION_NUM to r
// (luaRegisterVersion).
func registerVersion(r *lua.LTable) {
	r.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum))
	r.RawSetString("REDIS_VERSION", lua.LString(redisVersion))
}

// raise raises Redis's error table for msg (luaPushError + luaError).
func raise(L *lua.LState, msg string) {
	L.Error(luaErrorTable(L, msg), 0)
}

// scriptArgv converts redis.call's arguments as luaArgsToRedisArgv does:
// strings as they are, numbers with "%.17g"; anything else is an error.
func scriptArgv(L *lua.LState) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, "Please specify at least one argument for this redis lib call"
	}
	argv := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			argv[i-1] = []byte(v)
		case lua.LNumber:
			argv[i-1] = []byte(fmtG(float64(v), 17))
		default:
			return nil, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return argv, ""
}

func (s *luaState) redisCall(L *lua.LState, raiseErr bool) int {
	if s.run == nil {
		raise(L, "redis.call/pcall can only be called inside a script invocation")
	}
	argv, msg := scriptArgv(L)
	if msg != "" {
		t := luaErrorTable(L, msg)
		if raiseErr {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	var reply lua.LValue
	out, errMsg := s.execScriptCommand(argv)
	if errMsg != "" {
		s.run.scriptCalled(&ScriptCalled{Argv: argv, Refusal: errMsg})
	}
	isErr := errMsg != "" || len(out) > 0 && out[0] == '-'
	if errMsg != "" {
		t := luaErrorTable(L, errMsg)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		reply = t
	} else {
		reply = parseReply(L, out)
	}
	if raiseErr && isErr {
		L.Error(reply, 0)
	}
	L.Push(reply)
	return 1
}

// scriptTable is the engine's command table, for redis.call (a handler
// gets no table). Built on first use: NewTable lists this file's commands.
var (
	scriptTableOnce sync.Once
	scriptTableVal  Table
)

func scriptTable() Table {
	scriptTableOnce.Do(func() { scriptTableVal = NewTable() })
	return scriptTableVal
}

// execScriptCommand runs argv for the running script as Redis's
// scriptCall does, and returns its reply in the script's protocol, or the
// error that refused it (which becomes an error table).
func (s *luaState) execScriptCommand(argv [][]byte) ([]byte, string) {
	run := s.run
	name := strings.ToLower(string(argv[0]))
	cmd := scriptTable().Lookup(argv[0])
	if cmd != nil && cmd.Subcommands != nil && len(argv) >= 2 {
		cmd = cmd.Subcommands[strings.ToLower(string(argv[1]))]
	}
	if cmd == nil {
		// Redis's own commands that the server package, not the engine,
		// answers: the few scripts use, and those scripts may not call.
		return s.execServerCommand(name, argv)
	}
	if !cmd.CheckArity(len(argv)) {
		return nil, "Wrong number of args calling Redis command from script"
	}
	if cmd.HasFlag(FlagNoScript) {
		return nil, "This Redis command is not allowed from script"
	}
	if cmd.External {
		return nil, strings.TrimPrefix(ErrMigrateHere, "ERR ")
	}
	if run.c.ScriptACL != nil {
		if msg := run.c.ScriptACL(argv, true); msg != "" {
			return nil, msg
		}
	}
	if cmd.IsWrite() {
		if run.readOnly {
			return nil, "Write commands are not allowed from read-only scripts."
		}
		if run.c.ReadOnlyReplica {
			return nil, "-" + errReplicaReadOnly
		}
	}
	// scriptVerifyOOM: over maxmemory when the script began, it may not
	// grow memory unless it has already written (it cannot stop halfway).
	if run.c.OOM && !run.allowOOM && !run.wrote && cmd.DenyOOMCall(argv) {
		return nil, "-" + ErrOOM
	}
	if cmd.IsWrite() {
		run.wrote = true
	}
	w := resp.NewWriter(run.resp)
	// Redis fixes the time for the whole script; a script never blocks.
	sub := &Call{Argv: argv, Out: w, Now: run.c.Now, ReadOnlyReplica: run.c.ReadOnlyReplica, Memory: run.c.Memory}
	start := time.Now()
	cmd.Handler(run.db, sub)
	run.scriptCalled(&ScriptCalled{Argv: argv, Ran: true, Took: time.Since(start), Reply: w.Bytes()})
	if run.c.Monitor != nil && cmd.Monitored() {
		run.c.Monitor(argv, true)
	}
	if run.c.TrackReads != nil && cmd.HasFlag(FlagReadOnly) {
		// Redis remembers its caller's keys: the script's declared keys.
		run.c.TrackReads(scriptKeys(run.c.Argv))
	}
	run.c.expiredKeys += sub.expiredKeys
	run.c.takeEvents(sub) // sent as they happen, before the script's reply
	if run.repl != replNone {
		for _, eff := range sub.effects {
			run.c.PropagateOwned(eff)
		}
	}
	if len(sub.effects) > 0 && run.c.Scripts != nil {
		run.c.Scripts.noteWrite() // SCRIPT KILL may no longer stop it
	}
	return w.Bytes(), ""
}

// scriptNoScript are the commands Redis 7.0 refuses in scripts (flag
// noscript) that the engine does not have, with their arity, by full name.
var scriptNoScript = map[string]int{
	"acl|cat": -2, "acl|deluser": -3, "acl|dryrun": -4, "acl|genpass": -2, "acl|getuser": 3, "acl|list": 2,
	"acl|load": 2, "acl|log": -2, "acl|save": 2, "acl|setuser": -3, "acl|users": 2, "acl|whoami": 2,
	"auth": -2, "bgrewriteaof": 1, "bgsave": -1, "client|caching": 3, "client|getname": 2, "client|getredir": 2,
	"client|id": 2, "client|info": 2, "client|kill": -3, "client|list": -2, "client|no-evict": 3,
	"client|pause": -3, "client|reply": 3, "client|setname": 3, "client|tracking": -3, "client|trackinginfo": 2,
	"client|unblock": -3, "client|unpause": 2, "cluster|reset": -2, "config|get": -3, "config|resetstat": 2,
	"config|rewrite": 2, "config|set": -4, "debug": -2, "discard": 1, "exec": 1, "failover": -1, "hello": -1,
	"latency|doctor": 2, "latency|graph": 3, "latency|histogram": -2, "latency|history": 3, "latency|latest": 2,
	"latency|reset": -2, "module|list": 2, "module|load": -3, "module|loadex": -3, "module|unload": 3,
	"monitor": 1, "multi": 1, "psubscribe": -2, "psync": -3, "punsubscribe": -1, "quit": -1, "replconf": -1,
	"replicaof": 3, "reset": 1, "role": 1, "save": 1, "shutdown": -1, "slaveof": 3,
	"ssubscribe": -2, "subscribe": -2, "sunsubscribe": -1, "sync": 1, "unsubscribe": -1, "unwatch": 1,
	"wait": 3, "watch": -2,
}

// scriptContainers are Redis's container commands that the engine does
// not have, whose subcommands scriptNoScript lists.
var scriptContainers = map[string]bool{"acl": true, "client": true, "cluster": true, "config": true,
	"latency": true, "module": true}

// execServerCommand answers, for a script, PING, ECHO, TIME, SELECT and LOLWUT as
// Redis does, refuses Redis's noscript commands, and calls the others
// unknown (memshard's scripts cannot run them).
func (s *luaState) execServerCommand(name string, argv [][]byte) ([]byte, string) {
	full := name
	if scriptContainers[name] {
		if len(argv) < 2 {
			return nil, "Wrong number of args calling Redis command from script"
		}
		full = name + "|" + strings.ToLower(string(argv[1]))
	}
	arity, known := map[string]int{"ping": -1, "echo": 2, "time": 1, "select": 2, "lolwut": -1}[full]
	if !known {
		if arity, known = scriptNoScript[full]; !known {
			return nil, "Unknown Redis command called from script"
		}
	}
	if arity >= 0 && len(argv) != arity || arity < 0 && len(argv) < -arity {
		return nil, "Wrong number of args calling Redis command from script"
	}
	if _, refused := scriptNoScript[full]; refused {
		return nil, "This Redis command is not allowed from script"
	}
	if acl := s.run.c.ScriptACL; acl != nil {
		if msg := acl(argv, true); msg != "" {
			return nil, msg
		}
	}
	w := resp.NewWriter(s.run.resp)
	start := time.Now()
	defer func() {
		s.run.scriptCalled(&ScriptCalled{Argv: argv, Ran: true, Took: time.Since(start), Reply: w.Bytes()})
	}()
	switch full {
	case "ping":
		switch len(argv) {
		case 1:
			w.Simple("PONG")
		case 2:
			w.Bulk(argv[1])
		default:
			w.Error(ArityError("ping"))
		}
	case "echo":
		w.Bulk(argv[1])
	case "lolwut":
		if text, errMsg := lolwut.Reply(argv[1:], redisVersion, parseInt); errMsg != "" {
			w.Error(errMsg)
		} else {
			verbatim(w, text)
		}
	case "time":
		// The clock, not the script's fixed time: Redis 7.0's TIME moves
		// while a script runs (a script may wait on it).
		now := time.Now()
		w.Array(2)
		w.BulkInt(now.Unix())
		w.BulkInt(int64(now.Nanosecond() / 1000))
	case "select":
		id, ok := parseInt(argv[1])
		switch {
		case !ok || id < -1<<31 || id > 1<<31-1:
			w.Error(ErrNotInteger)
		case id != 0:
			w.Error("ERR DB index is out of range")
		default:
			w.OK()
		}
	}
	if s.run.c.Monitor != nil {
		s.run.c.Monitor(argv, true) // PING, ECHO, TIME, SELECT, LOLWUT: none is admin
	}
	return w.Bytes(), ""
}

// parseReply turns one reply, in RESP2 or RESP3, into a Lua value as
// Redis's redisProtocolToLuaType does.
func parseReply(L *lua.LState, b []byte) lua.LValue {
	v, _ := parseReplyAt(L, b, 0)
	return v
}

func parseReplyAt(L *lua.LState, b []byte, i int) (lua.LValue, int) {
	end := bytes.Index(b[i:], []byte("\r\n")) + i
	kind, line := b[i], string(b[i+1:end])
	next := end + 2
	n, _ := strconv.Atoi(line)
	switch kind {
	case ':':
		return lua.LNumber(float64(mustInt(line))), next
	case '$', '=':
		if n < 0 {
			return lua.LFalse, next
		}
		str := b[next : next+n]
		next += n + 2
		if kind == '=' {
			t, vt := L.NewTable(), L.NewTable()
			vt.RawSetString("string", lua.LString(str[4:]))
			vt.RawSetString("format", lua.LString(str[:3]))
			t.RawSetString("verbatim_string", vt)
			return t, next
		}
		return lua.LString(str), next
	case '+':
		t := L.NewTable()
		t.RawSetString("ok", lua.LString(line))
		return t, next
	case '-':
		t := luaErrorTable(L, "-"+line)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t, next
	case '*', '~', '%':
		if n < 0 {
			return lua.LFalse, next
		}
		inner := L.NewTable()
		var v lua.LValue
		for j := 0; j < n; j++ {
			switch kind {
			case '*':
				v, next = parseReplyAt(L, b, next)
				inner.RawSetInt(j+1, v)
			case '~':
				v, next = parseReplyAt(L, b, next)
				inner.RawSet(v, lua.LTrue)
			case '%':
				var k lua.LValue
				k, next = parseReplyAt(L, b, next)
				v, next = parseReplyAt(L, b, next)
				inner.RawSet(k, v)
			}
		}
		switch kind {
		case '~':
			t := L.NewTable()
			t.RawSetString("set", inner)
			return t, next
		case '%':
			t := L.NewTable()
			t.RawSetString("map", inner)
			return t, next
		}
		return inner, next
	case '_':
		return lua.LNil, next
	case '#':
		return lua.LBool(line == "t"), next
	case ',':
		t := L.NewTable()
		t.RawSetString("double", lua.LNumber(parseRESPDouble(line)))
		return t, next
	case '(':
		t := L.NewTable()
		t.RawSetString("big_number", lua.LString(line))
		return t, next
	}
	return lua.LNil, next
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func parseRESPDouble(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64) // accepts inf, -inf, nan
	return f
}

func redisLog(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		raise(L, "redis.log() requires two arguments or more.")
	}
	level, ok := L.Get(1).(lua.LNumber)
	if !ok {
		if s, isStr := L.Get(1).(lua.LString); isStr {
			if f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
				level, ok = lua.LNumber(f), true
			}
		}
	}
	if !ok {
		raise(L, "First argument must be a number (log level).")
	}
	if int(level) < logDebug || int(level) > logWarning {
		raise(L, "Invalid debug level.")
	}
	// memshard's engine has no log of its own: the message goes nowhere.
	return 0
}

func (s *luaState) redisSetResp(L *lua.LState) int {
	if s.run == nil {
		raise(L, "redis.setresp can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		raise(L, "redis.setresp() requires one argument.")
	}
	p := luaToNumber(L.Get(1))
	if int(p) != 2 && int(p) != 3 {
		raise(L, "RESP version must be 2 or 3.")
	}
	s.run.resp = int(p)
	return 0
}

// luaToNumber is lua_tonumber: 0 for what is no number.
func luaToNumber(v lua.LValue) float64 {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x)
	case lua.LString:
		if f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64); err == nil {
			return f
		}
	}
	return 0
}

func (s *luaState) redisSetRepl(L *lua.LState) int {
	if s.run == nil {
		raise(L, "redis.set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		raise(L, "redis.set_repl() requires two arguments.")
	}
	flags := int(luaToNumber(L.Get(1)))
	if flags&^replAll != 0 {
		raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	// memshard's log is both its AOF and its replication stream: the
	// commands are propagated unless the script asks for neither.
	s.run.repl = flags
	return 0
}

func (s *luaState) redisACLCheckCmd(L *lua.LState) int {
	if s.run == nil {
		raise(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	argv, msg := scriptArgv(L)
	if msg != "" {
		raise(L, msg)
	}
	cmd := scriptTable().Lookup(argv[0])
	if cmd != nil && cmd.Subcommands != nil && len(argv) >= 2 {
		cmd = cmd.Subcommands[strings.ToLower(string(argv[1]))]
	}
	if cmd == nil {
		raise(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	allowed := s.run.c.ScriptACL == nil || s.run.c.ScriptACL(argv, false) == ""
	L.Push(lua.LBool(allowed))
	return 1
}

func redisSha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "wrong number of arguments")
	}
	L.Push(lua.LString(sha1Hex([]byte(luaToString(L.Get(1))))))
	return 1
}

func redisErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(luaErrorTable(L, "wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(luaErrorTable(L, msg))
	return 1
}

func redisStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(luaErrorTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.NewTable()
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}
