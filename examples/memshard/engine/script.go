package engine

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD | EXISTS | FLUSH |
// KILL | HELP, as Redis 7.0 answers them. A script runs inside one call:
// each redis.call is an engine command whose effects become the EVAL's
// effects (script_lua.go), so a script is one record in the log, atomic on
// replicas too. Scripts are cached per node, on the DB, as Redis caches
// them per server; FLUSHALL keeps them, SCRIPT FLUSH drops them.

// Script shebang flags (Redis 7.0's SCRIPT_FLAG_*).
const (
	scriptNoWrites = 1 << iota
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
	// scriptCompat: no shebang; the script runs as in Redis 6 (writes
	// allowed, EVAL's own command flags).
	scriptCompat
)

// scriptFlagNames are the flags' names, in Redis's order
// (scripts_flags_def), in which FUNCTION LIST lists them.
var scriptFlagNames = []struct {
	bit  int
	name string
}{
	{scriptNoWrites, "no-writes"}, {scriptAllowOOM, "allow-oom"}, {scriptAllowStale, "allow-stale"},
	{scriptNoCluster, "no-cluster"}, {scriptAllowCrossSlot, "allow-cross-slot-keys"},
}

// shebangFlags are the flags by name.
var shebangFlags = func() map[string]int {
	m := make(map[string]int)
	for _, f := range scriptFlagNames {
		m[f.name] = f.bit
	}
	return m
}()

// luaScript is one cached script.
type luaScript struct {
	body  []byte
	flags int
	fn    *lua.LFunction // compiled in the cache's Lua state
}

// scriptCache is a node's script cache and the Lua state its scripts run
// in (Redis resets both together on SCRIPT FLUSH).
type scriptCache struct {
	scripts map[string]*luaScript // by lower-case hex SHA1
	lua     *luaState
	rand    *rand48 // math.random's generator, which outlives SCRIPT FLUSH
}

func (db *DB) scriptCache() *scriptCache {
	if db.scripts == nil {
		db.scripts = &scriptCache{scripts: make(map[string]*luaScript), rand: newRand48()}
	}
	return db.scripts
}

// shaFlags remembers the shebang flags of every script compiled in this
// process with a shebang, by SHA1, so that EVALSHA's write-ness can be told
// from its arguments alone (Command.WriteFunc has no DB): a script's flags
// depend only on its body. Scripts without a shebang, the usual kind, are
// not kept.
var shaFlags sync.Map // string -> int

// scriptCaller declares EVAL, EVALSHA, FCALL and their _RO forms: the
// script's keys after numkeys, any key read, write-ness by isWrite.
func scriptCaller(name string, ro bool, isWrite func(argv [][]byte) bool, handler func(db *DB, c *Call)) *Command {
	flags := []string{FlagNoScript, FlagStale, "skip_monitor", "no_mandatory_keys"}
	if ro {
		flags = append([]string{FlagReadOnly}, flags...)
	}
	return &Command{Name: name, Arity: -3, Flags: flags, KeysFunc: scriptKeys, ReadsAnyKey: true,
		WriteFunc: isWrite, Handler: handler}
}

func scriptCommands() []*Command {
	eval := func(name string, sha, ro bool) *Command {
		cmd := scriptCaller(name, ro, func(argv [][]byte) bool { return scriptIsWrite(argv, sha) },
			func(db *DB, c *Call) { evalCommand(db, c, sha, ro) })
		cmd.MayReplicateFunc = func(argv [][]byte) bool { return !ro && scriptMayReplicate(argv, sha) }
		cmd.DenyOOMFunc = func(argv [][]byte) bool { return scriptDenyOOM(argv, sha) }
		return cmd
	}
	subs := []*Command{
		{Name: "script|load", Arity: 3, Flags: []string{FlagNoScript, FlagStale}, Handler: scriptLoadCommand},
		{Name: "script|exists", Arity: -3, Flags: []string{FlagNoScript}, Handler: scriptExistsCommand},
		{Name: "script|flush", Arity: -2, Flags: []string{FlagNoScript}, Handler: scriptFlushCommand},
		{Name: "script|kill", Arity: 2, Flags: []string{FlagNoScript, "allow_busy"}, Handler: func(_ *DB, c *Call) {
			// A script runs to its end under the engine's lock: none is
			// ever running when SCRIPT KILL gets to run.
			c.Out.Error(errScriptNotBusy)
		}},
		{Name: "script|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: scriptHelp},
		{Name: "script|debug", Arity: 3, Flags: []string{FlagNoScript}, Handler: scriptDebugCommand},
	}
	script := &Command{Name: "script", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range subs {
		script.Subcommands[s.Name[len("script|"):]] = s
	}
	return []*Command{eval("eval", false, false), eval("evalsha", true, false),
		eval("eval_ro", false, true), eval("evalsha_ro", true, true), script}
}

// scriptKeys returns EVAL's key arguments: numkeys of them after it, or
// none if numkeys is not valid (the call will fail).
func scriptKeys(argv [][]byte) [][]byte {
	if len(argv) < 3 {
		return nil
	}
	n, ok := parseInt(argv[2])
	if !ok || n < 0 || n > int64(len(argv)-3) {
		return nil
	}
	return argv[3 : 3+n : 3+n]
}

// scriptFlagsOf returns the flags of the script EVAL (or EVALSHA: sha)
// would run, as evalGetCommandFlags finds them before running it: its
// shebang's, or scriptCompat for one without a shebang; known is false if
// they cannot be told (a script unknown to EVALSHA, an invalid shebang),
// and EVAL's own flags then stand.
func scriptFlagsOf(argv [][]byte, sha bool) (flags int, known bool) {
	if len(argv) < 2 {
		return 0, false
	}
	if sha {
		f, ok := shaFlags.Load(strings.ToLower(string(argv[1])))
		if !ok {
			return 0, false
		}
		return f.(int), true
	}
	f, err := parseShebang(argv[1])
	return f, err == ""
}

// scriptIsWrite is Redis 7.0's evalGetCommandFlags: a script with a
// shebang is a write unless it says no-writes; one without (or unknown to
// EVALSHA, or whose shebang is invalid) keeps EVAL's flags, which are no
// write's: its writes are checked one by one as it runs.
func scriptIsWrite(argv [][]byte, sha bool) bool {
	flags, known := scriptFlagsOf(argv, sha)
	return known && flags&(scriptCompat|scriptNoWrites) == 0
}

// scriptDenyOOM reports whether EVAL or EVALSHA is refused when memory is
// over maxmemory (evalGetCommandFlags, scriptFlagsToCmdFlags): a script
// with a shebang is, unless it says no-writes or allow-oom; one without a
// shebang, or not known to EVALSHA, is not (EVAL's own flags lack
// denyoom): its writes are checked as it runs.
func scriptDenyOOM(argv [][]byte, sha bool) bool {
	flags, known := scriptFlagsOf(argv, sha)
	return known && flags&(scriptCompat|scriptNoWrites|scriptAllowOOM) == 0
}

// scriptMayReplicate reports whether EVAL or EVALSHA keeps its
// may_replicate flag (evalGetCommandFlags): a script without a shebang
// does, or one whose flags are not known; one with a shebang has its own
// flags instead (a write unless no-writes: scriptIsWrite).
func scriptMayReplicate(argv [][]byte, sha bool) bool {
	flags, known := scriptFlagsOf(argv, sha)
	return !known || flags&scriptCompat != 0
}

// parseShebang returns a script's flags from its "#!lua flags=a,b" first
// line, scriptCompat if it has none, or Redis's error.
func parseShebang(body []byte) (flags int, err string) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return scriptCompat, ""
	}
	nl := bytes.IndexByte(body, '\n')
	if nl < 0 {
		return 0, "ERR Invalid script shebang"
	}
	parts := strings.Fields(string(body[:nl]))
	if len(parts) == 0 || parts[0] != "#!lua" {
		engine := ""
		if len(parts) > 0 {
			engine = parts[0]
		}
		return 0, "ERR Unexpected engine in script shebang: " + engine
	}
	for _, p := range parts[1:] {
		list, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, "ERR Unknown lua shebang option: " + p
		}
		if list == "" {
			continue
		}
		for _, f := range strings.Split(list, ",") {
			bit, known := shebangFlags[f]
			if !known {
				return 0, "ERR Unexpected flag in script shebang: " + f
			}
			flags |= bit
		}
	}
	return flags, ""
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// loadScript compiles body into the cache (if not there yet) and returns
// its SHA1, or Redis's error.
func loadScript(db *DB, body []byte) (*luaScript, string, string) {
	sc := db.scriptCache()
	sha := sha1Hex(body)
	if s := sc.scripts[sha]; s != nil {
		return s, sha, ""
	}
	flags, err := parseShebang(body)
	if err != "" {
		return nil, "", err
	}
	if sc.lua == nil {
		sc.lua = newLuaState(sc.rand)
	}
	code := body
	if flags&scriptCompat == 0 {
		// The shebang line is left out, its line feed kept so that line
		// numbers stay the user's.
		code = body[bytes.IndexByte(body, '\n'):]
	}
	fn, cerr := sc.lua.compile(code, scriptChunkName)
	if cerr != "" {
		return nil, "", "ERR Error compiling script (new function): " + cerr
	}
	s := &luaScript{body: append([]byte(nil), body...), flags: flags, fn: fn}
	sc.scripts[sha] = s
	if flags&scriptCompat == 0 {
		shaFlags.Store(sha, flags)
	}
	return s, sha, ""
}

func evalCommand(db *DB, c *Call, evalsha, ro bool) {
	if evalsha && len(c.Argv[1]) != 40 {
		// No SHA1 of that length: Redis answers before reading numkeys.
		c.Out.Error("NOSCRIPT No matching script. Please use EVAL.")
		return
	}
	numkeys, ok := scriptNumKeys(c, ErrNotInteger)
	if !ok {
		return
	}
	var s *luaScript
	var sha string
	if evalsha {
		sha = strings.ToLower(string(c.Argv[1]))
		if s = db.scriptCache().scripts[sha]; s == nil {
			c.Out.Error("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
	} else {
		var err string
		if s, sha, err = loadScript(db, c.Argv[1]); err != "" {
			c.Out.Error(err)
			return
		}
	}
	if !scriptMayRun(c, s.flags, ro) {
		return
	}
	readOnly := ro || s.flags&scriptNoWrites != 0
	db.scripts.lua.execute(db, c, invocation{fn: s.fn, name: sha, keys: c.Argv[3 : 3+numkeys],
		args: c.Argv[3+numkeys:], readOnly: readOnly, allowOOM: s.flags&scriptAllowOOM != 0,
		running: runningScript{argv: c.Argv}})
}

// scriptNumKeys reads EVAL's and FCALL's numkeys, or replies Redis's
// error: badNumber if it is not an integer.
func scriptNumKeys(c *Call, badNumber string) (int64, bool) {
	numkeys, ok := parseInt(c.Argv[2])
	switch {
	case !ok:
		c.Out.Error(badNumber)
	case numkeys > int64(len(c.Argv)-3):
		c.Out.Error("ERR Number of keys can't be greater than number of args")
	case numkeys < 0:
		c.Out.Error("ERR Number of keys can't be negative")
	default:
		return numkeys, true
	}
	return 0, false
}

// scriptMayRun is scriptPrepareForRun's checks of a script's or a
// function's flags (a script without a shebang has none), or replies
// Redis's refusal. On a read-only replica Redis refuses one that may
// write before it gets there (processCommand: the flags make the call a
// write), with its error for any write: so does memshard, whose routing
// refuses it first too unless the process-wide flags are behind.
func scriptMayRun(c *Call, flags int, ro bool) bool {
	if flags&scriptCompat != 0 {
		return true
	}
	if flags&scriptNoCluster != 0 {
		// memshard presents itself as a cluster (cluster_enabled:1).
		c.Out.Error("ERR Can not run script on cluster, 'no-cluster' flag is set.")
		return false
	}
	if flags&scriptNoWrites == 0 {
		if c.ReadOnlyReplica {
			c.Out.Error(errReplicaReadOnly)
			return false
		}
		if ro {
			c.Out.Error("ERR Can not execute a script with write flag using *_ro command.")
			return false
		}
	}
	return true
}

func scriptLoadCommand(db *DB, c *Call) {
	_, sha, err := loadScript(db, c.Argv[2])
	if err != "" {
		c.Out.Error(err)
		return
	}
	c.Out.BulkString(sha)
}

func scriptExistsCommand(db *DB, c *Call) {
	sc := db.scriptCache()
	c.Out.Array(len(c.Argv) - 2)
	for _, a := range c.Argv[2:] {
		if sc.scripts[strings.ToLower(string(a))] != nil {
			c.Out.Int(1)
		} else {
			c.Out.Int(0)
		}
	}
}

func scriptFlushCommand(db *DB, c *Call) {
	if len(c.Argv) > 3 || len(c.Argv) == 3 && !strings.EqualFold(string(c.Argv[2]), "sync") && !strings.EqualFold(string(c.Argv[2]), "async") {
		c.Out.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	// Redis drops the cache and starts a new Lua state.
	sc := db.scriptCache()
	db.scripts = &scriptCache{scripts: make(map[string]*luaScript), rand: sc.rand}
	c.Out.OK()
}

func scriptHelp(_ *DB, c *Call) {
	helpReply(c, "SCRIPT", []string{
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
	})
}

// ErrScriptDebugger answers SCRIPT DEBUG YES and SYNC: memshard has no Lua
// debugger (Redis's LDB), so it says so rather than accept a mode it
// would not honour. SCRIPT DEBUG NO, the mode every script runs in, is OK.
const ErrScriptDebugger = "ERR SCRIPT DEBUG YES and SYNC are not available on memshard: it has no Lua debugger (scripts run with SCRIPT DEBUG NO)"

// ErrScriptDebugPipeline answers SCRIPT DEBUG while replies to the same
// client are pending, as Redis's scriptCommand does: inside EXEC (its
// array is pending), or after other commands of the same pipelined batch
// (the server checks that one).
const ErrScriptDebugPipeline = "ERR SCRIPT DEBUG must be called outside a pipeline"

// scriptDebugCommand is SCRIPT DEBUG YES|SYNC|NO, with Redis's checks in
// its order (scriptCommand): no reply pending, then the mode.
func scriptDebugCommand(_ *DB, c *Call) {
	if c.InExec {
		c.Out.Error(ErrScriptDebugPipeline)
		return
	}
	switch strings.ToLower(string(c.Argv[2])) {
	case "no":
		c.Out.OK()
	case "yes", "sync":
		c.Out.Error(ErrScriptDebugger)
	default:
		c.Out.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}
