package server_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

func newClient(t *testing.T, endpoints ...string) *client.Client {
	t.Helper()
	c, err := client.New(t.Context(), client.Config{Endpoints: endpoints})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestService_FollowReadGetsNewRecordsAndCaughtUpMarkers(t *testing.T) {
	sc := servertest.Start(t, 3, quorumtest.Options{})
	c := newClient(t, sc.Addrs...)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := c.CreateLog(ctx, "tail"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Append(ctx, "tail", [][]byte{[]byte("r1"), []byte("r2")}); err != nil {
		t.Fatal(err)
	}
	follower := (sc.Leader() + 1) % 3
	rc := newClient(t, sc.Addrs[follower])
	r, err := rc.Read(ctx, "tail", 1, client.Follow(), client.Linearizable())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	caughtUp := map[uint64]bool{}
	appended := false
	for len(got) < 5 {
		ev, err := r.Next()
		if err != nil {
			t.Fatalf("Next after %q: %v", got, err)
		}
		if ev.CaughtUp {
			caughtUp[ev.LastID] = true
			if !appended {
				appended = true
				go func() {
					for i := 3; i <= 5; i++ {
						_, _ = c.Append(ctx, "tail", [][]byte{fmt.Appendf(nil, "r%d", i)})
					}
				}()
			}
			continue
		}
		got = append(got, string(ev.Record.Payload))
	}
	if want := "[r1 r2 r3 r4 r5]"; fmt.Sprint(got) != want {
		t.Fatalf("follow read got %v, want %s", got, want)
	}
	if !caughtUp[2] {
		t.Fatalf("no caught-up marker at ID 2 (markers %v)", caughtUp)
	}
}

func TestService_LinearizableReadOnFollowerSeesAcknowledgedAppend(t *testing.T) {
	sc := servertest.Start(t, 3, quorumtest.Options{})
	leader := sc.Leader()
	wc := newClient(t, sc.Addrs...)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := wc.CreateLog(ctx, "lin"); err != nil {
		t.Fatal(err)
	}
	var fcs []*client.Client
	for i := range 3 {
		if i != leader {
			fcs = append(fcs, newClient(t, sc.Addrs[i]))
		}
	}
	for i := 1; i <= 50; i++ {
		res, err := wc.Append(ctx, "lin", [][]byte{fmt.Appendf(nil, "%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		for _, fc := range fcs {
			info, err := fc.Describe(ctx, "lin", client.Linearizable())
			if err != nil {
				t.Fatal(err)
			}
			if info.LastID < res.LastID {
				t.Fatalf("linearizable Describe on a follower = last ID %d after append %d was acknowledged", info.LastID, res.LastID)
			}
		}
	}
}

func TestService_ConcurrentAppendsOverStreams(t *testing.T) {
	sc := servertest.Start(t, 3, quorumtest.Options{})
	c := newClient(t, sc.Addrs...)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.CreateLog(ctx, "many"); err != nil {
		t.Fatal(err)
	}
	const writers, each = 32, 20
	var mu sync.Mutex
	ids := map[uint64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				p := fmt.Sprintf("w%d-%d", w, i)
				res, err := c.Append(ctx, "many", [][]byte{[]byte(p)})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				ids[res.FirstID] = p
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, err := c.Read(ctx, "many", 1, client.Linearizable())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := r.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != writers*each {
		t.Fatalf("read %d records, want %d", len(recs), writers*each)
	}
	for _, rec := range recs {
		if ids[rec.ID] != string(rec.Payload) {
			t.Fatalf("ID %d holds %q, but the append acknowledged at that ID was %q", rec.ID, rec.Payload, ids[rec.ID])
		}
	}
}

func TestService_ReadBelowTrimIsOutOfRange(t *testing.T) {
	sc := servertest.Start(t, 3, quorumtest.Options{})
	c := newClient(t, sc.Addrs...)
	ctx := t.Context()
	if err := c.CreateLog(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := c.Append(ctx, "t", [][]byte{fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Trim(ctx, "t", 3); err != nil {
		t.Fatal(err)
	}
	r, err := c.Read(ctx, "t", 2, client.Linearizable())
	if err == nil {
		_, err = r.Next()
	}
	var re *client.RangeError
	if !errors.As(err, &re) || re.FirstID != 4 {
		t.Fatalf("read below trim = %v, want a RangeError with first ID 4", err)
	}
}

// Status tells clients the node's record limit, so that a writer can size
// its records (memshard asks it at startup).
func TestService_StatusReportsTheRecordLimit(t *testing.T) {
	sc := servertest.StartWith(t, 3, servertest.Options{
		Server: func(i int, cfg *server.Config) { cfg.MaxRecordBytes = 4096 + i },
	})
	c := newClient(t, sc.Addrs...)
	for i, addr := range sc.Addrs {
		st, err := c.StatusOf(t.Context(), addr)
		if err != nil {
			t.Fatal(err)
		}
		if st.MaxRecordBytes != 4096+i {
			t.Errorf("node %d: Status says MaxRecordBytes %d, want %d", i, st.MaxRecordBytes, 4096+i)
		}
	}
}
