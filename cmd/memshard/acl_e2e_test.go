package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
	"github.com/redis/go-redis/v9"
)

// userClient returns a client of node addr that logs in as user (HELLO 3
// AUTH) and sends READONLY (replica reads), without retries.
func userClient(addr, user, pass string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr, Username: user, Password: pass, MaxRetries: -1, DialTimeout: 500 * time.Millisecond,
		ReadTimeout: 5 * time.Second, WriteTimeout: 2 * time.Second, PoolSize: 1, ContextTimeoutEnabled: true,
		OnConnect: func(ctx context.Context, cn *redis.Conn) error { return cn.ReadOnly(ctx).Err() },
	})
}

// TestE2E_ACLUsersSharedByTheShard: users set on the primary are the
// shard's: a user can log in on every replica (a READONLY connection) with
// the same permissions, and after kill -9 of the primary on the new
// primary too, where it may write what it may write; a deleted user is
// refused everywhere; a replica refuses ACL SETUSER.
func TestE2E_ACLUsersSharedByTheShard(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := t.Context()
	p := e.primary()
	for _, argv := range [][]any{
		{"ACL", "SETUSER", "alice", "on", ">alicepw", "~k*", "+get", "+set", "+readonly", "+ping"},
		{"ACL", "SETUSER", "gone", "on", ">gonepw", "+@all", "~*"},
		{"ACL", "DELUSER", "gone"},
		{"SET", "k1", "v1"},
	} {
		if err := e.rc(p).Do(ctx, argv...).Err(); err != nil {
			t.Fatalf("%v on the primary: %v", argv, err)
		}
	}
	wantList, err := e.rc(p).Do(ctx, "ACL", "LIST").StringSlice()
	if err != nil {
		t.Fatal(err)
	}
	check := func(i int, primary bool) {
		t.Helper()
		if got, err := e.rc(i).Do(ctx, "ACL", "LIST").StringSlice(); err != nil || strings.Join(got, "\n") != strings.Join(wantList, "\n") {
			t.Errorf("ACL LIST on %s = %q, %v; want the primary's %q", e.ids[i], got, err, wantList)
		}
		a := userClient(e.addrs[i], "alice", "alicepw")
		defer a.Close()
		if got, err := a.Get(ctx, "k1").Result(); err != nil || got != "v1" {
			t.Errorf("alice's GET k1 on %s = %q, %v", e.ids[i], got, err)
		}
		if err := a.Get(ctx, "other").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM this user has no permissions to access one of the keys") {
			t.Errorf("alice's GET other on %s: %v, want NOPERM (key)", e.ids[i], err)
		}
		if err := a.Do(ctx, "HGET", "k1", "f").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'hget' command" {
			t.Errorf("alice's HGET on %s: %v, want NOPERM (command)", e.ids[i], err)
		}
		err := a.Set(ctx, "k2", "v2", 0).Err()
		if primary && err != nil {
			t.Errorf("alice's SET k2 on the primary %s: %v", e.ids[i], err)
		}
		if !primary && (err == nil || !strings.HasPrefix(err.Error(), "MOVED")) {
			t.Errorf("alice's SET k2 on the replica %s: %v, want MOVED", e.ids[i], err)
		}
		for _, bad := range [][2]string{{"alice", "wrong"}, {"gone", "gonepw"}, {"nosuch", "x"}} {
			c := userClient(e.addrs[i], bad[0], bad[1])
			if err := c.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
				t.Errorf("%s logging in on %s: %v, want WRONGPASS", bad[0], e.ids[i], err)
			}
			c.Close()
		}
		if !primary {
			err := e.rc(i).Do(ctx, "ACL", "SETUSER", "eve", "on").Err()
			if err == nil || err.Error() != "READONLY You can't write against a read only replica." {
				t.Errorf("ACL SETUSER on the replica %s: %v, want READONLY", e.ids[i], err)
			}
		}
	}
	applied, err := e.appliedID(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range e.nodes {
		if i != p {
			e.waitReplica(i, applied)
		}
		check(i, i == p)
	}

	e.kill9(p)
	np := e.primary()
	t.Logf("killed primary %s; %s took over", e.ids[p], e.ids[np])
	proctest.WaitFor(t, 10*time.Second, func() error {
		return e.rc(np).Set(ctx, "k1", "v1", 0).Err() // the new primary serves writes
	})
	for i := range e.nodes {
		if i == p {
			continue
		}
		if i != np {
			applied, _ := e.appliedID(np)
			e.waitReplica(i, applied)
		}
		check(i, i == np)
	}
}
