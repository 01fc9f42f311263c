package server

import (
	"context"
	"math"
	"sort"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/quorum"
)

// Status describes the cluster as this node sees it.
func (s *Service) Status(ctx context.Context, _ *pb.StatusRequest) (*pb.StatusResponse, error) {
	st, err := s.node.Status()
	if err != nil {
		return nil, s.statusErr(err)
	}
	resp := &pb.StatusResponse{
		NodeId: st.ID, Zone: st.Zone, State: st.State, LeaderId: st.LeaderID, LeaderAddr: st.LeaderAddr,
		Term: st.Term, CommitIndex: st.CommitIndex, AppliedIndex: st.AppliedIndex,
		VotersPerZone: make(map[string]uint32, len(st.VotersPerZone)), SurvivesZoneLoss: st.SurvivesZoneLoss,
		Warnings: st.Warnings, MaxRecordBytes: uint32(min(s.max, math.MaxUint32)),
		MaxMessageBytes: uint64(s.MaxMessageBytes()),
	}
	for z, c := range st.VotersPerZone {
		resp.VotersPerZone[z] = uint32(c)
	}
	for _, m := range st.Members {
		suffrage := "nonvoter"
		if m.Voter {
			suffrage = "voter"
		}
		resp.Members = append(resp.Members, &pb.Member{
			Id: m.ID, RaftAddr: m.RaftAddr, GrpcAddr: m.GRPCAddr, Zone: m.Zone, Suffrage: suffrage, Leader: m.Leader,
		})
	}
	sort.Slice(resp.Members, func(i, j int) bool { return resp.Members[i].Id < resp.Members[j].Id })
	return resp, nil
}

// Join adds a node as a voter (leader only).
func (s *Service) Join(ctx context.Context, req *pb.JoinRequest) (*pb.JoinResponse, error) {
	m := quorum.Member{ID: req.GetId(), RaftAddr: req.GetRaftAddr(), GRPCAddr: req.GetGrpcAddr(), Zone: req.GetZone()}
	if m.ID == "" || m.RaftAddr == "" || m.GRPCAddr == "" || m.Zone == "" {
		return nil, s.statusErr(&badRequest{"id, raft_addr, grpc_addr, zone", "a joining node must give all four"})
	}
	if err := s.node.Join(ctx, m, req.GetAllowZoneMajority()); err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.JoinResponse{}, nil
}

// RemoveMember removes a member (leader only).
func (s *Service) RemoveMember(ctx context.Context, req *pb.RemoveMemberRequest) (*pb.RemoveMemberResponse, error) {
	if req.GetId() == "" {
		return nil, s.statusErr(&badRequest{"id", "the member to remove must be named"})
	}
	if err := s.node.RemoveMember(ctx, req.GetId(), req.GetAllowZoneMajority()); err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.RemoveMemberResponse{}, nil
}

// ReadIndex serves a read index to followers (leader only).
func (s *Service) ReadIndex(ctx context.Context, _ *pb.ReadIndexRequest) (*pb.ReadIndexResponse, error) {
	index, err := s.node.ReadIndex(ctx)
	if err != nil {
		return nil, s.statusErr(err)
	}
	return &pb.ReadIndexResponse{Index: index}, nil
}
