package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/quorumlog/quorumlog/examples/memshard/shard"
	"github.com/redis/go-redis/v9"
)

// The log takes records of at most 1 MiB (--max-record-bytes, on both
// sides). A write larger than that goes in several records (parts), and
// commits and applies whole; concurrent writes that are each small but
// together larger go in several records. Either way the primary stays
// primary and every acknowledged write is on every node, also on a node
// that is killed and replays the log.
func TestE2E_WritesLargerThanARecord(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	c := newRedis(e.addrs[p], false)
	defer c.Close()

	big := randomValue(1, 2<<20+12345)
	if err := c.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatalf("SET of %d bytes: %v", len(big), err)
	}
	// A MULTI block of 1.5 MB: one batch, in two parts.
	block := []string{randomValue(2, 500_000), randomValue(3, 500_000), randomValue(4, 500_000)}
	_, err := c.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		for i, v := range block {
			tx.Set(ctx, fmt.Sprintf("m%d", i), v, 0)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("MULTI block of 1.5 MB: %v", err)
	}

	// 50 clients with 40 KB values: 2 MB open at once, twice a record.
	const writers, rounds = 50, 4
	value := strings.Repeat("v", 40_000)
	setOnPrimary(t, e, p, writers, rounds, value)

	checkAll := func(i int, rc *redis.Client) {
		t.Helper()
		if got, err := rc.Get(ctx, "big").Result(); err != nil || got != big {
			t.Errorf("GET big on %s: %d bytes, %v; want the %d bytes written", e.ids[i], len(got), err, len(big))
		}
		for j, v := range block {
			if got, err := rc.Get(ctx, fmt.Sprintf("m%d", j)).Result(); err != nil || got != v {
				t.Errorf("GET m%d on %s: %d bytes, %v", j, e.ids[i], len(got), err)
			}
		}
		for w := range writers {
			for r := range rounds {
				if n, err := rc.StrLen(ctx, fmt.Sprintf("w%d:%d", w, r)).Result(); err != nil || n != int64(len(value)) {
					t.Errorf("STRLEN w%d:%d on %s = %d, %v", w, r, e.ids[i], n, err)
				}
			}
		}
	}
	e.onEveryNode(p, checkAll)
	largest, parts := shardLogRecordSizes(t, e)
	if largest > 1<<20 || parts < 5 { // 3 parts for big, 2 for the block
		t.Fatalf("largest record %d bytes, %d parts; want at most 1 MiB, and at least 5 parts", largest, parts)
	}

	// A replica killed and restarted replays the log, parts and all.
	r := (p + 1) % len(e.nodes)
	e.kill9(r)
	e.restart(r)
	e.onEveryNode(p, checkAll)
}

// randomValue is n random letters, the same for the same seed: a value
// whose parts, joined in another order, would not read back the same.
func randomValue(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rng.IntN(26))
	}
	return string(b)
}

// shardLogRecordSizes returns the size of the shard log's largest record
// and the number of its records that are parts of a larger batch.
func shardLogRecordSizes(t *testing.T, e *env) (largest, parts int) {
	t.Helper()
	recs := e.logRecords(0)
	var rs shard.Records
	for _, rec := range recs {
		largest = max(largest, len(rec.Payload))
		if _, ok, err := rs.Next(rec.Payload); err != nil {
			t.Fatalf("record %d: %v", rec.ID, err)
		} else if !ok || rec.Payload[1] == 'L' {
			parts++
		}
	}
	t.Logf("%d shard log records, the largest %d bytes, %d of them parts", len(recs), largest, parts)
	return largest, parts
}

// memshard asks the log's nodes for their record limit: with quorumlogd
// --max-record-bytes 65536 and memshard's flag left alone, a 100 KB SET
// goes in two parts the log accepts, and writes of 20 KB from 10 clients
// at once are spread over records the log accepts.
func TestE2E_LearnsTheLogsRecordLimit(t *testing.T) {
	e := newEnv(t, envOptions{logFlags: []string{"--max-record-bytes", "65536"}})
	p := e.primary()
	ctx := t.Context()
	c := newRedis(e.addrs[p], false)
	defer c.Close()
	big := randomValue(5, 100_000)
	if err := c.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatalf("SET of 100 KB: %v", err)
	}
	setOnPrimary(t, e, p, 10, 5, strings.Repeat("v", 20_000))
	e.onEveryNode(p, func(i int, rc *redis.Client) {
		if got, err := rc.Get(ctx, "big").Result(); err != nil || got != big {
			t.Errorf("GET big on %s: %d bytes, %v", e.ids[i], len(got), err)
		}
	})
	if largest, parts := shardLogRecordSizes(t, e); largest > 65536 || parts != 2 {
		t.Fatalf("largest record %d bytes, %d parts; want at most 65536, and 2 parts", largest, parts)
	}
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

// A primary killed with kill -9 while it writes values larger than a
// record (here 64 KiB: 5 parts a value) may leave the first parts of a
// batch in the log. The new primary's ELECT ends that batch: every
// acknowledged value is on every node, whole, and a value whose SET got an
// error is either whole or absent, never a batch cut short. The killed
// node comes back as a replica and replays the same log. So does the
// snapshot process (memshard snapshot), and a replica restored from its
// snapshot holds the same values.
func TestE2E_PrimaryKilledDuringLargeWrites(t *testing.T) {
	store := []string{"--snapshot-dir", t.TempDir()}
	e := newEnv(t, envOptions{logFlags: []string{"--max-record-bytes", "65536"}, snapshots: store})
	ctx := t.Context()
	acked, tried := map[string]string{}, map[string]string{}
	for round := range 3 {
		p := e.primary()
		c := newRedis(e.addrs[p], false)
		var n atomic.Int64
		done := make(chan struct{})
		go func() { // the one writer: the maps are read once it is done
			defer close(done)
			for i := range 2000 {
				k := fmt.Sprintf("r%d-%d", round, i)
				v := randomValue(uint64(round*10_000+i), 300_000+i%7*10_000)
				tried[k] = v
				if err := c.Set(ctx, k, v, 0).Err(); err != nil {
					return // the primary is gone
				}
				acked[k] = v
				n.Add(1)
			}
		}()
		proctest.WaitFor(t, 30*time.Second, func() error {
			if got := n.Load(); got < 5 {
				return fmt.Errorf("%d large SETs acknowledged", got)
			}
			return nil
		})
		e.kill9(p)
		<-done
		c.Close()
		e.restart(p)
	}
	p := e.primary()
	check := func(i int, rc *redis.Client) {
		for k, v := range tried {
			got, err := rc.Get(ctx, k).Result()
			switch {
			case acked[k] != "" && (err != nil || got != v):
				t.Errorf("GET %s on %s: %d bytes, %v; want the %d bytes acknowledged", k, e.ids[i], len(got), err, len(v))
			case acked[k] == "" && err != redis.Nil && got != v:
				t.Errorf("GET %s on %s (its SET failed): %d bytes, %v; want nothing or the %d bytes sent", k, e.ids[i], len(got), err, len(v))
			}
		}
	}
	e.onEveryNode(p, check)
	// How many batches the kills cut short (by timing; not a condition).
	cut, inBatch := 0, false
	recs := e.logRecords(0)
	for _, rec := range recs {
		switch kind := rec.Payload[1]; {
		case kind == 'P':
			inBatch = true
		case kind == 'V' && inBatch:
			cut++
			inBatch = false
		default:
			inBatch = false
		}
	}
	t.Logf("%d large SETs acknowledged, %d failed, over 3 kills; %d batches cut short in the log", len(acked), len(tried)-len(acked), cut)

	if out := runSnapshotCmd(t, e, store); !strings.Contains(out, "trimmed the log through") {
		t.Fatalf("memshard snapshot printed %q", out)
	}
	r := (p + 1) % len(e.nodes)
	e.kill9(r)
	e.restart(r)
	e.onEveryNode(p, check)
	if !strings.Contains(e.nodes[r].StderrTail(200), "restored a snapshot") {
		t.Fatalf("%s did not restore the snapshot:\n%s", e.ids[r], e.nodes[r].StderrTail(40))
	}
}
