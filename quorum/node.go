package quorum

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/segment"
	"go.etcd.io/bbolt"

	"github.com/quorumlog/quorumlog/logstore"
)

// Node is one member of a QuorumLog cluster: a raft node whose state machine
// is a logstore.Store. Its methods are safe for concurrent use.
type Node struct {
	cfg    Config
	logger *slog.Logger

	raft   *raft.Raft
	store  *logstore.Store
	trans  raft.Transport
	tcp    *tcpTransport // nil with Config.Transport
	logs   raft.LogStore // raft's log store, under its cache
	closer []io.Closer   // raft log and stable stores, closed after raft stops

	queue     chan *proposal
	carry     *proposal     // taken from queue, starts the next entry (sequencer only)
	slots     chan struct{} // one per raft entry in flight (Config.Proposers)
	entries   chan entry    // from the sequencer to the waiters
	closing   chan struct{}
	removed   chan struct{}  // closed when this node is removed from the cluster (removal.go)
	wg        sync.WaitGroup // sequencer, waiters, the registration loop and the leader watcher
	reads     *readIndexer
	metrics   *metrics
	leaderObs *raft.Observer // counts leader changes; deregistered by Close

	appliedBytes       atomic.Int64  // raft entry bytes applied since retention last looked (retention.go)
	appliedEntries     atomic.Int64  // and their count
	snapshotsTaken     atomic.Uint64 // logstore Syncs done for raft snapshots
	snapshotsInstalled atomic.Uint64 // images restored from a leader

	mu             sync.Mutex
	members        map[string]Member // guarded by mu; rebuilt from MembersLog by the FSM
	cachedPeers    []Member          // guarded by mu; the members known before the last stop (peercache.go)
	closed         bool              // guarded by mu
	membersChanged chan struct{}     // applyMembers to peerCacheLoop

	removedOnce sync.Once
}

// Open opens (or creates) the node's data directory, starts raft and, on the
// first start of a new cluster, bootstraps it from cfg.Bootstrap.
func Open(cfg Config) (*Node, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:            cfg,
		logger:         cfg.Logger.With("node", cfg.ID, "zone", cfg.Zone),
		queue:          make(chan *proposal, cfg.QueueSize),
		slots:          make(chan struct{}, cfg.Proposers),
		entries:        make(chan entry, cfg.Proposers),
		closing:        make(chan struct{}),
		removed:        make(chan struct{}),
		members:        make(map[string]Member),
		membersChanged: make(chan struct{}, 1),
		metrics:        m,
	}
	if err := n.open(); err != nil {
		n.closeStores()
		m.unregister()
		return nil, err
	}
	n.reads = newReadIndexer(n)
	m.node.Store(n)
	obs := make(chan raft.Observation, 16)
	n.leaderObs = raft.NewObserver(obs, false, isLeaderObservation)
	n.raft.RegisterObserver(n.leaderObs)
	n.wg.Add(1)
	go n.watchLeader(obs)
	n.wg.Add(1 + cfg.Proposers)
	go n.sequencer()
	for range cfg.Proposers {
		go n.waiter()
	}
	n.wg.Add(1)
	go n.registerSelfLoop()
	n.wg.Add(1)
	go n.retentionLoop()
	n.wg.Add(1)
	go n.removalLoop()
	n.wg.Add(1)
	go n.stallLoop(n.logs.(*logCache))
	n.wg.Add(1)
	go n.peerCacheLoop()
	return n, nil
}

func (n *Node) open() error {
	dir := n.cfg.DataDir
	if err := os.MkdirAll(filepath.Join(dir, "raft"), 0o755); err != nil {
		return err
	}
	store, err := logstore.Open(logstore.Config{
		Dir:          filepath.Join(dir, "logstore"),
		SegmentBytes: n.cfg.SegmentBytes,
		Logger:       n.logger,
		Metrics:      n.cfg.Metrics,
	})
	if err != nil {
		return fmt.Errorf("open logstore: %w", err)
	}
	n.store = store
	n.reloadMembers()
	n.loadPeerCache()

	stable, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(dir, "raft", "stable.db"),
		BoltOptions: &bbolt.Options{Timeout: time.Second, NoFreelistSync: true},
	})
	if err != nil {
		return fmt.Errorf("open raft stable store: %w", err)
	}
	n.closer = append(n.closer, stable)
	logs, err := n.openLogStore()
	if err != nil {
		return err
	}
	cached := newLogCache(logs, logCacheEntries, logCacheBytes)
	n.logs = cached
	snaps, err := newSnapshotStore(filepath.Join(dir, "snapshots"), store, n.logger)
	if err != nil {
		return err
	}
	if n.cfg.Transport != nil {
		n.trans = n.cfg.Transport
	} else {
		var rt *raftTLS // nil: plaintext
		if n.cfg.RaftTLS != nil {
			rt = newRaftTLS(n.cfg.RaftTLS)
		}
		t, err := newTCPTransport(n.cfg.RaftAddr, &raft.NetworkTransportConfig{
			MaxPool: 4,
			Timeout: 10 * time.Second,
			Logger:  newHCLog(n.logger),
			// Pipelined replication, made safe by tcpTransport.
			MaxRPCsInFlight: maxRPCsInFlight,
		}, rt)
		if err != nil {
			return fmt.Errorf("raft transport on %s: %w", n.cfg.RaftAddr, err)
		}
		n.trans, n.tcp = t, t
	}

	rc := n.raftConfig()
	has, err := raft.HasExistingState(logs, stable, snaps)
	if err != nil {
		return err
	}
	switch {
	case !has && len(n.cfg.Bootstrap) > 0:
		var conf raft.Configuration
		for _, p := range n.cfg.Bootstrap {
			conf.Servers = append(conf.Servers, raft.Server{
				Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.RaftAddr),
			})
		}
		if err := raft.BootstrapCluster(rc, logs, stable, snaps, n.trans, conf); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		n.logger.Info("bootstrapped a new cluster", "voters", len(conf.Servers))
	case has && len(n.cfg.Bootstrap) > 0:
		n.logger.Info("data dir already holds a cluster; ignoring the bootstrap list", "dir", dir)
	}
	r, err := raft.NewRaft(rc, &fsm{n: n}, cached, stable, snaps, n.trans)
	if err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	n.raft = r
	return nil
}

func (n *Node) openLogStore() (raft.LogStore, error) {
	dir := filepath.Join(n.cfg.DataDir, "raft")
	switch n.cfg.LogStore {
	case LogStoreBolt:
		s, err := raftboltdb.New(raftboltdb.Options{
			Path:        filepath.Join(dir, "log.db"),
			BoltOptions: &bbolt.Options{Timeout: time.Second, NoFreelistSync: true},
		})
		if err != nil {
			return nil, fmt.Errorf("open raft-boltdb log store: %w", err)
		}
		n.closer = append(n.closer, s)
		return s, nil
	default:
		if err := os.MkdirAll(filepath.Join(dir, "wal"), 0o755); err != nil {
			return nil, err
		}
		w, err := raftwal.Open(filepath.Join(dir, "wal"), raftwal.WithLogger(newHCLog(n.logger)), raftwal.WithSegmentFiler(segment.NewFiler(filepath.Join(dir, "wal"), &walFS{})))
		if err != nil {
			return nil, fmt.Errorf("open raft-wal log store: %w", err)
		}
		n.closer = append(n.closer, w)
		return w, nil
	}
}

func (n *Node) raftConfig() *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(n.cfg.ID)
	rc.Logger = newHCLog(n.logger)
	rc.BatchApplyCh = true
	// 64 entries in flight to a follower in all, as one AppendEntries
	// carried before replication was pipelined: a follower catching up
	// pins no more of the leader's memory (up to 256 MiB of 4 MiB entries
	// read back from disk). 8 per AppendEntries also bounds raft's batching
	// of applies, of which the sequencer keeps at most Proposers (4) queued.
	rc.MaxAppendEntries = 64 / maxRPCsInFlight
	rc.CommitTimeout = 5 * time.Millisecond
	rc.SnapshotInterval = n.cfg.SnapshotInterval
	rc.SnapshotThreshold = n.cfg.SnapshotThreshold
	rc.TrailingLogs = n.cfg.TrailingLogs
	// The logstore is durable on its own and recovers its last Sync; raft
	// must not restore a snapshot over it at start (see doc.go).
	rc.NoSnapshotRestoreOnStart = true
	if n.cfg.Tune != nil {
		n.cfg.Tune(rc)
	}
	return rc
}

// Store returns the node's logstore, for reads. Writes go through Propose.
func (n *Node) Store() *logstore.Store { return n.store }

// ID returns the node's ID.
func (n *Node) ID() string { return n.cfg.ID }

// IsLeader reports whether this node believes it is the leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the current leader's ID and gRPC address, as far as this
// node knows; empty strings when no leader is known.
func (n *Node) Leader() (id, grpcAddr string) {
	_, lid := n.raft.LeaderWithID()
	if lid == "" {
		return "", ""
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return string(lid), n.members[string(lid)].GRPCAddr
}

func (n *Node) notLeader() error {
	id, addr := n.Leader()
	return &NotLeaderError{LeaderID: id, LeaderAddr: addr}
}

// Close stops the node: pending proposals fail with ErrClosed, raft shuts
// down, stores close. It is idempotent and returns when every goroutine the
// node started has returned.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.closing)
	// Proposers finish their in-flight entries while raft still runs: an
	// entry still in raft's apply queue when raft shuts down is never
	// answered (hashicorp/raft does not fail those futures), so shutting
	// down first could leave a waiter blocked forever. A running raft
	// answers every entry: commit, or an error once leadership is lost
	// (within the leader lease when the cluster is unreachable).
	n.wg.Wait()
	var errs []error
	if n.tcp != nil {
		n.tcp.stream.stopRetrying()
	}
	if n.raft != nil {
		errs = append(errs, n.raft.Shutdown().Error())
	}
	n.raft.DeregisterObserver(n.leaderObs)
	n.failQueued() // proposals queued after the sequencer returned
	n.reads.close()
	n.metrics.unregister()
	if c, ok := n.trans.(io.Closer); ok && n.cfg.Transport == nil {
		errs = append(errs, c.Close())
	}
	errs = append(errs, n.closeStores())
	return errors.Join(errs...)
}

func (n *Node) closeStores() error {
	var errs []error
	for _, c := range n.closer {
		errs = append(errs, c.Close())
	}
	n.closer = nil
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}
