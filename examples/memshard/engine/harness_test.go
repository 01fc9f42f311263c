package engine

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// harness runs the same commands on the engine and on a real redis-server
// 7.0, and replays every effect the engine records on a second DB (a
// replica), so tests check replies byte for byte and effects for exactness.
type harness struct {
	t       *testing.T
	table   Table
	db      *DB
	replica *DB
	redis   *redisdiff.Conn
	proto   int
	// replicaLoaded says the replica was loaded from a dump of db, so
	// checkReplica expects what Redis's loading of an RDB file keeps.
	replicaLoaded bool
	migrator      *migrate.Pool // MIGRATE's connections, once one runs
}

// redisServer is shared by the tests of this package (started in
// TestMain): one process; each harness flushes it, so tests run serially.
var redisServer *redisdiff.Server

func TestMain(m *testing.M) {
	s, stop, err := redisdiff.Launch()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	redisServer = s
	code := m.Run()
	stop()
	os.Exit(code)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, table: NewTable(), db: New(), replica: New(), redis: redisdiff.Dial(t, redisServer.Addr), proto: 2}
	h.redis.Do("FLUSHALL")
	return h
}

// newHarnessProto is newHarness speaking RESP proto (2 or 3) on both sides.
func newHarnessProto(t *testing.T, proto int) *harness {
	t.Helper()
	h := newHarness(t)
	if proto == 3 {
		h.redis.Do("HELLO", "3")
		h.proto = 3
	}
	return h
}

// migrate returns MIGRATE's exchange for the harness's calls: a pool of
// its own, closed with the test.
func (h *harness) migrate() func(migrate.Request) migrate.Result {
	if h.migrator == nil {
		h.migrator = migrate.NewPool()
		h.t.Cleanup(h.migrator.Close)
	}
	return h.migrator.Migrate
}

// exec runs argv on the engine (as a primary) and replays its effects on
// the replica; it returns the engine's reply.
func (h *harness) exec(argv ...string) []byte {
	h.t.Helper()
	w := resp.NewWriter(h.proto)
	c := &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli(), Migrate: h.migrate()}
	h.table.Exec(h.db, c)
	for _, eff := range c.Effects() {
		rw := resp.NewWriter(2)
		rc := &Call{Argv: eff, Out: rw, Now: c.Now, Replay: true}
		h.table.Exec(h.replica, rc)
		if bytes.HasPrefix(rw.Bytes(), []byte("-")) {
			h.t.Fatalf("effect %q of %q failed on the replica: %q", eff, argv, rw.Bytes())
		}
	}
	return append([]byte(nil), w.Bytes()...)
}

// diff runs argv on both and fails unless the replies are identical.
func (h *harness) diff(argv ...string) []byte {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	if !bytes.Equal(got, want) {
		h.t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
	}
	return got
}

// diffUnordered is diff for replies whose element order Redis does not
// define (SMEMBERS of a hashtable set, KEYS, ...): a flat array of bulk
// strings is compared as a sorted list.
func (h *harness) diffUnordered(argv ...string) {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	if !bytes.Equal(sortArray(got), sortArray(want)) {
		h.t.Errorf("%q (unordered):\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// sortArray sorts the elements of a flat RESP array of bulk strings.
func sortArray(b []byte) []byte {
	s := string(b)
	if !strings.HasPrefix(s, "*") && !strings.HasPrefix(s, "~") {
		return b
	}
	lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	head, rest := lines[0], lines[1:]
	var elems []string
	for i := 0; i+1 < len(rest); i += 2 {
		elems = append(elems, rest[i]+"\r\n"+rest[i+1])
	}
	sort.Strings(elems)
	return []byte(head + "\r\n" + strings.Join(elems, "\r\n") + "\r\n")
}

// checkReplica fails unless the replica (built only from effects) holds the
// same keys, types, values and expiries as the primary.
func (h *harness) checkReplica() {
	h.t.Helper()
	// Both keep per-slot key counts (CLUSTER COUNTKEYSINSLOT) that must
	// match their keys, whatever path created or removed them.
	for name, db := range map[string]*DB{"primary": h.db, "replica": h.replica} {
		if err := db.CheckSlotCounts(); err != nil {
			h.t.Fatalf("%s: %v", name, err)
		}
	}
	now := time.Now().UnixMilli()
	keys := func(db *DB) []string {
		var ks []string
		db.Keys(func(k string, e *Entry) bool {
			if !expired(e, now) {
				ks = append(ks, k)
			}
			return true
		})
		sort.Strings(ks)
		return ks
	}
	// The function libraries, which effects replicate too.
	if got, want := h.read(h.replica, []string{"FUNCTION", "LIST", "WITHCODE"}), h.read(h.db, []string{"FUNCTION", "LIST", "WITHCODE"}); !bytes.Equal(got, want) {
		h.t.Fatalf("replica's libraries %q, primary's %q", got, want)
	}
	pk, rk := keys(h.db), keys(h.replica)
	if strings.Join(pk, "\x00") != strings.Join(rk, "\x00") {
		h.t.Fatalf("replica keys %q, primary keys %q", rk, pk)
	}
	for _, k := range pk {
		p, r := h.db.Raw(k), h.replica.Raw(k)
		if p.TypeName() != r.TypeName() || p.ExpireAt != r.ExpireAt {
			h.t.Fatalf("key %q: replica %s expiring %d, primary %s expiring %d", k, r.TypeName(), r.ExpireAt, p.TypeName(), p.ExpireAt)
		}
		var read []string
		switch p.TypeName() {
		case TypeString:
			read = []string{"GET", k}
		case TypeList:
			read = []string{"LRANGE", k, "0", "-1"}
		case TypeSet:
			read = []string{"SMEMBERS", k}
		case TypeZSet:
			read = []string{"ZRANGE", k, "0", "-1", "WITHSCORES"}
		case TypeHash:
			read = []string{"HGETALL", k}
		case TypeStream:
			read = streamReplicaRead(k)
		}
		want := h.read(h.db, read)
		if z, ok := p.Value.(*ZSet); ok && h.replicaLoaded && !z.LoadsAsSkiplist() {
			want = zeroScores(want)
		}
		if got := h.read(h.replica, read); !bytes.Equal(sortArray(got), sortArray(want)) {
			h.t.Fatalf("key %q: replica %q, primary %q", k, got, want)
		}
		if ps, ok := p.Value.(*Stream); ok {
			// A stream's groups, consumers and PELs, which no read shows
			// whole without idle times.
			if got, want := streamGroupState(r.Value.(*Stream)), streamGroupState(ps); got != want {
				h.t.Fatalf("stream %q: replica groups\n%s\nprimary groups\n%s", k, got, want)
			}
		}
	}
}

// zeroScores turns the -0 scores of a ZRANGE ... WITHSCORES reply (RESP2)
// into 0, as loading a snapshot does to a set Redis loads as a listpack.
func zeroScores(reply []byte) []byte {
	lines := strings.Split(string(reply), "\r\n")
	for i := 4; i < len(lines); i += 4 { // *n, then $len member $len score
		if lines[i] == "-0" {
			lines[i-1], lines[i] = "$1", "0"
		}
	}
	return []byte(strings.Join(lines, "\r\n"))
}

func (h *harness) read(db *DB, argv []string) []byte {
	w := resp.NewWriter(2)
	h.table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: time.Now().UnixMilli(), ReadOnlyReplica: true})
	return w.Bytes()
}

func toBytes(argv []string) [][]byte {
	out := make([][]byte, len(argv))
	for i, a := range argv {
		out[i] = []byte(a)
	}
	return out
}

// loadDump returns a new DB built by replaying the primary's Dump, as a
// node restoring a snapshot does; a command that fails fails the test.
func (h *harness) loadDump() *DB {
	h.t.Helper()
	rebuilt := New()
	now := time.Now().UnixMilli()
	if err := h.db.Dump(func(argv [][]byte) error {
		w := resp.NewWriter(2)
		h.table.Exec(rebuilt, &Call{Argv: argv, Out: w, Now: now, Replay: true})
		if r := w.Bytes(); len(r) > 0 && r[0] == '-' {
			h.t.Fatalf("dumped command %q: %s", argv, r)
		}
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return rebuilt
}
