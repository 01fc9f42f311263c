package logstore

import (
	"context"
	"fmt"
)

// Wait returns nil once log's LastID is above afterID (at once if it already
// is). It returns an error wrapping ErrNoLog if the log does not exist or is
// deleted while waiting (even if a log of the same name is created again),
// ErrClosed if the store closes, and ctx.Err() if ctx ends first.
//
// A waiter costs one goroutine blocked on a channel: each log has one
// broadcast channel, created by the first waiter and closed (then dropped) by
// the Apply that appends to the log, so thousands of tail readers cost no
// polling and Apply pays nothing for logs nobody waits on.
func (s *Store) Wait(ctx context.Context, log string, afterID uint64) error {
	var num uint64 // the incarnation of log being waited on
	for first := true; ; first = false {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		l := s.logs[log]
		if l == nil || (!first && l.num != num) {
			s.mu.Unlock()
			return fmt.Errorf("wait %q: %w", log, ErrNoLog)
		}
		num = l.num
		if l.lastID > afterID {
			s.mu.Unlock()
			return nil
		}
		if l.waitCh == nil {
			l.waitCh = make(chan struct{})
		}
		ch := l.waitCh
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitApplied returns nil once AppliedIndex is at least index, ErrClosed if
// the store closes and ctx.Err() if ctx ends first. Linearizable reads use it
// to wait for the read index. Like Wait, it blocks on a broadcast channel
// that Apply closes, never polls.
func (s *Store) WaitApplied(ctx context.Context, index uint64) error {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		if s.applied >= index {
			s.mu.Unlock()
			return nil
		}
		if s.appliedCh == nil {
			s.appliedCh = make(chan struct{})
		}
		ch := s.appliedCh
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
