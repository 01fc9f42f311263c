package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
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
	RemoveMember(ctx context.Context, id string, allowZoneMajority bool) error
	Self() quorum.Member
	Registered(m quorum.Member) bool
	KnownPeers() []quorum.Member
	ConfirmRemoved(leaderID string)
}

var _ Node = (*quorum.Node)(nil)

// DefaultMaxRecordBytes is the default bound on one record's payload.
const DefaultMaxRecordBytes = 1 << 20

// Config configures a Service.
type Config struct {
	Node           Node
	MaxRecordBytes int          // default DefaultMaxRecordBytes
	Logger         *slog.Logger // nil discards
	// Metrics, if set, registers the quorumlog_server_* metrics; Close
	// unregisters them. Nil registers nothing. Requests are counted by the
	// interceptors (UnaryInterceptor, StreamInterceptor) the caller installs.
	Metrics prometheus.Registerer
	// DialFrom is the local IP this node's calls to other nodes (read
	// index, join) leave from: its gRPC address's, so that they come from
	// the node as its raft traffic does. Nil or unspecified: the kernel
	// picks.
	DialFrom net.IP
	// PeerTLS, if set, secures those calls: the other nodes' certificates
	// are verified against PeerTLS.RootCAs, and PeerTLS.Certificates (the
	// node's own) is presented to them; or their callbacks do it
	// (client.TLSReloader.ClientConfig: the files rotate without a
	// restart; dialled through client.NewTLSCredentials). Nil: plaintext,
	// as the nodes' gRPC port must then be.
	PeerTLS *tls.Config
	// Authz, if set, authorizes every call by the client's verified
	// certificate (--tls-authz-file): the interceptors (UnaryInterceptor,
	// StreamInterceptor) check each call before its handler runs and
	// AppendStream each message before it is proposed; a call not granted
	// gets PERMISSION_DENIED and changes nothing. Nil: every client the
	// TLS layer admits may do everything.
	Authz Authorizer
}

// Service implements LogService and ClusterService. Create it with New,
// register it with Register, stop it with Close.
type Service struct {
	pb.UnsafeLogServiceServer
	pb.UnsafeClusterServiceServer

	node    Node
	max     int
	logger  *slog.Logger
	peers   *peerConns
	metrics *metrics
	authz   Authorizer // nil: no authorization

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
	if cfg.MaxRecordBytes < 0 || cfg.MaxRecordBytes > MaxRecordBytesLimit {
		return nil, fmt.Errorf("server: max record bytes must be between 1 and %d", MaxRecordBytesLimit)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	s := &Service{
		node: cfg.Node, max: cfg.MaxRecordBytes, logger: cfg.Logger,
		peers: newPeerConns(cfg.DialFrom, cfg.PeerTLS), closing: make(chan struct{}), metrics: m,
		authz: cfg.Authz,
	}
	s.wg.Add(1)
	go s.removalLoop()
	return s, nil
}

// MaxMessageBytes is the gRPC message size the server must accept: a full
// append of maxAppendBytes plus framing.
func (s *Service) MaxMessageBytes() int { return maxAppendBytes(s.max) + 1<<20 }

// Register registers both services on g. g must have the service's
// interceptors (UnaryInterceptor, StreamInterceptor) installed: they
// count the calls and, with Config.Authz, authorize them; a server
// without them serves every call unchecked.
func (s *Service) Register(g *grpc.Server) {
	pb.RegisterLogServiceServer(g, s)
	pb.RegisterClusterServiceServer(g, s)
}

// Close stops background work, closes connections to peers and unregisters
// the metrics. Idempotent.
func (s *Service) Close() error {
	s.once.Do(func() {
		close(s.closing)
		s.metrics.unregister()
	})
	s.wg.Wait()
	return s.peers.close()
}
