package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"google.golang.org/grpc"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum"
)

// Node is what the service needs of a quorum.Node.
type Node interface {
	ID() string
	IsLeader() bool
	Leader() (id, grpcAddr string)
	Propose(ctx context.Context, op logstore.Op) (logstore.Result, error)
	ProposeAsync(op logstore.Op, done func(logstore.Result, error))
	ReadIndex(ctx context.Context) (uint64, error)
	WaitApplied(ctx context.Context, index uint64) error
	Store() *logstore.Store
	Status() (quorum.Status, error)
	Join(ctx context.Context, m quorum.Member, allowZoneMajority bool) error
	Self() quorum.Member
	Registered(m quorum.Member) bool
}

var _ Node = (*quorum.Node)(nil)

// DefaultMaxRecordBytes is the default bound on one record's payload.
const DefaultMaxRecordBytes = 1 << 20

// Config configures a Service.
type Config struct {
	Node           Node
	MaxRecordBytes int          // default DefaultMaxRecordBytes
	Logger         *slog.Logger // nil discards
}

// Service implements LogService and ClusterService. Create it with New,
// register it with Register, stop it with Close.
type Service struct {
	pb.UnsafeLogServiceServer
	pb.UnsafeClusterServiceServer

	node   Node
	max    int
	logger *slog.Logger
	peers  *peerConns

	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

var (
	_ pb.LogServiceServer     = (*Service)(nil)
	_ pb.ClusterServiceServer = (*Service)(nil)
)

// New returns a Service over cfg.Node.
func New(cfg Config) (*Service, error) {
	if cfg.Node == nil {
		return nil, errors.New("server: a node is required")
	}
	if cfg.MaxRecordBytes == 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if cfg.MaxRecordBytes < 0 {
		return nil, errors.New("server: max record bytes must be positive")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		node: cfg.Node, max: cfg.MaxRecordBytes, logger: cfg.Logger,
		peers: newPeerConns(), closing: make(chan struct{}),
	}, nil
}

// MaxMessageBytes is the gRPC message size the server must accept: a full
// append of maxAppendBytes plus framing.
func (s *Service) MaxMessageBytes() int { return maxAppendBytes(s.max) + 1<<20 }

// Register registers both services on g.
func (s *Service) Register(g *grpc.Server) {
	pb.RegisterLogServiceServer(g, s)
	pb.RegisterClusterServiceServer(g, s)
}

// Close stops background work and closes connections to peers. Idempotent.
func (s *Service) Close() error {
	s.once.Do(func() { close(s.closing) })
	s.wg.Wait()
	return s.peers.close()
}
