package logstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// waitAsync runs Wait in a goroutine and returns its result channel.
func waitAsync(ctx context.Context, s *Store, log string, after uint64) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- s.Wait(ctx, log, after) }()
	return ch
}

// hasWaiter reports whether log currently has a broadcast channel, i.e. a
// waiter registered (used to avoid racing the Apply ahead of the Wait).
func hasWaiter(s *Store, log string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.logs[log]
	return l != nil && l.waitCh != nil
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func result(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return")
		return nil
	}
}

func TestStore_Wait(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	ctx := t.Context()
	mustApply(t, s, 1, createOp("a"), stringsOp("a", "x"))

	if err := s.Wait(ctx, "a", 0); err != nil {
		t.Errorf("Wait(after 0) = %v, want nil at once", err)
	}
	if err := s.Wait(ctx, "zz", 0); !errors.Is(err, ErrNoLog) {
		t.Errorf("Wait(no log) = %v, want ErrNoLog", err)
	}

	t.Run("append wakes", func(t *testing.T) {
		ch := waitAsync(ctx, s, "a", 1)
		eventually(t, "waiter", func() bool { return hasWaiter(s, "a") })
		mustApply(t, s, s.AppliedIndex()+1, createOp("b"), stringsOp("b", "other")) // another log: no wake-up
		select {
		case err := <-ch:
			t.Fatalf("Wait returned %v after an append to another log", err)
		default:
		}
		mustApply(t, s, s.AppliedIndex()+1, stringsOp("a", "y"))
		if err := result(t, ch); err != nil {
			t.Errorf("Wait = %v, want nil", err)
		}
	})
	t.Run("delete and recreate", func(t *testing.T) {
		ch := waitAsync(ctx, s, "a", 100)
		eventually(t, "waiter", func() bool { return hasWaiter(s, "a") })
		mustApply(t, s, s.AppliedIndex()+1, deleteOp("a"), createOp("a"), appendOp("a", 0, 200, 1))
		if err := result(t, ch); !errors.Is(err, ErrNoLog) {
			t.Errorf("Wait across delete = %v, want ErrNoLog", err)
		}
	})
	t.Run("ctx", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		ch := waitAsync(cctx, s, "a", 1000)
		eventually(t, "waiter", func() bool { return hasWaiter(s, "a") })
		cancel()
		if err := result(t, ch); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait after cancel = %v, want context.Canceled", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		ch := waitAsync(ctx, s, "a", 1000)
		eventually(t, "waiter", func() bool { return hasWaiter(s, "a") })
		s.Close()
		if err := result(t, ch); !errors.Is(err, ErrClosed) {
			t.Errorf("Wait after Close = %v, want ErrClosed", err)
		}
	})
}

func TestStore_ManyWaiters(t *testing.T) {
	const logs, perLog = 100, 50
	s := mustOpen(t, testConfig(t))
	var ops []Op
	for i := range logs {
		ops = append(ops, createOp(fmt.Sprint(i)))
	}
	mustApply(t, s, 1, ops...)
	var chans []<-chan error
	for i := range logs {
		for range perLog {
			chans = append(chans, waitAsync(t.Context(), s, fmt.Sprint(i), 0))
		}
	}
	eventually(t, "waiters", func() bool {
		for i := range logs {
			if !hasWaiter(s, fmt.Sprint(i)) {
				return false
			}
		}
		return true
	})
	ops = ops[:0]
	for i := range logs {
		ops = append(ops, stringsOp(fmt.Sprint(i), "x"))
	}
	mustApply(t, s, 2, ops...)
	for _, ch := range chans {
		if err := result(t, ch); err != nil {
			t.Fatalf("Wait = %v", err)
		}
	}
}

func TestStore_WaitApplied(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	ctx := t.Context()
	mustApply(t, s, 3)
	if err := s.WaitApplied(ctx, 3); err != nil {
		t.Errorf("WaitApplied(3) = %v", err)
	}
	ch := make(chan error, 1)
	go func() { ch <- s.WaitApplied(ctx, 5) }()
	eventually(t, "waiter", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.appliedCh != nil })
	mustApply(t, s, 4)
	select {
	case err := <-ch:
		t.Fatalf("WaitApplied(5) returned %v at index 4", err)
	default:
	}
	mustApply(t, s, 5)
	if err := result(t, ch); err != nil {
		t.Errorf("WaitApplied(5) = %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if err := s.WaitApplied(cctx, 100); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitApplied with expiring ctx = %v", err)
	}
	go func() { ch <- s.WaitApplied(ctx, 100) }()
	eventually(t, "waiter", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.appliedCh != nil })
	s.Close()
	if err := result(t, ch); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitApplied after Close = %v, want ErrClosed", err)
	}
}
