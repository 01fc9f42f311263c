package logstore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// follow starts a tail reader blocked in Wait on log after afterID and
// returns once it is registered, as a follower's stream would be.
func follow(t *testing.T, s *Store, log string, afterID uint64) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- s.Wait(ctx, log, afterID) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		waiting := s.logs[log] != nil && s.logs[log].waitCh != nil
		s.mu.Unlock()
		if waiting {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatal("the follower never waited")
		}
	}
}

// recentReads is how many Reads s served from recent records.
func recentReads(s *Store) float64 { return testutil.ToFloat64(s.metrics.recentReads) }

// readFiles reads like Read but from the segment files only.
func readFiles(t *testing.T, s *Store, log string, from uint64, max, maxBytes int) []Record {
	t.Helper()
	s.mu.Lock()
	saved := s.logs[log].recent
	s.logs[log].recent = recentRecords{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.logs[log].recent = saved
		s.mu.Unlock()
	}()
	return mustRead(t, s, log, from, max, maxBytes)
}

func sameRecords(t *testing.T, what string, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].CRC != want[i].CRC || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Fatalf("%s: record %d = {%d %x %q}, want {%d %x %q}", what, i,
				got[i].ID, got[i].CRC, got[i].Payload, want[i].ID, want[i].CRC, want[i].Payload)
		}
	}
}

// A follower waiting at the tail is served what the next Apply appended
// from memory: the same records, limits and copies as from the files.
func TestRecent_FollowerReadsFromMemory(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("long"))
	mustApply(t, s, 2, appendOp("long", 0, 5, 100))

	done := follow(t, s, "long", 5)
	mustApply(t, s, 3, appendOp("long", 5, 20, 100))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from          uint64
		max, maxBytes int
	}{{6, 100, 1 << 20}, {6, 3, 1 << 20}, {10, 100, 250}, {25, 100, 1}, {6, 100, 0}} {
		before := recentReads(s)
		got := mustRead(t, s, "long", c.from, c.max, c.maxBytes)
		if recentReads(s) != before+1 {
			t.Fatalf("Read(%d, %d, %d) did not use the recent records", c.from, c.max, c.maxBytes)
		}
		sameRecords(t, "recent vs files", got, readFiles(t, s, "long", c.from, c.max, c.maxBytes))
	}
	// Below what is held (appended while nobody waited): from the files.
	before := recentReads(s)
	checkRecords(t, mustRead(t, s, "long", 1, 100, 1<<20), 1, 25, 100)
	if recentReads(s) != before {
		t.Fatal("a read from ID 1 was served from memory, which holds only 6 on")
	}
	// The payloads returned are the caller's.
	got := mustRead(t, s, "long", 6, 1, 1<<20)
	got[0].Payload[0] ^= 0xff
	sameRecords(t, "after the caller scribbled", mustRead(t, s, "long", 6, 1, 1<<20), readFiles(t, s, "long", 6, 1, 1<<20))
}

// An Apply that finds nobody waiting drops the log's recent records, and
// what a log holds stays within the limits while it is followed.
func TestRecent_DroppedUnfollowedAndBounded(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("long"))
	index := uint64(1)
	var last uint64
	for range 3 * recentMaxRecords {
		done := follow(t, s, "long", last)
		index++
		mustApply(t, s, index, appendOp("long", last, 1, 100))
		last++
		<-done
	}
	s.mu.Lock()
	held := len(s.logs["long"].recent.recs)
	s.mu.Unlock()
	if held == 0 || held > recentMaxRecords {
		t.Fatalf("a followed log holds %d recent records, want 1..%d", held, recentMaxRecords)
	}
	checkRecords(t, mustRead(t, s, "long", 1, 1<<20, 1<<30), 1, int(last), 100)

	done := follow(t, s, "long", last)
	index++
	mustApply(t, s, index, appendOp("long", last, 4, 200<<10)) // over recentMaxBytes
	<-done
	s.mu.Lock()
	r := s.logs["long"].recent
	s.mu.Unlock()
	if r.bytes > recentMaxBytes && len(r.recs) > 1 {
		t.Fatalf("recent holds %d bytes in %d records, limit %d", r.bytes, len(r.recs), recentMaxBytes)
	}
	checkRecords(t, mustRead(t, s, "long", last+1, 10, 1<<30), last+1, 4, 200<<10)

	index++
	mustApply(t, s, index, appendOp("long", last+4, 1, 100)) // nobody waits
	s.mu.Lock()
	held = len(s.logs["long"].recent.recs)
	s.mu.Unlock()
	if held != 0 {
		t.Fatalf("an unfollowed log still holds %d recent records", held)
	}
}

// The recent records of all logs together stay within the store's budget
// (plus the one record that crossed it); logs past it are read from their
// files; the accounting follows appends, drops and deletes.
func TestRecent_StoreBudget(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	s.recentBudget = 1000
	index := uint64(0)
	apply := func(ops ...Op) {
		t.Helper()
		index++
		mustApply(t, s, index, ops...)
	}
	names := []string{"long", "b", "c"}
	for _, n := range names {
		apply(createOp(n))
	}
	held := func() (sum int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, l := range s.logs {
			sum += l.recent.bytes
		}
		if sum != s.recentBytes {
			t.Fatalf("recentBytes = %d, the logs hold %d", s.recentBytes, sum)
		}
		return sum
	}
	last := map[string]uint64{}
	for round := range 5 {
		var dones []<-chan error
		for _, n := range names {
			dones = append(dones, follow(t, s, n, last[n]))
		}
		var ops []Op
		for _, n := range names {
			ops = append(ops, appendOp(n, last[n], 1, 400))
			last[n]++
		}
		apply(ops...)
		for _, d := range dones {
			<-d
		}
		if h := held(); h > s.recentBudget+400 {
			t.Fatalf("round %d: recent records hold %d bytes, budget %d", round, h, s.recentBudget)
		}
	}
	checkRecords(t, mustRead(t, s, "long", 1, 100, 1<<20), 1, int(last["long"]), 400)
	before := held()
	apply(deleteOp("long"))
	if h := held(); before > 0 && h > before {
		t.Fatalf("after deleting a log the recent records hold %d bytes, %d before", h, before)
	}
}

// The recent records show in the store's metrics: bytes held, reads served.
func TestRecent_Metrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	cfg := testConfig(t)
	cfg.Metrics = reg
	s := mustOpen(t, cfg)
	mustApply(t, s, 1, createOp("long"))
	done := follow(t, s, "long", 0)
	mustApply(t, s, 2, appendOp("long", 0, 3, 100))
	<-done
	if got := gathered(t, reg, "quorumlog_logstore_recent_bytes"); got != 300 {
		t.Errorf("recent bytes gauge = %v, want 300", got)
	}
	checkRecords(t, mustRead(t, s, "long", 1, 10, 1<<20), 1, 3, 100)
	if got := gathered(t, reg, "quorumlog_logstore_recent_reads_total"); got != 1 {
		t.Errorf("recent reads counter = %v, want 1", got)
	}
	mustApply(t, s, 3, appendOp("long", 3, 1, 100)) // nobody waits: dropped
	if got := gathered(t, reg, "quorumlog_logstore_recent_bytes"); got != 0 {
		t.Errorf("recent bytes gauge = %v after the log's follower left, want 0", got)
	}
}
