package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/server"
)

// runDev runs a three-node cluster in this process: zones a, b, c on
// 127.0.0.1, gRPC 7101-7103, raft 7201-7203.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("quorumlogd dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", filepath.Join(os.TempDir(), "quorumlog-dev"), "directory holding the three nodes' data (kept across runs)")
	logStore := fs.String("raft-log-store", "", "raft log store: bolt or wal (default: quorumlogd's default)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	debugAddr := fs.String("debug-addr", "", "if set, serve Prometheus metrics (/metrics, a node label per node) and Go's pprof profiles (/debug/pprof/) of all three nodes over HTTP on this address")
	basePort := fs.Int("base-port", 7100, "gRPC ports are base+1..base+3, raft ports base+101..base+103")
	var tf tlsFlags // as a node's; one certificate serves the three
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return usageError{err}
	}
	var reg *prometheus.Registry // nil: nothing is exported, nothing registered
	if *debugAddr != "" {
		if reg, err = newRegistry(); err != nil {
			return err
		}
		if err := serveDebug(*debugAddr, reg, logger); err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
	}
	zones := []string{"a", "b", "c"}
	var bootstrap string
	for i, z := range zones {
		if i > 0 {
			bootstrap += ","
		}
		bootstrap += fmt.Sprintf("n%d=127.0.0.1:%d@%s", i+1, *basePort+101+i, z)
	}
	var nodes []*runningNode
	defer func() {
		for _, n := range nodes {
			n.stop()
		}
	}()
	var endpoints []string
	for i, z := range zones {
		f := nodeFlags{
			id: fmt.Sprintf("n%d", i+1), zone: z,
			dataDir:   filepath.Join(*dataDir, fmt.Sprintf("n%d", i+1)),
			grpcAddr:  fmt.Sprintf("127.0.0.1:%d", *basePort+1+i),
			raftAddr:  fmt.Sprintf("127.0.0.1:%d", *basePort+101+i),
			bootstrap: bootstrap, logStore: *logStore, maxRecordBytes: server.DefaultMaxRecordBytes,
			raftLogBytes: quorum.DefaultRaftLogBytes, maxSyncDuration: quorum.DefaultMaxSyncDuration,
			tls: tf,
		}
		if f.logStore == "" {
			f.logStore = quorum.DefaultLogStore
		}
		// Three nodes share one registry: a node label keeps their series apart.
		var nodeReg prometheus.Registerer
		if reg != nil {
			nodeReg = prometheus.WrapRegistererWith(prometheus.Labels{"node": f.id}, reg)
		}
		n, err := startNode(ctx, f, logger, nodeReg)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
		endpoints = append(endpoints, f.grpcAddr)
		fmt.Fprintf(stdout, "node %s  zone %s  grpc %s  raft %s  data %s\n", f.id, z, f.grpcAddr, f.raftAddr, f.dataDir)
	}
	fmt.Fprintf(stdout, "QuorumLog dev cluster up; data under %s\n", *dataDir)
	tlsArgs := ""
	if tf.certFile != "" {
		tlsArgs = fmt.Sprintf(" --tls-ca-file %s --tls-cert-file CERT --tls-key-file KEY", tf.caFile)
		if tf.crlFile != "" {
			tlsArgs += " --tls-crl-file " + tf.crlFile
		}
	}
	fmt.Fprintf(stdout, "try: logctl --endpoints %s%s status\n", strings.Join(endpoints, ","), tlsArgs)
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return nil
}
