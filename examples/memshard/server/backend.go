package server

import (
	"context"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Ticket says when a reply may leave: 0 at once; otherwise once the backend
// has settled it (for a write: its effects committed to the log; for a read
// of a key with an uncommitted write: that write committed).
type Ticket uint64

// ConnState is what the backend may know of a connection.
type ConnState struct {
	ID       int64
	ReadOnly bool // the connection sent READONLY (cluster replica reads)
	// LastWrite is the backend's ticket of the connection's last write,
	// kept by the backend (the shard's group commit counts writers by it).
	LastWrite uint64
	// Protos, set for an Exec whose block had a HELLO queued among its
	// commands (the server runs those itself), is the protocol each
	// command's reply is written in: Exec sets it on the writer before
	// running the command. Nil: the writer's throughout.
	Protos []int
	// Tracking: the connection tracks keys (CLIENT TRACKING), so the
	// backend reports what its scripts read (Modifications.ReadsOf).
	Tracking bool
	// Monitor, if set, is called with each command the backend runs for
	// the connection (and each a script runs: script set), as
	// engine.Call.Monitor: the server shows them to MONITOR clients.
	Monitor func(argv [][]byte, script bool)
	// ScriptCalled is called with each command a script of the connection
	// calls (engine.Call.ScriptCalled): the server counts them in INFO and
	// SLOWLOG as Redis does. The server sets it once; the backend hands
	// it to the engine.
	ScriptCalled func(*engine.ScriptCalled)
	// OOM: memory was over maxmemory when the server let the command in
	// (Backend.Evict said so): a script it runs may not grow memory until
	// it has written (engine.Call.OOM).
	OOM bool
	// ScriptACL checks what the connection's scripts call against its
	// user's permissions (engine.Call.ScriptACL); nil while the user may
	// run anything. The backend hands it to the engine.
	ScriptACL func(argv [][]byte, log bool) string
	// Memory returns the process's memory figures, as INFO memory shows
	// them (engine.Call.Memory: MEMORY STATS and DOCTOR).
	Memory func() engine.ProcessMemory

	owner *conn // the server's connection (keyspace notifications)
	// call is the engine.Call of the connection's current command (see
	// Call): a Call made on the heap for every command was most of what a
	// GET allocated, and allocation is what starts the collector, whose
	// marking shows in every command's tail latency.
	call engine.Call
}

// Call returns the connection's engine.Call set to c, for the backend's
// Do. A connection runs one command at a time, so the Call is reused by its
// next command: the backend must not keep it (or let the engine keep it)
// after Do returns. What it hands out (effects, events, the reply writer)
// is not the Call's and stays valid.
func (cs *ConnState) Call(c engine.Call) *engine.Call {
	cs.call = c
	return &cs.call
}

// Modified is one change Backend.OnModified reports: a key, or a flush
// of every key (FLUSHALL, FLUSHDB, a replica replacing its keyspace).
type Modified struct {
	Key     string
	Flushed bool
	// Read: not a change but a read of Key by a script of the connection
	// whose command it was, which remembers the key (CLIENT TRACKING), in
	// its place among the changes, as Redis remembers it.
	Read bool
}

// BlockResult is how a blocking command ended.
type BlockResult struct {
	Ticket Ticket // when the reply written may leave
	// Cancelled: ctx ended while the command waited; nothing was written.
	Cancelled bool
	// Redirect: this node stopped serving the keys while the command
	// waited (a primary stepping down); nothing was written, and the
	// client is to be redirected as a new command would be.
	Redirect bool
}

// Node is one memshard node as cluster commands describe it.
type Node struct {
	ID   string // 40 hex characters, as Redis Cluster node IDs
	Addr string // host:port of its RESP listener
	// As this node sees it: the node has not answered for the node timeout
	// (CLUSTER NODES flags it fail, CLUSTER SLOTS leaves a failed replica
	// out); when it last answered and when an unanswered PING was sent, in
	// Unix ms (0: never, none).
	Failed     bool
	PongMS     int64
	PingSentMS int64
}

// Topology is the shard as this node sees it.
type Topology struct {
	Role      string // "master" or "slave" (Redis's words in ROLE and INFO)
	Self      Node
	Primary   Node // empty if unknown
	Replicas  []Node
	AppliedID uint64 // last log ID applied here
	LagIDs    uint64 // how far this node's applied ID trails the log's last known ID
	Serving   bool   // false while the node must not answer data commands (lease lapsed, replaying)
}

// Route is what the server needs on every command to serve it here,
// redirect it (MOVED) or refuse it: a cheap summary of Topology.
type Route struct {
	Serving     bool
	Primary     bool   // this node is the primary
	PrimaryAddr string // the primary's address; "" if unknown
	// HandingOver: this primary is handing over to a replica (CLUSTER
	// FAILOVER); commands wait for the end (AwaitHandover), as Redis
	// pauses its clients during a manual failover, and are then
	// redirected to the new primary.
	HandingOver bool
}

// Backend executes data commands. The shard package implements it on top of
// QuorumLog; Standalone implements it without durability, for tests.
// Every method is safe for concurrent use.
type Backend interface {
	// Table is the engine's command table (COMMAND, arity, key positions).
	Table() engine.Table
	// Do runs one data command for conn, appending its reply to w.
	Do(conn *ConnState, argv [][]byte, w *resp.Writer) Ticket
	// Exec runs a MULTI block atomically, appending EXEC's reply to w: the
	// array of replies, or a null array if a key conn watches has changed
	// since Watch.
	Exec(conn *ConnState, queued [][][]byte, w *resp.Writer) Ticket
	// Block runs a blocking command (BLPOP and friends) for conn outside
	// MULTI: at once if it finds something to take or fails; otherwise it
	// calls onBlock and waits until a later write serves it, its timeout
	// passes (a null reply) or ctx ends (nothing written).
	Block(ctx context.Context, conn *ConnState, argv [][]byte, w *resp.Writer, onBlock func()) BlockResult
	// Publish sends a Pub/Sub message published here to the shard's other
	// nodes (best effort, never blocking: messages are not data).
	Publish(sharded bool, channel, message []byte)
	// OnMessage sets the function the backend calls with each message
	// published on another node, in the order that node published them.
	OnMessage(deliver func(sharded bool, channel, message []byte))
	// OnModified sets the function the backend calls, at the end of each
	// command, EXEC, applied record or expiry run that changed keys, with
	// what changed in order (CLIENT TRACKING's invalidations): by is the
	// connection whose command it was (nil: replication, expiry). The
	// backend calls it with its lock held; mods is not to be kept.
	OnModified(f func(by *ConnState, mods []Modified))
	// PauseExpiry stops keys from expiring while clients are paused
	// (CLIENT PAUSE): an expired key reads as missing but is not deleted,
	// as on a replica, and active expiry waits.
	PauseExpiry(paused bool)
	// SetMaxmemory sets the node's maxmemory configuration (CONFIG SET
	// maxmemory and friends: node-local, as in Redis).
	SetMaxmemory(m engine.Maxmemory)
	// Evict runs the maxmemory policy before a command, as Redis's
	// performEvictions: a primary over the limit deletes keys by the
	// policy and replicates each deletion. It reports whether memory is
	// still over the limit, so that commands that may grow it are
	// refused; never on a replica (it applies the primary's evictions),
	// nor while clients are paused or the node is not serving.
	Evict() (oom bool)
	// SetNotify sets the keyspace notifications the engine raises
	// (notify-keyspace-events, as engine.Notify flags; 0: none).
	SetNotify(flags int)
	// OnKeyspaceEvents sets the function the backend calls with the
	// keyspace notifications each command raised (engine.Call.Events),
	// and the ticket that command's reply waits for (0 for none): under
	// its lock, in the order the commands ran, so the function must not
	// block. conn is the connection whose Do, Exec or Block runs, and the
	// function runs on its goroutine; nil for the events of no
	// connection's own call (expiry, the log applied by a replica, a
	// blocked client served by another's write). The server publishes
	// them on this node once t has settled (notify.go).
	OnKeyspaceEvents(deliver func(conn *ConnState, t Ticket, events []engine.Event))
	// Scripts is the monitor of the script (EVAL or function) running in
	// the backend, which the engine keeps: how long it has run, the BUSY
	// error, SCRIPT KILL, FUNCTION KILL and FUNCTION STATS, answered
	// without waiting for the script.
	Scripts() *engine.ScriptMonitor
	// ScriptCounts returns the scripts cached and the functions and
	// libraries loaded (INFO memory); it waits for a running script.
	ScriptCounts() (scripts, functions, libraries int)
	// KeyCounts returns the keys, expired ones not yet deleted included,
	// and those with an expiry (INFO memory's overhead, as MEMORY STATS
	// counts it); it waits for a running script.
	KeyCounts() (keys, expires int)
	// Watch makes a later Exec of conn fail if any of keys changes first.
	Watch(conn *ConnState, keys [][]byte)
	// Unwatch forgets conn's watched keys (EXEC, DISCARD, UNWATCH, RESET, close).
	Unwatch(conn *ConnState)
	// Wait blocks until t is settled (or ctx ends) and returns "" if the
	// reply may be sent as written, else an error reply (without "-") to
	// send instead: the write it waited for will never be acknowledged.
	Wait(ctx context.Context, t Ticket) string
	// Topology describes the shard for CLUSTER, ROLE and INFO.
	Topology() Topology
	// Forget removes the node with cluster ID id from the shard's nodes,
	// as every node sees them (CLUSTER FORGET), until it registers again
	// at its next start. The server has checked that id is a node of the
	// topology other than this one and, on a replica, its primary.
	Forget(ctx context.Context, id string) error
	// Failover starts making this node, a replica, the primary (CLUSTER
	// FAILOVER; force for FORCE and TAKEOVER) and returns "" once it has
	// started, or Redis's error reply (without "-") if it cannot.
	Failover(ctx context.Context, force bool) string
	// AwaitHandover returns once the handover Route reports has ended
	// (or ctx has), at once if there is none.
	AwaitHandover(ctx context.Context)
	// Route summarises Topology for the command path; it is called for
	// every command, so it must not contend with Do.
	Route() Route
	// SetACLPubsubDefault sets acl-pubsub-default for the users ACL
	// SETUSER makes on this node (engine.DB.SetACLPubsubDefault).
	SetACLPubsubDefault(allChannels bool)
	// Users returns the shard's ACL users as last published: lock-free,
	// it is read on every command.
	Users() *acl.Users
	// OnUsers sets the function the backend calls with each change of the
	// users (ACL SETUSER, ACL DELUSER, applied from the log or not, or a
	// keyspace replaced), with its lock held: it must not block.
	OnUsers(f func(engine.UsersChange))
	// Info returns the backend's INFO fields for section (keyspace,
	// persistence, replication, stats, memory), "name:value" lines without
	// the header; "" if it has none.
	Info(section string) string
}
