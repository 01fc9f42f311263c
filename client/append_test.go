package client_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

func unary(cfg *client.Config) { cfg.UnaryAppend = true }

// appendModes are the two ways Append reaches the cluster: the shared
// append stream and unary RPCs.
var appendModes = []struct {
	name string
	mod  func(*client.Config)
}{{"stream", func(*client.Config) {}}, {"unary", unary}}

func TestClient_AppendFollowsLeader(t *testing.T) {
	for _, mode := range appendModes {
		t.Run(mode.name, func(t *testing.T) {
			fc := clienttest.New(t, 3)
			fc.SetLeader(2)
			// Only a follower is configured: the client must find node 2.
			c := newClient(t, fc, mode.mod, func(cfg *client.Config) { cfg.Endpoints = fc.Addrs()[:1] })
			mustCreate(t, c, "l")
			if got := mustAppend(t, c, "l", "a", "b"); got.FirstID != 1 || got.LastID != 2 {
				t.Errorf("Append = %+v, want ids 1..2", got)
			}
			fc.SetLeader(1) // node 2 now redirects to node 1
			if got := mustAppend(t, c, "l", "c"); got.FirstID != 3 || got.LastID != 3 {
				t.Errorf("Append after leader change = %+v, want id 3", got)
			}
			if diff := cmp.Diff([]string{"a", "b", "c"}, strs(fc.Records("l"))); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			info, err := c.Describe(t.Context(), "l")
			if err != nil {
				t.Fatal(err)
			}
			want := uint32(0)
			for _, p := range []string{"a", "b", "c"} {
				want = client.Checksum(want, []byte(p))
			}
			if info.Checksum != want {
				t.Errorf("Describe checksum = %08x, want %08x", info.Checksum, want)
			}
		})
	}
}

func TestClient_ConcurrentAppendsShareOneStream(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	const goroutines, each = 64, 20
	var wg sync.WaitGroup
	results := make([][]client.AppendResult, goroutines)
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				res, err := c.Append(t.Context(), "l", bs(fmt.Sprintf("g%d-%d", g, i)))
				if err != nil {
					errs <- err
					return
				}
				results[g] = append(results[g], res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	recs := fc.Records("l")
	if len(recs) != goroutines*each {
		t.Fatalf("log has %d records, want %d", len(recs), goroutines*each)
	}
	for g, rs := range results {
		for i, res := range rs {
			want := fmt.Sprintf("g%d-%d", g, i)
			if res.FirstID != res.LastID || string(recs[res.FirstID-1]) != want {
				t.Errorf("goroutine %d append %d got %+v holding %q, want a record %q", g, i, res, recs[res.FirstID-1], want)
			}
		}
	}
	if got := fc.Counters().Streams; got != 1 {
		t.Errorf("append streams opened = %d, want 1", got)
	}
}

func TestClient_PlainAppendOutcomeUnknownNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mod       func(*client.Config)
		fault     clienttest.Fault
		committed int
	}{
		{"stream breaks after apply", nil, clienttest.BreakAfterApply, 1},
		{"stream breaks before apply", nil, clienttest.BreakBeforeApply, 0},
		{"stream outcome unknown", nil, clienttest.UnknownAfterApply, 1},
		{"unary connection lost", unary, clienttest.BreakAfterApply, 1},
		{"unary outcome unknown", unary, clienttest.UnknownBeforeApply, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := clienttest.New(t, 3)
			var mods []func(*client.Config)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			c := newClient(t, fc, mods...)
			mustCreate(t, c, "l")
			fc.Inject(tc.fault)
			_, err := c.Append(t.Context(), "l", bs("x"))
			if !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Fatalf("Append = %v, want ErrOutcomeUnknown", err)
			}
			if got := fc.Counters().Received; got != 1 {
				t.Errorf("leader received %d appends, want 1 (no retry)", got)
			}
			if got := len(fc.Records("l")); got != tc.committed {
				t.Errorf("log has %d records, want %d", got, tc.committed)
			}
			// The client recovers: the next append opens a new stream.
			if res := mustAppend(t, c, "l", "y"); res.LastID != uint64(tc.committed)+1 {
				t.Errorf("next Append = %+v, want last id %d", res, tc.committed+1)
			}
		})
	}
}

func TestClient_StreamBreakFailsInFlightAppends(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	fc.Hold()
	const n = 10
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := c.Append(t.Context(), "l", bs(fmt.Sprint(i)))
			errs <- err
		}()
	}
	checkFor(t, 5*time.Second, time.Millisecond, func() error {
		if got := fc.Counters().Received; got != n {
			return fmt.Errorf("leader received %d appends, want %d", got, n)
		}
		return nil
	})
	fc.BreakStreams()
	for range n {
		if err := <-errs; !errors.Is(err, client.ErrOutcomeUnknown) {
			t.Errorf("Append = %v, want ErrOutcomeUnknown", err)
		}
	}
	fc.Release()
	if got := fc.Counters(); got.Received != n || got.Applied != 0 {
		t.Errorf("counters = %+v, want %d received and none applied (no retry)", got, n)
	}
}

func TestClient_ConditionalAppendIsExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mod   func(*client.Config)
		fault clienttest.Fault
	}{
		{"stream breaks after apply", nil, clienttest.BreakAfterApply},
		{"stream breaks before apply", nil, clienttest.BreakBeforeApply},
		{"stream outcome unknown after apply", nil, clienttest.UnknownAfterApply},
		{"stream outcome unknown before apply", nil, clienttest.UnknownBeforeApply},
		{"unary connection lost after apply", unary, clienttest.BreakAfterApply},
		{"unary outcome unknown after apply", unary, clienttest.UnknownAfterApply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := clienttest.New(t, 3)
			var mods []func(*client.Config)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			c := newClient(t, fc, mods...)
			mustCreate(t, c, "l")
			mustAppend(t, c, "l", "a", "b", "c")
			fc.Inject(tc.fault)
			res, err := c.AppendIf(t.Context(), "l", 3, bs("d", "e"))
			if err != nil {
				t.Fatalf("AppendIf = %v, want success", err)
			}
			if res.FirstID != 4 || res.LastID != 5 {
				t.Errorf("AppendIf = %+v, want ids 4..5", res)
			}
			if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, strs(fc.Records("l"))); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			info, err := c.Describe(t.Context(), "l")
			if err != nil {
				t.Fatal(err)
			}
			if res.Checksum != info.Checksum {
				t.Errorf("AppendIf checksum = %08x, want %08x", res.Checksum, info.Checksum)
			}
			if got := fc.Counters().Received; got != 3 {
				t.Errorf("leader received %d appends, want 3 (one append, one attempt, one retry)", got)
			}
		})
	}
}

func TestClient_ConditionalAppendAfterUnknownLosesToOtherWriter(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "other") // as if another writer won between the attempts
	fc.Inject(clienttest.UnknownBeforeApply)
	// Expected 1 fails too; use 0 to make the retry see actual 1 >= 0+1.
	_, err := c.AppendIf(t.Context(), "l", 0, bs("mine"))
	var ce *client.ConditionError
	if !errors.As(err, &ce) {
		t.Fatalf("AppendIf = %v, want *ConditionError", err)
	}
	if diff := cmp.Diff(&client.ConditionError{Log: "l", Expected: 0, Actual: 1}, ce); diff != "" {
		t.Errorf("ConditionError (-want +got):\n%s", diff)
	}
}

func TestClient_ConditionError(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "1", "2", "3", "4", "5")
	_, err := c.Append(t.Context(), "l", bs("x"), client.IfLastID(3))
	if !errors.Is(err, client.ErrConditionFailed) {
		t.Errorf("Append(IfLastID(3)) = %v, want ErrConditionFailed", err)
	}
	var ce *client.ConditionError
	if !errors.As(err, &ce) {
		t.Fatalf("Append(IfLastID(3)) = %v, want *ConditionError", err)
	}
	if diff := cmp.Diff(&client.ConditionError{Log: "l", Expected: 3, Actual: 5}, ce); diff != "" {
		t.Errorf("ConditionError (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "ABORTED: condition failed: expected last id 3, actual 5"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := client.ErrorCode(err); got != "ABORTED" {
		t.Errorf("ErrorCode = %q, want ABORTED", got)
	}
	if got := fc.Counters().Received; got != 2 {
		t.Errorf("leader received %d appends, want 2: a failed condition is not retried", got)
	}
}

func TestClient_AppendValidatesLocally(t *testing.T) {
	fc := clienttest.New(t, 1)
	c := newClient(t, fc)
	for _, payloads := range [][][]byte{nil, {}, {[]byte("a"), {}}} {
		if _, err := c.Append(t.Context(), "l", payloads); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("Append(%q) = %v, want ErrInvalidArgument", payloads, err)
		}
	}
	if got := fc.Counters().Received; got != 0 {
		t.Errorf("leader received %d appends, want 0", got)
	}
}

func TestClient_Backpressure(t *testing.T) {
	fc := clienttest.New(t, 1)
	c := newClient(t, fc, func(cfg *client.Config) { cfg.MaxInFlight = 4 })
	mustCreate(t, c, "l")
	fc.Hold()
	const n = 12
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Append(t.Context(), "l", bs("x"))
			errs <- err
		}()
	}
	checkFor(t, 5*time.Second, time.Millisecond, func() error {
		if got := fc.Counters().Received; got != 4 {
			return fmt.Errorf("leader received %d, want 4", got)
		}
		return nil
	})
	// The other 8 wait for a slot; give them a chance to overrun.
	time.Sleep(20 * time.Millisecond)
	if got := fc.Counters().Received; got != 4 {
		t.Errorf("leader received %d with MaxInFlight 4", got)
	}
	fc.Release()
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Append = %v", err)
		}
	}
	if got := len(fc.Records("l")); got != n {
		t.Errorf("log has %d records, want %d", got, n)
	}
}

func TestClient_NoLeaderIsUnavailable(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	fc.SetLeader(-1)
	err := c.CreateLog(timeout(t, 100*time.Millisecond), "l")
	if !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("CreateLog without leader = %v, want ErrUnavailable", err)
	}
	// A leader appears while the client is retrying.
	timer := time.AfterFunc(50*time.Millisecond, func() { fc.SetLeader(1) })
	defer timer.Stop()
	if err := c.CreateLog(timeout(t, 5*time.Second), "l"); err != nil {
		t.Fatalf("CreateLog once a leader appears = %v", err)
	}
}

func TestClient_CreateLogAfterUnknownOutcome(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	err := c.CreateLog(t.Context(), "l")
	if !errors.Is(err, client.ErrAlreadyExists) || errors.Is(err, client.ErrOutcomeUnknown) {
		t.Errorf("CreateLog of an existing log = %v, want only ErrAlreadyExists", err)
	}
}

func TestClient_ClosedClient(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	mustAppend(t, c, "l", "x")
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := c.Append(t.Context(), "l", bs("y")); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := c.Describe(t.Context(), "l"); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Describe after Close = %v, want ErrClosed", err)
	}
}
