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
