// Package shard makes a memshard node durable and replicated through one
// QuorumLog log, as MemoryDB does with its transaction log:
//
//   - Write-behind: the primary executes a write in memory, records its
//     effects, and groups the effects of all clients into log records, one
//     conditional append in flight at a time. A client's reply is held until
//     its record commits (Ticket / Wait). After a commit the next record
//     briefly waits for the writers it released (gather.go); no record
//     outgrows the log's limit (batch.go), and a write or MULTI block that
//     could not fit one goes in several, parts, applied whole (parts.go).
//   - Client blocking layer: keys with uncommitted writes are tracked; a read
//     of such a key gets the ticket of that write, so its reply waits too.
//   - Election and leases: every record of the primary (effects or
//     heartbeats) is conditional on its own last ID. A replica that has seen
//     nothing for the lease plus a back-off appends ELECT conditionally on the
//     last ID it applied: only a caught-up replica can win, and only one. A
//     primary serves only while its lease (counted from the start of its last
//     successful append) runs, which ends before any replica may elect itself.
//   - Replicas tail the log and apply effects in order (a primary does not:
//     every record after its election is its own).
//   - Snapshots: a separate process (TakeSnapshot) replays the log onto the
//     newest snapshot, writes a new one to a shared BlobStore (a directory
//     or an S3-compatible bucket) and trims the log. A node with
//     Config.Snapshots restores the newest snapshot before it replays the
//     log, and again when the log is trimmed past it.
//
// The Shard implements server.Backend. It talks to QuorumLog only through
// the client package.
package shard

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// Config configures a Shard.
type Config struct {
	NodeID string         // stable, unique among the shard's nodes (required)
	Addr   string         // the node's advertised RESP address (required)
	Log    string         // the shard's log name (required); created if missing
	Client *client.Client // QuorumLog client (required)
	Lease  time.Duration  // default 2s
	// NodeTimeout is how long another node of the shard may not answer
	// PINGs before the cluster commands show it failed. Default 5s.
	NodeTimeout time.Duration
	// PipelineDepth is how many appends of the primary may be in flight at
	// once, each conditional on the ID and checksum the previous leaves.
	// Default 1 (measured best when the log nodes share the machine, see
	// README); 1 waits for each append before sending the next.
	PipelineDepth int
	// GatherWait is how long the primary may hold a batch, once its
	// previous append committed, for the connections whose replies that
	// commit released to write again, so that they share one record (group
	// commit; MySQL's binlog_group_commit_sync_delay). A lone writer never
	// waits, and a load whose writers pause between writes soon stops
	// waiting (see gatherState). Default DefaultGatherWait; negative: never
	// wait; below a tenth of Lease.
	GatherWait time.Duration
	// MaxRecordBytes caps the records the primary builds: it starts a new
	// record when the next write would not fit in the open one, and cuts a
	// batch that alone does not fit into parts (parts.go). The log's own
	// limit caps them too: the smallest --max-record-bytes its nodes
	// report, asked when the node starts and again after the log refuses
	// a record as invalid (DefaultMaxRecordBytes if no node says). 0 (the
	// default): the log's limit alone; at least 1024 otherwise.
	MaxRecordBytes int
	// Snapshots is where the shard's snapshots are (written by
	// TakeSnapshot). If set, a node restores the newest one before it
	// replays the log, and again if the log is trimmed past it. Nil: the
	// node replays the log from its first ID and cannot recover once the log
	// is trimmed.
	Snapshots BlobStore
	// TLS, if set, is the configuration of the node's RESP connections to
	// other nodes (peer probes, MIGRATE), which then serve TLS: the node's
	// certificate and the CA that verifies theirs (server.TLS.Client).
	TLS    *tls.Config
	Logger *slog.Logger // nil discards
}

const (
	roleReplica = "slave"
	rolePrimary = "master"
)

// Shard is one memshard node. Create with New, start with Run.
type Shard struct {
	pubsubState // Pub/Sub between the nodes (pubsub.go)
	// scripts watches the script running under mu (EVAL), for BUSY
	// replies and SCRIPT KILL, which must not wait for it.
	scripts engine.ScriptMonitor
	// users publishes the DB's ACL users to the command path, which reads
	// them without mu; every DB that becomes s.db publishes its own.
	users engine.UsersBoard

	cfg    Config
	logger *slog.Logger
	table  engine.Table
	self   server.Node
	wake   chan struct{} // appender wake-up, capacity 1
	// tailWake tells a tailLoop parked while this node was primary that it
	// stepped down (reset); capacity 1.
	tailWake chan struct{}
	tailing  atomic.Bool // a tail read is open (tests)

	// external is the gate of commands: Do, Exec and Block hold it shared,
	// MIGRATE (which releases mu while it waits for its target) alone.
	external sync.RWMutex
	migrator *migrate.Pool // MIGRATE's connections

	mu sync.Mutex // the "single thread": guards everything below
	db *engine.DB
	// role and log position
	role          string
	primary       server.Node
	members       map[string]server.Node // registered nodes by ID (from the members log)
	membersSeen   uint64                 // the last members log ID read
	peers         map[string]*peer       // liveness of the other members, by cluster ID
	replicas      []server.Node          // cache of replicasLocked; nil when stale
	replicasOf    string                 // the primary ID the cache was built for
	appliedID     uint64                 // last log ID applied to db
	sum           uint32                 // the log's running checksum after appliedID
	sumKnown      bool                   // false if the log did not start at ID 1 here (trimmed)
	tailID        uint64                 // last log ID known to exist (for lag)
	caughtUp      bool                   // replayed the log at least once since (re)start
	lastSeen      time.Time              // replica: when it last saw a record of the primary
	handoverAsked time.Time              // replica: when it asked the primary to hand over (CLUSTER FAILOVER)
	forceUntil    time.Time              // replica: CLUSTER FAILOVER FORCE stands without back-off until then
	halted        error                  // ErrNewerFormat: stop applying
	parts         assembler              // replica: the parts of an unfinished batch (parts.go)
	restored      SnapshotInfo           // the last snapshot restored (INFO persistence)
	stopTail      context.CancelFunc     // ends the current tail read (reset restarts it)
	// primary state
	leaseUntil  time.Time
	termStart   uint64               // the ID of the ELECT that made this node primary
	handover    *handover            // a replica asked to take over (failover.go)
	handoverEnd chan struct{}        // closed when the handover ends (AwaitHandover)
	flights     []*flight            // appends in flight, in log order
	nextID      uint64               // the log's last ID once every flight is in
	nextSum     uint32               // its running checksum then
	unresolved  []*flight            // flights of unknown outcome after a step-down, in log order
	open        effectsRecord        // the record of the batch being filled
	openConns   int                  // connections with writes in the open batch
	effectCalls uint64               // calls of addEffectsLocked, ever
	sealed      []batch              // full batches waiting to be appended, in order
	unsent      *partsLeft           // the parts still to append of a batch too large for one record (parts.go)
	gather      gatherState          // how long the open batch may wait to fill
	openKeys    []string             // keys made dirty by the open batch
	openSeq     uint64               // ticket of the open batch
	failed      [][2]uint64          // ticket ranges [a, b] that will never commit
	unknown     map[uint64]bool      // failed tickets whose outcome is unknown (a snapshot skipped their record)
	dirty       map[string]uint64    // key -> ticket of its last uncommitted write
	batchKeys   map[uint64][]string  // ticket -> keys it dirtied
	watches     map[int64]*watch     // WATCH state by connection ID
	mods        server.Modifications // what commands changed, for CLIENT TRACKING (OnModified)
	frozen      bool                 // clients are paused: no key expires (PauseExpiry)
	maxmem      engine.Maxmemory     // SetMaxmemory: the primary evicts by it
	evicting    bool                 // an eviction run was cut short: the expiry loop goes on
	evicted     server.EvictionStats
	inExec      bool // an EXEC block is running: its effects stay in one batch
	maxRecord   int  // the largest record to build (Config.MaxRecordBytes, or the log's)
	// Keyspace notifications: the classes the engine raises (SetNotify;
	// every new DB gets them) and who takes them (OnKeyspaceEvents).
	notifyFlags int
	events      func(conn *server.ConnState, t server.Ticket, events []engine.Event)
	// aclAllChannels is acl-pubsub-default (SetACLPubsubDefault; every new
	// DB gets it).
	aclAllChannels bool

	// Written under mu, read without it by the connections' goroutines on
	// every command (Route) and every held reply (Wait): the shard's lock
	// is the single thread that executes commands and must not be
	// contended by them.
	committed  atomic.Uint64                 // highest committed ticket
	anyFailed  atomic.Bool                   // len(failed) > 0
	settled    atomic.Pointer[chan struct{}] // closed and replaced when committed or failed changes
	route      atomic.Pointer[routeState]    // see publishRouteLocked
	leaseNanos atomic.Int64                  // leaseUntil, as nanoseconds since epoch
	// stopRun ends Run with a cause (denied.go); nil before Run.
	stopRun atomic.Pointer[context.CancelCauseFunc]
	epoch   time.Time // origin of leaseNanos (monotonic)
}

// routeState is what Route needs besides the lease.
type routeState struct {
	ready       bool // caught up and not halted
	primary     bool
	primaryAddr string
	handingOver bool
}

// New returns a Shard that starts as a replica with an empty keyspace.
func New(cfg Config) (*Shard, error) {
	switch {
	case cfg.NodeID == "", cfg.Addr == "", cfg.Log == "", cfg.Client == nil:
		return nil, errors.New("shard: NodeID, Addr, Log and Client are required")
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Second
	}
	if cfg.NodeTimeout == 0 {
		cfg.NodeTimeout = 5 * time.Second
	}
	if cfg.PipelineDepth == 0 {
		cfg.PipelineDepth = 1
	}
	if cfg.GatherWait == 0 {
		cfg.GatherWait = DefaultGatherWait
	}
	if cfg.MaxRecordBytes != 0 && cfg.MaxRecordBytes < 1024 {
		return nil, fmt.Errorf("shard: MaxRecordBytes %d is below 1024", cfg.MaxRecordBytes)
	}
	if cfg.GatherWait >= cfg.Lease/10 {
		// The wait holds back the lease renewal that the open batch's
		// record would carry.
		return nil, fmt.Errorf("shard: GatherWait %v must be below a tenth of the lease (%v)", cfg.GatherWait, cfg.Lease)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Shard{
		cfg:      cfg,
		logger:   cfg.Logger.With("node", cfg.NodeID, "log", cfg.Log),
		table:    engine.NewTable(),
		self:     server.Node{ID: clusterID(cfg.NodeID), Addr: cfg.Addr},
		wake:     make(chan struct{}, 1),
		tailWake: make(chan struct{}, 1),
		epoch:    time.Now(),
		migrator: migrate.NewPool(),
	}
	if cfg.TLS != nil {
		s.migrator = migrate.NewTLSPool(cfg.TLS)
	}
	s.openSeq = 1 // ticket 0 means "no wait"
	s.pubsubOut.wake = make(chan struct{}, 1)
	s.maxRecord = cfg.MaxRecordBytes
	if s.maxRecord == 0 {
		s.maxRecord = DefaultMaxRecordBytes // until the log says
	}
	s.reset()
	return s, nil
}

// reset empties the keyspace and forgets the log position (under mu, or
// before the shard runs). A deposed primary resets: its memory may hold
// effects that never committed.
func (s *Shard) reset() {
	if s.stopTail != nil {
		s.stopTail()
	}
	select {
	case s.tailWake <- struct{}{}:
	default:
	}
	old := s.db
	if old != nil {
		old.CancelWaiters() // its blocked clients are redirected to the new primary
	}
	db := engine.New()
	s.setHooksLocked(db)
	db.SetNotify(s.notifyFlags)
	db.SetMaxmemory(s.maxmem)
	db.SetACLPubsubDefault(s.aclAllChannels)
	s.db = db
	if old != nil {
		s.db.AddKeyspaceStats(old.KeyspaceStats()) // INFO's keyspace_hits/misses outlive the keyspace
	}
	s.role = roleReplica
	s.termStart, s.handoverAsked, s.forceUntil = 0, time.Time{}, time.Time{}
	s.endHandoverLocked()
	s.appliedID, s.sum, s.sumKnown = 0, 0, true
	s.flights = nil
	s.caughtUp = false
	s.open, s.openKeys, s.openConns = effectsRecord{}, nil, 0
	s.sealed = nil
	s.unsent = nil
	s.parts.reset()
	s.gather = gatherState{}
	s.dirty = make(map[string]uint64)
	s.batchKeys = make(map[uint64][]string)
	if s.settled.Load() == nil {
		ch := make(chan struct{})
		s.settled.Store(&ch)
	}
	if s.watches == nil {
		s.watches = make(map[int64]*watch)
	}
	if s.members == nil {
		s.members = make(map[string]server.Node)
		s.peers = make(map[string]*peer)
	}
	s.publishRouteLocked()
}

// setLeaseLocked sets the lease of a primary.
func (s *Shard) setLeaseLocked(until time.Time) {
	s.leaseUntil = until
	s.leaseNanos.Store(int64(until.Sub(s.epoch)))
}

// publishRouteLocked copies what Route needs; call it whenever role,
// primary, caughtUp or halted changes.
func (s *Shard) publishRouteLocked() {
	addr := s.primary.Addr
	if s.role != rolePrimary && s.primary.ID == s.self.ID {
		// The log still names this node primary, but it stepped down (an
		// append failed): MOVED here would send clients back to itself,
		// over and over. Until a primary is elected, this node or another,
		// no node serves writes: CLUSTERDOWN, which clients retry after
		// reloading the topology.
		addr = ""
	}
	s.route.Store(&routeState{
		ready:       s.halted == nil && s.caughtUp && s.handover == nil, // a primary handing over serves nothing
		handingOver: s.handover != nil || !s.handoverAsked.IsZero(),
		primary:     s.role == rolePrimary,
		primaryAddr: addr,
	})
}

// clusterID turns a node ID into a 40-hex-digit Redis Cluster node ID.
func clusterID(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

// Run creates the shard's logs if needed, registers this node, then tails
// the log, applies it, and takes part in elections until ctx ends.
func (s *Shard) Run(ctx context.Context) error {
	for _, name := range []string{s.cfg.Log, s.membersLog(), s.pubsubLog()} {
		if err := s.cfg.Client.CreateLog(ctx, name); err != nil && !errors.Is(err, client.ErrAlreadyExists) {
			if errors.Is(err, client.ErrPermissionDenied) {
				return stoppedBy(err)
			}
			return err
		}
	}
	if err := s.register(ctx); err != nil {
		if errors.Is(err, client.ErrPermissionDenied) {
			return stoppedBy(err)
		}
		return err
	}
	if err := s.learnRecordLimit(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancelCause(ctx)
	s.stopRun.Store(&cancel)
	defer func() { cancel(nil); wg.Wait(); s.migrator.Close() }()
	for _, loop := range []func(context.Context){s.tailLoop, s.membersLoop, s.electionLoop, s.appendLoop, s.expireLoop,
		s.pubsubAppendLoop, s.pubsubTailLoop, s.pubsubTrimLoop} {
		wg.Add(1)
		go func() { defer wg.Done(); loop(ctx) }()
	}
	<-ctx.Done()
	return runStopped(ctx)
}

// backoff returns a random extra wait before standing for election, so
// that replicas rarely race (a race is safe: exactly one append wins).
func (s *Shard) backoff() time.Duration {
	return time.Duration(rand.Int64N(int64(s.cfg.Lease/2) + 1))
}

// broadcastLocked wakes everyone waiting for a ticket.
func (s *Shard) broadcastLocked() {
	ch := make(chan struct{})
	close(*s.settled.Swap(&ch))
}

func nowMs() int64 { return time.Now().UnixMilli() }
