package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// A migration between redis-server 7.0.15 and a memshard shard of real
// processes, as a tool moving keys does it: DUMP on one side, RESTORE on
// the other, each type. A relative TTL becomes the primary's absolute
// expiry on every replica, and on a replica killed and restarted, which
// rebuilds from the log.
func TestE2E_RestoreMigratesBothWays(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	rs := redisdiff.Start(t)
	rc, pc := redisdiff.Dial(t, rs.Addr), redisdiff.Dial(t, e.addrs[p])
	reads := map[string][]string{
		"str": {"GET", "str"}, "list": {"LRANGE", "list", "0", "-1"}, "set": {"SMEMBERS", "set"},
		"hash": {"HGETALL", "hash"}, "zset": {"ZRANGE", "zset", "0", "-1", "WITHSCORES"}, "stream": {"XRANGE", "stream", "-", "+"},
	}
	for _, argv := range [][]string{
		{"SET", "str", strings.Repeat("abc", 100)}, {"RPUSH", "list", "a", "1", "b"}, {"SADD", "set", "1", "2", "300"},
		{"HSET", "hash", "f", "v", "n", "12"}, {"ZADD", "zset", "1", "a", "2.5", "b"}, {"XADD", "stream", "1-1", "f", "v"},
	} {
		if r := rc.Do(argv...); r[0] == '-' {
			t.Fatalf("%q on redis-server = %q", argv, r)
		}
	}
	bulk := func(reply []byte) string {
		if len(reply) == 0 || reply[0] != '$' {
			t.Fatalf("DUMP = %q", reply)
		}
		return string(reply[bytes.IndexByte(reply, '\n')+1 : len(reply)-2])
	}
	for key := range reads {
		// redis-server to memshard, with a relative TTL for the string.
		ttl := "0"
		if key == "str" {
			ttl = "100000"
		}
		if r := pc.Do("RESTORE", key, ttl, bulk(rc.Do("DUMP", key))); string(r) != "+OK\r\n" {
			t.Fatalf("RESTORE %s on memshard = %q", key, r)
		}
		// And back: memshard's payload into redis-server.
		if r := rc.Do("RESTORE", key+"-back", "0", bulk(pc.Do("DUMP", key))); string(r) != "+OK\r\n" {
			t.Fatalf("RESTORE %s-back on redis-server = %q", key, r)
		}
	}
	want := map[string]string{}
	for key, argv := range reads {
		w := string(rc.Do(argv...))
		back := append([]string{argv[0], key + "-back"}, argv[2:]...)
		if got := string(rc.Do(back...)); !sameMembers(got, w) {
			t.Errorf("%q on redis-server after the round trip = %q, want %q", back, got, w)
		}
		want[key] = w
	}
	expiry := string(pc.Do("PEXPIRETIME", "str"))
	if !strings.HasPrefix(expiry, ":") || expiry == ":-1\r\n" {
		t.Fatalf("PEXPIRETIME str on the primary = %q", expiry)
	}
	check := func(i int, c *redis.Client) {
		for key, argv := range reads {
			if got := doRaw(t, e.addrs[i], argv...); !sameMembers(got, want[key]) {
				t.Errorf("%q on %s = %q, want %q (redis-server's)", argv, e.ids[i], got, want[key])
			}
		}
		if got := doRaw(t, e.addrs[i], "PEXPIRETIME", "str"); got != expiry {
			t.Errorf("PEXPIRETIME str on %s = %q, the primary's %q", e.ids[i], got, expiry)
		}
	}
	e.onEveryNode(p, check)
	r := (p + 1) % len(e.nodes)
	e.kill9(r)
	e.restart(r)
	e.onEveryNode(p, check)
}

// doRaw runs argv on a READONLY connection to addr and returns the raw
// reply.
func doRaw(t *testing.T, addr string, argv ...string) string {
	c := redisdiff.Dial(t, addr)
	defer c.Close()
	c.Do("READONLY")
	return string(c.Do(argv...))
}

// sameMembers compares two flat RESP arrays as multisets (a set's members
// come in dict order); other replies exactly.
func sameMembers(a, b string) bool {
	if !strings.HasPrefix(a, "*") {
		return a == b
	}
	la, lb := strings.Split(a, "\r\n"), strings.Split(b, "\r\n")
	count := func(l []string) string {
		m := map[string]int{}
		for _, s := range l {
			m[s]++
		}
		return fmt.Sprint(m)
	}
	return len(la) == len(lb) && count(la) == count(lb)
}
