package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Known differences from redis-server 7.0.15 in ACLs, pinned: each test
// shows both sides' answers, so that a change on either side is noticed.

// TestACLKnownDiff_SingleCommandOrder: Redis describes single commands in
// its command dictionary's hash order, which changes from process to
// process; memshard in its catalog's order (by name, a container's
// subcommands after it). The same rules, in another order.
func TestACLKnownDiff_SingleCommandOrder(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	argv := []string{"ACL", "SETUSER", "o", "-@all", "+zadd", "+get", "+client|id", "+lpush"}
	rc.Do(argv...)
	mc.Do(argv...)
	want := "$59\r\nuser o off resetchannels -@all +client|id +get +lpush +zadd\r\n"
	got, theirs := string(mc.Do("ACL", "LIST")), string(rc.Do("ACL", "LIST"))
	if !strings.HasSuffix(got, want) {
		t.Errorf("memshard's ACL LIST = %q, want it to end with %q", got, want)
	}
	if string(normalizeACL([]byte(theirs))) != string(normalizeACL([]byte(got))) {
		t.Errorf("redis-server's ACL LIST %q is not memshard's %q reordered", theirs, got)
	}
}

// TestACLInfoStatsAsRedis: Redis 7.0.15's INFO stats has no
// acl_access_denied_* fields (they came with 7.2): memshard has none
// either.
func TestACLInfoStatsAsRedis(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, a := range []string{rs.Addr, addr} {
		if got := dial(t, a).Do("INFO", "stats"); bytes.Contains(got, []byte("acl_access_denied")) {
			t.Errorf("INFO stats on %s has acl_access_denied fields", a)
		}
	}
}
