package server

import (
	"context"
	"time"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// A node removed from the cluster while it was down or cut off never
// hears of it through raft: no leader sends it anything again, and it
// waits as a follower for ever. So a node that has heard from no leader
// for removalAskAfter asks the members it knows (quorum.Node.KnownPeers)
// which of them leads, and whether the leader's configuration still
// lists it; two answers in a row that it does not make it stop, as a
// removed etcd member does. Only the leader's answer counts: a follower
// may not have applied this node's joining yet.
const (
	removalAskAfter = 5 * time.Second
	removalAskEvery = 2 * time.Second
	removalAnswers  = 2
)

func (s *Service) removalLoop() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // Close need not wait for a peer's answer
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(removalAskEvery)
	defer t.Stop()
	heard, unlisted := time.Now(), 0
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
		}
		if id, _ := s.node.Leader(); id != "" {
			heard, unlisted = time.Now(), 0
			continue
		}
		if time.Since(heard) < removalAskAfter {
			continue
		}
		s.logger.Debug("no leader heard from: asking the known members whether this node is still one", "peers", len(s.node.KnownPeers()))
		leaderID, listed, ok := s.askLeaderAboutSelf(ctx)
		switch {
		case !ok:
			continue // no leader reached: ask again later
		case listed:
			unlisted = 0
			continue
		}
		if unlisted++; unlisted >= removalAnswers {
			s.node.ConfirmRemoved(leaderID)
			return
		}
	}
}

// askLeaderAboutSelf asks the known peers for their status until one is
// the leader, and reports whether its configuration lists this node.
func (s *Service) askLeaderAboutSelf(ctx context.Context) (leaderID string, listed, ok bool) {
	self := s.node.ID()
	for _, p := range s.node.KnownPeers() {
		c, err := s.peers.get(p.GRPCAddr)
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := c.Status(cctx, &pb.StatusRequest{})
		cancel()
		if err != nil || st.GetState() != "Leader" {
			continue
		}
		for _, m := range st.GetMembers() {
			if m.GetId() == self {
				return st.GetNodeId(), true, true
			}
		}
		return st.GetNodeId(), false, true
	}
	return "", false, false
}
