package engine

import (
	"strings"
	"testing"
)

// TestFunctionKnownDiff pins where memshard's functions answer otherwise
// than Redis 7.0.15: gopher-lua is not PUC Lua (its errors, and no
// read-only tables), and Redis fails an assertion on a library with two
// functions whose names differ in case only. Each case runs on both, and
// memshard's reply and redis-server's must be the ones written here, so
// that a change on either side shows.
func TestFunctionKnownDiff(t *testing.T) {
	h := newFunctionHarness(t, 2)
	for _, tc := range []struct {
		why, argv, memshard, redis string
	}{
		{"compile errors are gopher-lua's parser's",
			"FUNCTION|LOAD|#!lua name=c\nreturn +",
			"-ERR Error compiling function: user_function line:2(column:8) near '+':   syntax error\r\n",
			"-ERR Error compiling function: user_function:2: unexpected symbol near '+'\r\n"},
		{"runtime errors of the VM while loading are gopher-lua's",
			"FUNCTION|LOAD|#!lua name=a\nlocal x = 1 + nil",
			"-ERR Error registering functions: ERR user_function:2: cannot perform add operation between number and nil\r\n",
			"-ERR Error registering functions: ERR user_function:2: attempt to perform arithmetic on a nil value\r\n"},
		{"a field of the load-time redis table can be changed (and is restored after the load)",
			"FUNCTION|LOAD|#!lua name=m\nredis.log = 1 redis.register_function('m', function() return 1 end)",
			"$1\r\nm\r\n",
			"-ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table\r\n"},
		{"calling a missing field names it in PUC Lua",
			"FUNCTION|LOAD|#!lua name=n\nredis.register_function('n', function() redis.register_function('x', function() end) end)",
			"$1\r\nn\r\n", "$1\r\nn\r\n"},
		{"(the call)",
			"FCALL|n|0",
			"-ERR user_function:2: attempt to call a non-function object script: n, on @user_function:2.\r\n",
			"-ERR user_function:2: attempt to call field 'register_function' (a nil value) script: n, on @user_function:2.\r\n"},
		{"two functions whose names differ in case only: Redis loads them, answers both names with one, and crashes on FUNCTION DELETE; memshard refuses the second",
			"FUNCTION|LOAD|#!lua name=case\nredis.register_function('x', function() return 1 end) redis.register_function('X', function() return 2 end)",
			"-ERR Error registering functions: ERR Function already exists in the library\r\n",
			"$4\r\ncase\r\n"},
	} {
		argv := strings.Split(tc.argv, "|")
		got := string(h.exec(argv...))
		want := string(h.redis.Do(argv...))
		if got != tc.memshard {
			t.Errorf("%s: memshard %q, pinned %q", tc.why, got, tc.memshard)
		}
		if want != tc.redis {
			t.Errorf("%s: redis-server %q, pinned %q", tc.why, want, tc.redis)
		}
	}
	// FUNCTION FLUSH is safe on the library Redis cannot delete.
	h.redis.Do("FUNCTION", "FLUSH")
}
