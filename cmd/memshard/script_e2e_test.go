package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A script may read keys it does not declare (KEYS): its reply must wait
// for every uncommitted write, as a keyless read's does, or it could show
// a value that is then lost. With the log paused after a SET of k4, an
// EVAL that names another key and reads k4 is held until the write
// settles.
func TestE2E_ScriptWaitsForUncommittedWrites(t *testing.T) {
	e := newEnv(t, envOptions{lease: 4 * time.Second})
	p := e.primary()
	ctx := t.Context()
	a, d := heldClient(t, e.addrs[p], "A"), heldClient(t, e.addrs[p], "D")
	const script = "return redis.call('GET', 'k4')"
	if got, err := d.Eval(ctx, script, []string{"other"}).Result(); err == nil || got != nil {
		// k4 does not exist yet: a nil reply (redis.Nil).
		if err.Error() != "redis: nil" {
			t.Fatalf("EVAL before the write = %v, %v", got, err)
		}
	}
	if err := a.Ping(ctx).Err(); err != nil { // CLIENT LIST now says cmd=ping for A
		t.Fatalf("PING = %v", err)
	}
	e.pauseLog()
	aDone := make(chan error, 1)
	go func() { aDone <- a.Set(ctx, "k4", "v", 0).Err() }()
	waitCmdSeen(t, d, "A", "set", time.Second)
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	got, err := d.Eval(dctx, script, []string{"other"}).Result()
	cancel()
	states := e.logStates()
	e.resumeLog()
	if err == nil {
		t.Errorf("EVAL reading k4 = %v while k4's write was uncommitted (log nodes' states: %s); want it held until the write settles", got, states)
	}
	select {
	case err := <-aDone:
		if err != nil {
			t.Fatalf("SET k4 v = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("SET k4 v has not returned 20s after the log resumed")
	}
	if got, err := heldClient(t, e.addrs[p], "E").Eval(context.Background(), script, nil).Result(); err != nil || got != "v" {
		t.Errorf("EVAL after the write = %v, %v; want v", got, err)
	}
}

// TestE2E_ScriptCmsgpackReachesReplicas: an EVAL on the primary packs a
// value with cmsgpack (as BullMQ's scripts do) and writes it; every
// replica applies the write, and a read-only script unpacks it there.
func TestE2E_ScriptCmsgpackReachesReplicas(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := e.primary()
	ctx := t.Context()
	const packed = "\x93\xa3job\x2a\x81\xa1x\xc3" // ["job", 42, {x=true}]
	for i := range e.nodes {
		c := newRedisTLS(e.addrs[i], true, e.tls)
		if err := c.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	got, err := e.rc(p).Eval(ctx, "local v = cmsgpack.pack({ARGV[1], 42, {x=true}}) redis.call('SET', KEYS[1], v) return v",
		[]string{"mp"}, "job").Result()
	if err != nil || got != packed {
		t.Fatalf("EVAL packing on the primary = %q, %v; want %q", got, err, packed)
	}
	// The SET the script called counts in the primary's commandstats, as
	// in Redis 7.0 (server/scriptstats_test.go compares the rules).
	stats, err := e.rc(p).Info(ctx, "commandstats").Result()
	if err != nil || !strings.Contains(stats, "cmdstat_set:calls=1,") || !strings.Contains(stats, "cmdstat_eval:calls=1,") {
		t.Errorf("INFO commandstats on the primary after the EVAL = %q, %v; want set and eval called once", stats, err)
	}
	e.onEveryNode(p, func(i int, c *redis.Client) {
		if i != p {
			// Known difference: a Redis 7.0 replica counts the commands
			// its master sends (here SET) in its commandstats; a
			// memshard replica applies the log without counting.
			if stats, err := c.Info(ctx, "commandstats").Result(); err != nil || strings.Contains(stats, "cmdstat_set:") {
				t.Errorf("INFO commandstats on replica %s = %q, %v; memshard counted the applied SET (update the known difference)", e.ids[i], stats, err)
			}
		}
		if v, err := c.Get(ctx, "mp").Result(); err != nil || v != packed {
			t.Errorf("GET mp on %s = %q, %v; want %q", e.ids[i], v, err, packed)
		}
		v, err := c.EvalRO(ctx, "local t = cmsgpack.unpack(redis.call('GET', KEYS[1])) return {t[1], t[2], tostring(t[3].x)}",
			[]string{"mp"}).Slice()
		if err != nil || fmt.Sprint(v) != "[job 42 true]" {
			t.Errorf("EVAL_RO unpacking on %s = %v, %v; want [job 42 true]", e.ids[i], v, err)
		}
	})
}
