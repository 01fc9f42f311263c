package main

import (
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestE2E_MigrateMovesKeysOut: MIGRATE on a memshard primary of real
// processes moves keys to a redis-server: they are there, they are gone
// from every node, and they stay gone on the replica that becomes primary
// when the old one is killed (the DEL was in the log before the reply).
// COPY leaves its key on every node. redis-cli -c sends one MIGRATE too.
func TestE2E_MigrateMovesKeysOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	target := redisdiff.Start(t).Addr
	host, tport, _ := net.SplitHostPort(target)
	pc := redisdiff.Dial(t, e.addrs[p])
	for _, argv := range [][]string{
		{"SET", "str", "v"}, {"RPUSH", "list", "a", "b"}, {"HSET", "hash", "f", "v"},
		{"SET", "ttl", "v", "EX", "1000"}, {"SET", "copied", "c"}, {"SET", "by-cli", "x"},
	} {
		if r := pc.Do(argv...); r[0] == '-' {
			t.Fatalf("%q = %q", argv, r)
		}
	}
	if r := pc.Do("MIGRATE", host, tport, "", "0", "5000", "KEYS", "str", "list", "hash", "ttl", "missing"); string(r) != "+OK\r\n" {
		t.Fatalf("MIGRATE KEYS = %q", r)
	}
	if r := pc.Do("MIGRATE", host, tport, "copied", "0", "5000", "COPY"); string(r) != "+OK\r\n" {
		t.Fatalf("MIGRATE COPY = %q", r)
	}
	// redis-cli -c sends it to a replica: MOVED, then the primary.
	r := (p + 1) % len(e.nodes)
	if out := cli(t, "redis-cli", "-c", "-h", "127.0.0.1", "-p", port(e.addrs[r]), "MIGRATE", host, tport, "by-cli", "0", "5000"); strings.TrimSpace(out) != "OK" {
		t.Fatalf("redis-cli -c MIGRATE on a replica: %q", out)
	}
	tc := redisdiff.Dial(t, target)
	for _, st := range []struct {
		argv []string
		want string
	}{
		{[]string{"GET", "str"}, "$1\r\nv\r\n"}, {[]string{"LRANGE", "list", "0", "-1"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"HGET", "hash", "f"}, "$1\r\nv\r\n"}, {[]string{"GET", "ttl"}, "$1\r\nv\r\n"},
		{[]string{"GET", "copied"}, "$1\r\nc\r\n"}, {[]string{"GET", "by-cli"}, "$1\r\nx\r\n"},
	} {
		if got := string(tc.Do(st.argv...)); got != st.want {
			t.Errorf("%q on the target = %q, want %q", st.argv, got, st.want)
		}
	}
	if got := string(tc.Do("TTL", "ttl")); got == ":-1\r\n" || got == ":-2\r\n" {
		t.Errorf("TTL ttl on the target = %q, want the key's TTL", got)
	}
	gone := func(i int, c *redis.Client) {
		t.Helper()
		if n, err := c.Exists(t.Context(), "str", "list", "hash", "ttl", "by-cli").Result(); err != nil || n != 0 {
			t.Errorf("EXISTS of the moved keys on %s = %d, %v", e.ids[i], n, err)
		}
		if v, err := c.Get(t.Context(), "copied").Result(); err != nil || v != "c" {
			t.Errorf("GET copied on %s = %q, %v", e.ids[i], v, err)
		}
	}
	e.onEveryNode(p, gone)

	e.kill9(p)
	q := e.primary()
	c := newRedis(e.addrs[q], false)
	defer c.Close()
	gone(q, c)
}

// TestE2E_ClusterImportFromRedis: `redis-cli --cluster import` moves a
// redis-server's keys into a memshard shard of real processes with the
// MIGRATE of the source, and RESTORE-ASKING on memshard's primary: the
// keys are on every node, with their values and TTLs, and gone from the
// source (no --cluster-copy). `redis-cli --cluster check` finds the shard
// whole before and after.
func TestE2E_ClusterImportFromRedis(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	src := redisdiff.Start(t)
	sc := redisdiff.Dial(t, src.Addr)
	for _, argv := range [][]string{
		{"MSET", "a", "1", "b", "2"}, {"RPUSH", "list", "x", "y"}, {"HSET", "hash", "f", "v"},
		{"SET", "ttl", "v", "EX", "1000"}, {"ZADD", "zset", "1", "m"},
	} {
		if r := sc.Do(argv...); r[0] == '-' {
			t.Fatalf("%q on the source = %q", argv, r)
		}
	}
	node := "127.0.0.1:" + port(e.addrs[p])
	if out := cli(t, "redis-cli", "--cluster", "check", node); !strings.Contains(out, "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster check before the import:\n%s", out)
	}
	out := cli(t, "redis-cli", "--cluster", "import", node, "--cluster-from", src.Addr)
	if strings.Count(out, ": \x1b[32;1mOK") != 6 && strings.Count(out, ": OK") != 6 {
		t.Fatalf("redis-cli --cluster import did not migrate the 6 keys:\n%s", out)
	}
	if got := string(sc.Do("DBSIZE")); got != ":0\r\n" {
		t.Fatalf("DBSIZE on the source after the import = %q", got)
	}
	e.onEveryNode(p, func(i int, c *redis.Client) {
		ctx := t.Context()
		if v, err := c.MGet(ctx, "a", "b").Result(); err != nil || len(v) != 2 || v[0] != "1" || v[1] != "2" {
			t.Errorf("MGET a b on %s = %v, %v", e.ids[i], v, err)
		}
		if v, err := c.LRange(ctx, "list", 0, -1).Result(); err != nil || strings.Join(v, ",") != "x,y" {
			t.Errorf("LRANGE list on %s = %v, %v", e.ids[i], v, err)
		}
		if v, err := c.HGet(ctx, "hash", "f").Result(); err != nil || v != "v" {
			t.Errorf("HGET hash f on %s = %q, %v", e.ids[i], v, err)
		}
		if d, err := c.TTL(ctx, "ttl").Result(); err != nil || d <= 0 {
			t.Errorf("TTL ttl on %s = %v, %v", e.ids[i], d, err)
		}
		if s, err := c.ZScore(ctx, "zset", "m").Result(); err != nil || s != 1 {
			t.Errorf("ZSCORE zset m on %s = %v, %v", e.ids[i], s, err)
		}
	})
	if out := cli(t, "redis-cli", "--cluster", "check", node); !strings.Contains(out, "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster check after the import:\n%s", out)
	}
}
