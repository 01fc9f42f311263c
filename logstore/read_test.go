package logstore

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fillLong appends n records of size bytes to log "long" in batches,
// reusing one batch slice (Apply does not keep it).
func fillLong(t testing.TB, s *Store, index *uint64, n, size, batch int) {
	t.Helper()
	*index++
	mustApply(t, s, *index, createOp("long"))
	recs := make([]Record, batch)
	bufs := make([]byte, batch*size)
	for last := 0; last < n; last += batch {
		k := min(batch, n-last)
		for i := range k {
			p := bufs[i*size : (i+1)*size]
			copy(p, payloadFor("long", uint64(last+i+1), size))
			recs[i] = rec(p)
		}
		*index++
		mustApply(t, s, *index, Op{Kind: OpAppend, Log: "long", Records: recs[:k]})
	}
}

func checkRecords(t *testing.T, got []Record, from uint64, n, size int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d records, want %d", len(got), n)
	}
	for i, r := range got {
		if r.ID != from+uint64(i) || !cmp.Equal(r.Payload, payloadFor("long", r.ID, size)) || r.CRC != crc32c(r.Payload) {
			t.Fatalf("record %d: got ID %d payload %x", i, r.ID, r.Payload)
		}
	}
}

func TestStore_LongLog(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	const size = 16
	cfg := testConfig(t)
	cfg.SegmentBytes = 1 << 20
	s := mustOpen(t, cfg)
	var idx uint64
	start := time.Now()
	fillLong(t, s, &idx, n, size, 10000)
	t.Logf("appended %d records in %v", n, time.Since(start))
	segs := len(s.logs["long"].segs)
	if segs < n*(frameHeaderLen+size)/(1<<20) {
		t.Fatalf("%d segments, want about %d", segs, n*(frameHeaderLen+size)/(1<<20))
	}

	mid := uint64(n/2 + 7)
	checkRecords(t, mustRead(t, s, "long", mid, 1000, 1<<20), mid, 1000, size)
	// A read that crosses a segment boundary.
	b := s.logs["long"].segs[segs/3].firstID
	checkRecords(t, mustRead(t, s, "long", b-5, 10, 1<<20), b-5, 10, size)
	// maxBytes: 100 records' payloads.
	checkRecords(t, mustRead(t, s, "long", mid, 1000, 100*size), mid, 100, size)
	mustSync(t, s)
	s.Close()

	start = time.Now()
	s = mustOpen(t, cfg)
	openDur := time.Since(start)
	t.Logf("reopened %d segments in %v", segs, openDur)
	if got := s.scannedBytes.Load(); got != 0 {
		t.Errorf("Open scanned %d bytes of segments, want 0", got)
	}
	if info, _ := s.Describe("long"); info.LastID != uint64(n) {
		t.Fatalf("LastID after reopen = %d, want %d", info.LastID, n)
	}
	checkRecords(t, mustRead(t, s, "long", mid, 1000, 1<<20), mid, 1000, size)
	if got := s.scannedBytes.Load(); got > 2*uint64(cfg.SegmentBytes) {
		t.Errorf("a read from the middle scanned %d bytes, want at most two segments", got)
	}
	// Second read of the same segment uses the index built by the first.
	scanned := s.scannedBytes.Load()
	checkRecords(t, mustRead(t, s, "long", mid+500, 10, 1<<20), mid+500, 10, size)
	if got := s.scannedBytes.Load(); got != scanned {
		t.Errorf("second read scanned %d more bytes", got-scanned)
	}
	// Append after reopen then read across the reopen point, from the tail
	// index alone and then after the front was scanned.
	idx++
	mustApply(t, s, idx, appendOp("long", uint64(n), 200, size))
	checkRecords(t, mustRead(t, s, "long", uint64(n+100), 10, 1<<20), uint64(n+100), 10, size)
	checkRecords(t, mustRead(t, s, "long", uint64(n-50), 250, 1<<20), uint64(n-50), 250, size)
	checkRecords(t, mustRead(t, s, "long", uint64(n+130), 10, 1<<20), uint64(n+130), 10, size)
}

// TestStore_ReadDuringTrimAndDelete reads while entries trim, Sync removes
// files and logs are deleted: every read gets valid records or a clean error.
func TestStore_ReadDuringTrimAndDelete(t *testing.T) {
	cfg := testConfig(t)
	cfg.SegmentBytes = 2 << 10
	s := mustOpen(t, cfg)
	stop := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for {
			select {
			case <-stop:
				return
			default:
			}
			info, err := s.Describe("a")
			if err != nil {
				continue
			}
			recs, err := s.Read("a", info.FirstID, 50, 1<<20)
			if err != nil && !errors.Is(err, ErrTrimmed) && !errors.Is(err, ErrNoLog) {
				errc <- err
				return
			}
			for _, r := range recs {
				if !cmp.Equal(r.Payload, payloadFor("a", r.ID, 50)) {
					errc <- errors.New("bad payload")
					return
				}
			}
		}
	}()
	var idx uint64
	for round := range 20 {
		idx++
		mustApply(t, s, idx, createOp("a"), appendOp("a", 0, 300, 50))
		for k := range 10 {
			idx++
			mustApply(t, s, idx, trimOp("a", uint64(30*(k+1))))
			if k%3 == 0 {
				mustSync(t, s)
			}
		}
		idx++
		mustApply(t, s, idx, deleteOp("a"))
		if round%2 == 0 {
			mustSync(t, s)
		}
	}
	close(stop)
	if err := <-errc; err != nil {
		t.Fatalf("concurrent Read = %v", err)
	}
}

// A read of the tail segment borrows its write handle; if a Sync closes the
// handle between the plan and the pread, the read must not fail or read
// another file: it reports errVanished and Read retries with a fresh plan.
func TestStore_ReadBorrowedHandleClosed(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, 1, createOp("a"))
	mustApply(t, s, 2, appendOp("a", 0, 10, 32))

	p, _, err := s.planRead("a", 1, 100, 1<<20)
	if err != nil || p == nil || len(p.segs) == 0 {
		t.Fatalf("planRead = %v, %v", p, err)
	}
	if p.segs[0].f == nil {
		t.Fatal("the tail segment has no open write handle to borrow")
	}
	// What Sync does to a handle it no longer needs, on a copy of the
	// descriptor so that the store's own handle stays usable.
	dup, err := os.Open(p.segs[0].f.Name())
	if err != nil {
		t.Fatal(err)
	}
	p.segs[0].f = dup
	dup.Close()
	if _, err := s.readPlanned(p, 100, 1<<20); !errors.Is(err, errVanished) {
		t.Fatalf("read through a closed handle: err = %v, want errVanished", err)
	}

	got := mustRead(t, s, "a", 1, 100, 1<<20)
	if len(got) != 10 || got[0].ID != 1 || got[9].ID != 10 {
		t.Fatalf("Read after the retry returned %d records", len(got))
	}
}
