package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/redis/go-redis/v9"
)

// The log takes records of at most 1 MiB (--max-record-bytes, on both
// sides). A write larger than that is refused with a clear error and
// changes nothing; concurrent writes that are each small but together
// larger go in several records. Either way the primary stays primary and
// every acknowledged write is on every node.
func TestE2E_WritesLargerThanARecord(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	c := newRedis(e.addrs[p], false)
	defer c.Close()

	err := c.Set(ctx, "big", strings.Repeat("x", 2<<20), 0).Err()
	if err == nil || !strings.Contains(err.Error(), "record limit of 1048576 (--max-record-bytes)") {
		t.Fatalf("SET of 2 MiB = %v, want the record-limit error", err)
	}
	if n, err := c.Exists(ctx, "big").Result(); err != nil || n != 0 {
		t.Fatalf("EXISTS big = %d, %v after the refused SET", n, err)
	}

	// 50 clients with 40 KB values: 2 MB open at once, twice a record.
	const writers, rounds = 50, 4
	value := strings.Repeat("v", 40_000)
	setOnPrimary(t, e, p, writers, rounds, value)

	e.onEveryNode(p, func(i int, rc *redis.Client) {
		for w := range writers {
			for r := range rounds {
				if n, err := rc.StrLen(ctx, fmt.Sprintf("w%d:%d", w, r)).Result(); err != nil || n != int64(len(value)) {
					t.Errorf("STRLEN w%d:%d on %s = %d, %v", w, r, e.ids[i], n, err)
				}
			}
		}
	})
	rd, err := e.log.Read(ctx, shardLog, 0, client.Linearizable())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := rd.All()
	if err != nil {
		t.Fatal(err)
	}
	largest := 0
	for _, rec := range recs {
		largest = max(largest, len(rec.Payload))
	}
	t.Logf("%d shard log records, the largest %d bytes", len(recs), largest)
}

// memshard asks the log's nodes for their record limit: with quorumlogd
// --max-record-bytes 65536 and memshard's flag left alone, a 100 KB SET
// is refused up front, and writes of 20 KB from 10 clients at once are
// spread over records the log accepts.
func TestE2E_LearnsTheLogsRecordLimit(t *testing.T) {
	e := newEnv(t, envOptions{logFlags: []string{"--max-record-bytes", "65536"}})
	p := e.primary()
	ctx := t.Context()
	c := newRedis(e.addrs[p], false)
	defer c.Close()
	err := c.Set(ctx, "big", strings.Repeat("x", 100_000), 0).Err()
	if err == nil || !strings.Contains(err.Error(), "record limit of 65536 (--max-record-bytes)") {
		t.Fatalf("SET of 100 KB = %v, want the record-limit error naming 65536", err)
	}
	setOnPrimary(t, e, p, 10, 5, strings.Repeat("v", 20_000))
}

// setOnPrimary has writers clients, each on its own connection, SET rounds
// keys w<writer>:<round> to value on the primary p one at a time; every
// reply must be OK and p must still be the primary afterwards.
func setOnPrimary(t *testing.T, e *env, p, writers, rounds int, value string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			wc := redis.NewClient(&redis.Options{Addr: e.addrs[p], MaxRetries: -1, PoolSize: 1})
			defer wc.Close()
			for r := range rounds {
				if err := wc.Set(t.Context(), fmt.Sprintf("w%d:%d", w, r), value, 0).Err(); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if q := e.primary(); q != p {
		t.Fatalf("the primary moved from %s to %s", e.ids[p], e.ids[q])
	}
}
