package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// ErrJoinRefused means the cluster refused to add this node (for instance
// because one zone would hold a majority); retrying will not help.
var ErrJoinRefused = errors.New("server: join refused")

// JoinCluster asks the cluster reachable at addr to add this node as a
// voter, following leader hints, until it succeeds, is refused, or ctx ends.
func (s *Service) JoinCluster(ctx context.Context, addr string, allowZoneMajority bool) error {
	self := s.node.Self()
	req := &pb.JoinRequest{Id: self.ID, RaftAddr: self.RaftAddr, GrpcAddr: self.GRPCAddr, Zone: self.Zone, AllowZoneMajority: allowZoneMajority}
	target := addr
	for {
		err := s.join(ctx, target, req)
		if err == nil {
			return nil
		}
		st := status.Convert(err)
		switch st.Code() {
		case codes.FailedPrecondition, codes.InvalidArgument:
			return fmt.Errorf("%w: %s", ErrJoinRefused, st.Message())
		}
		target = addr
		for _, d := range st.Details() {
			if nl, ok := d.(*pb.NotLeader); ok && nl.GetLeaderAddr() != "" {
				target = nl.GetLeaderAddr()
			}
		}
		s.logger.Info("join not done yet; retrying", "peer", target, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (s *Service) join(ctx context.Context, addr string, req *pb.JoinRequest) error {
	c, err := s.peers.get(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = c.Join(ctx, req)
	return err
}

// StartMembership keeps this node's registry entry (zone, gRPC address)
// current: a follower whose entry is missing or stale asks the leader to
// record it. The leader records its own (see quorum.Node). It runs until Close.
func (s *Service) StartMembership() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.closing:
				return
			case <-t.C:
			}
			self := s.node.Self()
			if s.node.IsLeader() || s.node.Registered(self) {
				continue
			}
			_, addr := s.node.Leader()
			if addr == "" {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := s.join(ctx, addr, &pb.JoinRequest{Id: self.ID, RaftAddr: self.RaftAddr, GrpcAddr: self.GRPCAddr, Zone: self.Zone})
			cancel()
			if err != nil {
				s.logger.Debug("registering with the leader", "peer", addr, "err", err)
			}
		}
	}()
}
