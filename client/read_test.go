package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// next returns the next event or fails the test.
func next(t *testing.T, r *client.Reader) client.Event {
	t.Helper()
	ev, err := r.Next()
	if err != nil {
		t.Fatalf("Next = %v", err)
	}
	return ev
}

func rec(id uint64, p string) client.Event {
	return client.Event{Record: client.Record{ID: id, Payload: []byte(p)}}
}

func caughtUp(id uint64) client.Event { return client.Event{CaughtUp: true, LastID: id} }

func TestReader_ReadToEnd(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "a", "b", "c")
	for _, tc := range []struct {
		name string
		from uint64
		opts []client.ReadOption
		want []client.Event
	}{
		{"all", 0, nil, []client.Event{rec(1, "a"), rec(2, "b"), rec(3, "c"), caughtUp(3)}},
		{"from 2", 2, []client.ReadOption{client.Linearizable()}, []client.Event{rec(2, "b"), rec(3, "c"), caughtUp(3)}},
		{"limit", 1, []client.ReadOption{client.Limit(2)}, []client.Event{rec(1, "a"), rec(2, "b")}},
		{"at tail", 4, nil, []client.Event{caughtUp(3)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := c.Read(t.Context(), "l", tc.from, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var got []client.Event
			for {
				ev, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next = %v", err)
				}
				got = append(got, ev)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReader_Follow(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "a", "b", "c")
	r, err := c.Read(t.Context(), "l", 1, client.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []client.Event
	for range 4 {
		got = append(got, next(t, r))
	}
	mustAppend(t, c, "l", "d")
	mustAppend(t, c, "l", "e")
	for len(got) == 4 || !got[len(got)-1].CaughtUp || got[len(got)-1].LastID < 5 {
		got = append(got, next(t, r))
	}
	var recs []client.Event
	for _, ev := range got {
		if !ev.CaughtUp {
			recs = append(recs, ev)
		}
	}
	want := []client.Event{rec(1, "a"), rec(2, "b"), rec(3, "c"), rec(4, "d"), rec(5, "e")}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if !got[3].CaughtUp || got[3].LastID != 3 {
		t.Errorf("event 4 = %+v, want caught up at 3", got[3])
	}
	// Close unblocks a waiting Next.
	done := make(chan error, 1)
	go func() {
		_, err := r.Next()
		done <- err
	}()
	r.Close()
	if err := <-done; !errors.Is(err, client.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}

func TestReader_ReconnectsWhenNodeStops(t *testing.T) {
	fc := clienttest.New(t, 3)
	fc.SetLeader(2)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "1", "2", "3")
	r, err := c.Read(t.Context(), "l", 2, client.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []client.Event{rec(2, "2"), rec(3, "3"), caughtUp(3)}
	var got []client.Event
	for range 3 {
		got = append(got, next(t, r))
	}
	serving := -1
	for i := range 3 {
		if fc.Node(i).Reads() == 1 {
			serving = i
		}
	}
	if serving < 0 || serving == 2 {
		t.Fatalf("reader served by node %d; want a follower", serving)
	}
	fc.Node(serving).Stop()
	for i := 4; i <= 20; i++ {
		mustAppend(t, c, "l", fmt.Sprint(i))
		want = append(want, rec(uint64(i), fmt.Sprint(i)))
	}
	for len(got) < len(want)+5 {
		ev := next(t, r)
		if ev.CaughtUp {
			if ev.LastID == 20 {
				break
			}
			continue
		}
		got = append(got, ev)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestReader_CorruptRecord(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "a", "b", "c")
	fc.Corrupt("l", 2)
	r, err := c.Read(t.Context(), "l", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := next(t, r); got.Record.ID != 1 {
		t.Errorf("first event = %+v, want record 1", got)
	}
	ev, err := r.Next()
	if !errors.Is(err, client.ErrCorrupt) {
		t.Fatalf("Next = %+v, %v; want ErrCorrupt", ev, err)
	}
	if _, err := r.Next(); !errors.Is(err, client.ErrCorrupt) {
		t.Errorf("Next after corruption = %v, want ErrCorrupt again", err)
	}
}

func TestReader_Errors(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "a", "b", "c")
	if _, err := c.Trim(t.Context(), "l", 2); err != nil {
		t.Fatal(err)
	}

	r, err := c.Read(t.Context(), "missing", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Next on missing log = %v, want ErrNotFound", err)
	}

	r, err = c.Read(t.Context(), "l", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Next()
	var re *client.RangeError
	if !errors.As(err, &re) || !errors.Is(err, client.ErrOutOfRange) {
		t.Fatalf("Next below trim = %v, want *RangeError", err)
	}
	if diff := cmp.Diff(&client.RangeError{FirstID: 3, LastID: 3}, re); diff != "" {
		t.Errorf("RangeError (-want +got):\n%s", diff)
	}

	ctx := timeout(t, 50*time.Millisecond)
	r, err = c.Read(ctx, "l", 0, client.Follow())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	next(t, r) // record 3
	next(t, r) // caught up
	// gRPC's own deadline timer may fire a moment before ctx reports Done,
	// so compare with the deadline error rather than with ctx.Err() read
	// at some instant.
	_, err = r.Next()
	<-ctx.Done()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next after ctx ended = %v, want %v", err, context.DeadlineExceeded)
	}
}
