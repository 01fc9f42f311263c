package engine

import (
	"strings"
	"testing"
)

// TestScriptKnownDiff pins where memshard's scripts answer otherwise than
// Redis 7.0.15, because gopher-lua is not PUC Lua: each case runs on both,
// and memshard's reply and redis-server's must be the ones written here
// (the script's SHA1 stands for "SHA"), so that a change on either side
// shows.
func TestScriptKnownDiff(t *testing.T) {
	h := newHarness(t)
	h.diff("SET", "k", "v")
	for _, tc := range []struct {
		why, script, memshard, redis string
	}{
		{"compile errors are gopher-lua's parser's",
			"return +",
			"-ERR Error compiling script (new function): user_script line:1(column:8) near '+':   syntax error\r\n",
			"-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n"},
		{"compile errors at the end of the script",
			"return 1 +",
			"-ERR Error compiling script (new function): user_script at EOF:   syntax error\r\n",
			"-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n"},
		{"the standard library's argument errors are gopher-lua's",
			"return string.rep()",
			"-ERR user_script:1: bad argument #1 to rep (string expected, got nil) script: SHA, on @user_script:1.\r\n",
			"-ERR user_script:1: bad argument #1 to 'rep' (string expected, got no value) script: SHA, on @user_script:1.\r\n"},
		{"runtime errors of the VM are gopher-lua's",
			"local x return x + 1",
			"-ERR user_script:1: cannot perform add operation between nil and number script: SHA, on @user_script:1.\r\n",
			"-ERR user_script:1: attempt to perform arithmetic on local 'x' (a nil value) script: SHA, on @user_script:1.\r\n"},
		{"calling a nil value",
			"local f f()",
			"-ERR user_script:1: attempt to call a non-function object script: SHA, on @user_script:1.\r\n",
			"-ERR user_script:1: attempt to call local 'f' (a nil value) script: SHA, on @user_script:1.\r\n"},
		{"concatenation formats numbers as Go does (tostring is Lua's %.14g)",
			"return '' .. 1/3",
			"$18\r\n0.3333333333333333\r\n",
			"$16\r\n0.33333333333333\r\n"},
		{"an existing global or library field can be changed (and is restored after the script)",
			"redis = 1 return 1",
			":1\r\n",
			"-ERR user_script:1: Attempt to modify a readonly table script: SHA, on @user_script:1.\r\n"},
		{"cmsgpack packs a map's pairs in gopher-lua's traversal order (insertion), not PUC Lua's hash order",
			"local p = cmsgpack.pack({a=1, b=2, c=3}) return (string.gsub(p, '.', function(c) return string.format('%02x', string.byte(c)) end))",
			"$20\r\n83a16101a16202a16303\r\n",
			"$20\r\n83a16101a16303a16202\r\n"},
		{"a library's argument errors name the function by its field, not as the call site names it",
			"local p = cmsgpack.pack return p()",
			"-ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: SHA, on @user_script:1.\r\n",
			"-ERR user_script:1: bad argument #0 to 'p' (MessagePack pack needs input.) script: SHA, on @user_script:1.\r\n"},
		{"cmsgpack.unpack refuses a map whose integer key would take more array slots than its budget (2^20 + 64 per byte): gopher-lua keeps integer keys below 2^26 in an array, so 7 bytes would allocate about 1 GiB",
			"return cmsgpack.unpack('\\129\\206\\3\\147\\135\\0\\1')[60000000]",
			"-ERR user_script:1: memshard: a map in the input has an integer key too large for its size (Lua tables here keep integer keys below 2^26 in an array) script: SHA, on @user_script:1.\r\n",
			":1\r\n"},
		{"a library's function can be replaced (cmsgpack's and struct's too)",
			"cmsgpack.pack = nil struct.pack = nil return 1",
			":1\r\n",
			"-ERR user_script:1: Attempt to modify a readonly table script: SHA, on @user_script:1.\r\n"},
	} {
		sha := sha1Hex([]byte(tc.script))
		got := string(h.exec("EVAL", tc.script, "0"))
		want := string(h.redis.Do("EVAL", tc.script, "0"))
		if w := strings.ReplaceAll(tc.memshard, "SHA", sha); got != w {
			t.Errorf("%s: memshard %q, pinned %q", tc.why, got, w)
		}
		if w := strings.ReplaceAll(tc.redis, "SHA", sha); want != w {
			t.Errorf("%s: redis-server %q, pinned %q", tc.why, want, w)
		}
	}
	// After the script that changed redis, redis is Redis's again, and so
	// are cmsgpack and struct.
	h.diff("EVAL", "return redis.call('get', 'k')", "0")
	h.diff("EVAL", "return {type(cmsgpack.pack), type(struct.pack)}", "0")
}
