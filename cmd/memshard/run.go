package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/examples/memshard/shard"
)

type usageError struct{ error }

const usage = `Usage: memshard --id ID --addr HOST:PORT [--log-endpoints A,B,C] [--shard NAME] [flags]
       memshard --standalone --addr HOST:PORT
       memshard snapshot (--snapshot-dir DIR | --snapshot-s3 URL) [flags]   (memshard snapshot --help)

Serves the Redis protocol on --addr. Every node of a shard replays the
QuorumLog log --shard; one of them is elected primary through the log and
writes it, and the others follow it and serve reads as replicas (cluster
clients are redirected with MOVED). A replica stands for election when the
primary has been silent for --lease plus a random back-off; CLUSTER
FAILOVER sent to a replica hands the primary over to it at once, losing
nothing (planned maintenance). A primary stopped by SHUTDOWN or SIGTERM
hands over the same way before it exits (for at most shutdown-timeout,
10s; SHUTDOWN NOW does not).
With --standalone the node keeps data in memory only, with no log: for
tests and comparisons, not for data you want to keep.

Flags:
`

func run(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "snapshot" {
		return runSnapshot(ctx, args[1:], os.Stdout, stderr)
	}
	fs := flag.NewFlagSet("memshard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	id := fs.String("id", "", "this node's stable ID, unique within the shard (required unless --standalone)")
	addr := fs.String("addr", "127.0.0.1:6379", "RESP listen address, also advertised to clients; connections to the log leave from its IP")
	endpoints := fs.String("log-endpoints", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103", "QuorumLog gRPC endpoints, comma-separated")
	shardLog := fs.String("shard", "memshard", "the shard's log name (created if missing)")
	lease := fs.Duration("lease", 2*time.Second, "primary lease; a replica stands for election after lease + back-off of silence")
	nodeTimeout := fs.Duration("node-timeout", 5*time.Second, "another node that answers no PING for this long shows as failed in CLUSTER NODES/SHARDS and leaves CLUSTER SLOTS (as Redis's cluster-node-timeout)")
	pipeline := fs.Int("pipeline", 1, "appends of the primary in flight at once (each conditional on the previous)")
	maxRecord := fs.Int("max-record-bytes", 0, "cap on the shard log records to build, under the log's own limit (the smallest --max-record-bytes its nodes report): a batch that would outgrow a record goes in several, and a write larger than a record in parts applied whole (0: the log's limit alone)")
	gatherWait := fs.Duration("gather-wait", shard.DefaultGatherWait, "how long the primary may hold a batch after a commit for the writers it released to send again, so they share one record (0: never; below --lease/10)")
	procs := fs.Int("procs", 1, "OS threads running Go code at once (GOMAXPROCS). The keyspace is single-threaded, as in Redis; one thread also saves a cross-thread wake-up per request")
	storeFlags := addSnapshotStoreFlags(fs, "directory of the shard's snapshots (memshard snapshot writes them): restore the newest before replaying the log, and again if the log is trimmed past this node; without a snapshot store a node replays the log from its first ID")
	requirePass := fs.String("requirepass", "", "the default user's password, which clients must AUTH with, until ACL SETUSER default or CONFIG SET requirepass (the shard's writes, made on the primary) sets it for the whole shard; give every node of a shard the same")
	maxmemory := fs.String("maxmemory", "0", "limit on the memory used (INFO used_memory), as Redis's maxmemory: 100mb, 4gb... (0: none). Over it a primary evicts keys by --maxmemory-policy, replicating each eviction through the log, or refuses writes (OOM); replicas apply their primary's evictions. CONFIG SET maxmemory changes it")
	maxmemoryPolicy := fs.String("maxmemory-policy", "noeviction", "what a primary over --maxmemory does: noeviction (refuse writes), allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random or volatile-ttl")
	standalone := fs.Bool("standalone", false, "no log: in-memory only (tests, comparisons)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	debugAddr := fs.String("debug-addr", "", "if set, serve Go's pprof profiles over HTTP on this address")
	logTLS := addLogTLSFlags(fs)
	respTLS := addRespTLSFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{err}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	logTLSConfig, err := logTLS.load(logger)
	if err != nil {
		return err
	}
	serverTLS, peerTLS, tlsConfigSet, err := respTLS.load()
	if err != nil {
		return err
	}
	if !*standalone && *id == "" {
		return usageError{errors.New("--id is required")}
	}
	if *gatherWait < 0 || *gatherWait >= *lease/10 {
		return usageError{errors.New("--gather-wait must be at least 0 and below a tenth of --lease")}
	}
	if *maxRecord != 0 && *maxRecord < 1024 {
		return usageError{errors.New("--max-record-bytes must be 0 (ask the log) or at least 1024")}
	}
	if *pipeline < 1 {
		return usageError{errors.New("--pipeline must be at least 1")}
	}
	if *procs < 1 {
		return usageError{errors.New("--procs must be at least 1")}
	}
	runtime.GOMAXPROCS(*procs)
	if *nodeTimeout < 100*time.Millisecond {
		return usageError{errors.New("--node-timeout must be at least 100ms")}
	}
	if *lease < 100*time.Millisecond {
		return usageError{errors.New("--lease must be at least 100ms")}
	}
	snapshots, err := storeFlags.open(false)
	if err != nil {
		return err
	}
	if *standalone && snapshots != nil {
		return usageError{errors.New("--standalone keeps no snapshots")}
	}

	if *debugAddr != "" {
		dl, err := net.Listen("tcp", *debugAddr)
		if err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
		go func() { _ = http.Serve(dl, http.DefaultServeMux) }() // net/http/pprof registers there
		runtime.SetMutexProfileFraction(100)                     // /debug/pprof/mutex: contention on the shard's lock
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var backend server.Backend
	var runShard func(context.Context) error
	var clusterNodeTimeout time.Duration // what CONFIG GET cluster-node-timeout shows
	if *standalone {
		st := server.NewStandalone(server.StandaloneConfig{Addr: *addr, TLS: peerTLS})
		defer st.Close()
		backend = st
	} else {
		// The log is dialled from the IP this node serves on: the log
		// nodes (and firewalls) see the shard node's traffic come from its
		// own address, as QuorumLog's nodes dial each other from theirs.
		c, err := client.New(ctx, client.Config{Endpoints: splitList(*endpoints), Logger: logger, TLS: logTLSConfig,
			DialOptions: []grpc.DialOption{client.DialFrom(lis.Addr().(*net.TCPAddr).IP)}})
		if err != nil {
			lis.Close()
			return err
		}
		defer c.Close()
		sh, err := shard.New(shard.Config{NodeID: *id, Addr: *addr, Log: *shardLog, Client: c, Lease: *lease, NodeTimeout: *nodeTimeout, PipelineDepth: *pipeline, GatherWait: gatherWaitConfig(*gatherWait), MaxRecordBytes: *maxRecord, Snapshots: snapshots, Logger: logger,
			TLS: peerTLS})
		if err != nil {
			lis.Close()
			return err
		}
		backend, runShard, clusterNodeTimeout = sh, sh.Run, *nodeTimeout
	}
	// SHUTDOWN ends the process as a signal does, once the server has
	// handed over (Server.Shutdown); a signal hands over first below.
	exited := make(chan struct{})
	var exitOnce sync.Once
	srv, err := server.New(server.Config{Backend: backend, RequirePass: *requirePass, Logger: logger, ClusterNodeTimeout: clusterNodeTimeout,
		TLS:         serverTLS,
		ConfigSet:   append([]string{"maxmemory-policy", *maxmemoryPolicy, "maxmemory", *maxmemory}, tlsConfigSet...),
		OnMaxmemory: goMemoryLimit(),
		Exit:        func() { exitOnce.Do(func() { close(exited) }) }})
	if err != nil {
		lis.Close()
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(lis) }()
	if runShard != nil {
		go func() { errc <- runShard(ctx) }()
	}
	logger.Info("memshard serving", "addr", *addr, "shard", *shardLog, "standalone", *standalone)
	select {
	case <-ctx.Done():
		// SIGTERM or SIGINT: as SHUTDOWN, a primary hands over first.
		if err := srv.Shutdown(context.Background(), false); err != nil {
			logger.Warn("shutdown", "err", err)
		}
	case <-exited:
	case err = <-errc:
	}
	return errors.Join(err, srv.Close())
}

// parseFlags parses args into fs: --help is flag.ErrHelp, a bad flag or a
// stray argument a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// gatherWaitConfig maps --gather-wait to shard.Config.GatherWait, where 0
// means the default and a negative wait means none.
func gatherWaitConfig(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
