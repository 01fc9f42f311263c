package shard

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// users describes node i's published users, one line each.
func (ts *testShard) users(i int) string {
	us := ts.nodes[i].s.Users()
	var b strings.Builder
	for _, n := range us.Names() {
		b.WriteString("user " + n + " " + us.Get(n).Describe(acl.Redis()) + "\n")
	}
	return b.String()
}

// waitUsers waits until every running node publishes the users want.
func (ts *testShard) waitUsers(want string) {
	ts.t.Helper()
	for i, nd := range ts.nodes {
		if nd == nil {
			continue
		}
		quorumtest.WaitFor(ts.t, 10*time.Second, func() error {
			if got := ts.users(i); got != want {
				return fmt.Errorf("node %d's users:\n%s\nwant:\n%s", i, got, want)
			}
			return nil
		})
	}
}

// ACL users are the shard's: ACL SETUSER and DELUSER on the primary reach
// every replica through the log, in order with the data; a replica refuses
// them (a keyless write); a node rebuilt from a snapshot and the log after
// it has every user, those set after the snapshot included.
func TestShard_ACLUsersReplicateAndSurviveASnapshot(t *testing.T) {
	store := mustDirStore(t, t.TempDir())
	ts := newTestShardTuned(t, 2, func(c *Config) { c.Snapshots = store })
	p := ts.primary()
	r := 1 - p
	for _, argv := range [][]string{
		{"ACL", "SETUSER", "alice", "on", ">pw", "~k*", "+get", "(~x +set)"},
		{"ACL", "SETUSER", "bob", "on", "nopass", "allcommands", "allkeys"},
		{"ACL", "SETUSER", "gone", "on"},
		{"ACL", "DELUSER", "gone"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q on the primary = %q, %v", argv, got, err)
		}
	}
	want := ts.users(p)
	if !strings.Contains(want, "user alice on #") || strings.Contains(want, "gone") {
		t.Fatalf("the primary's users:\n%s", want)
	}
	ts.waitUsers(want)
	if got, _ := ts.do(r, "ACL", "SETUSER", "eve", "on"); !strings.HasPrefix(got, "-") {
		t.Errorf("ACL SETUSER on a replica's backend = %q, want an error", got)
	}

	res, err := TakeSnapshot(t.Context(), ts.log, "shard1", store, true)
	if err != nil || !res.Trimmed {
		t.Fatalf("TakeSnapshot = %+v, %v", res, err)
	}
	for _, argv := range [][]string{
		{"ACL", "SETUSER", "carol", "on", "&news"},
		{"ACL", "SETUSER", "alice", "resetkeys", "~other"},
		{"ACL", "DELUSER", "bob"},
		{"ACL", "SETUSER", "default", "resetpass", ">dpw"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q on the primary = %q, %v", argv, got, err)
		}
	}
	want = ts.users(p)
	ts.start(2) // rebuilds from the snapshot and the log after it
	ts.waitUsers(want)
	if !ts.nodes[2].s.Users().DefaultSet() {
		t.Error("the rebuilt node's default user is not marked as set by ACL SETUSER")
	}
}

// serveNodeWith is serveNode with cfg (its Backend set to node i).
func (ts *testShard) serveNodeWith(i int, cfg server.Config) string {
	ts.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.t.Fatal(err)
	}
	cfg.Backend = ts.nodes[i].s
	srv, err := server.New(cfg)
	if err != nil {
		ts.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	ts.t.Cleanup(func() { srv.Close(); <-done })
	return l.Addr().String()
}

// TestShard_RequirePassAndTheShardsDefaultUser: --requirepass is the
// default user's password on each node until the shard sets it: CONFIG
// SET requirepass on the primary (refused on a replica) and ACL SETUSER
// default reach every node, which then all answer AUTH alike.
func TestShard_RequirePassAndTheShardsDefaultUser(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	r := 1 - p
	addrs := []string{ts.serveNodeWith(0, server.Config{RequirePass: "boot"}), ts.serveNodeWith(1, server.Config{RequirePass: "boot"})}
	auth := func(i int, pass string) string {
		c := redisdiff.Dial(t, addrs[i])
		return string(c.Do("AUTH", pass))
	}
	admin := func(i int) *redisdiff.Conn {
		c := redisdiff.Dial(t, addrs[i])
		if got := string(c.Do("AUTH", "boot")); got != "+OK\r\n" {
			t.Fatalf("AUTH boot on node %d = %q", i, got)
		}
		return c
	}
	for i := range addrs {
		if got := auth(i, "boot"); got != "+OK\r\n" {
			t.Errorf("AUTH boot on node %d = %q", i, got)
		}
		if got := string(redisdiff.Dial(t, addrs[i]).Do("GET", "k")); got != "-NOAUTH Authentication required.\r\n" {
			t.Errorf("GET before AUTH on node %d = %q", i, got)
		}
	}
	if got := string(admin(r).Do("CONFIG", "SET", "requirepass", "new")); got != "-READONLY You can't write against a read only replica.\r\n" {
		t.Errorf("CONFIG SET requirepass on the replica = %q", got)
	}
	if got := string(admin(p).Do("CONFIG", "SET", "requirepass", "new")); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET requirepass on the primary = %q", got)
	}
	waitAuth := func(pass, want string) {
		t.Helper()
		for i := range addrs {
			quorumtest.WaitFor(t, 10*time.Second, func() error {
				if got := auth(i, pass); got != want {
					return fmt.Errorf("AUTH %s on node %d = %q, want %q", pass, i, got, want)
				}
				return nil
			})
		}
	}
	waitAuth("new", "+OK\r\n")
	waitAuth("boot", "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
	c := redisdiff.Dial(t, addrs[p])
	c.Do("AUTH", "new")
	if got := string(c.Do("ACL", "SETUSER", "default", "resetpass", ">third")); got != "+OK\r\n" {
		t.Fatalf("ACL SETUSER default on the primary = %q", got)
	}
	waitAuth("third", "+OK\r\n")
	waitAuth("new", "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
}
