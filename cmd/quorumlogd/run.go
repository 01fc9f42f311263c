package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

// usageError is a bad command line (exit code 2).
type usageError struct{ error }

const usage = `Usage:
  quorumlogd --id ID --zone ZONE --data-dir DIR --grpc-addr HOST:PORT --raft-addr HOST:PORT
             [--bootstrap ID=RAFTADDR@ZONE,...] [--join GRPCADDR] [flags]
  quorumlogd dev [--data-dir DIR] [--raft-log-store bolt|wal] [--debug-addr HOST:PORT] [--tls-* ...]

Runs one QuorumLog node. The first start of a new cluster names its voters
with --bootstrap on every one of them (the list is ignored once the data dir
holds a cluster); a node added later starts with --join and the gRPC address
of any member. A node removed from the cluster (logctl members remove) exits
once it sees its removal, or, if it was down then, once the leader tells it
after its restart. Raft and node-to-node calls leave from the IPs of
--raft-addr and --grpc-addr. "dev" runs a local three-node cluster (zones a, b, c) in one
process on 127.0.0.1: gRPC ports 7101-7103, raft ports 7201-7203.

With --tls-cert-file, --tls-key-file and --tls-ca-file, the gRPC port
serves TLS only and requires client certificates signed by the CA (unless
--tls-client-auth=false), and raft and the calls between nodes use mutual
TLS with the node's certificate. "dev" takes the same --tls-* flags (one
certificate for its three nodes, naming 127.0.0.1). The files are read at
start (a bad one stops the start) and again, without a restart, by the
first new connection after one of them changed (replace them by rename):
a new certificate, key or CA bundle is used for new connections, and
connections already made keep theirs. A changed set that does not load
(half-written, key not the certificate's, not signed by the CA) is logged
once as an error and the previous set stays in use until the files are
good again.

--tls-crl-file adds certificate revocation lists (PEM X509 CRL blocks, each
signed by a CA of --tls-ca-file), as etcd's --client-crl-file: every new
connection (gRPC clients, raft and calls between nodes, both ways) refuses
a peer whose certificate, or an intermediate of it, is listed by a CRL of
its issuer; the handshake's error names the serial. The file is re-read
as the others; connections already made are not looked at again. A list
past its next update still revokes and is logged once as stale. A node
whose own certificate is revoked does not start (after a reload: logged,
and the previous files kept).

--tls-authz-file authorizes each call by the client certificate's identity
(as etcd's RBAC by CN, Kafka's ACLs by principal); it needs
--tls-client-auth. One rule a line, "#" comments:
  <principal> <permission>[,<permission>...] [<log-pattern> ...]
principal: cn:NAME (subject common name), dns:NAME or uri:URI (a SAN), or
* (any verified client); permissions: read (Read, DescribeLog; ListLogs
lists only readable logs), append (Append, AppendStream), trim, create,
delete, each on the logs the path.Match globs name (shard-*, orders, *),
cluster (Join, ReadIndex, RemoveMember: no pattern) and all. Rules only
grant. Status is open to every verified client (clients find the leader
with it). Nodes call each other (read index, join) with their own
certificate: grant each node's certificate cluster; a node whose own
certificate lacks it does not start, and the error names the line to add.
A call not granted gets PERMISSION_DENIED and changes nothing. The file is
re-read within a second of a change; a change that does not load (or
takes cluster from this node) is logged once and the rules in force stay.

With --debug-addr, an HTTP server there serves Prometheus metrics at
/metrics (quorumlog_*, raft_*, go_*, process_*; in dev, quorumlog_* carry a
node label) and Go's pprof profiles at /debug/pprof/.

Flags:
`

// nodeFlags are the settings of one node.
type nodeFlags struct {
	id, zone, dataDir, grpcAddr, raftAddr string
	bootstrap, join, logStore, logLevel   string
	debugAddr                             string
	maxRecordBytes                        int
	raftLogBytes                          int64
	maxSyncDuration                       time.Duration
	allowZoneMajority                     bool
	tls                                   tlsFlags
}

func (f *nodeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.id, "id", "", "this node's unique, stable ID (required)")
	fs.StringVar(&f.zone, "zone", "", "this node's zone, e.g. an availability zone (required)")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for the raft log, snapshots and records (required)")
	fs.StringVar(&f.grpcAddr, "grpc-addr", "127.0.0.1:7101", "client-facing gRPC address (listened on and advertised)")
	fs.StringVar(&f.raftAddr, "raft-addr", "127.0.0.1:7201", "raft transport address (listened on and advertised)")
	fs.StringVar(&f.bootstrap, "bootstrap", "", "first start of a new cluster: its voters as ID=RAFTADDR@ZONE,...")
	fs.StringVar(&f.join, "join", "", "gRPC address of a running member through which to join the cluster")
	fs.StringVar(&f.logStore, "raft-log-store", quorum.DefaultLogStore, "raft log store: bolt (raft-boltdb) or wal (raft-wal)")
	fs.IntVar(&f.maxRecordBytes, "max-record-bytes", server.DefaultMaxRecordBytes, "largest record payload accepted, in bytes (at most 32 MiB); an append carries at most 16 such records and at most 48 MiB")
	fs.Int64Var(&f.raftLogBytes, "raft-log-bytes", quorum.DefaultRaftLogBytes, "about the most raft log kept on disk, in bytes: a snapshot once half of it was written since the last, and behind it as many entries as half of it holds")
	fs.DurationVar(&f.maxSyncDuration, "max-sync-duration", quorum.DefaultMaxSyncDuration, "a node whose raft log write has not returned for this long stops, so that a stalled disk does not stall the cluster")
	fs.BoolVar(&f.allowZoneMajority, "allow-zone-majority", false, "accept voter sets in which one zone holds a majority (status then warns)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "if set, serve Prometheus metrics (/metrics) and Go's pprof profiles (/debug/pprof/) over HTTP on this address")
	f.tls.register(fs)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "dev" {
		return runDev(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("quorumlogd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var f nodeFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	logger, err := newLogger(stderr, f.logLevel)
	if err != nil {
		return usageError{err}
	}
	var reg prometheus.Registerer // nil: nothing is exported, nothing registered
	if f.debugAddr != "" {
		r, err := newRegistry()
		if err != nil {
			return err
		}
		if err := serveDebug(f.debugAddr, r, logger); err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
		reg = r
	}
	n, err := startNode(ctx, f, logger, reg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return n.stop()
	case <-n.node.Removed():
		// Like a removed etcd member: stop, rather than serve a state that
		// no longer follows the cluster.
		return errors.Join(errRemoved, n.stop())
	}
}

// errRemoved ends a node that was removed from the cluster.
var errRemoved = errors.New("this node was removed from the cluster (logctl members remove); to bring it back, empty its --data-dir and start it with --join")

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// runningNode is a started node: raft, its gRPC server and service.
type runningNode struct {
	node      *quorum.Node
	svc       *server.Service
	grpc      *grpc.Server
	served    chan error
	stopWatch func() // stops re-reading --tls-authz-file
}

// startNode starts the node f describes; its metrics go to reg (nil: none).
func startNode(ctx context.Context, f nodeFlags, logger *slog.Logger, reg prometheus.Registerer) (*runningNode, error) {
	switch {
	case f.id == "":
		return nil, usageError{errors.New("--id is required")}
	case f.zone == "":
		return nil, usageError{errors.New("--zone is required")}
	case f.dataDir == "":
		return nil, usageError{errors.New("--data-dir is required")}
	case f.bootstrap != "" && f.join != "":
		return nil, usageError{errors.New("--bootstrap and --join exclude each other")}
	case f.maxSyncDuration < time.Second:
		return nil, usageError{errors.New("--max-sync-duration must be at least 1s")}
	case f.raftLogBytes < 64<<20:
		return nil, usageError{errors.New("--raft-log-bytes must be at least 67108864 (64 MiB)")}
	case f.maxRecordBytes <= 0 || f.maxRecordBytes > server.MaxRecordBytesLimit:
		return nil, usageError{fmt.Errorf("--max-record-bytes must be between 1 and %d (32 MiB): an append is one raft entry, and the raft log reads back entries of at most 64 MiB", server.MaxRecordBytesLimit)}
	}
	nt, err := f.tls.load(logger)
	if err != nil {
		return nil, err
	}
	cfg := quorum.Config{
		ID: f.id, Zone: f.zone, DataDir: f.dataDir, RaftAddr: f.raftAddr, GRPCAddr: f.grpcAddr,
		LogStore: f.logStore, AllowZoneMajority: f.allowZoneMajority, Logger: logger, Metrics: reg,
		RaftLogBytes: f.raftLogBytes, MaxSyncDuration: f.maxSyncDuration,
	}
	var peerTLS *tls.Config
	var authzFile *authz.File
	creds := insecure.NewCredentials()
	if nt != nil {
		cfg.RaftTLS, peerTLS, creds, authzFile = nt.raft, nt.peer, credentials.NewTLS(nt.grpcServer), nt.authz
	}
	if f.bootstrap != "" {
		peers, err := quorum.ParsePeers(f.bootstrap)
		if err != nil {
			return nil, usageError{err}
		}
		cfg.Bootstrap = peers
	}
	var served atomic.Pointer[grpc.Server]
	cfg.OnStall = func(err error) {
		// The node cannot be closed: Close would wait for the stuck write.
		// Stop serving, so that clients fail over now rather than wait on
		// open connections, and exit (a thread blocked on the disk may hold
		// the process until the disk returns, but the node's heartbeats
		// stop with the rest of it).
		logger.Error("stopping: the disk stalls", "node", f.id, "err", err)
		if g := served.Load(); g != nil {
			done := make(chan struct{})
			go func() { g.Stop(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Second):
			}
		}
		os.Exit(1)
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	lis, err := net.Listen("tcp", f.grpcAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on --grpc-addr: %w", err)
	}
	node, err := quorum.Open(cfg)
	if err != nil {
		lis.Close()
		return nil, err
	}
	scfg := server.Config{Node: node, MaxRecordBytes: f.maxRecordBytes, Logger: logger, Metrics: reg,
		DialFrom: lis.Addr().(*net.TCPAddr).IP, PeerTLS: peerTLS}
	if authzFile != nil {
		scfg.Authz = authzFile // a nil *authz.File in the interface would not be nil
	}
	svc, err := server.New(scfg)
	if err != nil {
		lis.Close()
		node.Close()
		return nil, err
	}
	g := grpc.NewServer(
		grpc.Creds(creds),
		grpc.MaxRecvMsgSize(svc.MaxMessageBytes()),
		grpc.ChainUnaryInterceptor(svc.UnaryInterceptor()),
		grpc.ChainStreamInterceptor(svc.StreamInterceptor()),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	)
	svc.Register(g)
	served.Store(g)
	rn := &runningNode{node: node, svc: svc, grpc: g, served: make(chan error, 1), stopWatch: func() {}}
	if authzFile != nil {
		// Off the call path: calls read the rules with one atomic load.
		wctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { authzFile.Run(wctx); close(done) }()
		rn.stopWatch = func() { cancel(); <-done }
	}
	go func() { rn.served <- g.Serve(lis) }()
	logger.Info("serving", "node", f.id, "zone", f.zone, "grpc_addr", f.grpcAddr, "raft_addr", f.raftAddr, "raft_log_store", cfg.LogStore,
		"tls", nt != nil, "tls_client_auth", nt != nil && f.tls.clientAuth, "tls_authz_file", f.tls.authzFile)
	if f.join != "" {
		if err := svc.JoinCluster(ctx, f.join, f.allowZoneMajority); err != nil {
			rn.stop()
			return nil, fmt.Errorf("join through %s: %w", f.join, err)
		}
		logger.Info("joined the cluster", "peer", f.join)
	}
	svc.StartMembership()
	return rn, nil
}

// stop shuts the node down: no new RPCs, streams get a moment to finish,
// then raft and the stores close.
func (rn *runningNode) stop() error {
	done := make(chan struct{})
	go func() { rn.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		rn.grpc.Stop() // follow readers never end on their own
	}
	rn.stopWatch()
	return errors.Join(rn.svc.Close(), rn.node.Close())
}
