package shard

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// TestShard_MigrateMovesKeysThroughTheLog: the keys a MIGRATE moved are on
// the target (a redis-server) and gone from every node, deleted by one DEL
// in the shard's log; COPY leaves them, and logs nothing.
func TestShard_MigrateMovesKeysThroughTheLog(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	for _, argv := range [][]string{{"SET", "a", "1"}, {"RPUSH", "l", "x", "y"}, {"SET", "c", "3"}} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%q = %q, %v", argv, got, err)
		}
	}
	if got, err := ts.do(p, "MIGRATE", host, port, "", "0", "5000", "KEYS", "a", "l", "nosuch"); err != nil || got != "+OK\r\n" {
		t.Fatalf("MIGRATE = %q, %v", got, err)
	}
	if got, err := ts.do(p, "MIGRATE", host, port, "c", "0", "5000", "COPY"); err != nil || got != "+OK\r\n" {
		t.Fatalf("MIGRATE COPY = %q, %v", got, err)
	}
	ts.waitEveryNode(map[string]string{"EXISTS a l": ":0\r\n", "GET c": "$1\r\n3\r\n"})
	tc := redisdiff.Dial(t, target)
	if got := string(tc.Do("GET", "a")) + string(tc.Do("LRANGE", "l", "0", "-1")) + string(tc.Do("GET", "c")); got != "$1\r\n1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\n3\r\n" {
		t.Fatalf("the target holds %q", got)
	}
	var dels []string
	recs, _, _ := ts.shardBatches()
	for _, rec := range recs {
		for _, eff := range rec.Effects {
			if strings.EqualFold(string(eff[0]), "DEL") {
				dels = append(dels, string(joinArgs(eff)))
			}
		}
	}
	if strings.Join(dels, "; ") != "DEL a l" {
		t.Fatalf("DELs in the log: %q, want the one of MIGRATE", dels)
	}
}

func joinArgs(argv [][]byte) []byte {
	var b []byte
	for i, a := range argv {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, a...)
	}
	return b
}

// TestShard_MigrateWaitsForTheKeysWrites: while the log holds a write of
// the key, MIGRATE sends nothing (the target never holds a value that
// could still be lost) and other commands go on; once the write commits,
// the value written is the one migrated.
func TestShard_MigrateWaitsForTheKeysWrites(t *testing.T) {
	ts, gate := newGatedShard(t)
	ts.start(0)
	p := ts.primary()
	addr := ts.serveNode(p)
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	tc := redisdiff.Dial(t, target)

	w, m, r := redisdiff.Dial(t, addr), redisdiff.Dial(t, addr), redisdiff.Dial(t, addr)
	w.Do("SET", "other", "o")
	if got := w.Do("SET", "k", "v1"); string(got) != "+OK\r\n" {
		t.Fatalf("SET k v1 = %q", got)
	}
	gate.close()
	w.Send(redisdiff.Encode("SET", "k", "v2"))
	time.Sleep(50 * time.Millisecond) // SET ran, its record is held
	m.Send(redisdiff.Encode("MIGRATE", host, port, "k", "0", "5000"))
	if !m.Idle(500*time.Millisecond) || !w.Idle(0) {
		t.Fatal("a reply came out while the log held the write")
	}
	if got := tc.Do("EXISTS", "k"); string(got) != ":0\r\n" {
		t.Fatalf("the target has k before its write committed: EXISTS = %q", got)
	}
	if got := r.Do("GET", "other"); string(got) != "$1\r\no\r\n" {
		t.Fatalf("GET other while MIGRATE waits = %q", got)
	}
	gate.open()
	if got := w.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("SET k v2 = %q", got)
	}
	if got := m.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("MIGRATE = %q", got)
	}
	if got := tc.Do("GET", "k"); string(got) != "$2\r\nv2\r\n" {
		t.Fatalf("the target's k = %q, want the committed v2", got)
	}
	if got := r.Do("EXISTS", "k"); string(got) != ":0\r\n" {
		t.Fatalf("EXISTS k on the primary after MIGRATE = %q", got)
	}
}

// TestShard_MigrateToASlowTargetKeepsTheLease: a target that takes longer
// than the lease to answer (CLIENT PAUSE) holds up the primary's commands,
// as a Redis server's MIGRATE blocks it, but not its log: the primary
// renews its lease meanwhile and is still the primary, and the replica
// never stands.
func TestShard_MigrateToASlowTargetKeepsTheLease(t *testing.T) {
	ts := newTestShard(t, 2) // 300 ms lease
	p := ts.primary()
	s := ts.nodes[p].s
	s.mu.Lock()
	term := s.termStart
	s.mu.Unlock()
	addr := ts.serveNode(p)
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	m, r := redisdiff.Dial(t, addr), redisdiff.Dial(t, addr)
	m.Do("SET", "k", "v")

	// The target holds every command for 1.5 s, five leases.
	if got := redisdiff.Dial(t, target).Do("CLIENT", "PAUSE", "1500", "ALL"); string(got) != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE on the target = %q", got)
	}
	m.Send(redisdiff.Encode("MIGRATE", host, port, "k", "0", "5000"))
	time.Sleep(50 * time.Millisecond)
	if got := r.Do("GET", "k"); string(got) != "$-1\r\n" { // waited for the MIGRATE
		t.Fatalf("GET k after MIGRATE = %q, want it gone", got)
	}
	if got := m.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("MIGRATE = %q", got)
	}
	s.mu.Lock()
	role, now := s.role, s.termStart
	s.mu.Unlock()
	if role != rolePrimary || now != term {
		t.Fatalf("after the slow MIGRATE the node is %s (term %d, was %d): it lost its lease", role, now, term)
	}
}

// TestShard_MigrateOfADeposedPrimaryDeletesNothing: a primary that loses
// its lease while its target takes its time (the log holds its appends,
// and the replica is elected) deletes nothing when the target answers: the
// key was copied, not moved, it is still on the new primary, and the
// client gets TRYAGAIN.
func TestShard_MigrateOfADeposedPrimaryDeletesNothing(t *testing.T) {
	ts, gate := newGatedPrimaryShard(t)
	m := redisdiff.Dial(t, ts.serveNode(0))
	if got := m.Do("SET", "k", "v"); string(got) != "+OK\r\n" {
		t.Fatalf("SET k = %q", got)
	}
	ts.waitEveryNode(map[string]string{"GET k": "$1\r\nv\r\n"})
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	// The target holds its commands for 3 s; meanwhile the primary's
	// appends are held and the replica is elected.
	if got := redisdiff.Dial(t, target).Do("CLIENT", "PAUSE", "3000", "ALL"); string(got) != "+OK\r\n" {
		t.Fatalf("CLIENT PAUSE on the target = %q", got)
	}
	m.Send(redisdiff.Encode("MIGRATE", host, port, "k", "0", "10000"))
	gate.close()
	quorumtest.WaitFor(t, 15*time.Second, func() error {
		if top := ts.nodes[1].s.Topology(); top.Role != rolePrimary || !top.Serving {
			return errors.New("node 1 is not a serving primary yet")
		}
		return nil
	})
	if got := string(m.Read()); got != "-"+errMigrateLost+"\r\n" {
		t.Fatalf("MIGRATE = %q, want %q", got, errMigrateLost)
	}
	gate.open()
	if got := redisdiff.Dial(t, target).Do("GET", "k"); string(got) != "$1\r\nv\r\n" {
		t.Fatalf("GET k on the target = %q: the key was sent", got)
	}
	if got, err := ts.do(1, "GET", "k"); err != nil || got != "$1\r\nv\r\n" {
		t.Fatalf("GET k on the new primary = %q, %v: the key must still be there", got, err)
	}
}
