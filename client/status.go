package client

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// Status is a node's view of the cluster.
type Status struct {
	// Endpoint is the address the status was fetched from.
	Endpoint string
	NodeID   string
	Zone     string
	// State is the node's raft state: Leader, Follower, Candidate, Shutdown.
	State    string
	LeaderID string
	// LeaderAddr is the leader's gRPC address, "" if no leader is known.
	LeaderAddr   string
	Term         uint64
	CommitIndex  uint64
	AppliedIndex uint64
	Members      []Member
	// VotersPerZone counts voters by zone.
	VotersPerZone map[string]int
	// SurvivesZoneLoss is true when losing any one zone leaves a voter majority.
	SurvivesZoneLoss bool
	Warnings         []string
	// MaxRecordBytes is the largest record payload the node accepts
	// (quorumlogd --max-record-bytes); 0 if the node does not say.
	MaxRecordBytes int
	// MaxMessageBytes is the largest request the node accepts, an append's
	// records and framing together; 0 if the node does not say.
	MaxMessageBytes int
}

// Member is a cluster member as a node reports it.
type Member struct {
	ID       string
	RaftAddr string
	GRPCAddr string
	Zone     string
	Suffrage string // "voter" or "nonvoter"
	Leader   bool
}

// Status returns the status of whichever known node answers first. It also
// teaches the client the members' gRPC addresses and the current leader.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var st *Status
	err := c.onAny(ctx, func(ctx context.Context, cn *conn) error {
		resp, err := cn.cluster.Status(ctx, &quorumlogpb.StatusRequest{})
		if err != nil {
			return err
		}
		st = statusFromProto(cn.addr, resp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.learn(st)
	return st, nil
}

// StatusOf returns the status of the node at endpoint ("host:port"), which
// need not be in Config.Endpoints. It does not try other nodes.
func (c *Client) StatusOf(ctx context.Context, endpoint string) (*Status, error) {
	st, err := c.statusOf(ctx, endpoint)
	if err != nil {
		if isNotSent(err) {
			return nil, unavailable(err, ErrUnavailable)
		}
		return nil, err
	}
	return st, nil
}

// statusOf asks one endpoint, bounding the whole call by DialTimeout, and
// learns from the answer.
func (c *Client) statusOf(ctx context.Context, addr string) (*Status, error) {
	cn, err := c.conn(addr)
	if err != nil {
		return nil, err
	}
	if err := c.ready(ctx, cn); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	resp, err := cn.cluster.Status(ctx, &quorumlogpb.StatusRequest{})
	if err != nil {
		return nil, mapError(err)
	}
	st := statusFromProto(addr, resp)
	c.learn(st)
	return st, nil
}

// learn adds the members' gRPC addresses to the known endpoints and notes
// the leader.
func (c *Client) learn(st *Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range st.Members {
		c.addAddrLocked(m.GRPCAddr)
	}
	if l := st.leaderGRPCAddr(); l != "" {
		c.leader = l
		c.addAddrLocked(l)
	}
}

// leaderGRPCAddr returns the leader's gRPC address: the leader member's
// grpc_addr, else LeaderAddr.
func (st *Status) leaderGRPCAddr() string {
	for _, m := range st.Members {
		if (m.Leader || (st.LeaderID != "" && m.ID == st.LeaderID)) && m.GRPCAddr != "" {
			return m.GRPCAddr
		}
	}
	if st.State == "Leader" {
		return st.Endpoint
	}
	return st.LeaderAddr
}

func statusFromProto(addr string, r *quorumlogpb.StatusResponse) *Status {
	st := &Status{
		Endpoint:         addr,
		NodeID:           r.GetNodeId(),
		Zone:             r.GetZone(),
		State:            r.GetState(),
		LeaderID:         r.GetLeaderId(),
		LeaderAddr:       r.GetLeaderAddr(),
		Term:             r.GetTerm(),
		CommitIndex:      r.GetCommitIndex(),
		AppliedIndex:     r.GetAppliedIndex(),
		VotersPerZone:    make(map[string]int, len(r.GetVotersPerZone())),
		SurvivesZoneLoss: r.GetSurvivesZoneLoss(),
		Warnings:         r.GetWarnings(),
		MaxRecordBytes:   int(r.GetMaxRecordBytes()),
		MaxMessageBytes:  int(min(r.GetMaxMessageBytes(), math.MaxInt32)),
	}
	for z, n := range r.GetVotersPerZone() {
		st.VotersPerZone[z] = int(n)
	}
	for _, m := range r.GetMembers() {
		st.Members = append(st.Members, Member{
			ID:       m.GetId(),
			RaftAddr: m.GetRaftAddr(),
			GRPCAddr: m.GetGrpcAddr(),
			Zone:     m.GetZone(),
			Suffrage: m.GetSuffrage(),
			Leader:   m.GetLeader(),
		})
	}
	return st
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
