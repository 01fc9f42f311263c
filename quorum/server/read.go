package server

import (
	"context"
	"errors"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
)

// Read batch limits: a stream holds at most one batch in memory, so a slow
// reader costs the server at most this much and never slows writers.
const (
	readBatchRecords = 512
	readBatchBytes   = 1 << 20
)

// Read streams records from req.FromId; with Follow it then waits for new
// ones. A CaughtUp marker is sent each time the stream reaches the tail.
func (s *Service) Read(req *pb.ReadRequest, stream pb.LogService_ReadServer) error {
	ctx := stream.Context()
	s.metrics.readStreams.Inc()
	defer s.metrics.readStreams.Dec()
	if err := validLogName(req.GetLog()); err != nil {
		return s.statusErr(err)
	}
	if req.GetLinearizable() {
		if err := s.linearize(ctx); err != nil {
			return s.statusErr(err)
		}
	}
	store := s.node.Store()
	log := req.GetLog()
	info, err := store.Describe(log)
	if err != nil {
		return s.statusErr(err)
	}
	next := req.GetFromId()
	if next == 0 {
		next = info.FirstID
	}
	if next > info.LastID+1 && !req.GetFollow() {
		return s.statusErr(&logstore.RangeError{Log: log, FirstID: info.FirstID, LastID: info.LastID, Err: logstore.ErrBeyondTail})
	}
	remaining := req.GetMax() // 0: unbounded
	caughtUpAt := uint64(0)
	caughtUpSent := false
	for {
		limit := readBatchRecords
		if remaining > 0 && remaining < uint64(limit) {
			limit = int(remaining)
		}
		recs, err := store.Read(log, next, limit, readBatchBytes)
		if err != nil && !errors.Is(err, logstore.ErrBeyondTail) {
			return s.statusErr(err)
		}
		if len(recs) > 0 {
			msg := &pb.ReadResponse{Records: make([]*pb.Record, len(recs))}
			for i, r := range recs {
				msg.Records[i] = &pb.Record{Id: r.ID, Payload: r.Payload, Crc32C: r.CRC}
			}
			next = recs[len(recs)-1].ID + 1
			// A batch that reaches this node's applied tail carries the
			// caught-up marker itself: a tail reader then gets one message
			// per batch, not two.
			if info, err := store.Describe(log); err == nil && next-1 >= info.LastID {
				msg.CaughtUp = &pb.CaughtUp{LastId: next - 1}
				caughtUpSent, caughtUpAt = true, next-1
			}
			if err := stream.Send(msg); err != nil {
				return err
			}
			if remaining > 0 {
				remaining -= uint64(len(recs))
				if remaining == 0 {
					return nil
				}
			}
			continue
		}
		// At the tail of what this node has applied. A follow read that
		// started beyond the tail reports the log's real last ID.
		info, err := store.Describe(log)
		if err != nil {
			return s.statusErr(err)
		}
		at := min(next-1, info.LastID)
		if !caughtUpSent || caughtUpAt != at {
			if err := stream.Send(&pb.ReadResponse{CaughtUp: &pb.CaughtUp{LastId: at}}); err != nil {
				return err
			}
			caughtUpSent, caughtUpAt = true, at
		}
		if !req.GetFollow() {
			return nil
		}
		if err := store.Wait(ctx, log, next-1); err != nil {
			if ctx.Err() != nil {
				return s.statusErr(ctx.Err())
			}
			return s.statusErr(err)
		}
	}
}

// linearize waits until this node has applied everything acknowledged before
// the call: the leader's read index, obtained locally or from the leader.
func (s *Service) linearize(ctx context.Context) error {
	var index uint64
	var err error
	if s.node.IsLeader() {
		index, err = s.node.ReadIndex(ctx)
	} else {
		index, err = s.leaderReadIndex(ctx)
	}
	if err != nil {
		return err
	}
	return s.node.WaitApplied(ctx, index)
}
