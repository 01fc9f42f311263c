package shard

import (
	"context"
	"fmt"
	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"sort"
	"strings"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

var _ server.Backend = (*Shard)(nil)

// Table returns the engine's command table.
func (s *Shard) Table() engine.Table { return s.table }

// Wait blocks until ticket t is committed (""), will never commit (an error
// reply), or ctx ends.
//
// It takes the shard's lock only once a write has failed: the common path
// loads the channel to wait on before checking committed, and
// broadcastLocked closes it after committed is stored, so no wake-up is
// lost.
func (s *Shard) Wait(ctx context.Context, t server.Ticket) string {
	for {
		ch := s.settled.Load()
		if s.anyFailed.Load() {
			if msg := s.failedTicket(uint64(t)); msg != "" {
				return msg
			}
		}
		if uint64(t) <= s.committed.Load() {
			return ""
		}
		select {
		case <-*ch:
		case <-ctx.Done():
			return errWriteLost
		}
	}
}

// failedTicket returns the error reply of ticket t if it will never commit.
func (s *Shard) failedTicket(t uint64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.failed {
		if t >= f[0] && t <= f[1] {
			if s.unknown[t] {
				return errOutcomeUnknown
			}
			return errWriteLost
		}
	}
	return ""
}

// Route summarises Topology without the shard's lock (server.Backend).
func (s *Shard) Route() server.Route {
	r := s.route.Load()
	serving := r.ready
	if r.primary {
		serving = serving && time.Since(s.epoch) < time.Duration(s.leaseNanos.Load())
	}
	return server.Route{Serving: serving, Primary: r.primary, PrimaryAddr: r.primaryAddr, HandingOver: r.handingOver}
}

// watch is one connection's WATCH state.
type watch struct {
	keys  map[string]bool
	dirty bool
}

// Watch records keys for conn's next Exec.
func (s *Shard) Watch(conn *server.ConnState, keys [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.watches[conn.ID]
	if w == nil {
		w = &watch{keys: make(map[string]bool)}
		s.watches[conn.ID] = w
	}
	for _, k := range keys {
		w.keys[string(k)] = true
	}
}

// Unwatch forgets conn's watched keys.
func (s *Shard) Unwatch(conn *server.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.watches, conn.ID)
}

// modified is the engine's modification hook (called under mu).
func (s *Shard) modified(key string) {
	for _, w := range s.watches {
		if w.keys[key] {
			w.dirty = true
		}
	}
	s.mods.Key(key, s.db.Flushing())
}

// setHooksLocked makes db, which is to replace the keyspace, report its
// modifications. A keyspace replaced (a replica rebuilt from a snapshot
// or from the log) is a flush for CLIENT TRACKING, as a full resync is
// for a Redis replica.
func (s *Shard) setHooksLocked(db *engine.DB) {
	db.SetModifiedHook(s.modified)
	db.SetFlushHook(s.mods.Flushed)
	db.SetUsersHook(s.users.Publish)
	s.users.Publish(engine.UsersChange{Users: db.Users()})
	if s.db != nil {
		s.mods.Flushed()
		s.mods.Report(nil)
	}
}

// Users implements server.Backend.
func (s *Shard) Users() *acl.Users { return s.users.Load() }

// OnUsers implements server.Backend.
func (s *Shard) OnUsers(f func(engine.UsersChange)) { s.users.OnChange(f) }

// PauseExpiry implements server.Backend.
func (s *Shard) PauseExpiry(paused bool) {
	s.mu.Lock()
	s.frozen = paused
	s.mu.Unlock()
}

// OnModified implements server.Backend.
func (s *Shard) OnModified(f func(by *server.ConnState, mods []server.Modified)) {
	s.mu.Lock()
	s.mods.SetReport(f)
	s.mu.Unlock()
}

// Topology describes the shard as this node sees it.
func (s *Shard) Topology() server.Topology {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	t := server.Topology{
		Role: s.role, Self: s.self, Primary: s.liveLocked(s.primary, now), AppliedID: s.appliedID,
		Serving: s.servingLocked(now),
	}
	if s.tailID > s.appliedID {
		t.LagIDs = s.tailID - s.appliedID
	}
	reps := s.replicasLocked()
	t.Replicas = make([]server.Node, len(reps))
	for i, r := range reps {
		t.Replicas[i] = s.liveLocked(r, now)
	}
	return t
}

// liveLocked returns n with what this node knows of its liveness.
func (s *Shard) liveLocked(n server.Node, now time.Time) server.Node {
	if p := s.peers[n.ID]; p != nil {
		n.Failed, n.PongMS, n.PingSentMS = s.failedLocked(n.ID, now), p.pongMS, p.pingSentMS
	}
	return n
}

// Info returns the backend's INFO fields for section; the server writes
// the fields Redis itself has (role, master_host, ...) from Topology.
func (s *Shard) Info(section string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	switch section {
	case "replication":
		fmt.Fprintf(&b, "quorumlog_log:%s\r\nquorumlog_applied_id:%d\r\n", s.cfg.Log, s.appliedID)
		if s.halted != nil {
			fmt.Fprintf(&b, "quorumlog_halted:%s\r\n", s.halted)
		}
	case "keyspace":
		if n := s.db.Len(); n > 0 {
			fmt.Fprintf(&b, "db0:keys=%d,expires=%d,avg_ttl=0\r\n", n, s.db.Expiring())
		}
	case "stats":
		hits, misses := s.db.KeyspaceStats()
		b.WriteString(s.evicted.Info())
		fmt.Fprintf(&b, "keyspace_hits:%d\r\nkeyspace_misses:%d\r\nmigrate_cached_sockets:%d\r\n", hits, misses, s.migrator.Len())
	case "persistence":
		fmt.Fprintf(&b, "loading:%d\r\nasync_loading:0\r\nrdb_changes_since_last_save:0\r\naof_enabled:0\r\nquorumlog_durable:1\r\n", boolInt(!s.caughtUp))
		// The last snapshot restored stands for Redis's last RDB load.
		fmt.Fprintf(&b, "rdb_last_load_keys_loaded:%d\r\nquorumlog_snapshot_id:%d\r\n", s.restored.Keys, s.restored.ID)
	}
	return b.String()
}

// replicasLocked returns the registered nodes other than the primary,
// sorted by ID. The slice is cached until members or the primary change:
// the server asks for the topology on every command.
func (s *Shard) replicasLocked() []server.Node {
	if s.replicas != nil && s.replicasOf == s.primary.ID {
		return s.replicas
	}
	reps := make([]server.Node, 0, len(s.members))
	for _, m := range s.members {
		if m.ID != s.primary.ID {
			reps = append(reps, m)
		}
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].ID < reps[j].ID })
	s.replicas, s.replicasOf = reps, s.primary.ID
	return reps
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func splitAddr(addr string) (host, port string) {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i], addr[i+1:]
	}
	return addr, ""
}

// Scripts returns the monitor of the script running here (server.Backend).
func (s *Shard) Scripts() *engine.ScriptMonitor { return &s.scripts }

// ScriptCounts implements server.Backend.
func (s *Shard) ScriptCounts() (scripts, functions, libraries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.ScriptCounts()
}

// KeyCounts implements server.Backend.
func (s *Shard) KeyCounts() (keys, expires int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Len(), s.db.Expiring()
}
