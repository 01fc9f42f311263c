package engine

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// TestNotify_OffRaisesNothing: with no class enabled (the default), or
// classes but neither K nor E, no command raises a notification.
func TestNotify_OffRaisesNothing(t *testing.T) {
	for _, flags := range []int{0, NotifyAll | NotifyNew | NotifyKeyMiss} {
		db, table := New(), NewTable()
		db.SetNotify(flags)
		for _, argv := range [][]string{
			{"SET", "k", "v", "EX", "10"}, {"GET", "nokey"}, {"LPUSH", "l", "a"}, {"LPOP", "l"},
			{"SADD", "s", "a"}, {"DEL", "s", "k"}, {"XADD", "x", "1-1", "f", "v"},
		} {
			c := &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: time.Now().UnixMilli()}
			table.Exec(db, c)
			if ev := c.Events(); ev != nil {
				t.Errorf("flags %#x: %q raised %v", flags, argv, ev)
			}
		}
	}
}

// BenchmarkExecNotify is BenchmarkExec with every notification enabled
// (the cost of raising them; nothing publishes them here).
func BenchmarkExecNotify(b *testing.B) {
	for _, name := range []string{"SET", "GET"} {
		b.Run(name, func(b *testing.B) {
			benchmarkExec(b, name, func(db *DB) { db.SetNotify(NotifyKeyspace | NotifyKeyevent | NotifyAll | NotifyNew | NotifyKeyMiss) })
		})
	}
}

// TestNotify_ReplicaRandom compares the notifications a replica raises
// with a Redis replica's (every class, AKEnm): random streams run on redis-server 7.0 (whose
// replica, a second redis-server, has a subscriber) and on the engine,
// whose effects are replayed on a replica DB. A Redis replica notifies of
// the commands its master propagates; memshard's replica, of the effects,
// which are those commands but where noted (knownReplicaDiff).
// MEMSHARD_NOTIFY_SEEDS runs more seeds.
func TestNotify_ReplicaRandom(t *testing.T) {
	_, port, _ := net.SplitHostPort(redisServer.Addr)
	rr := redisdiff.StartWith(t, "--replicaof", "127.0.0.1", port)
	master, repl := redisdiff.Dial(t, redisServer.Addr), redisdiff.Dial(t, rr.Addr)
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains(repl.Do("INFO", "replication"), []byte("master_link_status:up")) {
		if time.Now().After(deadline) {
			t.Fatal("the Redis replica did not sync")
		}
		time.Sleep(10 * time.Millisecond)
	}
	const flags = "KEAnm"
	repl.Do("CONFIG", "SET", "notify-keyspace-events", flags)
	sub := redisdiff.Dial(t, rr.Addr)
	sub.Do("PSUBSCRIBE", "__key*__:*")
	sub.Do("SUBSCRIBE", "notify-marker") // PUBLISH reaches a replica in the replication stream
	seeds := 4
	if s := os.Getenv("MEMSHARD_NOTIFY_SEEDS"); s != "" {
		seeds, _ = strconv.Atoi(s)
	}
	base, _ := strconv.Atoi(os.Getenv("MEMSHARD_RANDOM_SEED_BASE"))
	for seed := base; seed < base+seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			// Each seed's DB starts without libraries: so must redis-server's
			// (FLUSHALL keeps them).
			master.Do("FLUSHALL")
			master.Do("FUNCTION", "FLUSH")
			table, db, replica := NewTable(), New(), New()
			replica.SetNotify(NotifyKeyspace | NotifyKeyevent | NotifyAll | NotifyNew | NotifyKeyMiss)
			g := cmdgen.New(uint64(seed))
			g.NoTransactions = true
			for i := range 1000 {
				args, _ := g.Next()
				if knownReplicaDiff(args) {
					continue
				}
				master.Do(args...)
				marker := fmt.Sprintf("notify-marker-%d", i)
				master.Do("PUBLISH", "notify-marker", marker)
				var want []string
				for {
					v := string(sub.Read())
					if strings.Contains(v, "notify-marker") {
						break
					}
					parts := strings.Split(v, "\r\n")
					want = append(want, parts[6]+" "+parts[8])
				}
				now := time.Now().UnixMilli()
				c := &Call{Argv: toBytes(args), Out: resp.NewWriter(2), Now: now}
				table.Exec(db, c)
				var got []string
				for _, eff := range c.Effects() {
					rc := &Call{Argv: eff, Out: resp.NewWriter(2), Now: now, Replay: true}
					table.Exec(replica, rc)
					for _, ev := range rc.Events() {
						got = append(got, "__keyspace@0__:"+ev.Key+" "+ev.Name, "__keyevent@0__:"+ev.Name+" "+ev.Key)
					}
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("step %d %.200q: the replica notified\nmemshard: %q\nredis:    %q", i, args, got, want)
				}
			}
		})
	}
}

// knownReplicaDiff reports whether memshard's effects for args are not
// the commands Redis propagates, so that its replica notifies otherwise:
// ZREMRANGEBYLEX propagates as ZREMRANGEBYRANK ("zremrangebyrank" on the
// replica, "zremrangebylex" on a Redis replica), SORT ... STORE as DEL
// and RPUSH ("del", "rpush" against "sortstore"), and XREADGROUP adds
// XGROUP SETID to its XCLAIMs ("xgroup-setid" too) and XGROUP
// CREATECONSUMER for a consumer it makes without delivering anything
// (Redis's replica hears nothing then); a BITFIELD whose every write
// failed (OVERFLOW FAIL) propagates when it made or grew the key, which
// Redis leaves out of its replicas ("new" on memshard's replica).
func knownReplicaDiff(args []string) bool {
	switch strings.ToUpper(args[0]) {
	case "ZREMRANGEBYLEX", "XREADGROUP", "BITFIELD":
		return true
	case "SORT":
		for _, a := range args {
			if strings.EqualFold(a, "STORE") {
				return true
			}
		}
	}
	return false
}
