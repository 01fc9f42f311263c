package engine

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Scripts are compared with redis-server byte for byte: replies of every
// Lua type, redis.call and redis.pcall results and errors, the error
// suffix Redis adds, RESP3 after redis.setresp(3), the libraries; effects
// are replayed on the replica.

// evalCases are EVAL command lines (the script, numkeys, keys, args),
// run in order on one keyspace.
var evalCases = [][]string{
	// Results of every Lua type.
	{"return 1", "0"}, {"return -1.9", "0"}, {"return 3.99", "0"}, {"return 'x'", "0"}, {"return true", "0"},
	{"return false", "0"}, {"return nil", "0"}, {"return", "0"}, {"return {}", "0"},
	{"return {1, 2, 3, nil, 4}", "0"}, {"return {1, 'a', {2, {3, 'b'}}, true, false}", "0"},
	{"return {ok='fine'}", "0"}, {"return {err='BAD thing'}", "0"}, {"return {err=''}", "0"},
	{"return {ok='a\\r\\nb'}", "0"}, {"return {err='a\\nb\\r\\n'}", "0"}, {"return {ok=1}", "0"},
	{"return {1, {ok='x'}, {err='E x'}}", "0"}, {"return 1e30", "0"}, {"return -1e30", "0"}, {"return 0/0", "0"},
	{"return {double=1.5}", "0"}, {"return {double=0.1}", "0"}, {"return {double=1/0}", "0"},
	{"return {double=-1/0}", "0"}, {"return {map={a=1}}", "0"}, {"return {set={a=true}}", "0"},
	{"return {big_number='123'}", "0"}, {"return {verbatim_string={format='txt', string='hi'}}", "0"},
	{"return KEYS", "2", "k1", "k2", "a1", "a2"}, {"return ARGV", "1", "k1", "a1", "a2"},
	{"return {#KEYS, #ARGV}", "0"},
	{"return redis.status_reply('FINE')", "0"}, {"return redis.error_reply('MY error')", "0"},
	{"return redis.error_reply('-X')", "0"}, {"return redis.error_reply('nospace')", "0"},
	{"return redis.error_reply('')", "0"}, {"return redis.error_reply(1)", "0"},
	{"return redis.status_reply(1)", "0"}, {"return redis.status_reply('x', 'y')", "0"},
	{"return redis.sha1hex('')", "0"}, {"return redis.sha1hex('abc')", "0"},
	{"return redis.REDIS_VERSION", "0"}, {"return redis.REDIS_VERSION_NUM", "0"},
	{"return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"},
	{"return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}", "0"},
	{"return redis.replicate_commands()", "0"}, {"redis.log(redis.LOG_WARNING, 'hello', 'there') return 1", "0"},
	{"return redis.log(1)", "0"}, {"return redis.log('x', 'y')", "0"}, {"return redis.log(9, 'y')", "0"},
	{"return redis.setresp(4)", "0"}, {"return redis.setresp()", "0"}, {"return redis.set_repl(9)", "0"},
	{"return redis.set_repl()", "0"}, {"redis.set_repl(redis.REPL_ALL) return 1", "0"},
	{"return redis.acl_check_cmd('get', 'x')", "0"}, {"return redis.acl_check_cmd('nosuch')", "0"},

	// redis.call and redis.pcall.
	{"return redis.call('SET', KEYS[1], ARGV[1])", "1", "s", "v"}, {"return redis.call('get', KEYS[1])", "1", "s"},
	{"return redis.call('get', 'nokey')", "0"}, {"return redis.call('incrby', 'n', 5)", "0"},
	{"return redis.call('incrbyfloat', 'f', 1.5)", "0"}, {"return redis.call('set', 'num', 3.25)", "0"},
	{"return redis.call('set', 'big', 12345678901234567)", "0"}, {"return redis.call('get', 'big')", "0"},
	{"return redis.call('rpush', 'l', 'a', 'b', 'c')", "0"}, {"return redis.call('lrange', 'l', 0, -1)", "0"},
	{"return redis.call('hset', 'h', 'f', 'v')", "0"}, {"return redis.call('hgetall', 'h')", "0"},
	{"return redis.call('zadd', 'z', 1.5, 'm')", "0"}, {"return redis.call('zrange', 'z', 0, -1, 'withscores')", "0"},
	{"return redis.call('zscore', 'z', 'm')", "0"}, {"return redis.call('lpop', 'nolist')", "0"},
	{"return redis.call('lpush', 's', 'x')", "0"}, {"return redis.pcall('lpush', 's', 'x')", "0"},
	{"local r = redis.pcall('lpush', 's', 'x') return r.err", "0"},
	{"return redis.call('incr', 'x', 'y')", "0"}, {"return redis.pcall('incr', 'x', 'y')", "0"},
	{"return redis.call('nosuch')", "0"}, {"return redis.pcall('nosuch')", "0"},
	{"return redis.call()", "0"}, {"return redis.pcall()", "0"}, {"return redis.call({})", "0"},
	{"return redis.call('get', {})", "0"}, {"return redis.pcall('get', nil)", "0"},
	{"return redis.call('multi')", "0"}, {"return redis.call('multi', 'x')", "0"}, {"return redis.call('eval', 'return 1', 0)", "0"},
	{"return redis.call('blpop', 'l', 0)", "0"}, {"return redis.call('blmpop', 0, 1, 'nolist', 'left')", "0"},
	{"return redis.call('object')", "0"}, {"return redis.call('object', 'foo')", "0"},
	{"return redis.call('object', 'encoding', 'l')", "0"}, {"return redis.call('client', 'list')", "0"},
	{"return redis.call('client')", "0"}, {"return redis.call('config', 'get', 'x')", "0"},
	{"return redis.call('script', 'load', 'return 1')", "0"}, {"return redis.call('watch', 'x')", "0"},
	{"return redis.call('ping')", "0"}, {"return redis.call('ping', 'hi')", "0"}, {"return redis.call('ping', 'a', 'b')", "0"},
	{"return redis.call('echo', 'hi')", "0"}, {"return redis.call('echo')", "0"}, {"return #redis.call('time')", "0"},
	{"return redis.call('select', 0)", "0"}, {"return redis.call('select', 'x')", "0"},
	{"local t = {} for k, v in pairs(redis.pcall('set')) do t[#t+1] = k .. '=' .. tostring(v) end table.sort(t) return t", "0"},
	{"local t = {} for k, v in pairs(redis.pcall()) do t[#t+1] = k .. '=' .. tostring(v) end table.sort(t) return t", "0"},
	{"local t = {} for k, v in pairs(redis.error_reply('X y')) do t[#t+1] = k .. '=' .. tostring(v) end table.sort(t) return t", "0"},
	{"local ok, e = pcall(redis.call, 'incr', 'x', 'y') return {tostring(ok), type(e), e}", "0"},
	{"local ok, e = pcall(error, 'boom') return {tostring(ok), type(e), e}", "0"},
	{"local ok, e = pcall(error, {err='T x'}) return {tostring(ok), type(e), e}", "0"},
	{"local ok, a, b = pcall(function() return 1, 2 end) return {tostring(ok), a, b}", "0"},
	{"local ok, e = pcall(redis.call, 'lpush', 's', 'x') return e", "0"},
	{"return redis.call('del', 'l', 'h', 'z')", "0"},

	// Errors, with Redis's suffix.
	{"return foo", "0"}, {"foo = 1", "0"}, {"x = 1", "0"}, {"local t = {} t.x = 1 return t.x", "0"},
	{"return _G.foo", "0"}, {"rawset(_G, 'x', 1) return 1", "0"}, {"function f() end", "0"},
	{"error('boom')", "0"}, {"error({err='MY boom'})", "0"}, {"error({err=1})", "0"}, {"error(nil)", "0"},
	{"error(12.5)", "0"}, {"error('x', 0)", "0"}, {"error('x', 2)", "0"}, {"error('a\\nb\\r\\n')", "0"},
	{"local function f() error('x') end\nf()", "0"}, {"\n\nerror('line three')", "0"},
	{"local function f()\n  return redis.call('incr', 'x', 'y')\nend\nreturn f()", "0"},

	// Libraries.
	{"return type(string) .. type(table) .. type(math) .. type(cjson) .. type(bit) .. type(coroutine)", "0"},
	{"return {type(dofile), type(loadfile), type(print)}", "0"},
	{"return _VERSION", "0"}, {"return tostring(1/3)", "0"}, {"return tostring(0.1 + 0.2)", "0"},
	{"return tostring(2^53)", "0"}, {"return tostring(-0.0)", "0"}, {"return tonumber('0x10')", "0"},
	{"return string.format('%d %s %5.2f', 42, 'x', 3.14159)", "0"}, {"return string.rep('ab', 3)", "0"},
	{"return table.concat({1, 2, 3}, ',')", "0"}, {"local t = {3, 1, 2} table.sort(t) return t", "0"},
	{"return math.floor(3.7)", "0"}, {"return math.max(1, 5, 3)", "0"}, {"return math.huge > 0", "0"},
	{"return loadstring('return 7')()", "0"}, {"return select('#', 1, 2, 3)", "0"}, {"return {unpack({1, 2})}", "0"},
	{"return math.random(0)", "0"}, {"return math.random(1, 2, 3)", "0"},
	{"return cjson.encode({1, 2, {a=1.5}, 'x/\\1'})", "0"}, {"return cjson.encode({})", "0"},
	{"return cjson.encode({1, nil, 3})", "0"}, {"return cjson.encode({[20]=1})", "0"},
	{"return cjson.encode(1/0)", "0"}, {"return cjson.encode({[true]=1})", "0"}, {"return cjson.encode()", "0"},
	{"return cjson.encode(0.1)", "0"}, {"return cjson.encode(1/3)", "0"}, {"return cjson.encode(123456789012345678)", "0"},
	{"return cjson.encode(-0.0)", "0"}, {"return cjson.encode('\\127\\200\\0\\t\"\\\\')", "0"},
	{"return cjson.encode({a={b={c='d'}}})", "0"}, {"return cjson.encode(cjson.null)", "0"},
	{"return cjson.encode({true, false})", "0"}, {"return cjson.encode(redis.call)", "0"},
	{"return cjson.decode('[1,2')", "0"}, {"return cjson.decode('nope')", "0"}, {"return cjson.decode('')", "0"},
	{"return cjson.decode('{\"a\":[1,2.5,\"x\",null,true]}').a", "0"},
	{"return cjson.encode(cjson.decode('[0.1,1e20,123456789012345678,-0]'))", "0"},
	{"return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')", "0"}, {"return cjson.decode('\"\\\\x\"')", "0"},
	{"return cjson.decode('{\"a\" 1}')", "0"}, {"return cjson.decode('{1:2}')", "0"}, {"return cjson.decode('[1 2]')", "0"},
	{"return cjson.decode('\"abc')", "0"}, {"return cjson.decode('[1] x')", "0"}, {"return cjson.decode(' 42 ')", "0"},
	{"return tostring(cjson.decode('null') == cjson.null)", "0"}, {"return cjson.decode('1e2')", "0"},
	{"return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0)}", "0"},
	{"return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(1, 33), bit.ror(1, 1)}", "0"},
	{"return {bit.tohex(255), bit.tohex(-1, -4), bit.tohex(255, 2), bit.tobit(2^32 + 5), bit.bswap(1)}", "0"},
	{"return bit.tobit(2.5) + bit.tobit(3.5)", "0"},
}

func TestScriptDiff(t *testing.T) {
	h := newHarness(t)
	h.diff("SCRIPT", "FLUSH")
	for _, tc := range evalCases {
		h.diff(append([]string{"EVAL"}, tc...)...)
	}
	h.checkReplica()
}

// TestScriptDiffRESP3 runs scripts for a RESP3 client, with redis.call in
// RESP2 and, after redis.setresp(3), in RESP3.
func TestScriptDiffRESP3(t *testing.T) {
	h := newHarness(t)
	h.redis.Do("HELLO", "3")
	h.proto = 3
	for _, argv := range [][]string{
		{"HSET", "h", "a", "1"}, {"SADD", "s", "x"}, {"ZADD", "z", "1.5", "m"}, {"SET", "str", "v"},
	} {
		h.diff(argv...)
	}
	for _, script := range []string{
		"return redis.call('hgetall', 'h')", "redis.setresp(3) return redis.call('hgetall', 'h')",
		"redis.setresp(3) local r = redis.call('hgetall', 'h') return {type(r), type(r.map), r.map.a}",
		"redis.setresp(3) return redis.call('smembers', 's')", "redis.setresp(3) return redis.call('zscore', 'z', 'm')",
		"redis.setresp(3) local r = redis.call('zscore', 'z', 'm') return {type(r), r.double}",
		"redis.setresp(3) return type(redis.call('get', 'nokey'))", "redis.setresp(3) return redis.call('get', 'nokey')",
		"return redis.call('get', 'nokey')", "return {1, false, true}", "redis.setresp(3) return {1, false, true}",
		"redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')",
		"return redis.call('zrange', 'z', 0, -1, 'withscores')", "redis.setresp(3) return redis.call('exists', 'h')",
		"redis.setresp(3) return redis.call('lpush', 'h', 'x')", "redis.setresp(3) return redis.pcall('lpush', 'h', 'x')",
		"redis.setresp(3) return redis.call('ping')", "redis.setresp(3) return redis.call('hrandfield', 'h', 1, 'withvalues')",
		"return {double=1.5}", "return {map={a=1}}", "return {set={a=true}}", "return {big_number='123'}",
		"return {verbatim_string={format='txt', string='hi'}}", "return nil", "return {double=0/0}", "return {double=1/0}",
		"return {double=0.1}", "return {err='x'}", "return {ok='x'}", "return redis.setresp(3)",
		"redis.setresp(2) return redis.call('zscore', 'z', 'm')",
	} {
		h.diff("EVAL", script, "0")
	}
	h.checkReplica()
}

// TestScriptRandom: math.random runs Redis's rand48 sequence, which goes
// on from script to script (Redis 7.0 does not reseed it per script) until
// math.randomseed; compared with a redis-server of its own, fresh.
func TestScriptRandom(t *testing.T) {
	h := newHarness(t)
	h.redis = redisdiff.Dial(t, redisdiff.Start(t).Addr)
	for _, script := range []string{
		"return tostring(math.random())", "return {math.random(10), math.random(5, 100), math.random(1000)}",
		"local t = {} for i = 1, 5 do t[i] = math.random(100) end return t", "return tostring(math.random())",
		"math.randomseed(7) return tostring(math.random())", "return math.random(-5, -1)",
		"return tostring(math.random())",
	} {
		h.diff("EVAL", script, "0")
	}
	h.diff("SCRIPT", "FLUSH")
	h.diff("EVAL", "return tostring(math.random())", "0")
}

// TestScriptCommands: EVALSHA, EVAL_RO, EVALSHA_RO, the numkeys errors,
// shebang flags and the SCRIPT subcommands.
func TestScriptCommands(t *testing.T) {
	h := newHarness(t)
	const one = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db" // return 1
	for _, argv := range [][]string{
		{"SCRIPT", "FLUSH"}, {"EVAL", "return 1", "x"}, {"EVAL", "return 1", "-1"}, {"EVAL", "return 1", "2", "a"},
		{"EVAL", "return 1", "99999999999999999999"}, {"EVAL", "return 1", "01"}, {"EVAL", "return 1"}, {"EVAL"},
		{"EVALSHA", "abc", "0"}, {"EVALSHA", "ABC", "x"}, {"EVALSHA", one, "0"}, {"SCRIPT", "EXISTS", one, "abc"},
		{"SCRIPT", "LOAD", "return 1"}, {"SCRIPT", "EXISTS", one, strings.ToUpper(one)}, {"EVALSHA", one, "0"},
		{"EVALSHA", strings.ToUpper(one), "0"}, {"EVALSHA_RO", one, "0"}, {"EVALSHA", one + "x", "0"},
		{"EVALSHA", one, "-1"}, {"FLUSHALL"}, {"EVALSHA", one, "0"},
		{"SCRIPT", "LOAD", "#!lua flags=foo\nreturn 1"}, {"SCRIPT", "HELP"},
		{"SCRIPT", "help"}, {"SCRIPT", "FLUSH", "ASYNC"}, {"SCRIPT", "FLUSH", "sync"}, {"SCRIPT", "FLUSH", "foo"},
		{"SCRIPT", "FLUSH", "sync", "x"}, {"SCRIPT", "KILL"}, {"SCRIPT", "KILL", "x"}, {"SCRIPT", "FOO"}, {"SCRIPT"},
		{"SCRIPT", "EXISTS"}, {"SCRIPT", "LOAD"}, {"SCRIPT", "EXISTS", one}, {"EVALSHA", one, "0"},
		{"EVAL", "return 1", "0"}, {"SCRIPT", "EXISTS", one}, {"EVALSHA", one, "0"},
		// Shebangs.
		{"EVAL", "#!lua\nreturn 1", "0"}, {"EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')", "0"},
		{"EVAL", "#!lua flags=foo\nreturn 1", "0"}, {"EVAL", "#!py\nreturn 1", "0"}, {"EVAL", "#!lua name=x\nreturn 1", "0"},
		{"EVAL", "#!lua flags=no-writes,allow-oom,allow-stale,allow-cross-slot-keys\nreturn 1", "0"},
		{"EVAL", "#!lua flags=\nreturn 1", "0"}, {"EVAL", "#!lua  flags=no-writes  \nreturn 1", "0"},
		{"EVAL", "#!lua", "0"}, {"EVAL", "#!", "0"}, {"EVAL", "#!lua flags=no-writes,,allow-oom\nreturn 1", "0"},
		{"EVAL", "#!LUA\nreturn 1", "0"}, {"EVAL", "#!lua flags=no-writes name=x\nreturn 1", "0"},
		{"EVAL", "#!lua\nreturn redis.call('set', 'k', 'v')", "1", "k"}, {"EVAL", "#!lua\n\nerror('x')", "0"},
		// Read-only scripts.
		{"EVAL_RO", "return redis.call('set', 'k', 'v')", "0"}, {"EVAL_RO", "#!lua\nreturn 1", "0"},
		{"EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "1", "k"},
		{"EVAL_RO", "return redis.pcall('del', 'k')", "0"}, {"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL_RO", "return 1", "x"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

// TestScriptEffects: a script's effects are the commands it ran, in order,
// and nothing for a script that only reads; they rebuild the primary's
// keyspace on the replica.
func TestScriptEffects(t *testing.T) {
	table, db := NewTable(), New()
	run := func(argv ...string) (string, [][][]byte) {
		w := resp.NewWriter(2)
		c := &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli()}
		table.Exec(db, c)
		return string(w.Bytes()), c.Effects()
	}
	reply, effects := run("EVAL", "redis.call('set', KEYS[1], 'a') redis.call('rpush', 'l', 1, 2) redis.call('get', 'k') return redis.call('incr', 'n')", "1", "k")
	if reply != ":1\r\n" {
		t.Fatalf("reply %q", reply)
	}
	want := [][]string{{"set", "k", "a"}, {"rpush", "l", "1", "2"}, {"incr", "n"}}
	if len(effects) != len(want) {
		t.Fatalf("effects %q, want %q", effects, want)
	}
	for i, eff := range effects {
		if got := string(bytes.Join(eff, []byte(" "))); !strings.EqualFold(got, strings.Join(want[i], " ")) {
			t.Errorf("effect %d: %q, want %q", i, got, want[i])
		}
	}
	if _, effects := run("EVAL", "return redis.call('get', 'k')", "0"); len(effects) != 0 {
		t.Errorf("a read-only script's effects: %q", effects)
	}
	// A failing script keeps the effects of what it ran before failing, as
	// Redis does (no rollback).
	if reply, effects := run("EVAL", "redis.call('set', 'x', 1) redis.call('lpush', 'x', 1)", "0"); !strings.HasPrefix(reply, "-WRONGTYPE") || len(effects) != 1 {
		t.Errorf("failing script: reply %q, effects %q", reply, effects)
	}
	if _, effects := run("EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'y', 1) return 1", "0"); len(effects) != 0 {
		t.Errorf("REPL_NONE: effects %q", effects)
	}
}

// TestScriptReplica: a script on a read-only replica (ReadOnlyReplica)
// reads, and its writes fail as Redis's do on a replica.
func TestScriptReplica(t *testing.T) {
	table, db := NewTable(), New()
	run := func(replica bool, argv ...string) string {
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli(), ReadOnlyReplica: replica})
		return string(w.Bytes())
	}
	run(false, "SET", "k", "v")
	for _, tc := range []struct{ script, want string }{
		{"return redis.call('get', 'k')", "$1\r\nv\r\n"},
		{"return redis.call('set', 'k', 'w')", "-READONLY You can't write against a read only replica. script: 4f4f8d2e8a2fc4b4a7d1e0e0b6e3b7d9a8a3a8a1, on @user_script:1.\r\n"},
		{"return redis.pcall('set', 'k', 'w')", "-READONLY You can't write against a read only replica.\r\n"},
		// What a redis-server started with --replicaof answers (its
		// processCommand refuses the call before the script's checks).
		{"#!lua\nreturn 1", "-READONLY You can't write against a read only replica.\r\n"},
		{"#!lua flags=no-writes\nreturn redis.call('get', 'k')", "$1\r\nv\r\n"},
	} {
		want := strings.Replace(tc.want, "4f4f8d2e8a2fc4b4a7d1e0e0b6e3b7d9a8a3a8a1", sha1Hex([]byte(tc.script)), 1)
		if got := run(true, "EVAL", tc.script, "0"); got != want {
			t.Errorf("%q on a replica: %q, want %q", tc.script, got, want)
		}
	}
}

// TestScriptWriteness: EVAL is a write, for routing and replicas, only if
// its script has a shebang without no-writes (Redis 7.0's
// evalGetCommandFlags); COMMAND INFO's flags stay EVAL's.
func TestScriptWriteness(t *testing.T) {
	table, db := NewTable(), New()
	w := resp.NewWriter(2)
	table.Exec(db, &Call{Argv: toBytes([]string{"SCRIPT", "LOAD", "#!lua\nreturn 1"}), Out: w})
	sha := strings.Split(string(w.Bytes()), "\r\n")[1]
	for _, tc := range []struct {
		argv  []string
		write bool
	}{
		{[]string{"EVAL", "return 1", "0"}, false}, {[]string{"EVAL", "#!lua\nreturn 1", "0"}, true},
		{[]string{"EVAL", "#!lua flags=no-writes\nreturn 1", "0"}, false}, {[]string{"EVAL", "#!lua flags=bad\nreturn 1", "0"}, false},
		{[]string{"EVAL_RO", "#!lua\nreturn 1", "0"}, true}, {[]string{"EVALSHA", sha, "0"}, true},
		{[]string{"EVALSHA", strings.ToUpper(sha), "0"}, true}, {[]string{"EVALSHA", sha1Hex([]byte("nothing")), "0"}, false},
		{[]string{"GET", "k"}, false}, {[]string{"SET", "k", "v"}, true},
	} {
		cmd := table.Lookup([]byte(tc.argv[0]))
		if got := cmd.IsWriteCall(toBytes(tc.argv)); got != tc.write {
			t.Errorf("%q: IsWriteCall %v, want %v", tc.argv, got, tc.write)
		}
	}
	if table.Lookup([]byte("eval")).IsWrite() {
		t.Error("EVAL's flags say write")
	}
}
