package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"strings"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

var _ Backend = (*Standalone)(nil)

// Standalone is a Backend without durability or replication: one engine.DB
// behind one mutex, every reply released at once (tickets are always 0).
// It serves tests and memshard's --standalone mode. It is always the
// primary of a one-node shard, and always serving.
type Standalone struct {
	table engine.Table
	self  Node
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	users engine.UsersBoard // the DB's users, published for the command path

	migrator *migrate.Pool // MIGRATE's connections

	mu       sync.Mutex
	db       *engine.DB
	watchers map[string]map[int64]*watchState // key → watching connections
	watches  map[int64]*watchState            // connection → its watch
	mods     Modifications                    // for OnModified
	frozen   bool                             // PauseExpiry
	expired  uint64                           // keys deleted by expiry
	scripts  engine.ScriptMonitor             // the script running under mu, seen without it
	maxmem   engine.Maxmemory                 // SetMaxmemory
	evicting bool                             // an eviction run was cut short: the expiry loop goes on
	evicted  EvictionStats
	// events takes the keyspace notifications of each call
	// (OnKeyspaceEvents); nil: nobody.
	events func(conn *ConnState, t Ticket, events []engine.Event)
}

// watchState is one connection's WATCH: its keys, whether one changed, and
// the keys that were live when watched (an expiry after that aborts EXEC).
type watchState struct {
	keys  map[string]bool // key → it existed and was not expired at WATCH
	dirty bool
}

// StandaloneConfig configures a Standalone.
type StandaloneConfig struct {
	// Addr is the address clients reach this node at (CLUSTER SLOTS, MOVED).
	Addr string
	// ID is the node ID (40 hex characters); random if empty.
	ID string
	// TLS, if set, makes MIGRATE's connections TLS ones (TLS.Client).
	TLS *tls.Config
}

// activeExpireEvery and activeExpireMax pace the expiry of keys nobody reads.
const (
	activeExpireEvery = 100 * time.Millisecond
	activeExpireMax   = 200
)

// NewStandalone returns a Standalone with an empty keyspace and starts its
// active-expiry goroutine; Close stops it.
func NewStandalone(cfg StandaloneConfig) *Standalone {
	id := cfg.ID
	if id == "" {
		id = randomHex(20)
	}
	s := &Standalone{
		table:    engine.NewTable(),
		self:     Node{ID: id, Addr: cfg.Addr},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		db:       engine.New(),
		migrator: migrate.NewPool(),
		watchers: make(map[string]map[int64]*watchState),
		watches:  make(map[int64]*watchState),
	}
	if cfg.TLS != nil {
		s.migrator = migrate.NewTLSPool(cfg.TLS)
	}
	s.db.SetModifiedHook(s.touched)
	s.db.SetFlushHook(s.mods.Flushed)
	s.db.SetUsersHook(s.users.Publish)
	s.users.Publish(engine.UsersChange{Users: s.db.Users()})
	go s.expireLoop()
	return s
}

// Close stops active expiry. It is idempotent.
func (s *Standalone) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.migrator.Close()
	return nil
}

func (s *Standalone) expireLoop() {
	defer close(s.done)
	t := time.NewTicker(activeExpireEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			c := &engine.Call{Now: time.Now().UnixMilli(), Out: resp.NewWriter(2)}
			if !s.frozen {
				s.expired += uint64(s.db.ActiveExpire(c, activeExpireMax))
			}
			if s.evicting {
				s.evictLocked()
			}
			s.mods.Report(nil)
			s.eventsLocked(nil, c)
			s.mu.Unlock()
		}
	}
}

// touched is the DB's modification hook: it marks the watchers of key.
// Called with s.mu held.
func (s *Standalone) touched(key string) {
	for _, w := range s.watchers[key] {
		w.dirty = true
	}
	s.mods.Key(key, s.db.Flushing())
}

// Table implements Backend.
func (s *Standalone) Table() engine.Table { return s.table }

// SetACLPubsubDefault implements Backend.
func (s *Standalone) SetACLPubsubDefault(allChannels bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.SetACLPubsubDefault(allChannels)
}

// Users implements Backend.
func (s *Standalone) Users() *acl.Users { return s.users.Load() }

// OnUsers implements Backend.
func (s *Standalone) OnUsers(f func(engine.UsersChange)) { s.users.OnChange(f) }

// Do implements Backend.
func (s *Standalone) Do(conn *ConnState, argv [][]byte, w *resp.Writer) Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := conn.Call(engine.Call{Argv: argv, Out: w, Now: time.Now().UnixMilli(), Scripts: &s.scripts, TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, ReadOnlyReplica: s.frozen, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory})
	if engine.IsMigrate(argv[0]) {
		// With nothing to commit first, MIGRATE blocks the node for its
		// exchange, as Redis's does.
		c.Migrate = s.migrator.Migrate
	}
	s.table.Exec(s.db, c)
	s.mods.Ran(conn, s.table, argv)
	s.expired += uint64(c.ExpiredKeys())
	s.eventsLocked(conn, c)
	s.serveBlockedLocked()
	s.mods.Report(conn)
	return 0
}

// SetMaxmemory implements Backend.
func (s *Standalone) SetMaxmemory(m engine.Maxmemory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxmem = m
	s.db.SetMaxmemory(m)
	if m.Limit == 0 {
		s.evicted.Note(engine.EvictResult{}) // no longer over a limit
	}
}

// Evict implements Backend.
func (s *Standalone) Evict() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evictLocked()
}

// evictLocked runs the maxmemory policy; it reports whether memory is
// still over the limit. A run the time limit cut short goes on in the
// expiry loop.
func (s *Standalone) evictLocked() bool {
	s.evicting = false
	if s.maxmem.Limit == 0 || s.frozen {
		return false
	}
	c := &engine.Call{Now: time.Now().UnixMilli(), Out: resp.NewWriter(2)}
	res := s.db.Evict(c, heapMeter)
	s.evicting = res.Running
	s.evicted.Note(res)
	s.mods.Report(nil)
	s.eventsLocked(nil, c)
	return res.OOM
}

// Scripts implements Backend.
func (s *Standalone) Scripts() *engine.ScriptMonitor { return &s.scripts }

// ScriptCounts implements Backend.
func (s *Standalone) ScriptCounts() (scripts, functions, libraries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.ScriptCounts()
}

// KeyCounts implements Backend.
func (s *Standalone) KeyCounts() (keys, expires int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Len(), s.db.Expiring()
}

// eventsLocked hands the keyspace notifications c raised to the server.
func (s *Standalone) eventsLocked(conn *ConnState, c *engine.Call) {
	if ev := c.Events(); len(ev) > 0 && s.events != nil {
		s.events(conn, 0, ev)
	}
}

// Block implements Backend.
func (s *Standalone) Block(ctx context.Context, conn *ConnState, argv [][]byte, w *resp.Writer, onBlock func()) BlockResult {
	s.mu.Lock()
	c := &engine.Call{Argv: argv, Out: w, Now: time.Now().UnixMilli(), MayBlock: true, Scripts: &s.scripts, TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, ReadOnlyReplica: s.frozen, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory}
	s.table.Exec(s.db, c)
	s.mods.Ran(conn, s.table, argv)
	s.expired += uint64(c.ExpiredKeys())
	s.eventsLocked(conn, c)
	if c.Blocked == nil {
		s.serveBlockedLocked()
		s.mods.Report(conn)
		s.mu.Unlock()
		return BlockResult{}
	}
	wt := engine.NewWaiter(c, conn)
	s.db.AddWaiter(wt)
	s.mu.Unlock()
	onBlock()
	return BlockResult{Cancelled: wt.Wait(ctx, &s.mu) == engine.Cancelled}
}

// Publish implements Backend: a standalone node has no other node.
func (s *Standalone) Publish(sharded bool, channel, message []byte) {}

// OnMessage implements Backend: no other node publishes.
func (s *Standalone) OnMessage(func(sharded bool, channel, message []byte)) {}

// PauseExpiry implements Backend.
func (s *Standalone) PauseExpiry(paused bool) {
	s.mu.Lock()
	s.frozen = paused
	s.mu.Unlock()
}

// OnModified implements Backend.
func (s *Standalone) OnModified(f func(by *ConnState, mods []Modified)) {
	s.mu.Lock()
	s.mods.SetReport(f)
	s.mu.Unlock()
}

// SetNotify implements Backend.
func (s *Standalone) SetNotify(flags int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.SetNotify(flags)
}

// OnKeyspaceEvents implements Backend: every ticket is 0.
func (s *Standalone) OnKeyspaceEvents(deliver func(conn *ConnState, t Ticket, events []engine.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = deliver
}

// serveBlockedLocked serves the clients blocked on keys the last command
// created.
func (s *Standalone) serveBlockedLocked() {
	if s.db.HasReady() {
		s.table.ServeBlocked(s.db, time.Now().UnixMilli(), func(_ *engine.Waiter, c *engine.Call) { s.eventsLocked(nil, c) })
	}
}

// Exec implements Backend: the commands run under one lock acquisition,
// at one instant, unless a watched key changed.
func (s *Standalone) Exec(conn *ConnState, queued [][][]byte, w *resp.Writer) Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixMilli()
	if ws := s.watches[conn.ID]; ws != nil && (ws.dirty || s.watchedExpired(ws, now)) {
		w.NullArray()
		return 0
	}
	w.Array(len(queued))
	for i, argv := range queued {
		if conn.Protos != nil {
			w.SetProto(conn.Protos[i])
		}
		c := &engine.Call{Argv: argv, Out: w, Now: now, InExec: true, Scripts: &s.scripts, TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, ReadOnlyReplica: s.frozen, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory}
		s.table.Exec(s.db, c)
		s.mods.Ran(conn, s.table, argv)
		s.expired += uint64(c.ExpiredKeys())
		s.eventsLocked(conn, c)
	}
	s.db.EndExec()
	s.serveBlockedLocked()
	s.mods.Report(conn)
	return 0
}

// watchedExpired reports whether a key that was live at WATCH has expired
// since (isWatchedKeyExpired).
func (s *Standalone) watchedExpired(ws *watchState, now int64) bool {
	for k, live := range ws.keys {
		if e := s.db.Raw(k); live && e != nil && e.ExpireAt != 0 && e.ExpireAt <= now {
			return true
		}
	}
	return false
}

// Watch implements Backend.
func (s *Standalone) Watch(conn *ConnState, keys [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.watches[conn.ID]
	if ws == nil {
		ws = &watchState{keys: make(map[string]bool)}
		s.watches[conn.ID] = ws
	}
	now := time.Now().UnixMilli()
	for _, k := range keys {
		key := string(k)
		if _, ok := ws.keys[key]; ok {
			continue
		}
		e := s.db.Raw(key)
		ws.keys[key] = e != nil && (e.ExpireAt == 0 || e.ExpireAt > now)
		m := s.watchers[key]
		if m == nil {
			m = make(map[int64]*watchState)
			s.watchers[key] = m
		}
		m[conn.ID] = ws
	}
}

// Unwatch implements Backend.
func (s *Standalone) Unwatch(conn *ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.watches[conn.ID]
	if ws == nil {
		return
	}
	for k := range ws.keys {
		delete(s.watchers[k], conn.ID)
		if len(s.watchers[k]) == 0 {
			delete(s.watchers, k)
		}
	}
	delete(s.watches, conn.ID)
}

// Wait implements Backend: every ticket is settled.
func (s *Standalone) Wait(ctx context.Context, t Ticket) string { return "" }

// Route implements Backend.
func (s *Standalone) Route() Route {
	return Route{Serving: true, Primary: true, PrimaryAddr: s.self.Addr}
}

// Topology implements Backend: the primary of a shard of one.
func (s *Standalone) Topology() Topology {
	s.mu.Lock()
	changes := s.db.Changes()
	s.mu.Unlock()
	return Topology{Role: "master", Self: s.self, Primary: s.self, AppliedID: changes, Serving: true}
}

// Forget implements Backend. A shard of one has no other node to forget
// (the server answers "Unknown node" before asking).
func (s *Standalone) Forget(context.Context, string) error {
	return errors.New("ERR a standalone node has no other nodes")
}

// Failover implements Backend: a standalone node is a primary.
func (s *Standalone) Failover(context.Context, bool) string {
	return "ERR You should send CLUSTER FAILOVER to a replica"
}

// AwaitHandover implements Backend: a standalone node never hands over.
func (s *Standalone) AwaitHandover(context.Context) {}

// Info implements Backend.
func (s *Standalone) Info(section string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch section {
	case "keyspace":
		// avg_ttl is the mean time to live of the keys that will expire,
		// in ms: what Redis estimates by sampling in its expiry cycle.
		keys, expires, live := 0, 0, 0
		var ttlSum int64
		now := time.Now().UnixMilli()
		s.db.Keys(func(_ string, e *engine.Entry) bool {
			keys++
			if e.ExpireAt != 0 {
				expires++
				if e.ExpireAt > now {
					live++
					ttlSum += e.ExpireAt - now
				}
			}
			return true
		})
		if keys == 0 {
			return ""
		}
		avg := int64(0)
		if live > 0 {
			avg = ttlSum / int64(live)
		}
		return fmt.Sprintf("db0:keys=%d,expires=%d,avg_ttl=%d", keys, expires, avg)
	case "persistence":
		return strings.Join([]string{
			"loading:0", "async_loading:0",
			fmt.Sprintf("rdb_changes_since_last_save:%d", s.db.Changes()),
			"rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:ok",
			"aof_enabled:0", "aof_rewrite_in_progress:0", "aof_last_bgrewrite_status:ok", "aof_last_write_status:ok",
		}, "\r\n")
	case "stats":
		hits, misses := s.db.KeyspaceStats()
		return fmt.Sprintf("expired_keys:%d\r\n%skeyspace_hits:%d\r\nkeyspace_misses:%d\r\nmigrate_cached_sockets:%d",
			s.expired, s.evicted.Info(), hits, misses, s.migrator.Len())
	}
	return ""
}
