package shard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// testDB builds a keyspace of every type, big enough for several chunks.
func testDB(t testing.TB) *engine.DB {
	t.Helper()
	db, table, out := engine.New(), engine.NewTable(), resp.NewWriter(2)
	exec := func(argv ...string) {
		b := make([][]byte, len(argv))
		for i, a := range argv {
			b[i] = []byte(a)
		}
		out.Reset()
		table.Exec(db, &engine.Call{Argv: b, Out: out, Now: nowMs()})
		if r := out.Bytes(); len(r) > 0 && r[0] == '-' {
			t.Fatalf("%q: %s", argv, r)
		}
	}
	for i := range 600 {
		exec("SET", fmt.Sprintf("s%d", i), fmt.Sprintf("v%d\x00\r\n", i))
	}
	exec("PEXPIREAT", "s1", "99999999999999")
	exec("RPUSH", "l", "a", "b", "c")
	exec("SADD", "set", "x", "1")
	exec("HSET", "h", "f", "v")
	exec("ZADD", "z", "-inf", "lo", "2.5", "m")
	// A big sorted set keeps -0 scores, and so must its snapshot.
	for i := range 130 {
		exec("ZADD", "zbig", "1", fmt.Sprint("m", i))
	}
	for i := range 100 {
		exec("ZADD", "zbig", "-0", fmt.Sprint("m", i))
	}
	// A stream with deleted entries, a trim and a moved last ID.
	for i := 1; i <= 250; i++ {
		exec("XADD", "st", fmt.Sprintf("%d-1", i), "f", fmt.Sprint(i))
	}
	exec("XDEL", "st", "5-1", "120-1")
	exec("XTRIM", "st", "MINID", "=", "3-1")
	exec("XSETID", "st", "900-0", "ENTRIESADDED", "300", "MAXDELETEDID", "200-0")
	// Its consumer groups: consumers with and without pending entries,
	// a claimed entry with its own delivery time and count, a pending
	// entry the stream no longer holds, a group that read nothing.
	exec("XGROUP", "CREATE", "st", "g1", "0")
	exec("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "st", ">")
	exec("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "st", ">")
	exec("XCLAIM", "st", "g1", "carol", "0", "6-1", "TIME", "1000", "RETRYCOUNT", "5")
	exec("XGROUP", "CREATECONSUMER", "st", "g1", "dave")
	exec("XDEL", "st", "7-1")
	exec("XGROUP", "CREATE", "st", "g2", "$", "ENTRIESREAD", "7")
	// Function libraries, which a snapshot holds too.
	exec("FUNCTION", "LOAD", "#!lua name=snap\nredis.register_function{function_name='snap_get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='d'}")
	exec("FUNCTION", "LOAD", "#!lua name=another\nredis.register_function('another', function() return 1 end)")
	return db
}

// functionsOf returns db's FUNCTION LIST WITHCODE.
func functionsOf(db *engine.DB) string {
	w := resp.NewWriter(2)
	engine.NewTable().Exec(db, &engine.Call{Argv: [][]byte{[]byte("FUNCTION"), []byte("LIST"), []byte("WITHCODE")}, Out: w, Now: nowMs()})
	return string(w.Bytes())
}

func encodeTestSnapshot(t testing.TB, info SnapshotInfo, db *engine.DB) []byte {
	t.Helper()
	dir := t.TempDir()
	name, err := WriteSnapshot(context.Background(), mustDirStore(t, dir), info, db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDirStore(t testing.TB, dir string) BlobStore {
	t.Helper()
	st, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func dumpOf(db *engine.DB) map[string]string {
	m := map[string]string{}
	db.Keys(func(k string, e *engine.Entry) bool {
		var b bytes.Buffer
		fmt.Fprintf(&b, "%s %d ", e.TypeName(), e.ExpireAt)
		w := resp.NewWriter(2)
		read := map[string][]string{
			engine.TypeString: {"GET", k}, engine.TypeList: {"LRANGE", k, "0", "-1"}, engine.TypeSet: {"SMEMBERS", k},
			engine.TypeZSet: {"ZRANGE", k, "0", "-1", "WITHSCORES"}, engine.TypeHash: {"HGETALL", k},
			engine.TypeStream: {"XRANGE", k, "-", "+"},
		}[e.TypeName()]
		argv := make([][]byte, len(read))
		for i, a := range read {
			argv[i] = []byte(a)
		}
		engine.NewTable().Exec(db, &engine.Call{Argv: argv, Out: w, Now: nowMs(), Replay: true})
		if e.TypeName() == engine.TypeStream {
			// Its groups, and the pending entries of those of testDB,
			// read at a fixed time: idle times then show delivery times.
			for _, read := range [][]string{{"XINFO", "GROUPS", k}, {"XPENDING", k, "g1", "-", "+", "1000"}, {"XPENDING", k, "g2", "-", "+", "1000"}} {
				argv := make([][]byte, len(read))
				for i, a := range read {
					argv[i] = []byte(a)
				}
				engine.NewTable().Exec(db, &engine.Call{Argv: argv, Out: w, Now: 4102444800000, Replay: true})
			}
		}
		b.Write(w.Bytes())
		m[k] = b.String()
		return true
	})
	return m
}

func TestSnapshot_RoundTrip(t *testing.T) {
	db := testDB(t)
	info := SnapshotInfo{Log: "shard-a", ID: 1234, Sum: 0xdeadbeef, Node: "n1", Addr: "127.0.0.1:6379"}
	b := encodeTestSnapshot(t, info, db)
	got, gotDB, err := ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	info.Keys = db.Len()
	if got != info {
		t.Fatalf("info %+v, want %+v", got, info)
	}
	want, have := dumpOf(db), dumpOf(gotDB)
	if len(want) != len(have) {
		t.Fatalf("%d keys restored, want %d", len(have), len(want))
	}
	for k, v := range want {
		if have[k] != v {
			t.Fatalf("key %q restored as %q, want %q", k, have[k], v)
		}
	}
	if got, want := functionsOf(gotDB), functionsOf(db); got != want || !strings.Contains(got, "snap_get") {
		t.Fatalf("libraries restored as %q, want %q", got, want)
	}
}

// TestSnapshot_OnlyDumpCommandsRun: a snapshot runs the commands Dump
// writes and no other, FUNCTION LOAD REPLACE being the one FUNCTION form.
func TestSnapshot_OnlyDumpCommandsRun(t *testing.T) {
	for line, want := range map[string]bool{
		"SET k v": true, "xadd s 1-1 f v": true, "FUNCTION LOAD REPLACE code": true, "function load replace code": true,
		"FUNCTION LOAD code": false, "FUNCTION LOAD REPLACE REPLACE code": false, "FUNCTION FLUSH": false,
		"FUNCTION DELETE lib": false, "FUNCTION RESTORE payload": false, "FCALL f 0": false, "DEL k": false, "FLUSHALL": false,
	} {
		if got := isDumpCommand(bytes.Fields([]byte(line))); got != want {
			t.Errorf("isDumpCommand(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestSnapshot_DamageIsRefused: any flipped byte, any truncation and any
// trailing data make ReadSnapshot fail; it never returns a partial keyspace.
func TestSnapshot_DamageIsRefused(t *testing.T) {
	b := encodeTestSnapshot(t, SnapshotInfo{Log: "l", ID: 7}, testDB(t))
	step := max(1, len(b)/300)
	for i := 0; i < len(b); i += step {
		bad := bytes.Clone(b)
		bad[i] ^= 0x41
		if _, db, err := ReadSnapshot(bytes.NewReader(bad)); err == nil || db != nil {
			t.Fatalf("byte %d of %d flipped: err %v", i, len(b), err)
		}
		if _, db, err := ReadSnapshot(bytes.NewReader(b[:i])); err == nil || db != nil {
			t.Fatalf("truncated to %d of %d bytes: err %v", i, len(b), err)
		}
	}
	if _, _, err := ReadSnapshot(bytes.NewReader(append(bytes.Clone(b), 0))); !errors.Is(err, ErrBadSnapshot) {
		t.Fatalf("trailing byte: %v", err)
	}
}

func TestSnapshot_NewerEngineIsRefused(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(snapshotMagic)
	w := func(p []byte) { b.Write(appendBytes(nil, string(p))) }
	w(append(appendBytes(nil, "l"), 1, 0, 0, 0, 0, 0, 0))
	w([]byte{formatVersion + 1, kindEffects, 0})
	b.WriteByte(0) // end
	crc := crc32.Checksum(b.Bytes(), crc32.MakeTable(crc32.Castagnoli))
	b.Write(binary.LittleEndian.AppendUint32(nil, crc))
	if _, _, err := ReadSnapshot(bytes.NewReader(b.Bytes())); !errors.Is(err, ErrNewerFormat) {
		t.Fatalf("newer record version: %v, want ErrNewerFormat", err)
	}
}

func TestSnapshot_LatestAndRetention(t *testing.T) {
	dir := t.TempDir()
	ctx, st := context.Background(), mustDirStore(t, dir)
	if _, _, err := LoadLatestSnapshot(ctx, st, "l"); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("empty dir: %v", err)
	}
	db := testDB(t)
	for _, id := range []uint64{5, 100, 42, 9} {
		if _, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: "l", ID: id}, db); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: "other", ID: 1000}, db); err != nil {
		t.Fatal(err)
	}
	info, _, err := LoadLatestSnapshot(ctx, st, "l")
	if err != nil || info.ID != 100 {
		t.Fatalf("latest = %+v, %v; want ID 100", info, err)
	}
	ids, _ := listSnapshots(ctx, st, "l")
	if fmt.Sprint(ids) != "[42 100]" {
		t.Fatalf("kept %v, want the newest two [42 100]", ids)
	}
	// A corrupt newest snapshot is an error, not a fall back to an older one.
	path := filepath.Join(dir, snapshotName("l", 100))
	os.WriteFile(path, []byte("garbage"), 0o644)
	if _, _, err := LoadLatestSnapshot(ctx, st, "l"); !errors.Is(err, ErrBadSnapshot) {
		t.Fatalf("corrupt newest: %v", err)
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: bad}, db); err == nil {
			t.Fatalf("log name %q accepted", bad)
		}
	}
}

func FuzzReadSnapshot(f *testing.F) {
	small, table := engine.New(), engine.NewTable()
	for _, argv := range []string{"SET k v", "RPUSH l a b", "SADD s 1 x", "HSET h f v", "ZADD z 1 m", "PEXPIREAT k 99999999999999"} {
		table.Exec(small, &engine.Call{Argv: bytes.Fields([]byte(argv)), Out: resp.NewWriter(2), Now: nowMs()})
	}
	table.Exec(small, &engine.Call{Argv: [][]byte{[]byte("FUNCTION"), []byte("LOAD"),
		[]byte("#!lua name=l\nredis.register_function('f', function() return 1 end)")}, Out: resp.NewWriter(2), Now: nowMs()})
	f.Add(encodeTestSnapshot(f, SnapshotInfo{Log: "l", ID: 3, Node: "n", Addr: "a"}, small))
	f.Add(encodeTestSnapshot(f, SnapshotInfo{Log: "l"}, engine.New()))
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, db, err := ReadSnapshot(bytes.NewReader(b))
		if err != nil {
			if db != nil {
				t.Fatal("a DB with an error")
			}
			return
		}
		if checkLogName(info.Log) != nil {
			return // decodes, but WriteSnapshot refuses the name
		}
		// Whatever decodes must encode and decode to the same keyspace.
		again, db2, err := ReadSnapshot(bytes.NewReader(encodeTestSnapshot(t, info, db)))
		if err != nil || again.ID != info.ID || db2.Len() != db.Len() {
			t.Fatalf("re-encoded: %+v, %v", again, err)
		}
	})
}

// TestRestoreSnapshot_InstallsAndSettlesSkippedFlights: a replica installs a
// snapshot ahead of it; batches of unknown outcome whose records the
// snapshot covers are answered "outcome unknown" (never TRYAGAIN, which
// invites a duplicate), and later ones still wait for the replay.
func TestRestoreSnapshot_InstallsAndSettlesSkippedFlights(t *testing.T) {
	st := mustDirStore(t, t.TempDir())
	db := testDB(t)
	if _, err := WriteSnapshot(context.Background(), st, SnapshotInfo{Log: "l", ID: 7, Sum: 99, Node: "m2", Addr: "127.0.0.1:7"}, db); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "l", Client: &client.Client{}, Snapshots: st})
	if err != nil {
		t.Fatal(err)
	}
	s.unresolved = []*flight{{id: 5, seq: 3}, {id: 9, seq: 4}}
	if s.fresh() {
		t.Fatal("a node with batches of unknown outcome skips its replay for a snapshot")
	}
	if err := s.restoreSnapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.appliedID != 7 || s.sum != 99 || !s.sumKnown || s.primary.Addr != "127.0.0.1:7" || s.db.Len() != db.Len() {
		t.Fatalf("after restore: applied %d sum %d known %v primary %+v keys %d", s.appliedID, s.sum, s.sumKnown, s.primary, s.db.Len())
	}
	if got := s.Wait(t.Context(), 3); got != errOutcomeUnknown {
		t.Fatalf("batch at ID 5 (covered by the snapshot): %q, want %q", got, errOutcomeUnknown)
	}
	if len(s.unresolved) != 1 || s.unresolved[0].id != 9 {
		t.Fatalf("unresolved after restore: %d, want the flight at ID 9 only", len(s.unresolved))
	}
	// An older snapshot than the position is not installed.
	s.appliedID = 20
	if err := s.restoreSnapshot(context.Background()); err != nil || s.appliedID != 20 {
		t.Fatalf("restore behind the position: %v, applied %d", err, s.appliedID)
	}
}
