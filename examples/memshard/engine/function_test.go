package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Functions are compared with redis-server byte for byte, in RESP2 and
// RESP3: FUNCTION LOAD and its errors (the shebang, register_function's
// arguments, the load-time environment), FCALL and FCALL_RO (results,
// errors, flags, redis.call inside), FUNCTION LIST, DELETE, FLUSH, STATS,
// KILL, HELP, DUMP and RESTORE; every effect is replayed on the replica,
// whose libraries checkReplica compares. Redis lists libraries, and a
// library's functions, in its dicts' random order: FUNCTION LIST replies
// are compared once sorted (canonicalList).

// testLibrary registers functions of every kind; its line numbers show in
// the errors compared.
const testLibrary = `#!lua name=lib
local function echo(keys, args) return {keys, args} end
redis.register_function('echo', echo)
redis.register_function('boom', function(keys, args) error('boom') end)
redis.register_function('boomt', function(keys, args) error({err='MY boom'}) end)
redis.register_function('setk', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function{function_name='getk', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function{function_name='setro', callback=function(keys, args) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}
redis.register_function('glob', function(keys, args) x = 1 return 1 end)
redis.register_function('globr', function(keys, args) return y end)
redis.register_function('kv', function(keys, args) return {type(KEYS), type(ARGV)} end)
redis.register_function('rf', function(keys, args) return redis.register_function end)
local rf = redis.register_function
redis.register_function('late', function() rf('zz', function() end) return 1 end)
redis.register_function('env', function() return {type(string), type(redis.call), type(cjson), type(redis.setresp), type(pairs), type(_G), type(bit), type(redis.register_function)} end)
redis.register_function('callerr', function() return redis.call('incr', 'x', 'y') end)
redis.register_function('pcallerr', function() return redis.pcall('incr', 'x', 'y') end)
redis.register_function('nested', function() return redis.call('fcall', 'echo', 0) end)
redis.register_function('func', function() return redis.call('function', 'list') end)
redis.register_function('funcx', function() return redis.call('function', 'nosuch') end)
redis.register_function('funcnoarg', function() return redis.call('function') end)
redis.register_function('evalin', function() return redis.call('eval', 'return 1', 0) end)
redis.register_function('nilret', function() end)
redis.register_function('modg', function() redis = 1 return 1 end)
redis.register_function('resp3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)
redis.register_function('types', function() return {1, 'a', 1.5, true, false, {ok='fine'}, {double=1.5}, {err='E x'}} end)
redis.register_function('incr2', function(keys) redis.call('incr', keys[1]) return redis.call('incrby', keys[1], 2) end)
redis.register_function('replnone', function(keys) redis.set_repl(redis.REPL_NONE) redis.call('set', keys[1], 'unreplicated') redis.set_repl(redis.REPL_ALL) return redis.call('set', 'k2', 'replicated') end)
redis.register_function{function_name='Mixed_Case9', callback=function() return redis.REDIS_VERSION end, description=''}
`

// loadCase is a library, loaded under a name of its own (the case's
// index: libraries of earlier cases stay), whose FUNCTION LOAD is
// compared.
func loadCases() [][]string {
	bodies := []string{
		// register_function's arguments.
		"redis.register_function()", "redis.register_function('a')", "redis.register_function('a', 1)",
		"redis.register_function(1, function() end)", "redis.register_function(1.5, function() end)",
		"redis.register_function({}, function() end)", "redis.register_function('a', function() end, 3)",
		"redis.register_function('a-b', function() end)", "redis.register_function('', function() end)",
		"redis.register_function('a', function() end) redis.register_function('a', function() end)",
		"redis.register_function(1)", "redis.register_function({})", "redis.register_function({function_name='x'})",
		"redis.register_function({callback=function() end})", "redis.register_function({function_name='x', callback=1})",
		"redis.register_function({function_name={}, callback=function() end})",
		"redis.register_function({function_name='x', callback=function() end, flags='no-writes'})",
		"redis.register_function({function_name='x', callback=function() end, flags={'bad'}})",
		"redis.register_function({function_name='x', callback=function() end, flags={1}})",
		"redis.register_function({function_name='x', callback=function() end, flags={{}}})",
		"redis.register_function({function_name='d1', callback=function() end, description=1})",
		"redis.register_function({function_name='x', callback=function() end, description={}})",
		"redis.register_function({function_name='x', callback=function() end, foo=1})",
		"redis.register_function({function_name='x', callback=function() end, [1]=1})",
		"redis.register_function({function_name='x', callback=function() end, [true]=1})",
		"redis.register_function({FUNCTION_NAME='xu', CallBack=function() end, FLAGS={'NO-WRITES','Allow-OOM'}, DESCRIPTION='d'})",
		"redis.register_function({function_name='xx', callback=function() end, flags={'no-writes','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}, description='desc'})",
		"redis.register_function({function_name='x-y', callback=function() end})",
		"redis.register_function{function_name='fl', callback=function() end, flags={}}",
		"redis.register_function{function_name='fl2', callback=function() end, flags={'no-writes', nil, 'bad'}}",
		// The load-time environment: redis.register_function, redis.log,
		// the log levels and the version only.
		"return string.format('%d', 1)", "local x = math.floor(1)", "for k in pairs({}) do end", "redis.call('ping')",
		"redis.pcall('ping')", "local x = redis.setresp", "redis.sha1hex('x')", "local c = cjson.encode({})",
		"local b = bit.band(1, 2)", "local x = tostring(1)", "x = 1", "local x = KEYS", "local x = _G", "error('boom')",
		"local x = loadstring", "redis.foo = 1", "local x = redis.status_reply",
		"redis.log(redis.LOG_WARNING, 'loading') redis.register_function('logged', function() return redis.LOG_NOTICE end)",
		"redis.register_function('ver', function() return 1 end) local v = redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM",
		"redis.log(1)", "return 1", "",
		"\n\nredis.register_function('lines', function() error('line 4') end)",
		// Collisions with the functions of other libraries.
		"redis.register_function('echo', function() end)", "redis.register_function('ECHO', function() end)",
	}
	var cases [][]string
	for i, b := range bodies {
		cases = append(cases, []string{"FUNCTION", "LOAD", fmt.Sprintf("#!lua name=t%d\n%s", i, b)})
	}
	// The shebang.
	for _, shebang := range []string{
		"#!lua", "#!lua name=", "#!lua name=a-b", "#!lua name=a name=b", "#!lua foo=bar name=a", "#!py name=zz",
		"#!LUA name=zz1", "#!Lua NAME=zz2", "#! name=zz3", "#!", "# name=x", "", `#!lua name="q q"`, `#!lua "name=qq"`,
		`#!lua name="qq`, "#!lua flags=no-writes name=x", "   #!lua name=x", "#!lua name=x\x00y", "#!lua\tname=tab",
		"#!lua name=zz4 name", "#!lua name=lib",
	} {
		name := "s" + strconv.Itoa(len(cases))
		cases = append(cases, []string{"FUNCTION", "LOAD", shebang + "\nredis.register_function('" + name + "', function() end)"})
	}
	return append(cases, [][]string{
		{"FUNCTION", "LOAD", "#!lua name=nonl"}, {"FUNCTION", "LOAD", "#!lua name=x\x00\nredis.register_function('nul', function() end)"},
		{"FUNCTION", "LOAD"}, {"FUNCTION", "LOAD", "REPLACE"}, {"FUNCTION", "LOAD", "foo", "bar"},
		{"FUNCTION", "LOAD", "REPLACE", "REPLACE", "x"}, {"FUNCTION", "LOAD", "replace", "foo", "x"},
		{"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('other', function() end)"},
		{"FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\nreturn 1"},
		{"FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\nredis.register_function('s43', function() end)"},
		{"FCALL", "echo", "0"}, {"FUNCTION", "LOAD", "REPLACE", testLibrary},
	}...)
}

// fcallCases are FCALL, FCALL_RO and FUNCTION commands, run after
// testLibrary is loaded.
var fcallCases = [][]string{
	{"FCALL", "echo", "2", "a", "b", "c"}, {"FCALL", "echo", "0"}, {"FCALL", "echo", "-1"}, {"FCALL", "echo", "3", "a"},
	{"FCALL", "ECHO", "0"}, {"FCALL", "echo", "x"}, {"FCALL", "echo", "99999999999999999999"}, {"FCALL", "echo", "01", "k"},
	{"FCALL", "echo", " 1", "k"}, {"FCALL", "nosuch", "x"}, {"FCALL", "echo"}, {"FCALL"}, {"FCALL", "boom", "0"},
	{"FCALL", "boomt", "0"}, {"FCALL", "setk", "1", "k", "v"}, {"FCALL_RO", "setk", "1", "k", "v"},
	{"FCALL_RO", "getk", "1", "k"}, {"FCALL", "getk", "1", "k"}, {"FCALL", "setro", "1", "k"}, {"FCALL_RO", "setro", "1", "k"},
	{"FCALL", "glob", "0"}, {"FCALL", "globr", "0"}, {"FCALL", "kv", "0"}, {"FCALL", "rf", "0"}, {"FCALL", "late", "0"},
	{"FCALL", "env", "0"}, {"FCALL", "callerr", "0"}, {"FCALL", "pcallerr", "0"}, {"FCALL", "nested", "0"},
	{"FCALL", "func", "0"}, {"FCALL", "funcx", "0"}, {"FCALL", "funcnoarg", "0"}, {"FCALL", "evalin", "0"},
	{"FCALL", "nilret", "0"}, {"FCALL", "modg", "0"}, {"FCALL", "resp3", "0"}, {"FCALL", "types", "0"},
	{"FCALL", "incr2", "1", "n"}, {"FCALL", "replnone", "1", "k"}, {"FCALL", "mixed_case9", "0"}, {"FCALL_RO", "nosuch", "0"},
	{"FCALL_RO", "echo", "x"}, {"FCALL_RO", "getk", "x"}, {"FCALL_RO", "echo", "0"}, {"GET", "k"}, {"GET", "k2"},
	{"EVAL", "return redis.call('fcall', 'echo', 0)", "0"}, {"EVAL", "return redis.call('function', 'list')", "0"},
	{"EVAL", "return redis.call('fcall_ro', 'echo')", "0"},
	// FUNCTION LIST, STATS, DUMP of one library.
	{"FUNCTION", "LIST"}, {"FUNCTION", "LIST", "WITHCODE"}, {"FUNCTION", "LIST", "LIBRARYNAME"},
	{"FUNCTION", "LIST", "LIBRARYNAME", "l*"}, {"FUNCTION", "LIST", "libraryname", "LI?", "withcode"},
	{"FUNCTION", "LIST", "LIBRARYNAME", "x*"}, {"FUNCTION", "LIST", "LIBRARYNAME", "[k-m]ib"}, {"FUNCTION", "LIST", "foo"},
	{"FUNCTION", "LIST", "WITHCODE", "WITHCODE"}, {"FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"},
	{"FUNCTION", "LIST", "libraryname", "nomatch", "withcode"}, {"FUNCTION", "LIST", "withcode\x00x"}, {"FUNCTION", "LIST", "\na\r\nb\n"},
	{"FUNCTION", "LOAD", "\nx\n", "x"},
	{"FUNCTION", "STATS"}, {"FUNCTION", "DUMP"},
	// The other subcommands and their errors.
	{"FUNCTION", "DELETE", "nosuch"}, {"FUNCTION", "DELETE", "LIB"}, {"FUNCTION", "DELETE"}, {"FUNCTION", "DELETE", "a", "b"},
	{"FUNCTION", "FLUSH", "x"}, {"FUNCTION", "flush", "sync", "x"}, {"FUNCTION", "KILL"}, {"FUNCTION", "KILL", "x"},
	{"FUNCTION", "STATS", "x"}, {"FUNCTION", "DUMP", "x"}, {"FUNCTION", "RESTORE"}, {"FUNCTION", "RESTORE", "x"},
	{"FUNCTION", "RESTORE", "x", "y"}, {"FUNCTION", "Restore", "x", "flush", "z"}, {"FUNCTION", "RESTORE", "0123456789", "append"},
	{"FUNCTION", "FOO"}, {"FUNCTION"}, {"FUNCTION", "HELP"}, {"FUNCTION", "help"}, {"FUNCTION", "HELP", "x"},
	// What does not remove functions, then what does.
	{"SCRIPT", "FLUSH"}, {"FLUSHALL"}, {"FLUSHDB"}, {"FCALL", "echo", "0"}, {"FUNCTION", "DELETE", "lib"},
	{"FCALL", "echo", "0"}, {"FUNCTION", "DELETE", "lib"}, {"FUNCTION", "LIST"}, {"FUNCTION", "STATS"}, {"FUNCTION", "DUMP"},
	{"FUNCTION", "LOAD", testLibrary}, {"FUNCTION", "FLUSH", "ASYNC"}, {"FUNCTION", "LIST"}, {"FCALL", "echo", "0"},
	{"FUNCTION", "LOAD", testLibrary}, {"FUNCTION", "FLUSH", "sync"}, {"FUNCTION", "LOAD", testLibrary}, {"FUNCTION", "FLUSH"},
	{"FUNCTION", "STATS"},
}

func TestFunctionDiff(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			h := newFunctionHarness(t, proto)
			for _, argv := range loadCases() {
				h.diffFunction(argv...)
			}
			// Several libraries: listed, counted.
			for _, argv := range [][]string{
				{"FUNCTION", "LIST"}, {"FUNCTION", "LIST", "WITHCODE"}, {"FUNCTION", "LIST", "LIBRARYNAME", "T1*"},
				{"FUNCTION", "LIST", "LIBRARYNAME", "zz?"}, {"FUNCTION", "STATS"}, {"FCALL", "logged", "0"}, {"FCALL", "XU", "0"},
				{"FCALL_RO", "xu", "0"}, {"FCALL", "1", "0"}, {"FCALL", "s60", "0"}, {"FUNCTION", "FLUSH"},
				{"FUNCTION", "LOAD", testLibrary},
			} {
				h.diffFunction(argv...)
			}
			for _, argv := range fcallCases {
				h.diffFunction(argv...)
			}
			h.checkReplica()
		})
	}
}

// newFunctionHarness is a harness speaking proto, on a redis-server whose
// libraries are flushed.
func newFunctionHarness(t *testing.T, proto int) *harness {
	t.Helper()
	h := newHarness(t)
	h.redis.Do("FUNCTION", "FLUSH")
	if proto == 3 {
		h.redis.Do("HELLO", "3")
		h.proto = 3
	}
	return h
}

// diffFunction is diff, with FUNCTION LIST replies compared sorted.
func (h *harness) diffFunction(argv ...string) {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	if len(argv) > 1 && strings.EqualFold(argv[0], "function") && strings.EqualFold(argv[1], "list") {
		want, got = canonicalList(want), canonicalList(got)
	}
	if !bytes.Equal(got, want) {
		h.t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// respValue is one parsed RESP reply: its first line (a bulk string's
// payload included) and its elements.
type respValue struct {
	line  []byte
	elems []*respValue
}

func parseRESPValue(b []byte) (*respValue, int) {
	end := bytes.Index(b, []byte("\r\n")) + 2
	v := &respValue{line: b[:end]}
	n, _ := strconv.Atoi(string(b[1 : end-2]))
	switch b[0] {
	case '$', '=', '!':
		if n >= 0 {
			v.line = b[:end+n+2]
			return v, end + n + 2
		}
	case '*', '~', '%', '>':
		if b[0] == '%' {
			n *= 2
		}
		pos := end
		for range max(n, 0) {
			e, k := parseRESPValue(b[pos:])
			v.elems = append(v.elems, e)
			pos += k
		}
		return v, pos
	}
	return v, end
}

func (v *respValue) bytes() []byte {
	out := slices.Clone(v.line)
	for _, e := range v.elems {
		out = append(out, e.bytes()...)
	}
	return out
}

func sortElems(elems []*respValue) {
	slices.SortFunc(elems, func(a, b *respValue) int { return bytes.Compare(a.bytes(), b.bytes()) })
}

// canonicalList sorts a FUNCTION LIST reply: its libraries, and each
// library's functions. Other replies are returned as they are.
func canonicalList(b []byte) []byte {
	if len(b) == 0 || b[0] != '*' {
		return b
	}
	v, _ := parseRESPValue(b)
	for _, lib := range v.elems {
		for i := 0; i+1 < len(lib.elems); i += 2 {
			if string(lib.elems[i].line) == "$9\r\nfunctions\r\n" {
				sortElems(lib.elems[i+1].elems)
			}
		}
	}
	sortElems(v.elems)
	return v.bytes()
}

// TestFunctionRandom: math.random in functions runs the one generator
// EVAL's scripts run too (Redis has one), from its initial state;
// compared with a redis-server of its own, fresh.
func TestFunctionRandom(t *testing.T) {
	h := newHarness(t)
	h.redis = redisdiff.Dial(t, redisdiff.Start(t).Addr)
	h.diff("FUNCTION", "LOAD", "#!lua name=rnd\n"+
		"redis.register_function('rnd', function() return tostring(math.random()) end)\n"+
		"redis.register_function('seed', function(keys, args) math.randomseed(tonumber(args[1])) return tostring(math.random(100)) end)")
	for _, argv := range [][]string{
		{"EVAL", "return tostring(math.random())", "0"}, {"FCALL", "rnd", "0"}, {"EVAL", "return tostring(math.random())", "0"},
		{"FCALL", "seed", "0", "7"}, {"EVAL", "return tostring(math.random())", "0"}, {"FCALL", "rnd", "0"},
		{"FUNCTION", "FLUSH"}, {"FUNCTION", "LOAD", "#!lua name=rnd\nredis.register_function('rnd', function() return tostring(math.random()) end)"},
		{"FCALL", "rnd", "0"}, {"SCRIPT", "FLUSH"}, {"FCALL", "rnd", "0"},
	} {
		h.diff(argv...)
	}
}

// TestFunctionLoadTimeout: a library whose code runs past 500 ms while it
// loads is refused, as Redis refuses it; a replayed load has no limit.
func TestFunctionLoadTimeout(t *testing.T) {
	h := newFunctionHarness(t, 2)
	h.diff("FUNCTION", "LOAD", "#!lua name=slow\nlocal i = 0 while true do i = i + 1 end")
	fe := newFunctionEngine(newRand48())
	code := []byte("\nlocal n = 0 for i = 1, 100000 do n = n + i end\nredis.register_function('f', function() return n end)")
	if err := fe.load(&library{name: "a"}, code, time.Microsecond); err != "ERR Error registering functions: ERR FUNCTION LOAD timeout" {
		t.Errorf("load with a limit of 1 µs: %q", err)
	}
	lib := &library{name: "b"}
	if err := fe.load(lib, code, 0); err != "" || len(lib.funcs) != 1 {
		t.Errorf("load without a limit: %q, %d functions", err, len(lib.funcs))
	}
}

// TestFunctionEffects: FUNCTION LOAD records FUNCTION LOAD REPLACE with
// the code, DELETE and FLUSH themselves, RESTORE what rebuilds its result,
// FCALL the commands its function ran (nothing for reads or failures);
// replayed, they rebuild the primary's libraries and keys.
func TestFunctionEffects(t *testing.T) {
	h := newFunctionHarness(t, 2)
	lib := func(name, fn string) string {
		return "#!lua name=" + name + "\nredis.register_function('" + fn + "', function(keys) return redis.call('incr', keys[1]) end)"
	}
	effects := func(argv ...string) string {
		t.Helper()
		w := resp.NewWriter(2)
		c := &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli()}
		h.table.Exec(h.db, c)
		var out []string
		for _, eff := range c.Effects() {
			rw := resp.NewWriter(2)
			h.table.Exec(h.replica, &Call{Argv: eff, Out: rw, Now: c.Now, Replay: true})
			if r := rw.Bytes(); len(r) > 0 && r[0] == '-' {
				t.Fatalf("effect %q of %q failed on the replica: %s", eff, argv, r)
			}
			out = append(out, fmt.Sprintf("%q", eff))
		}
		return strings.Join(out, " ")
	}
	q := func(argv ...string) string { return fmt.Sprintf("%q", toBytes(argv)) }
	dump := func(codes ...string) string {
		var b [][]byte
		for _, c := range codes {
			b = append(b, []byte(c))
		}
		return string(encodeFunctionPayload(b))
	}
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"FUNCTION", "LOAD", lib("a", "fa")}, q("FUNCTION", "LOAD", "REPLACE", lib("a", "fa"))},
		{[]string{"FUNCTION", "LOAD", lib("a", "fa")}, ""},
		{[]string{"FUNCTION", "LOAD", "replace", lib("a", "fa2")}, q("FUNCTION", "LOAD", "REPLACE", lib("a", "fa2"))},
		{[]string{"FCALL", "fa2", "1", "n"}, q("incr", "n")},
		{[]string{"FCALL", "fa2", "1"}, ""},
		{[]string{"FUNCTION", "LOAD", lib("b", "fb")}, q("FUNCTION", "LOAD", "REPLACE", lib("b", "fb"))},
		{[]string{"FUNCTION", "DELETE", "b"}, q("FUNCTION", "DELETE", "b")},
		{[]string{"FUNCTION", "DELETE", "b"}, ""},
		{[]string{"FUNCTION", "RESTORE", dump(lib("c", "fc"), lib("d", "fd"))}, q("FUNCTION", "LOAD", "REPLACE", lib("c", "fc")) + " " + q("FUNCTION", "LOAD", "REPLACE", lib("d", "fd"))},
		{[]string{"FUNCTION", "RESTORE", dump(lib("c", "fc"))}, ""},
		// Replacing c and d, whose functions the new ones swap: the
		// deletions come first, so the loads never collide.
		{[]string{"FUNCTION", "RESTORE", dump(lib("c", "fd"), lib("d", "fc")), "REPLACE"},
			q("FUNCTION", "DELETE", "c") + " " + q("FUNCTION", "DELETE", "d") + " " + q("FUNCTION", "LOAD", "REPLACE", lib("c", "fd")) + " " + q("FUNCTION", "LOAD", "REPLACE", lib("d", "fc"))},
		{[]string{"FUNCTION", "RESTORE", dump(lib("e", "fe")), "FLUSH"}, q("FUNCTION", "FLUSH") + " " + q("FUNCTION", "LOAD", "REPLACE", lib("e", "fe"))},
		{[]string{"FUNCTION", "FLUSH", "ASYNC"}, q("FUNCTION", "FLUSH", "ASYNC")},
		{[]string{"FUNCTION", "RESTORE", dump(lib("f", "ff"), lib("g", "fg"))}, q("FUNCTION", "LOAD", "REPLACE", lib("f", "ff")) + " " + q("FUNCTION", "LOAD", "REPLACE", lib("g", "fg"))},
	} {
		if got := effects(tc.argv...); got != tc.want {
			t.Errorf("%.60q: effects\n %s\nwant\n %s", tc.argv, got, tc.want)
		}
		h.checkReplica()
	}
}

// TestFunctionDumpReplay: a DB dumped (a snapshot) and replayed into an
// empty DB has the same libraries, FUNCTION LIST WITHCODE byte for byte,
// and the functions run there.
func TestFunctionDumpReplay(t *testing.T) {
	h := newFunctionHarness(t, 2)
	h.exec("FUNCTION", "LOAD", testLibrary)
	h.exec("FUNCTION", "LOAD", "#!lua name=zlast\nredis.register_function{function_name='z1', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}, description='last'}")
	h.exec("FUNCTION", "LOAD", "#!lua name=afirst\nredis.register_function{function_name='a1', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}")
	h.exec("SET", "k", "v")
	var names []string
	h.db.Dump(func(argv [][]byte) error {
		names = append(names, string(bytes.Join(argv[:min(len(argv), 3)], []byte(" "))))
		return nil
	})
	if want := []string{"FUNCTION LOAD REPLACE", "FUNCTION LOAD REPLACE", "FUNCTION LOAD REPLACE", "SET k v"}; !slices.Equal(names, want) {
		t.Fatalf("dumped %q, want %q", names, want)
	}
	rebuilt := h.loadDump()
	list := []string{"FUNCTION", "LIST", "WITHCODE"}
	if got, want := h.read(rebuilt, list), h.read(h.db, list); !bytes.Equal(got, want) {
		t.Fatalf("rebuilt FUNCTION LIST WITHCODE:\n%q\nwas\n%q", got, want)
	}
	if got := h.read(rebuilt, []string{"FCALL_RO", "a1", "1", "k"}); string(got) != "$1\r\nv\r\n" {
		t.Fatalf("FCALL_RO on the rebuilt DB = %q", got)
	}
	h.replica, h.replicaLoaded = rebuilt, true
	h.checkReplica()
}

// TestFunctionWriteness: FCALL and FCALL_RO are writes, for routing and
// replicas, when their function is known (the process-wide index, kept as
// libraries come and go) and lacks no-writes (Redis's
// fcallGetCommandFlags: a read-only replica refuses it as a write); an
// unknown function leaves FCALL's own flags: not a write, but it may
// replicate (CLIENT PAUSE WRITE postpones it).
func TestFunctionWriteness(t *testing.T) {
	table, db := NewTable(), New()
	run := func(argv ...string) {
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli()})
	}
	check := func(when string, want map[string]bool) {
		t.Helper()
		for line, write := range want {
			argv := toBytes(strings.Fields(line))
			cmd, _ := table.Resolve(argv)
			if got := cmd.IsWriteCall(argv); got != write {
				t.Errorf("%s: %s: IsWriteCall %v, want %v", when, line, got, write)
			}
		}
	}
	mayReplicate := func(when, line string, want bool) {
		t.Helper()
		argv := toBytes(strings.Fields(line))
		cmd, _ := table.Resolve(argv)
		if got := cmd.MayReplicateCall(argv); got != want {
			t.Errorf("%s: %s: MayReplicateCall %v, want %v", when, line, got, want)
		}
	}
	const lib = "#!lua name=wlib\nredis.register_function('wr_w', function() return 1 end)\n" +
		"redis.register_function{function_name='wr_r', callback=function() return 1 end, flags={'no-writes'}}"
	check("unknown", map[string]bool{"FCALL wr_w 0": false, "FCALL wr_r 0": false, "FCALL_RO wr_w 0": false, "FCALL_RO wr_r 0": false})
	mayReplicate("unknown", "FCALL wr_r 0", true)
	mayReplicate("unknown", "FCALL_RO wr_r 0", false)
	run("FUNCTION", "LOAD", lib)
	mayReplicate("loaded", "FCALL wr_r 0", false)
	check("loaded", map[string]bool{"FCALL wr_w 0": true, "FCALL wr_r 0": false, "FCALL WR_R 0": false,
		"FCALL_RO wr_w 0": true, "FCALL_RO wr_r 0": false, "FUNCTION LIST": false, "FUNCTION LOAD x": true})
	run("FUNCTION", "LOAD", "REPLACE", strings.ReplaceAll(lib, "{'no-writes'}", "{}"))
	check("replaced", map[string]bool{"FCALL wr_r 0": true, "FCALL_RO wr_r 0": true})
	run("FUNCTION", "DELETE", "wlib")
	check("deleted", map[string]bool{"FCALL wr_r 0": false, "FCALL_RO wr_r 0": false})
	run("FUNCTION", "LOAD", lib)
	run("FUNCTION", "FLUSH")
	check("flushed", map[string]bool{"FCALL wr_r 0": false, "FCALL_RO wr_w 0": false})
	if table.Lookup([]byte("fcall")).IsWrite() {
		t.Error("FCALL's flags say write")
	}
}

// TestFunctionReplica: on a read-only replica (ReadOnlyReplica) a function
// without no-writes is refused as a redis-server started with --replicaof
// refuses it (checked by hand: its processCommand finds the call a write),
// FCALL or FCALL_RO; one with no-writes reads.
func TestFunctionReplica(t *testing.T) {
	table, db := NewTable(), New()
	run := func(replica bool, argv ...string) string {
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli(), ReadOnlyReplica: replica})
		return string(w.Bytes())
	}
	run(false, "SET", "k", "v")
	run(false, "FUNCTION", "LOAD", "#!lua name=rlib\nredis.register_function('w', function(keys) return redis.call('set', keys[1], 'x') end)\n"+
		"redis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}")
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"FCALL", "w", "1", "k"}, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"FCALL_RO", "w", "1", "k"}, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"FCALL", "r", "1", "k"}, "$1\r\nv\r\n"},
		{[]string{"FCALL_RO", "r", "1", "k"}, "$1\r\nv\r\n"},
		{[]string{"FCALL", "nosuch", "0"}, "-ERR Function not found\r\n"},
	} {
		if got := run(true, tc.argv...); got != tc.want {
			t.Errorf("%q on a replica: %q, want %q", tc.argv, got, tc.want)
		}
	}
}
