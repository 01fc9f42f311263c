package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/quorum"
)

// peerConns keeps one gRPC connection per peer address, for the few calls a
// node makes to the leader (read index, join).
type peerConns struct {
	opts  []grpc.DialOption
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn // guarded by mu
}

// newPeerConns returns connections that dial from the local IP from, if
// it is set (client.DialFrom, which also sets SO_REUSEADDR), over TLS with
// tlsCfg if it is set (Config.PeerTLS).
func newPeerConns(from net.IP, tlsCfg *tls.Config) *peerConns {
	p := &peerConns{conns: make(map[string]*grpc.ClientConn)}
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = client.NewTLSCredentials(tlsCfg) // copies tlsCfg; names the peer for its verification
	}
	p.opts = []grpc.DialOption{grpc.WithTransportCredentials(creds), client.DialFrom(from)}
	return p
}

func (p *peerConns) get(addr string) (pb.ClusterServiceClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return nil, quorum.ErrClosed
	}
	cc, ok := p.conns[addr]
	if !ok {
		var err error
		cc, err = grpc.NewClient(addr, p.opts...)
		if err != nil {
			return nil, err
		}
		p.conns[addr] = cc
	}
	return pb.NewClusterServiceClient(cc), nil
}

func (p *peerConns) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, cc := range p.conns {
		errs = append(errs, cc.Close())
	}
	p.conns = nil
	return errors.Join(errs...)
}

// leaderReadIndex asks the leader for a read index.
func (s *Service) leaderReadIndex(ctx context.Context) (uint64, error) {
	id, addr := s.node.Leader()
	if addr == "" {
		return 0, &quorum.NotLeaderError{LeaderID: id}
	}
	c, err := s.peers.get(addr)
	if err != nil {
		return 0, err
	}
	resp, err := c.ReadIndex(ctx, &pb.ReadIndexRequest{})
	if err != nil {
		return 0, err
	}
	return resp.GetIndex(), nil
}
