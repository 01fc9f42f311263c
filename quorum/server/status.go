package server

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
)

// toStatus is the one translation of errors into gRPC status, walking the
// chain with errors.Is/As. Anything unrecognised is Internal and logged here.
func (s *Service) toStatus(err error) *status.Status {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		return st // already a status (e.g. from a peer)
	}
	var (
		bad  *badRequest
		cond *logstore.ConditionError
		rng  *logstore.RangeError
		nl   *quorum.NotLeaderError
		zm   *quorum.ZoneMajorityError
	)
	switch {
	case errors.As(err, &bad):
		return withDetail(codes.InvalidArgument, err.Error(), &pb.BadRequest{Field: bad.field, Description: bad.description})
	case errors.As(err, &cond):
		return withDetail(codes.Aborted, err.Error(), &pb.ConditionFailed{Log: cond.Log, ExpectedLastId: cond.Expected, ActualLastId: cond.Actual, ActualChecksum: cond.ActualChecksum})
	case errors.As(err, &rng):
		return withDetail(codes.OutOfRange, err.Error(), &pb.Range{FirstId: rng.FirstID, LastId: rng.LastID})
	case errors.Is(err, logstore.ErrNoLog):
		return status.New(codes.NotFound, err.Error())
	case errors.Is(err, logstore.ErrExists):
		return status.New(codes.AlreadyExists, err.Error())
	case errors.Is(err, logstore.ErrCorrupt):
		s.logger.Error("stored data failed its checksum", "err", err)
		return status.New(codes.DataLoss, err.Error())
	case errors.As(err, &nl):
		return withDetail(codes.Unavailable, err.Error(), &pb.NotLeader{LeaderId: nl.LeaderID, LeaderAddr: nl.LeaderAddr})
	case errors.Is(err, quorum.ErrClosed):
		return withDetail(codes.Unavailable, err.Error(), &pb.NotLeader{})
	case errors.Is(err, quorum.ErrOutcomeUnknown):
		if errors.Is(err, context.DeadlineExceeded) {
			return status.New(codes.DeadlineExceeded, err.Error())
		}
		return withDetail(codes.Unavailable, err.Error(), &pb.OutcomeUnknown{})
	case errors.Is(err, quorum.ErrBusy):
		return status.New(codes.ResourceExhausted, err.Error())
	case errors.As(err, &zm), errors.Is(err, quorum.ErrLastVoter):
		return status.New(codes.FailedPrecondition, err.Error())
	case errors.Is(err, quorum.ErrNotMember):
		return status.New(codes.NotFound, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err)
	}
	s.logger.Error("internal error", "err", err)
	return status.New(codes.Internal, err.Error())
}

func (s *Service) statusErr(err error) error {
	if err == nil {
		return nil
	}
	return s.toStatus(err).Err()
}

func withDetail(c codes.Code, msg string, detail protoadapt.MessageV1) *status.Status {
	st, err := status.New(c, msg).WithDetails(detail)
	if err != nil {
		return status.New(c, msg)
	}
	return st
}

// streamError carries st inside an AppendStreamResponse.
func streamError(st *status.Status) *pb.StreamError {
	p := st.Proto()
	e := &pb.StreamError{Code: p.GetCode(), Message: p.GetMessage()}
	for _, d := range p.GetDetails() {
		e.Details = append(e.Details, &pb.Any{TypeUrl: d.GetTypeUrl(), Value: d.GetValue()})
	}
	return e
}
