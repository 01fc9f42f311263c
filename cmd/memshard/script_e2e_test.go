package main

import (
	"context"
	"testing"
	"time"
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
