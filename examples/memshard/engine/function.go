package engine

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	lua "github.com/yuin/gopher-lua"
)

// FCALL, FCALL_RO and FUNCTION LOAD | LIST | DELETE | FLUSH | STATS | KILL
// | DUMP | RESTORE | HELP, as Redis 7.0 answers them. Libraries are data,
// as in Redis 7 (saved and replicated): they live on the DB, a library
// load is one effect (FUNCTION LOAD REPLACE with its code: replayed twice,
// it does the same), FUNCTION DELETE and FLUSH are their own effects, and
// FUNCTION RESTORE records the deletions and loads that rebuild what it
// did, so replicas never parse a payload. A function's run is an EVAL's
// (script_lua.go): its effects are the commands it ran, and it is not run
// again on replicas. Dump writes the libraries before any key. FLUSHALL,
// FLUSHDB and SCRIPT FLUSH keep them; FUNCTION FLUSH drops them only.

// luaFunction is one registered function.
type luaFunction struct {
	name    string // as registered
	desc    string
	hasDesc bool
	flags   int // scriptNoWrites, ...
	fn      *lua.LFunction
	lib     *library
}

// library is one loaded library.
type library struct {
	name  string
	code  []byte         // as loaded, shebang included
	funcs []*luaFunction // in the order registered
}

// sortedFuncs returns lib's functions sorted by name: memshard lists them
// so (Redis in its dict's order, which no client can rely on).
func (lib *library) sortedFuncs() []*luaFunction {
	fs := slices.Clone(lib.funcs)
	slices.SortFunc(fs, func(a, b *luaFunction) int { return strings.Compare(a.name, b.name) })
	return fs
}

// functionLibs is a set of libraries: a DB's, or those a FUNCTION RESTORE
// builds before it joins them to the DB's.
type functionLibs struct {
	libs  map[string]*library     // by name, which is case-sensitive
	funcs map[string]*luaFunction // by lower-case name: FCALL ignores case
	// indexed: the functions are in the process-wide functionFlags (the
	// DB's set; not a RESTORE's until joined).
	indexed bool
	// engine is the Lua state the functions live in, created by the first
	// load; FUNCTION FLUSH drops it, as Redis starts a new one.
	engine *functionEngine
}

func newFunctionLibs(indexed bool) *functionLibs {
	return &functionLibs{libs: make(map[string]*library), funcs: make(map[string]*luaFunction), indexed: indexed}
}

// ScriptCounts returns INFO memory's number_of_cached_scripts,
// number_of_functions and number_of_libraries.
func (db *DB) ScriptCounts() (scripts, functions, libraries int) {
	if db.scripts != nil {
		scripts = len(db.scripts.scripts)
	}
	if db.functions != nil {
		functions, libraries = len(db.functions.funcs), len(db.functions.libs)
	}
	return scripts, functions, libraries
}

func (db *DB) functionLibs() *functionLibs {
	if db.functions == nil {
		db.functions = newFunctionLibs(true)
	}
	return db.functions
}

// functionEngine returns the Lua state of db's functions, creating it if
// none exists. math.random's generator is the scripts' (Redis has one).
func (db *DB) functionEngine() *functionEngine {
	fl := db.functionLibs()
	if fl.engine == nil {
		fl.engine = newFunctionEngine(db.scriptCache().rand)
	}
	return fl.engine
}

// sorted returns the libraries sorted by name.
func (fl *functionLibs) sorted() []*library {
	libs := make([]*library, 0, len(fl.libs))
	for _, lib := range fl.libs {
		libs = append(libs, lib)
	}
	slices.SortFunc(libs, func(a, b *library) int { return strings.Compare(a.name, b.name) })
	return libs
}

// functionFlags is the process-wide index of the functions the DBs of
// this process hold, by lower-case name, to their flags: Command.WriteFunc
// has no DB, and routing must know whether FCALL is a write before it
// runs (as EVALSHA's shaFlags). It is kept as libraries are loaded,
// replaced, deleted and flushed.
//
// Several DBs in one process (the nodes of a test, a snapshot being
// built) share it, and the last to load or delete a name wins: a node
// may then route an FCALL by another DB's flags. The engine still checks
// the function's own flags when it runs it, so a wrong guess only turns a
// redirection (MOVED, READONLY) into the engine's error, or the reverse,
// until the DBs agree again; the nodes of one shard converge on the same
// libraries.
var functionFlags sync.Map // string -> int

// fcallIsWrite is fcallGetCommandFlags: FCALL and FCALL_RO are writes if
// the function lacks no-writes, as Redis refuses FCALL_RO of a writing
// function on a read-only replica with its write-command error. A
// function the index does not know leaves the command's own flags: not a
// write (a replica answers that the function is not found, as Redis's),
// but FCALL may replicate (fcallMayReplicate).
func fcallIsWrite(argv [][]byte, ro bool) bool {
	if len(argv) < 2 {
		return false
	}
	f, ok := functionFlags.Load(asciiLower(argv[1]))
	return ok && f.(int)&scriptNoWrites == 0
}

// fcallDenyOOM: FCALL of a known function is refused when memory is over
// maxmemory unless the function says no-writes or allow-oom; of an unknown
// one, not (FCALL's own flags lack denyoom).
func fcallDenyOOM(argv [][]byte) bool {
	if len(argv) < 2 {
		return false
	}
	f, ok := functionFlags.Load(asciiLower(argv[1]))
	return ok && f.(int)&(scriptNoWrites|scriptAllowOOM) == 0
}

// fcallMayReplicate: FCALL keeps its may_replicate flag (CLIENT PAUSE
// WRITE postpones it) unless the function is known, whose own flags then
// decide (fcallIsWrite).
func fcallMayReplicate(argv [][]byte, ro bool) bool {
	if ro || len(argv) < 2 {
		return false
	}
	_, known := functionFlags.Load(asciiLower(argv[1]))
	return !known
}

// asciiLower returns b in lower case as C's tolower makes it (ASCII only).
func asciiLower(b []byte) string {
	out := []byte(string(b))
	for i, c := range out {
		if 'A' <= c && c <= 'Z' {
			out[i] = c + 'a' - 'A'
		}
	}
	return string(out)
}

func (fl *functionLibs) link(lib *library) {
	fl.libs[lib.name] = lib
	for _, f := range lib.funcs {
		key := asciiLower([]byte(f.name))
		fl.funcs[key] = f
		if fl.indexed {
			functionFlags.Store(key, f.flags)
		}
	}
}

func (fl *functionLibs) unlink(lib *library) {
	delete(fl.libs, lib.name)
	for _, f := range lib.funcs {
		key := asciiLower([]byte(f.name))
		delete(fl.funcs, key)
		if fl.indexed {
			functionFlags.Delete(key)
		}
	}
}

// Errors of the FUNCTION commands.
const (
	errFunctionName    = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
	errReplicaReadOnly = "READONLY You can't write against a read only replica."
)

// validFunctionName is functionsVerifyName: letters, digits and _, at
// least one.
func validFunctionName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// libraryMetadata reads a library's "#!lua name=mylib" first line
// (functionExtractLibMetaData): its engine, its name, and the code after
// it (from the line feed, so that line numbers stay the user's).
func libraryMetadata(code []byte) (engine, name string, body []byte, err string) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return "", "", nil, "Missing library metadata"
	}
	// strchr: a NUL before the line feed hides it.
	nl := bytes.IndexByte(code, '\n')
	if nul := bytes.IndexByte(code, 0); nl < 0 || nul >= 0 && nul < nl {
		return "", "", nil, "Invalid library metadata"
	}
	parts, ok := SplitArgs(code[:nl])
	if !ok || len(parts) == 0 {
		return "", "", nil, "Invalid library metadata"
	}
	hasName := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && equalFold(p[:5], "name=") {
			if hasName {
				return "", "", nil, "Invalid metadata value, name argument was given multiple times"
			}
			name, hasName = string(p[5:]), true
			continue
		}
		return "", "", nil, "Invalid metadata value given: " + string(cString(p))
	}
	if !hasName {
		return "", "", nil, "Library name was not given"
	}
	return string(parts[0][2:]), name, code[nl:], ""
}

// create loads code as a library into fl, compiling it in fe
// (functionsCreateWithLibraryCtx), replacing the library of its name if
// replace, and returns it or Redis's error (with its code).
func (fl *functionLibs) create(fe *functionEngine, code []byte, replace bool, timeout time.Duration) (*library, string) {
	engine, name, body, err := libraryMetadata(code)
	switch {
	case err != "":
		return nil, "ERR " + err
	case !validFunctionName(name):
		return nil, "ERR " + errFunctionName
	case !strings.EqualFold(engine, "lua"):
		return nil, "ERR Engine '" + engine + "' not found"
	}
	old := fl.libs[name]
	if old != nil && !replace {
		return nil, "ERR Library '" + name + "' already exists"
	}
	lib := &library{name: name, code: bytes.Clone(code)}
	if err := fe.load(lib, body, timeout); err != "" {
		return nil, err
	}
	if len(lib.funcs) == 0 {
		return nil, "ERR No functions registered"
	}
	for _, f := range lib.sortedFuncs() {
		if other := fl.funcs[asciiLower([]byte(f.name))]; other != nil && other.lib != old {
			return nil, "ERR Function " + f.name + " already exists"
		}
	}
	if old != nil {
		fl.unlink(old)
	}
	fl.link(lib)
	return lib, ""
}

func functionCommands() []*Command {
	subs := []*Command{
		{Name: "function|load", Arity: -3, Flags: []string{FlagWrite, FlagDenyOOM, FlagNoScript}, Handler: functionLoadCommand},
		{Name: "function|list", Arity: -2, Flags: []string{FlagNoScript}, Handler: functionListCommand},
		{Name: "function|delete", Arity: 3, Flags: []string{FlagWrite, FlagNoScript}, Handler: functionDeleteCommand},
		{Name: "function|flush", Arity: -2, Flags: []string{FlagWrite, FlagNoScript}, Handler: functionFlushCommand},
		{Name: "function|stats", Arity: 2, Flags: []string{FlagNoScript, "allow_busy"}, Handler: functionStatsCommand},
		{Name: "function|kill", Arity: 2, Flags: []string{FlagNoScript, "allow_busy"}, Handler: func(_ *DB, c *Call) {
			// A function runs to its end under the engine's lock: none is
			// ever running when FUNCTION KILL gets to run.
			c.Out.Error(errScriptNotBusy)
		}},
		{Name: "function|dump", Arity: 2, Flags: []string{FlagNoScript}, Handler: functionDumpCommand},
		{Name: "function|restore", Arity: -3, Flags: []string{FlagWrite, FlagDenyOOM, FlagNoScript}, Handler: functionRestoreCommand},
		{Name: "function|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: functionHelp},
	}
	function := &Command{Name: "function", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range subs {
		function.Subcommands[s.Name[len("function|"):]] = s
	}
	fcall := func(name string, ro bool) *Command {
		cmd := scriptCaller(name, ro, func(argv [][]byte) bool { return fcallIsWrite(argv, ro) },
			func(db *DB, c *Call) { fcallCommand(db, c, ro) })
		cmd.MayReplicateFunc = func(argv [][]byte) bool { return fcallMayReplicate(argv, ro) }
		cmd.DenyOOMFunc = fcallDenyOOM
		return cmd
	}
	return []*Command{fcall("fcall", false), fcall("fcall_ro", true), function}
}

func fcallCommand(db *DB, c *Call, ro bool) {
	fl := db.functionLibs()
	f := fl.funcs[asciiLower(c.Argv[1])]
	if f == nil {
		c.Out.Error("ERR Function not found")
		return
	}
	numkeys, ok := scriptNumKeys(c, "ERR Bad number of keys provided")
	if !ok || !scriptMayRun(c, f.flags, ro) {
		return
	}
	fl.engine.execute(db, c, invocation{fn: f.fn, name: f.name, function: true,
		keys: c.Argv[3 : 3+numkeys], args: c.Argv[3+numkeys:], readOnly: ro || f.flags&scriptNoWrites != 0,
		allowOOM: f.flags&scriptAllowOOM != 0,
		running:  runningScript{function: f.name, argv: c.Argv, libraries: len(fl.libs), functions: len(fl.funcs)}})
}

func functionLoadCommand(db *DB, c *Call) {
	replace := false
	for _, opt := range c.Argv[2 : len(c.Argv)-1] {
		if !equalFold(opt, "replace") {
			c.Out.Error("ERR Unknown option given: " + string(cString(opt)))
			return
		}
		replace = true
	}
	code := c.Argv[len(c.Argv)-1]
	timeout := functionLoadTimeout
	if c.Replay {
		timeout = 0
	}
	lib, err := db.functionLibs().create(db.functionEngine(), code, replace, timeout)
	if err != "" {
		// Redis sends the error as it is (addReplyErrorSds), its line
		// breaks (a shebang may quote some) breaking the protocol: they
		// become spaces, as addReplyErrorSdsSafe makes them.
		writeRawError(c.Out, err)
		return
	}
	c.Propagate([]byte("FUNCTION"), []byte("LOAD"), []byte("REPLACE"), code)
	c.Out.BulkString(lib.name)
}

func functionListCommand(db *DB, c *Call) {
	withCode, hasPattern := false, false
	var pattern []byte
	for i := 2; i < len(c.Argv); i++ {
		switch a := c.Argv[i]; {
		case !withCode && equalFold(a, "withcode"):
			withCode = true
		case !hasPattern && equalFold(a, "libraryname"):
			if i >= len(c.Argv)-1 {
				c.Out.Error("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = c.Argv[i], true
		default: // addReplyErrorSdsSafe: line breaks become spaces, none trimmed
			writeRawError(c.Out, "ERR Unknown argument "+string(cString(a)))
			return
		}
	}
	libs := db.functionLibs().sorted()
	if hasPattern {
		libs = slices.DeleteFunc(libs, func(lib *library) bool { return !stringMatchNoCase(pattern, []byte(lib.name)) })
	}
	w := c.Out
	w.Array(len(libs))
	for _, lib := range libs {
		if withCode {
			w.Map(4)
		} else {
			w.Map(3)
		}
		w.BulkString("library_name")
		w.BulkString(lib.name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		w.Array(len(lib.funcs))
		for _, f := range lib.sortedFuncs() {
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.name)
			w.BulkString("description")
			if f.hasDesc {
				w.BulkString(f.desc)
			} else {
				w.NullBulk()
			}
			w.BulkString("flags")
			writeScriptFlags(w, f.flags)
		}
		if withCode {
			w.BulkString("library_code")
			w.Bulk(lib.code)
		}
	}
}

// writeScriptFlags writes flags as a set of their names, in Redis's order
// (scripts_flags_def).
func writeScriptFlags(w *resp.Writer, flags int) {
	var names []string
	for _, f := range scriptFlagNames {
		if flags&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	w.Set(len(names))
	for _, n := range names {
		w.Simple(n)
	}
}

func functionDeleteCommand(db *DB, c *Call) {
	fl := db.functionLibs()
	lib := fl.libs[string(c.Argv[2])]
	if lib == nil {
		c.Out.Error("ERR Library not found")
		return
	}
	fl.unlink(lib)
	c.PropagateAsIs()
	c.Out.OK()
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func subcommandSyntaxError(c *Call) {
	c.Out.Error("ERR unknown subcommand or wrong number of arguments for '" + string(cStringN(c.Argv[1], 128)) +
		"'. Try " + strings.ToUpper(string(c.Argv[0])) + " HELP.")
}

func functionFlushCommand(db *DB, c *Call) {
	switch {
	case len(c.Argv) > 3:
		subcommandSyntaxError(c)
		return
	case len(c.Argv) == 3 && !equalFold(c.Argv[2], "sync") && !equalFold(c.Argv[2], "async"):
		c.Out.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	db.flushFunctions()
	c.PropagateAsIs()
	c.Out.OK()
}

// flushFunctions drops every library, and the Lua state they lived in.
func (db *DB) flushFunctions() {
	fl := db.functionLibs()
	for _, lib := range fl.sorted() {
		fl.unlink(lib)
	}
	fl.engine = nil
}

func functionStatsCommand(db *DB, c *Call) {
	// A function runs under the engine's lock: none runs now (the server
	// answers from the script monitor while one does).
	fl := db.functionLibs()
	writeFunctionStats(c.Out, nil, 0, len(fl.libs), len(fl.funcs))
}

// writeFunctionStats writes FUNCTION STATS's reply: the running function
// (run, nil if none) and how long it has run, then the one engine's counts.
func writeFunctionStats(w *resp.Writer, run *runningScript, d time.Duration, libraries, functions int) {
	w.Map(2)
	w.BulkString("running_script")
	if run == nil {
		w.NullBulk()
	} else {
		w.Map(3)
		w.BulkString("name")
		w.BulkString(run.function)
		w.BulkString("command")
		w.Array(len(run.argv))
		for _, a := range run.argv {
			w.Bulk(a)
		}
		w.BulkString("duration_ms")
		w.Int(d.Milliseconds())
	}
	w.BulkString("engines")
	w.Map(1)
	w.BulkString("LUA")
	w.Map(2)
	w.BulkString("libraries_count")
	w.Int(int64(libraries))
	w.BulkString("functions_count")
	w.Int(int64(functions))
}

func functionDumpCommand(db *DB, c *Call) {
	var codes [][]byte
	for _, lib := range db.functionLibs().sorted() {
		codes = append(codes, lib.code)
	}
	c.Out.Bulk(encodeFunctionPayload(codes))
}

// Restore policies of FUNCTION RESTORE.
const (
	restoreAppend = iota
	restoreReplace
	restoreFlush
)

func functionRestoreCommand(db *DB, c *Call) {
	if len(c.Argv) > 4 {
		subcommandSyntaxError(c)
		return
	}
	policy := restoreAppend
	if len(c.Argv) == 4 {
		switch p := c.Argv[3]; {
		case equalFold(p, "append"):
		case equalFold(p, "replace"):
			policy = restoreReplace
		case equalFold(p, "flush"):
			policy = restoreFlush
		default:
			c.Out.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	codes, err := decodeFunctionPayload(c.Argv[2])
	if len(codes) == 0 && err != "" {
		c.Out.Error("ERR " + err)
		return
	}
	// Errors from here on are sent as FUNCTION LOAD's are.
	// The payload's libraries load into a set of their own, in order, as
	// Redis loads them while it reads the payload: the first that fails is
	// the error, before one the payload breaks off at.
	fe := db.functionEngine()
	restored := newFunctionLibs(false)
	for _, code := range codes {
		if _, lerr := restored.create(fe, code, false, functionLoadTimeout); lerr != "" {
			writeRawError(c.Out, lerr)
			return
		}
	}
	if err != "" {
		writeRawError(c.Out, "ERR "+err)
		return
	}
	if policy == restoreFlush {
		db.flushFunctions()
		db.functions.engine = fe
		c.Propagate([]byte("FUNCTION"), []byte("FLUSH"))
	} else if err := db.functionLibs().join(c, restored, policy == restoreReplace); err != "" {
		writeRawError(c.Out, err)
		return
	}
	fl := db.functionLibs()
	for _, lib := range restored.sorted() {
		fl.link(lib)
		c.Propagate([]byte("FUNCTION"), []byte("LOAD"), []byte("REPLACE"), lib.code)
	}
	c.Out.OK()
}

// join checks that the libraries of restored can join fl (libraryJoin):
// none of the same name unless replace, no function of the same name in
// a library that stays; then it deletes the libraries they replace,
// recording each deletion (the caller links and records the new ones).
func (fl *functionLibs) join(c *Call, restored *functionLibs, replace bool) string {
	replaced := make(map[*library]bool)
	for _, lib := range restored.sorted() {
		if old := fl.libs[lib.name]; old != nil {
			if !replace {
				return "ERR Library " + lib.name + " already exists"
			}
			replaced[old] = true
		}
	}
	for _, lib := range restored.sorted() {
		for _, f := range lib.sortedFuncs() {
			if other := fl.funcs[asciiLower([]byte(f.name))]; other != nil && !replaced[other.lib] {
				return "ERR Function " + f.name + " already exists"
			}
		}
	}
	for _, old := range fl.sorted() {
		if replaced[old] {
			fl.unlink(old)
			c.Propagate([]byte("FUNCTION"), []byte("DELETE"), []byte(old.name))
		}
	}
	return ""
}

func functionHelp(_ *DB, c *Call) {
	helpReply(c, "FUNCTION", []string{
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	})
}

// dumpFunctions emits FUNCTION LOAD REPLACE for each library, by name.
func (db *DB) dumpFunctions(emit func(argv [][]byte) error) error {
	if db.functions == nil {
		return nil
	}
	for _, lib := range db.functions.sorted() {
		if err := emit([][]byte{[]byte("FUNCTION"), []byte("LOAD"), []byte("REPLACE"), bytes.Clone(lib.code)}); err != nil {
			return err
		}
	}
	return nil
}
