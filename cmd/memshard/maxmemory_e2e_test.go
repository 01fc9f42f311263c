package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestE2E_MaxmemoryEvictsThroughTheLog: a shard whose nodes run with
// --maxmemory 48mb --maxmemory-policy allkeys-lru takes 80 MB of writes:
// the primary evicts, and its evictions reach the replicas through the
// log, so every node ends with the same keys; no write is refused while
// there is something to evict. Then, with noeviction, new writes are
// refused with Redis's OOM error, and a refused write is nowhere.
func TestE2E_MaxmemoryEvictsThroughTheLog(t *testing.T) {
	e := newEnv(t, envOptions{shard: []string{"--maxmemory", "48mb", "--maxmemory-policy", "allkeys-lru"}})
	p := e.primary()
	ctx := t.Context()
	c := newRedis(e.addrs[p], false)
	t.Cleanup(func() { c.Close() })
	if got, err := c.ConfigGet(ctx, "maxmemory").Result(); err != nil || got["maxmemory"] != strconv.Itoa(48<<20) {
		t.Fatalf("CONFIG GET maxmemory = %v, %v", got, err)
	}

	value := strings.Repeat("v", 10_000)
	const keys = 8000
	for start := 0; start < keys; start += 100 {
		pipe := c.Pipeline()
		for i := start; i < start+100; i++ {
			pipe.Set(ctx, fmt.Sprint("key:", i), value, 0)
		}
		cmds, err := pipe.Exec(ctx)
		if err != nil {
			t.Fatalf("SET key:%d..: %v (%v)", start, err, cmds[0].Err())
		}
	}
	evicted := infoField(t, c, "stats", "evicted_keys")
	size, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if evicted == 0 || size+evicted != keys {
		t.Fatalf("after %d SETs of 10 KB: DBSIZE %d, evicted_keys %d", keys, size, evicted)
	}
	t.Logf("primary: %d keys left, %d evicted, used_memory %d", size, evicted, infoField(t, c, "memory", "used_memory"))

	want := scanKeys(t, c)
	e.onEveryNode(p, func(i int, rc *redis.Client) {
		if i == p {
			return
		}
		if got := scanKeys(t, rc); !slices.Equal(got, want) {
			t.Errorf("%s has %d keys, the primary %d: evictions did not reach it", e.ids[i], len(got), len(want))
		}
		if n := infoField(t, rc, "stats", "evicted_keys"); n != 0 {
			t.Errorf("%s evicted %d keys itself", e.ids[i], n)
		}
	})

	if err := c.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	refused := ""
	for i := 0; i < 20_000 && refused == ""; i++ {
		key := fmt.Sprint("more:", i)
		err := c.Set(ctx, key, value, 0).Err()
		switch {
		case err == nil:
		case err.Error() == "OOM command not allowed when used memory > 'maxmemory'.":
			refused = key
		default:
			t.Fatalf("SET %s: %v", key, err)
		}
	}
	if refused == "" {
		t.Fatal("20,000 more SETs of 10 KB under noeviction: none refused")
	}
	if err := c.Get(ctx, "key:7999").Err(); err != nil && err != redis.Nil {
		t.Fatalf("a read while out of memory: %v", err)
	}
	e.onEveryNode(p, func(i int, rc *redis.Client) {
		if n, err := rc.Exists(ctx, refused).Result(); err != nil || n != 0 {
			t.Errorf("%s: EXISTS %s (refused) = %d, %v", e.ids[i], refused, n, err)
		}
	})
}

// infoField returns an integer field of an INFO section.
func infoField(t *testing.T, c *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := c.Info(t.Context(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %s", section, line)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// scanKeys returns every key of a node, sorted.
func scanKeys(t *testing.T, c *redis.Client) []string {
	t.Helper()
	var keys []string
	iter := c.Scan(t.Context(), 0, "*", 1000).Iterator()
	for iter.Next(t.Context()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}
