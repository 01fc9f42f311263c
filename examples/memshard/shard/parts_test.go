package shard

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

// bigEffects is a batch of n SETs of size-byte values.
// splitRecord cuts rec, an effects record larger than limit bytes, into
// part records of at most limit bytes each, as the primary does one by one.
func splitRecord(rec []byte, limit int) [][]byte {
	p := partsLeft{rec: rec}
	var parts [][]byte
	for len(p.rec) > 0 {
		parts = append(parts, p.next(limit))
	}
	return parts
}

func bigEffects(n, size int) [][][]byte {
	var effects [][][]byte
	for i := range n {
		effects = append(effects, [][]byte{[]byte("SET"), fmt.Appendf(nil, "k%d", i), bytes.Repeat([]byte{byte('a' + i%26)}, size)})
	}
	return effects
}

// A record cut into parts fits the limit part by part, and the parts join
// back into the batch, which applies only at the last part.
func TestSplitRecord_PartsJoinIntoTheBatch(t *testing.T) {
	for _, limit := range []int{1024, 1500, 4096} {
		for _, effects := range [][][][]byte{bigEffects(1, limit), bigEffects(3, limit), bigEffects(40, 777)} {
			rec := appendEffectsRecord(nil, effects)
			parts := splitRecord(rec, limit)
			if len(parts) < 2 {
				t.Fatalf("limit %d: %d bytes in %d parts", limit, len(rec), len(parts))
			}
			var a assembler
			for i, p := range parts {
				if len(p) > limit {
					t.Fatalf("limit %d: part %d has %d bytes", limit, i, len(p))
				}
				r, ok, err := a.add(p)
				if err != nil {
					t.Fatalf("limit %d: part %d: %v", limit, i, err)
				}
				if last := i == len(parts)-1; ok != last {
					t.Fatalf("limit %d: part %d of %d: ok = %v", limit, i, len(parts), ok)
				}
				if ok {
					if diff := cmp.Diff(effects, r.effects); r.kind != kindEffects || diff != "" {
						t.Fatalf("limit %d: joined record of kind %q differs:\n%s", limit, r.kind, diff)
					}
				}
			}
			if a.pending() {
				t.Fatalf("limit %d: parts still held after the last", limit)
			}
		}
	}
}

// The ELECT of a new primary ends a batch whose writer never wrote its last
// part: none of it applies, and the log carries on.
func TestAssembler_DropsABatchItsWriterNeverFinished(t *testing.T) {
	parts := splitRecord(appendEffectsRecord(nil, bigEffects(2, 3000)), 4096)
	var a assembler
	for _, p := range parts[:len(parts)-1] {
		if _, ok, err := a.add(p); ok || err != nil {
			t.Fatalf("part = %v, %v", ok, err)
		}
	}
	r, ok, err := a.add(appendLeaseRecord(nil, kindElect, "m2", "127.0.0.1:2", 2000))
	if !ok || err != nil || r.kind != kindElect || a.pending() {
		t.Fatalf("ELECT after unfinished parts = %+v, %v, %v (pending %v)", r, ok, err, a.pending())
	}
	r, ok, err = a.add(appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("a"), []byte("1")}}))
	if !ok || err != nil || len(r.effects) != 1 {
		t.Fatalf("effects after the ELECT = %+v, %v, %v", r, ok, err)
	}
	// The old primary's last part, were it ever to come, has no batch.
	if _, _, err := a.add(parts[len(parts)-1]); !errors.Is(err, errBadRecord) {
		t.Fatalf("a last part after the ELECT = %v, want errBadRecord", err)
	}
}

// Parts out of order, or interrupted by anything but an ELECT, are a
// damaged log: the applier stops rather than guess.
func TestAssembler_RefusesBrokenParts(t *testing.T) {
	parts := splitRecord(appendEffectsRecord(nil, bigEffects(3, 3000)), 4096) // 3 parts
	heartbeat := appendLeaseRecord(nil, kindHeartbeat, "m1", "127.0.0.1:1", 2000)
	joinsToHeartbeat := splitRecord(appendLeaseRecord(nil, kindHeartbeat, strings.Repeat("n", 2000), "a:1", 5), 1024)
	oldVersionPart := append([]byte{effectsVersion}, parts[0][1:]...)
	for name, seq := range map[string][][]byte{
		"a last part alone":            {parts[2]},
		"a part after no first":        {parts[1]},
		"a part twice":                 {parts[0], parts[0]},
		"a part skipped":               {parts[0], parts[2]},
		"a heartbeat between parts":    {parts[0], heartbeat},
		"effects between parts":        {parts[0], appendEffectsRecord(nil, bigEffects(1, 1))},
		"parts that join to no effect": joinsToHeartbeat,
		"a part in a version 1 record": {oldVersionPart},
	} {
		t.Run(name, func(t *testing.T) {
			var a assembler
			var err error
			for _, b := range seq {
				if _, _, err = a.add(b); err != nil {
					break
				}
			}
			if !errors.Is(err, errBadRecord) {
				t.Fatalf("err = %v, want errBadRecord", err)
			}
		})
	}
}

// Records is the exported decoder tools use: parts come out as the batch.
func TestRecords_JoinsParts(t *testing.T) {
	effects := bigEffects(2, 2000)
	var rs Records
	var got []Record
	for _, b := range append(splitRecord(appendEffectsRecord(nil, effects), 1024), appendLeaseRecord(nil, kindHeartbeat, "m1", "a:1", 5)) {
		r, ok, err := rs.Next(b)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got = append(got, r)
		}
	}
	want := []Record{{Kind: 'E', Effects: effects}, {Kind: 'H', Node: "m1", Addr: "a:1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("records differ:\n%s", diff)
	}
}

func FuzzSplitRecord(f *testing.F) {
	f.Add([]byte("value"), uint16(0))
	f.Add(bytes.Repeat([]byte("x"), 5000), uint16(100))
	f.Fuzz(func(t *testing.T, value []byte, extra uint16) {
		limit := 1024 + int(extra%4096)
		effects := [][][]byte{{[]byte("SET"), []byte("k"), value}, {[]byte("DEL"), value}}
		rec := appendEffectsRecord(nil, effects)
		if len(rec) <= limit {
			return
		}
		var a assembler
		parts := splitRecord(rec, limit)
		for i, p := range parts {
			if len(p) > limit {
				t.Fatalf("part %d of %d bytes, limit %d", i, len(p), limit)
			}
			r, ok, err := a.add(p)
			if err != nil || ok != (i == len(parts)-1) {
				t.Fatalf("part %d of %d: ok %v, %v", i, len(parts), ok, err)
			}
			if ok && !cmp.Equal(effects, r.effects) {
				t.Fatal("joined effects differ")
			}
		}
	})
}

// A primary that dies after the first parts of a batch never commits it:
// the ELECT of its successor ends the batch, no node applies any of it,
// and the shard carries on. (The dying writer is played from outside: its
// parts, appended unconditionally, also depose the running primary.)
func TestShard_UnfinishedBatchNeverApplies(t *testing.T) {
	ts := newTestShardTuned(t, 2, func(c *Config) { c.MaxRecordBytes = testRecordLimit })
	p := ts.primary()
	if got, err := ts.do(p, "SET", "a", "1"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET a = %q, %v", got, err)
	}
	rec := appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("half"), bytes.Repeat([]byte("h"), 3*testRecordLimit)}})
	parts := splitRecord(rec, testRecordLimit)
	res, err := ts.log.Append(t.Context(), "shard1", parts[:len(parts)-1])
	if err != nil {
		t.Fatal(err)
	}
	quorumtest.WaitFor(t, 15*time.Second, func() error {
		batches, _, _ := ts.shardBatches() // fails the test if the log does not decode
		if len(batches) == 0 || batches[len(batches)-1].Kind != kindElect {
			return errors.New("no ELECT after the parts yet")
		}
		return nil
	})
	p2 := ts.primary()
	if got, err := ts.do(p2, "SET", "b", "2"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET b on the new primary = %q, %v", got, err)
	}
	ts.waitEveryNode(map[string]string{"GET a": "$1\r\n1\r\n", "GET b": "$1\r\n2\r\n", "EXISTS half": ":0\r\n"})
	t.Logf("parts through ID %d; primary %d, then %d", res.LastID, p, p2)
}

// The snapshot process never ends a snapshot inside a batch whose parts
// continue: it ends before the first part, and the next snapshot applies
// the batch whole once its last part is in, or drops it at an ELECT.
func TestTakeSnapshot_EndsBeforeAnUnfinishedBatch(t *testing.T) {
	ts := newTestShard(t, 0) // the log alone, written by hand
	if err := ts.log.CreateLog(t.Context(), "shard1"); err != nil {
		t.Fatal(err)
	}
	store := mustDirStore(t, t.TempDir())
	appendRecs := func(recs ...[]byte) {
		t.Helper()
		if _, err := ts.log.Append(t.Context(), "shard1", recs); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func(wantID uint64, wantKeys ...string) {
		t.Helper()
		res, err := TakeSnapshot(t.Context(), ts.log, "shard1", store, true)
		if err != nil {
			t.Fatal(err)
		}
		_, db, err := LoadLatestSnapshot(t.Context(), store, "shard1")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range dumpOf(db) {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if res.ID != wantID || !slices.Equal(keys, wantKeys) {
			t.Fatalf("snapshot at ID %d with keys %v, want ID %d with %v", res.ID, keys, wantID, wantKeys)
		}
	}
	set := func(k string, size int) []byte {
		return appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte(k), bytes.Repeat([]byte("v"), size)}})
	}
	big := splitRecord(set("big", 3000), 1024) // 3 parts
	appendRecs(set("a", 1), big[0], big[1])    // IDs 1-3
	snapshot(1, "a")
	appendRecs(big[2]) // ID 4
	snapshot(4, "a", "big")
	dropped := splitRecord(set("dropped", 3000), 1024)
	appendRecs(dropped[0], appendLeaseRecord(nil, kindElect, "m2", "127.0.0.1:2", 300), set("c", 1)) // IDs 5-7
	snapshot(7, "a", "big", "c")
}

// A primary that steps down while parts of a batch are still to be sent
// fails the batch's writes (its last part will never be in), also when
// its first part committed.
func TestShard_StepDownFailsABatchWhosePartsAreUnsent(t *testing.T) {
	for _, firstCommitted := range []bool{false, true} {
		s := newIdlePrimary(t, testRecordLimit)
		ticket := s.Do(&server.ConnState{ID: 1}, [][]byte{[]byte("SET"), []byte("k"), bytes.Repeat([]byte("x"), 3*testRecordLimit)}, resp.NewWriter(2))
		s.mu.Lock()
		first := &flight{id: 1}
		s.batchKeys[s.openSeq] = s.openKeys // as launch does
		s.planLocked(first, s.openSeq, 1, s.open.finish())
		s.openKeys, s.openConns = nil, 0
		s.openSeq++
		second := &flight{id: 2}
		s.nextPartLocked(second)
		first.done, second.done = true, true
		if firstCommitted {
			second.err = &client.ConditionError{Expected: 1, Actual: 2}
		} else {
			first.err = &client.ConditionError{Expected: 0, Actual: 1}
		}
		s.flights = []*flight{first, second}
		if first.seq != 0 || second.seq != 0 || s.unsent == nil {
			t.Fatalf("parts: first seq %d, second seq %d, more to send %v", first.seq, second.seq, s.unsent != nil)
		}
		s.stepDownLocked(errors.New("deposed"))
		s.mu.Unlock()
		if got := s.failedTicket(uint64(ticket)); got != errWriteLost {
			t.Errorf("first part committed %v: the batch's ticket fails with %q, want %q", firstCommitted, got, errWriteLost)
		}
	}
}
