package server

import (
	"context"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
)

// CreateLog creates an empty log.
func (s *Service) CreateLog(ctx context.Context, req *pb.CreateLogRequest) (*pb.CreateLogResponse, error) {
	if err := validLogName(req.GetLog()); err != nil {
		return nil, s.statusErr(err)
	}
	if _, err := s.node.Propose(ctx, logstore.Op{Kind: logstore.OpCreate, Log: req.GetLog()}); err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.CreateLogResponse{}, nil
}

// DeleteLog deletes a log and its records.
func (s *Service) DeleteLog(ctx context.Context, req *pb.DeleteLogRequest) (*pb.DeleteLogResponse, error) {
	if err := validLogName(req.GetLog()); err != nil {
		return nil, s.statusErr(err)
	}
	if _, err := s.node.Propose(ctx, logstore.Op{Kind: logstore.OpDelete, Log: req.GetLog()}); err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.DeleteLogResponse{}, nil
}

// Trim makes records through req.ThroughId unreadable.
func (s *Service) Trim(ctx context.Context, req *pb.TrimRequest) (*pb.TrimResponse, error) {
	if err := validLogName(req.GetLog()); err != nil {
		return nil, s.statusErr(err)
	}
	res, err := s.node.Propose(ctx, logstore.Op{Kind: logstore.OpTrim, Log: req.GetLog(), ThroughID: req.GetThroughId()})
	if err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.TrimResponse{FirstId: res.FirstID, LastId: res.LastID}, nil
}

// DescribeLog describes one log, from this node's applied state unless
// linearizable is asked for.
func (s *Service) DescribeLog(ctx context.Context, req *pb.DescribeLogRequest) (*pb.DescribeLogResponse, error) {
	if err := validLogName(req.GetLog()); err != nil {
		return nil, s.statusErr(err)
	}
	if req.GetLinearizable() {
		if err := s.linearize(ctx); err != nil {
			return nil, s.statusErr(err)
		}
	}
	info, err := s.node.Store().Describe(req.GetLog())
	if err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.DescribeLogResponse{Info: logInfo(info)}, nil
}

// ListLogs describes every user log (internal logs are hidden) the client
// may read.
func (s *Service) ListLogs(ctx context.Context, _ *pb.ListLogsRequest) (*pb.ListLogsResponse, error) {
	resp := &pb.ListLogsResponse{}
	readable := s.readable(ctx)
	for _, info := range s.node.Store().List() {
		if info.Name == quorum.MembersLog || !readable(info.Name) {
			continue
		}
		resp.Logs = append(resp.Logs, logInfo(info))
	}
	return resp, nil
}

func logInfo(i logstore.Info) *pb.LogInfo {
	return &pb.LogInfo{
		Name: i.Name, FirstId: i.FirstID, LastId: i.LastID, Records: i.Records,
		Bytes: i.Bytes, Checksum: i.Checksum, TrimmedThrough: i.TrimmedThrough,
	}
}
