package shard

import (
	"context"
	"errors"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// learnRecordLimit sets the largest record the primary builds to the
// smallest --max-record-bytes the log's nodes report (every member it can
// reach: any may lead and check the next append), or to Config's cap if
// that is smaller. It waits for the log like every other call of Run;
// nodes too old to say leave the default.
func (s *Shard) learnRecordLimit(ctx context.Context) error {
	st, err := s.cfg.Client.Status(ctx)
	// A node registers its gRPC address through the log once it has
	// joined: just after the cluster starts some may not have yet.
	for wait := time.Now().Add(unregisteredWait); err == nil && unregistered(st) && time.Now().Before(wait); {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		st, err = s.cfg.Client.Status(ctx)
	}
	if err != nil {
		return err
	}
	limit := st.MaxRecordBytes
	for _, m := range st.Members {
		if m.GRPCAddr == "" || m.GRPCAddr == st.Endpoint {
			continue
		}
		o, err := s.cfg.Client.StatusOf(ctx, m.GRPCAddr)
		if err != nil {
			continue // unreachable now: the others still bound it
		}
		if o.MaxRecordBytes > 0 && (limit == 0 || o.MaxRecordBytes < limit) {
			limit = o.MaxRecordBytes
		}
	}
	if limit == 0 {
		limit = DefaultMaxRecordBytes
	}
	if c := s.cfg.MaxRecordBytes; c > limit {
		// Records this large would be refused, and each refusal costs a
		// step-down: the log's limit wins over the flag.
		s.logger.Warn("--max-record-bytes is above the log's record limit; using the log's", "flag", c, "log", limit)
	} else if c != 0 {
		limit = c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if limit != s.maxRecord {
		s.logger.Info("record limit from the log", "bytes", limit)
	}
	s.maxRecord = limit
	return nil
}

// relearnRecordLimitAfter asks the log for its record limit again if err
// is the log refusing a record as invalid: the limit may have changed
// since the node started (a rolling restart of the log with a new
// --max-record-bytes). The append that failed has made this node step
// down, so the appender has nothing to send meanwhile; it waits a lease
// at most.
func (s *Shard) relearnRecordLimitAfter(ctx context.Context, err error) {
	if !errors.Is(err, client.ErrInvalidArgument) {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, s.cfg.Lease) // the appender must not stall for long
	defer cancel()
	if err := s.learnRecordLimit(lctx); err != nil && ctx.Err() == nil {
		s.logger.Warn("could not ask the log for its record limit", "err", err)
	}
}

// unregisteredWait bounds how long learnRecordLimit waits for every member
// to have registered its gRPC address; a node down since the cluster
// started never does.
const unregisteredWait = 5 * time.Second

func unregistered(st *client.Status) bool {
	for _, m := range st.Members {
		if m.GRPCAddr == "" {
			return true
		}
	}
	return false
}
