package server

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// scriptStatsLibrary is FCALL's library for TestDiffScriptStats.
const scriptStatsLibrary = "#!lua name=stats\n" +
	"redis.register_function('bump', function(keys, args) redis.call('set', keys[1], 'x'); redis.pcall('incr', keys[1]); return redis.call('incrby', keys[2], args[1]) end)\n" +
	"redis.register_function('fail', function(keys) return redis.call('lpush', keys[1], 'x') end)\n" +
	"redis.register_function('caught', function(keys) local r = redis.pcall('lpush', keys[1], 'x'); return 'ok' end)"

// scriptStatsCases are the streams TestDiffScriptStats counts, each
// after CONFIG RESETSTAT.
var scriptStatsCases = []struct {
	name  string
	steps [][]string
}{
	{"set-get-incr", [][]string{
		{"EVAL", "redis.call('set', KEYS[1], '5'); redis.call('get', KEYS[1]); return redis.call('incr', KEYS[1])", "1", "{s}n"},
		{"EVAL", "redis.call('set', KEYS[1], 'v'); redis.call('get', KEYS[1]); return redis.call('incr', KEYS[1])", "1", "{s}n"},
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "{s}none"},
	}},
	{"pcall", [][]string{
		{"SET", "{s}str", "v"},
		{"EVAL", "local r = redis.pcall('incr', KEYS[1]); return 1", "1", "{s}str"},
		{"EVAL", "return redis.pcall('incr', KEYS[1])", "1", "{s}str"},
		{"EVAL", "return redis.pcall('lpush', KEYS[1], 'x')", "1", "{s}str"},
		{"EVAL", "local r = redis.pcall('lpush', KEYS[1], 'x'); return {r}", "1", "{s}str"},
	}},
	{"script-errors", [][]string{
		{"SET", "{s}str", "v"},
		{"EVAL", "error('x')", "0"},
		{"EVAL", "return redis.error_reply('FOO bar')", "0"},
		{"EVAL", "return {err='BAR baz'}", "0"},
		{"EVAL", "return redis.call('lpush', KEYS[1], 'x')", "1", "{s}str"},
		{"EVAL", "redis.call('get', KEYS[1]); error('late')", "1", "{s}str"},
		{"EVAL", "return redis.call(nil)", "0"},
		{"EVAL", "return redis.call()", "0"},
		{"EVAL", "return {1, {err='BAR nested'}}", "0"},
		{"EVAL", "return {1, redis.pcall('lpush', KEYS[1], 'x')}", "1", "{s}str"},
	}},
	{"refused", [][]string{
		{"EVAL", "local r = redis.pcall('get'); return 1", "0"},
		{"EVAL", "return redis.pcall('get')", "0"},
		{"EVAL", "return redis.call('get')", "0"},
		{"EVAL", "local r = redis.pcall('config', 'get', 'x'); return 1", "0"},
		{"EVAL", "return redis.call('subscribe', 'c')", "0"},
		{"EVAL", "return redis.pcall('nosuch')", "0"},
		{"EVAL", "return redis.call('client', 'id')", "0"},
		{"EVAL_RO", "return redis.pcall('set', KEYS[1], 'v')", "1", "{s}k"},
		{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'v')", "1", "{s}k"},
	}},
	{"acl", [][]string{
		{"ACL", "SETUSER", "scriptstats", "on", "nopass", "~*", "&*", "+@all", "-set"},
		{"AUTH", "scriptstats", "x"},
		{"EVAL", "local r = redis.pcall('set', KEYS[1], 'v'); return 1", "1", "{s}k"},
		{"EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "{s}k"},
		{"AUTH", "default", "x"},
		{"ACL", "DELUSER", "scriptstats"},
	}},
	{"oom", [][]string{
		{"CONFIG", "SET", "maxmemory", "1"},
		{"EVAL", "local r = redis.pcall('set', KEYS[1], 'v'); return redis.pcall('get', KEYS[1])", "1", "{s}k"},
		{"EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "{s}k"},
		{"CONFIG", "SET", "maxmemory", "0"},
	}},
	{"server-commands", [][]string{
		{"EVAL", "redis.call('ping'); redis.call('echo', 'x'); redis.call('select', '0'); return redis.pcall('select', 'x')", "0"},
		{"EVAL", "return redis.pcall('ping', 'a', 'b')", "0"},
	}},
	{"fcall", [][]string{
		{"FUNCTION", "LOAD", "REPLACE", scriptStatsLibrary},
		{"FCALL", "bump", "2", "{s}a", "{s}b", "3"},
		{"FCALL", "fail", "1", "{s}a"},
		{"FCALL", "caught", "1", "{s}a"},
		{"FCALL_RO", "bump", "2", "{s}a", "{s}b", "3"},
	}},
	{"multi", [][]string{
		{"SET", "{s}str", "v"},
		{"MULTI"},
		{"EVAL", "redis.call('set', KEYS[1], '1'); return redis.call('incr', KEYS[1])", "1", "{s}n"},
		{"EVAL", "return redis.call('incr', KEYS[1])", "1", "{s}str"},
		{"EVAL", "return redis.pcall('get')", "0"},
		{"INCR", "{s}str"},
		{"EVAL", "local r = redis.pcall('incr', KEYS[1]); return 1", "1", "{s}str"},
		{"EXEC"},
	}},
}

// TestDiffScriptStats: the commands a script calls count in INFO
// commandstats, errorstats, latencystats and total_commands_processed as
// redis-server 7.0.15 counts them (cmdstats_script.go), and so do the
// EVAL and FCALL that ran them; in RESP2 and RESP3, after CONFIG
// RESETSTAT, usec values and percentiles left out.
func TestDiffScriptStats(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		for _, tc := range scriptStatsCases {
			t.Run(fmt.Sprintf("RESP%d/%s", proto, tc.name), func(t *testing.T) {
				flushBoth(t, rs.Addr, addr)
				rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
				for _, c := range []*redisdiff.Conn{rc, mc} {
					if r := string(c.Do("CONFIG", "RESETSTAT")); r != "+OK\r\n" {
						t.Fatalf("CONFIG RESETSTAT = %q", r)
					}
				}
				for _, argv := range tc.steps {
					if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
						t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
					}
				}
				want, got := infoCounts(parseInfo(t, infoBulk(rc.Do("INFO", "everything")))), infoCounts(parseInfo(t, infoBulk(mc.Do("INFO", "everything"))))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("INFO counts (-redis +memshard):\n%s", diff)
				}
			})
		}
	}
}

// infoBulk turns INFO's RESP3 verbatim reply into RESP2's bulk string,
// which parseInfo reads.
func infoBulk(b []byte) []byte {
	if len(b) == 0 || b[0] != '=' {
		return b
	}
	hdr := bytes.Index(b, []byte("\r\n"))
	n, err := strconv.Atoi(string(b[1:hdr]))
	if err != nil || !bytes.HasPrefix(b[hdr+2:], []byte("txt:")) {
		return b
	}
	return append([]byte(fmt.Sprintf("$%d\r\n", n-4)), b[hdr+6:]...)
}

// TestDiffScriptStatsMany: counts after many scripts that each call many
// commands add up as Redis's do.
func TestDiffScriptStatsMany(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, c := range []*redisdiff.Conn{rc, mc} {
		c.Do("CONFIG", "RESETSTAT")
	}
	for i := range 40 {
		argv := []string{"EVAL", "for i = 1, tonumber(ARGV[1]) do redis.call('incr', KEYS[1]); redis.pcall('hset', KEYS[1], 'f', 'v') end; return redis.call('get', KEYS[1])", "1", "{m}n", itoa(i % 7)}
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
		}
	}
	want, got := infoCounts(parseInfo(t, rc.Do("INFO", "everything"))), infoCounts(parseInfo(t, mc.Do("INFO", "everything")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("INFO counts (-redis +memshard):\n%s", diff)
	}
	if want["cmdstat_incr"] == "" || want["errorstat_WRONGTYPE"] == "" {
		t.Fatalf("redis-server counted no incr or WRONGTYPE: %v", want)
	}
}

// TestDiffScriptSlowlog: with slowlog-log-slower-than 0, each command a
// script ran has its own SLOWLOG entry, before the script's, from the
// client "?:0" without a name; refused ones have none.
func TestDiffScriptSlowlog(t *testing.T) {
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	in := "CONFIG SET slowlog-log-slower-than 0\r\nSLOWLOG RESET\r\nCLIENT SETNAME me\r\n" +
		"EVAL \"redis.call('set', KEYS[1], 'v'); redis.pcall('get'); redis.pcall('config', 'get', 'x'); redis.call('ping'); redis.pcall('incr', KEYS[1]); return redis.call('get', KEYS[1])\" 1 k\r\n" +
		"MULTI\r\nEVAL \"return redis.call('echo', ARGV[1])\" 0 hi\r\nEXEC\r\n" +
		"SLOWLOG GET 20\r\nCONFIG SET slowlog-log-slower-than 10000\r\n"
	want, _ := exchange(t, redis.Addr, []byte(in), false)
	got, _ := exchange(t, addr, []byte(in), false)
	if !bytes.Contains(want, []byte("?:0")) {
		t.Fatalf("redis-server logged no script command: %q", want)
	}
	if got, want = normalizeSlowlog(got), normalizeSlowlog(want); !bytes.Equal(got, want) {
		t.Errorf("got  %q\nwant %q (redis-server)", got, want)
	}
}
