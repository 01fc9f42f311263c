package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// TestE2E_SnapshotTrimAndRestore runs the real snapshot process against a
// running shard: it writes a checksummed snapshot and trims the shard log;
// a replica killed and restarted then restores the snapshot, replays the
// rest of the log and holds exactly the primary's keyspace (values, orders
// and expiries); a node without a snapshot store refuses to serve from the
// trimmed log rather than serve a keyspace with holes. The store is a
// directory, then an S3 bucket (an S3-protocol server on loopback, keeping
// its objects on disk).
func TestE2E_SnapshotTrimAndRestore(t *testing.T) {
	t.Run("dir", func(t *testing.T) {
		dir := t.TempDir()
		snapshotTrimAndRestore(t, []string{"--snapshot-dir", dir}, func() int {
			names, _ := filepath.Glob(filepath.Join(dir, shardLog+".*.snap"))
			return len(names)
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := startS3(t, "snapshots")
		snapshotTrimAndRestore(t, []string{"--snapshot-s3", "s3://snapshots/shards/", "--s3-endpoint", srv.URL}, func() int {
			return len(srv.objects(t, "snapshots", "shards/"+shardLog+"."))
		})
	})
}

// snapshotTrimAndRestore is TestE2E_SnapshotTrimAndRestore with the store
// the flags store name; count tells how many snapshots of the shard it holds.
func snapshotTrimAndRestore(t *testing.T, store []string, count func() int) {
	e := newEnv(t, envOptions{snapshots: store})
	p := e.primary()
	ctx := t.Context()
	rc := e.rc(p)
	write := func(round int) {
		t.Helper()
		for i := range 200 {
			k := fmt.Sprintf("k%d", i)
			must(t, rc.Set(ctx, k, fmt.Sprintf("v%d.%d", i, round), 0).Err())
			must(t, rc.RPush(ctx, fmt.Sprintf("l%d", i%7), round, i).Err())
			must(t, rc.HSet(ctx, fmt.Sprintf("h%d", i%5), k, round).Err())
			must(t, rc.SAdd(ctx, fmt.Sprintf("s%d", i%3), fmt.Sprint(i), "m"+k).Err())
			must(t, rc.ZAdd(ctx, "z", redis.Z{Score: float64(i*round) / 3, Member: k}).Err())
		}
		must(t, rc.Set(ctx, fmt.Sprintf("ttl%d", round), "x", time.Hour).Err())
		must(t, rc.Del(ctx, fmt.Sprintf("k%d", round)).Err())
		must(t, rc.Incr(ctx, "counter").Err())
	}
	write(1)
	write(2)

	out := runSnapshotCmd(t, e, store)
	if !strings.Contains(out, "wrote ") || !strings.Contains(out, "trimmed the log through") {
		t.Fatalf("memshard snapshot printed %q", out)
	}
	if n := count(); n != 1 {
		t.Fatalf("the store holds %d snapshots of the shard after one run, want 1", n)
	}
	if again := runSnapshotCmd(t, e, store); !strings.Contains(again, "is current") && !strings.Contains(again, "wrote ") {
		t.Fatalf("second snapshot printed %q", again)
	}
	info, err := e.log.Describe(ctx, shardLog, client.Linearizable())
	must(t, err)
	if info.FirstID < 2 {
		t.Fatalf("after the snapshot the shard log starts at ID %d: not trimmed", info.FirstID)
	}
	snapID := info.FirstID - 1 // the newest snapshot's

	// Writes after the snapshot: the restored node must replay them.
	write(3)

	r := (p + 1) % 3
	restartFromSnapshot(t, e, r)
	pers, err := e.rc(r).Info(ctx, "persistence").Result()
	must(t, err)
	if !strings.Contains(pers, fmt.Sprintf("quorumlog_snapshot_id:%d\r\n", snapID)) || strings.Contains(pers, "rdb_last_load_keys_loaded:0\r\n") {
		t.Fatalf("INFO persistence of the restored %s (snapshot at ID %d):\n%s", e.ids[r], snapID, pers)
	}
	want, got := keyspace(t, e.addrs[p]), keyspace(t, e.addrs[r])
	if len(want) < 200 {
		t.Fatalf("primary holds %d keys, want over 200", len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("key %q on the restored replica: %q, primary %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("restored replica holds %d keys, primary %d", len(got), len(want))
	}

	// A fourth node with no snapshot directory cannot rebuild from the
	// trimmed log: it must say so and serve nothing.
	addr := proctest.FreeAddrs(t, 1)[0]
	m4 := proctest.Start(t, "memshard m4", e.mbin, "--id", "m4", "--addr", addr, "--log-endpoints", e.logAddrs,
		"--shard", shardLog, "--lease", e.lease.String(), "--log-level", "info")
	proctest.WaitFor(t, 20*time.Second, func() error {
		if !strings.Contains(m4.StderrTail(50), "trimmed past this node") {
			return fmt.Errorf("m4 has not reported the trim (the log starts after ID %d)", snapID)
		}
		return nil
	})
	c4 := newRedis(addr, true)
	defer c4.Close()
	if v, err := c4.Get(ctx, "k100").Result(); err == nil {
		t.Fatalf("m4 served GET k100 = %q from a log trimmed past it", v)
	}

	// A snapshot now would trim past m4 too, which could never rebuild
	// then: the snapshot is written, the log left whole, and the command
	// fails naming m4.
	before, err := e.log.Describe(ctx, shardLog, client.Linearizable())
	must(t, err)
	out, err = trySnapshotCmd(t, e, store)
	if err == nil || !strings.Contains(out, "wrote ") || !strings.Contains(out, "the log is not trimmed") || !strings.Contains(out, "m4 (no snapshot store)") {
		t.Fatalf("memshard snapshot with m4 registered without a store: %v\n%s", err, out)
	}
	after, err := e.log.Describe(ctx, shardLog, client.Linearizable())
	must(t, err)
	if after.FirstID != before.FirstID {
		t.Fatalf("the shard log starts at ID %d after the refused trim, %d before", after.FirstID, before.FirstID)
	}

	// m4 is retired: stopped, then forgotten through the primary. Every
	// node drops it from CLUSTER NODES, and the snapshot trims again.
	m4ID, err := c4.Do(ctx, "CLUSTER", "MYID").Text()
	must(t, err)
	m4.Kill(t)
	if got, err := rc.Do(ctx, "CLUSTER", "FORGET", m4ID).Text(); err != nil || got != "OK" {
		t.Fatalf("CLUSTER FORGET m4 = %q, %v", got, err)
	}
	proctest.WaitFor(t, 10*time.Second, func() error {
		for i := range e.nodes {
			if nodes, err := e.rc(i).ClusterNodes(ctx).Result(); err != nil || strings.Contains(nodes, m4ID) {
				return fmt.Errorf("%s: CLUSTER NODES = %q, %v; want m4 left out", e.ids[i], nodes, err)
			}
		}
		return nil
	})
	if out := runSnapshotCmd(t, e, store); !strings.Contains(out, "trimmed the log through") {
		t.Fatalf("memshard snapshot after m4 was forgotten printed %q", out)
	}

	// --every keeps taking snapshots (the primary's heartbeats are new
	// records each time) until it is stopped.
	sp := proctest.Start(t, "memshard snapshot", e.mbin, append([]string{"snapshot", "--every", "200ms",
		"--log-endpoints", e.logAddrs, "--shard", shardLog}, store...)...)
	proctest.WaitFor(t, 20*time.Second, func() error {
		if n := strings.Count(sp.StderrTail(50), "wrote "); n < 2 {
			return fmt.Errorf("%d snapshots written by --every so far", n)
		}
		return nil
	})
	sp.Term(t)
	if n := count(); n != 2 {
		t.Fatalf("the store holds %d snapshots of the shard, want the newest 2", n)
	}
}

// restartFromSnapshot kills node r with SIGKILL, restarts it and waits
// until it has restored a snapshot and applied the rest of the log.
func restartFromSnapshot(t *testing.T, e *env, r int) {
	t.Helper()
	e.kill9(r)
	e.restart(r)
	e.waitReplica(r, e.lastID())
	if !strings.Contains(e.nodes[r].StderrTail(200), "restored a snapshot") {
		t.Fatalf("%s did not restore the snapshot:\n%s", e.ids[r], e.nodes[r].StderrTail(40))
	}
}

func runSnapshotCmd(t *testing.T, e *env, store []string) string {
	t.Helper()
	out, err := trySnapshotCmd(t, e, store)
	if err != nil {
		t.Fatalf("memshard snapshot: %v\n%s", err, out)
	}
	return out
}

// trySnapshotCmd runs `memshard snapshot` once and returns its output.
func trySnapshotCmd(t *testing.T, e *env, store []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, e.mbin, append([]string{"snapshot", "--log-endpoints", e.logAddrs,
		"--shard", shardLog}, store...)...).CombinedOutput()
	return string(out), err
}

// keyspace reads every key of the node at addr (READONLY): its type, value
// in the order the node returns it (sets sorted) and absolute expiry.
func keyspace(t *testing.T, addr string) map[string]string {
	t.Helper()
	c := newRedis(addr, true)
	defer c.Close()
	ctx := t.Context()
	m := map[string]string{}
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
		must(t, err)
		for _, k := range keys {
			typ, err := c.Type(ctx, k).Result()
			must(t, err)
			var v any
			switch typ {
			case "string":
				v, err = c.Get(ctx, k).Result()
			case "list":
				v, err = c.LRange(ctx, k, 0, -1).Result()
			case "set":
				var s []string
				s, err = c.SMembers(ctx, k).Result()
				slices.Sort(s)
				v = s
			case "hash": // field order matters: HSCAN returns it as HGETALL does
				v, _, err = c.HScan(ctx, k, 0, "*", 10000).Result()
			case "zset":
				v, err = c.ZRangeWithScores(ctx, k, 0, -1).Result()
			}
			must(t, err)
			exp, err := c.Do(ctx, "PEXPIRETIME", k).Int64()
			must(t, err)
			m[k] = fmt.Sprintf("%s %d %v", typ, exp, v)
		}
		if cursor = next; cursor == 0 {
			return m
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
