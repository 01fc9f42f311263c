// Package servertest runs full QuorumLog nodes in-process for tests: a
// quorumtest cluster (real stores, in-memory raft transport) with each node's
// gRPC services on a real 127.0.0.1 socket.
package servertest

import (
	"crypto/tls"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server"
)

// Cluster is a quorumtest.Cluster whose nodes serve gRPC.
type Cluster struct {
	*quorumtest.Cluster
	// Addrs are the nodes' gRPC addresses, by node index.
	Addrs []string
}

// Options shape a cluster started with StartWith.
type Options struct {
	quorumtest.Options
	// Server, if set, adjusts node i's server.Config before server.New
	// (tests set Metrics here; the node's is set in Options.Configure).
	Server func(i int, cfg *server.Config)
	// ServerTLS, if set, makes every node's gRPC port serve TLS with it
	// (tests of authorization set a config that requires client
	// certificates).
	ServerTLS *tls.Config
}

// Start starts n nodes and their gRPC servers; everything stops in t.Cleanup.
// Nodes keep their address across quorumtest restarts, but a restarted node's
// gRPC server keeps serving the node object it was started with, so tests
// that restart nodes should talk to raft-level APIs.
func Start(t testing.TB, n int, opts quorumtest.Options) *Cluster {
	t.Helper()
	return StartWith(t, n, Options{Options: opts})
}

// StartWith is Start with per-node server configuration. Each gRPC server
// has the service's metrics interceptors installed.
func StartWith(t testing.TB, n int, o Options) *Cluster {
	t.Helper()
	opts := o.Options
	lis := make([]net.Listener, n)
	addrs := make([]string, n)
	byID := make(map[string]string)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[i], addrs[i] = l, l.Addr().String()
		byID[nodeID(i)] = addrs[i]
	}
	configure := opts.Configure
	opts.Configure = func(cfg *quorum.Config) {
		cfg.GRPCAddr = byID[cfg.ID]
		if configure != nil {
			configure(cfg)
		}
	}
	qc := quorumtest.NewCluster(t, n, opts)
	for i := range n {
		cfg := server.Config{Node: qc.Node(i)}
		if o.Server != nil {
			o.Server(i, &cfg)
		}
		svc, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		gopts := []grpc.ServerOption{
			grpc.MaxRecvMsgSize(svc.MaxMessageBytes()),
			grpc.ChainUnaryInterceptor(svc.UnaryInterceptor()),
			grpc.ChainStreamInterceptor(svc.StreamInterceptor()),
		}
		if o.ServerTLS != nil {
			gopts = append(gopts, grpc.Creds(credentials.NewTLS(o.ServerTLS)))
		}
		g := grpc.NewServer(gopts...)
		svc.Register(g)
		svc.StartMembership()
		go g.Serve(lis[i])
		t.Cleanup(func() {
			g.Stop()
			svc.Close()
		})
	}
	return &Cluster{Cluster: qc, Addrs: addrs}
}

func nodeID(i int) string { return "n" + string(rune('1'+i)) }
