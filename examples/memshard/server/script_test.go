package server

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/redis/go-redis/v9"
)

// Scripts through real sockets, compared byte for byte with redis-server
// in RESP2 and RESP3.
func TestScriptDiff(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			flushBoth(t, rs.Addr, addr)
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, argv := range [][]string{
				{"SCRIPT", "FLUSH"}, {"HSET", "h", "a", "1"}, {"ZADD", "z", "2.5", "m"},
				{"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"},
				{"EVAL", "return {redis.call('get', KEYS[1]), redis.call('get', 'nokey'), 1.5, true, false}", "1", "k"},
				{"EVAL", "return redis.call('hgetall', 'h')", "0"}, {"EVAL", "redis.setresp(3) return redis.call('hgetall', 'h')", "0"},
				{"EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'm')", "0"}, {"EVAL", "return {double=3.5}", "0"},
				{"EVAL", "return redis.call('lpush', 'k', 'x')", "0"}, {"EVAL", "return redis.pcall('lpush', 'k', 'x')", "0"},
				{"EVAL", "return foo", "0"}, {"EVAL", "return redis.call('ping')", "0"}, {"EVAL", "return redis.call('multi')", "0"},
				{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, {"SCRIPT", "LOAD", "return 1"},
				{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, {"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "x"},
				{"EVAL_RO", "return redis.call('del', 'k')", "0"}, {"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"},
				{"EVAL", "return 1", "-1"}, {"EVAL", "return 1", "3", "a"}, {"SCRIPT", "KILL"}, {"SCRIPT", "HELP"},
				{"EVAL", "return cjson.encode({a={1, 2, 'x'}})", "0"}, {"EVAL", "return bit.tohex(65535)", "0"},
				{"SCRIPT", "FLUSH"}, {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, {"GET", "k"},
			} {
				if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
					t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
				}
			}
		})
	}
}

// TestScriptInMulti: EVAL queued in a transaction runs in EXEC.
func TestScriptInMulti(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, argv := range [][]string{
		{"MULTI"}, {"EVAL", "return redis.call('incr', KEYS[1])", "1", "n"}, {"EVAL", "return 1", "x"},
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "n"}, {"EXEC"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
		}
	}
}

// TestScriptGoRedis runs go-redis's Script.Run, which tries EVALSHA and
// falls back to EVAL on NOSCRIPT, as lock and rate-limiter libraries do.
func TestScriptGoRedis(t *testing.T) {
	_, addr := startServer(t, Config{})
	unlock := redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`)
	incr := redis.NewScript(`local n = redis.call("incrby", KEYS[1], ARGV[1]) redis.call("pexpire", KEYS[1], ARGV[2]) return {n, redis.call("pttl", KEYS[1]) > 0}`)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := t.Context()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer rdb.Close()
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			rdb.Del(ctx, "rate", "lock2")
			rdb.Set(ctx, "lock", "token", 0)
			if n, err := unlock.Run(ctx, rdb, []string{"lock"}, "other").Int(); err != nil || n != 0 {
				t.Fatalf("unlock with the wrong token = %d, %v", n, err)
			}
			if n, err := unlock.Run(ctx, rdb, []string{"lock"}, "token").Int(); err != nil || n != 1 {
				t.Fatalf("unlock = %d, %v", n, err)
			}
			if ok, err := rdb.ScriptExists(ctx, unlock.Hash()).Result(); err != nil || !ok[0] {
				t.Fatalf("SCRIPT EXISTS after Run = %v, %v", ok, err)
			}
			for i := 1; i <= 2; i++ {
				res, err := incr.Run(ctx, rdb, []string{"rate"}, 5, 10000).Slice()
				if err != nil || len(res) != 2 || res[0] != int64(5*i) || res[1] != int64(1) && res[1] != true {
					t.Fatalf("rate limiter run %d = %v, %v", i, res, err)
				}
			}
			if _, err := redis.NewScript("return redis.call('lpush', KEYS[1], 'x')").Run(ctx, rdb, []string{"lock2"}).Result(); err != nil {
				t.Fatal(err)
			}
			_, err := redis.NewScript("return redis.call('incr', KEYS[1])").Run(ctx, rdb, []string{"lock2"}).Result()
			if err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE Operation against a key holding the wrong kind of value script: ") {
				t.Fatalf("script error = %v", err)
			}
		})
	}
}

// TestScriptNoCluster: memshard presents itself as a cluster, so a script
// with the no-cluster flag is refused as by a redis-server in cluster mode.
func TestScriptNoCluster(t *testing.T) {
	rc := startServingRedisCluster(t)
	_, addr := startServer(t, Config{})
	mc := dial(t, addr)
	for _, argv := range [][]string{
		{"EVAL", "#!lua flags=no-cluster\nreturn 1", "0"}, {"EVAL", "#!lua flags=no-writes,no-cluster\nreturn 1", "0"},
		{"EVAL", "#!lua\nreturn 1", "0"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
		}
	}
}

// TestScriptReplicaRedirect: on a replica, EVAL is routed by its script's
// write-ness (Redis 7.0's evalGetCommandFlags): a script with a shebang and
// no no-writes is a write (MOVED, or READONLY without keys); one without a
// shebang keeps EVAL's flags, which are no write's.
func TestScriptReplicaRedirect(t *testing.T) {
	f := newFakeBackend()
	f.table["eval"] = engine.NewTable()["eval"] // the fake serves it with :0
	primary := Node{ID: strings.Repeat("a", 40), Addr: "127.0.0.1:7001"}
	self := Node{ID: strings.Repeat("b", 40), Addr: "127.0.0.1:7002"}
	f.setTopology(Topology{Role: "slave", Self: self, Primary: primary, Serving: true})
	_, addr := startServer(t, Config{Backend: f})
	c := dial(t, addr)
	c.Do("READONLY")
	moved := fmt.Sprintf("-MOVED %d 127.0.0.1:7001\r\n", hashslot.Of("k"))
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"EVAL", "#!lua\nreturn 1", "0"}, "-READONLY You can't write against a read only replica.\r\n"},
		{[]string{"EVAL", "#!lua\nreturn 1", "1", "k"}, moved},
		{[]string{"EVAL", "#!lua flags=no-writes\nreturn 1", "1", "k"}, ":0\r\n"},
		{[]string{"EVAL", "return 1", "1", "k"}, ":0\r\n"},
		{[]string{"EVAL", "return 1", "0"}, ":0\r\n"},
	} {
		if got := string(c.Do(tc.argv...)); got != tc.want {
			t.Errorf("%q on a replica: %q, want %q", tc.argv, got, tc.want)
		}
	}
}
