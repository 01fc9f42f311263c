package server

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Functions through real sockets, compared byte for byte with redis-server
// in RESP2 and RESP3 (the engine's tests cover every command and error;
// these, the server's paths: dispatch, MULTI, arity, subcommands).
const serverLibrary = "#!lua name=srv\n" +
	"redis.register_function('incr', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n" +
	"redis.register_function{function_name='get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='get a key'}\n" +
	"redis.register_function{function_name='nc', callback=function() return 1 end, flags={'no-cluster'}}\n" +
	"redis.register_function('fail', function() return redis.call('lpush', 'n', 'x') end)"

func TestFunctionDiff(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			flushBoth(t, rs.Addr, addr)
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, argv := range [][]string{
				{"FUNCTION", "FLUSH"}, {"FUNCTION", "LOAD", serverLibrary}, {"FUNCTION", "LOAD", serverLibrary},
				{"FUNCTION", "LOAD", "REPLACE", serverLibrary}, {"FCALL", "incr", "1", "n", "5"}, {"FCALL", "INCR", "1", "n", "-2"},
				{"FCALL_RO", "get", "1", "n"}, {"FCALL_RO", "incr", "1", "n", "1"}, {"FCALL", "fail", "0"},
				{"FCALL", "nosuch", "0"}, {"FCALL", "get", "x"}, {"FCALL", "get"}, {"FCALL_RO"},
				// Redis lists a library's functions in its dict's order:
				// FUNCTION LIST is compared on a library of one.
				{"FUNCTION", "LOAD", "#!lua name=one\nredis.register_function{function_name='one', callback=function() return 1 end, description='the one'}"},
				{"FUNCTION", "LIST", "LIBRARYNAME", "one"}, {"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "O*"},
				{"FUNCTION", "DELETE", "one"}, {"FUNCTION", "STATS"},
				{"FUNCTION", "DUMP"}, {"FUNCTION", "KILL"}, {"FUNCTION", "HELP"}, {"FUNCTION", "NOSUCH"}, {"FUNCTION"},
				{"FUNCTION", "DELETE"}, {"FUNCTION", "STATS", "x"},
				{"MULTI"}, {"FCALL", "incr", "1", "n", "1"}, {"FUNCTION", "LOAD", "x"}, {"FUNCTION", "KILL"}, {"FUNCTION", "STATS"},
				{"FCALL", "get", "1", "n"}, {"EXEC"},
				{"MULTI"}, {"FCALL", "incr"}, {"EXEC"},
				{"FLUSHALL"}, {"SCRIPT", "FLUSH"}, {"FCALL_RO", "get", "1", "n"}, {"FUNCTION", "DELETE", "srv"},
				{"FCALL", "get", "1", "n"}, {"FUNCTION", "STATS"},
			} {
				if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
					t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
				}
			}
		})
	}
}

// TestFunctionNoCluster: a function flagged no-cluster is refused as a
// cluster-mode redis-server refuses it (memshard is a cluster node).
func TestFunctionNoCluster(t *testing.T) {
	rc := startServingRedisCluster(t)
	_, addr := startServer(t, Config{})
	mc := dial(t, addr)
	for _, argv := range [][]string{
		{"FUNCTION", "LOAD", "REPLACE", serverLibrary}, {"FCALL", "nc", "0"}, {"FCALL_RO", "nc", "0"},
		{"EVAL", "#!lua flags=no-cluster\nreturn 1", "0"}, {"FCALL", "get", "1", "k"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q (redis-server, cluster mode)", argv, got, want)
		}
	}
}

// TestDiffScriptCounts: INFO memory counts cached scripts, functions and
// libraries as Redis does, as they come and go.
func TestDiffScriptCounts(t *testing.T) {
	diffScenarios(t, []bscenario{{"counts", []bstep{
		bquiet(1, "SCRIPT", "FLUSH"), bquiet(1, "FUNCTION", "FLUSH"), bdo(1, "INFO", "memory"),
		bquiet(1, "SCRIPT", "LOAD", "return 1"), bquiet(1, "EVAL", "return 2", "0"), bquiet(1, "EVAL", "return 2", "0"),
		bquiet(1, "FUNCTION", "LOAD", serverLibrary), bdo(1, "INFO", "memory"),
		bquiet(1, "FUNCTION", "LOAD", "#!lua name=two\nredis.register_function('two', function() return 2 end)"), bdo(1, "INFO", "memory"),
		bquiet(1, "FUNCTION", "DELETE", "srv"), bquiet(1, "SCRIPT", "FLUSH"), bdo(1, "INFO", "memory"),
		bquiet(1, "FLUSHALL"), bdo(1, "INFO", "memory"),
	}}})
}
