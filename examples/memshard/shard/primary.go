package shard

import (
	"context"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// Error replies of a node that cannot serve a command here and now.
const (
	errNotServing = "CLUSTERDOWN The cluster is down"
	errReadOnly   = "READONLY You can't write against a read only replica."
	errWriteLost  = "TRYAGAIN the write could not be made durable; the primary stepped down (retry on the new primary)"
	// errOutcomeUnknown answers a write whose record may or may not be in
	// the log, and can no longer be checked: not TRYAGAIN, because a retry
	// could apply it twice.
	errOutcomeUnknown = "ERR the write's outcome is unknown: the primary stepped down and the log was trimmed before its record could be checked"
)

// servingLocked reports whether this node may answer data commands now.
func (s *Shard) servingLocked(now time.Time) bool {
	if s.halted != nil || !s.caughtUp {
		return false
	}
	if s.role == rolePrimary {
		return now.Before(s.leaseUntil) && s.handover == nil
	}
	return true
}

// Do runs one data command (server.Backend).
func (s *Shard) Do(conn *server.ConnState, argv [][]byte, w *resp.Writer) server.Ticket {
	if engine.IsMigrate(argv[0]) {
		return s.doExternal(conn, s.table.Lookup(argv[0]), argv, w)
	}
	s.external.RLock()
	defer s.external.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.servingLocked(time.Now()) {
		w.Error(errNotServing)
		return 0
	}
	calls := s.effectCalls
	c := conn.Call(engine.Call{Argv: argv, Out: w, Now: nowMs(), TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory})
	t := s.execLocked(c)
	s.mods.Ran(conn, s.table, argv)
	if s.effectCalls != calls {
		s.noteWriterLocked(conn)
	}
	s.eventsLocked(conn, t, c)
	s.serveBlockedLocked()
	s.mods.Report(conn)
	return t
}

// eventsLocked hands the keyspace notifications c raised to the server,
// with the ticket they wait for (that of c's reply: its own write's, or
// the uncommitted writes it read).
func (s *Shard) eventsLocked(conn *server.ConnState, t server.Ticket, c *engine.Call) {
	if ev := c.Events(); len(ev) > 0 && s.events != nil {
		s.events(conn, t, ev)
	}
}

// SetNotify implements server.Backend.
func (s *Shard) SetNotify(flags int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyFlags = flags
	s.db.SetNotify(flags)
}

// SetACLPubsubDefault implements server.Backend.
func (s *Shard) SetACLPubsubDefault(allChannels bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aclAllChannels = allChannels
	s.db.SetACLPubsubDefault(allChannels)
}

// OnKeyspaceEvents implements server.Backend.
func (s *Shard) OnKeyspaceEvents(deliver func(conn *server.ConnState, t server.Ticket, events []engine.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = deliver
}

// Block runs a blocking command (server.Backend): BLPOP and friends.
func (s *Shard) Block(ctx context.Context, conn *server.ConnState, argv [][]byte, w *resp.Writer, onBlock func()) server.BlockResult {
	s.external.RLock()
	s.mu.Lock()
	if !s.servingLocked(time.Now()) {
		s.mu.Unlock()
		s.external.RUnlock()
		w.Error(errNotServing)
		return server.BlockResult{}
	}
	c := &engine.Call{Argv: argv, Out: w, Now: nowMs(), MayBlock: true, TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory}
	calls := s.effectCalls
	t := s.execLocked(c)
	s.mods.Ran(conn, s.table, argv)
	if s.effectCalls != calls {
		s.noteWriterLocked(conn)
	}
	s.eventsLocked(conn, t, c)
	if c.Blocked == nil || s.role != rolePrimary {
		s.serveBlockedLocked()
		s.mods.Report(conn)
		s.mu.Unlock()
		s.external.RUnlock()
		return server.BlockResult{Ticket: t}
	}
	wt := engine.NewWaiter(c, conn)
	s.db.AddWaiter(wt)
	s.mu.Unlock()
	s.external.RUnlock()
	onBlock()
	switch wt.Wait(ctx, &s.mu) {
	case engine.Served:
		return server.BlockResult{Ticket: server.Ticket(wt.Ticket)}
	case engine.Cancelled:
		return server.BlockResult{Cancelled: true}
	case engine.Redirected:
		return server.BlockResult{Redirect: true}
	}
	return server.BlockResult{} // timed out: the null reply is written
}

// serveBlockedLocked serves the clients blocked on keys the last command
// (or EXEC) created: each served pop's effects join the open batch, and
// its reply waits for them and for the uncommitted writes of its keys,
// as any command's does.
func (s *Shard) serveBlockedLocked() {
	if !s.db.HasReady() {
		return
	}
	s.table.ServeBlocked(s.db, nowMs(), func(w *engine.Waiter, c *engine.Call) {
		var t uint64
		if cmd := s.table.Lookup(c.Argv[0]); cmd != nil {
			t = s.readTicketLocked(cmd, c.Argv)
		}
		if effects := c.Effects(); len(effects) > 0 {
			t = max(t, s.addEffectsLocked(effects))
			s.noteWriterLocked(w.Owner.(*server.ConnState))
		}
		w.Ticket = t
		s.eventsLocked(nil, server.Ticket(t), c)
	})
}

// execLocked runs c and returns the ticket its reply must wait for.
func (s *Shard) execLocked(c *engine.Call) server.Ticket {
	argv := c.Argv
	cmd := s.table.Lookup(argv[0])
	c.InExec = s.inExec
	c.Scripts = &s.scripts
	c.ReadOnlyReplica = c.ReadOnlyReplica || s.frozen // a paused primary deletes no expired key
	if s.role != rolePrimary {
		if cmd != nil && cmd.IsWriteCall(argv) {
			c.Out.Error(errReadOnly)
			return 0
		}
		c.ReadOnlyReplica = true
		s.table.Exec(s.db, c)
		return 0
	}
	// Every command, write or read, first waits for the uncommitted writes
	// of its keys: a write that changes nothing (SETNX on an existing key)
	// still answers from their values.
	var ticket uint64
	if cmd != nil {
		ticket = s.readTicketLocked(cmd, argv)
	}
	s.table.Exec(s.db, c)
	if effects := c.Effects(); len(effects) > 0 {
		ticket = max(ticket, s.addEffectsLocked(effects))
	}
	return server.Ticket(ticket)
}

// readTicketLocked is the client blocking layer: a read waits for the
// uncommitted writes of the keys it reads; a keyless read (KEYS, SCAN,
// DBSIZE...) for every uncommitted write.
func (s *Shard) readTicketLocked(cmd *engine.Command, argv [][]byte) uint64 {
	keys := cmd.Keys(argv)
	if cmd.ReadsAnyKey {
		keys = nil // a script may read any key: wait as a keyless read does
	}
	if len(keys) == 0 {
		if s.open.count > 0 {
			return s.openSeq
		}
		if s.openSeq > 0 && s.openSeq-1 > s.committed.Load() {
			return s.openSeq - 1
		}
		return 0
	}
	var t uint64
	committed := s.committed.Load()
	for _, k := range keys {
		if d := s.dirty[string(k)]; d > committed && d > t {
			t = d
		}
	}
	return t
}

// addEffectsLocked puts effects into the open batch and marks their keys
// dirty; it returns the open batch's ticket.
func (s *Shard) addEffectsLocked(effects [][][]byte) uint64 {
	n := 0
	for _, eff := range effects {
		n += effectBytes(eff)
	}
	if !s.inExec {
		s.makeRoomLocked(n)
	}
	s.effectCalls++
	for _, eff := range effects {
		s.open.add(eff)
		cmd := s.table.Lookup(eff[0])
		if cmd == nil {
			continue
		}
		keys := cmd.Keys(eff)
		for _, k := range keys {
			key := string(k) // one copy for both
			s.dirty[key] = s.openSeq
			s.openKeys = append(s.openKeys, key)
		}
		if len(keys) == 0 { // FLUSHALL and friends dirty everything
			for k := range s.dirty {
				s.dirty[k] = s.openSeq
			}
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return s.openSeq
}

// Exec runs a MULTI block atomically (server.Backend): its effects land in
// one batch, so in one log record.
func (s *Shard) Exec(conn *server.ConnState, queued [][][]byte, w *resp.Writer) server.Ticket {
	s.external.RLock()
	defer s.external.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.servingLocked(time.Now()) {
		w.Error(errNotServing)
		return 0
	}
	wt := s.watches[conn.ID]
	delete(s.watches, conn.ID)
	if wt != nil && wt.dirty {
		w.NullArray()
		return 0
	}
	var writes [][][]byte
	for _, argv := range queued {
		if cmd := s.table.Lookup(argv[0]); cmd != nil && cmd.IsWrite() {
			writes = append(writes, argv)
		}
	}
	// The block's effects go in one batch, so in one record if they fit
	// one (in parts if not): room for them is made before it runs, not
	// between its commands.
	s.makeRoomLocked(writesBytes(writes...))
	s.inExec = true
	defer func() { s.inExec = false }()
	w.Array(len(queued))
	calls := s.effectCalls
	var ticket server.Ticket
	for i, argv := range queued {
		if conn.Protos != nil {
			w.SetProto(conn.Protos[i])
		}
		c := &engine.Call{Argv: argv, Out: w, Now: nowMs(), TrackReads: s.mods.ReadsOf(conn), ScriptACL: conn.ScriptACL, OOM: conn.OOM, Monitor: conn.Monitor, ScriptCalled: conn.ScriptCalled, Memory: conn.Memory}
		t := s.execLocked(c)
		s.mods.Ran(conn, s.table, argv)
		ticket = max(ticket, t)
		s.eventsLocked(conn, t, c)
	}
	s.db.EndExec()
	if s.effectCalls != calls {
		s.noteWriterLocked(conn)
	}
	s.serveBlockedLocked()
	s.mods.Report(conn)
	return ticket
}

// expireLoop runs active expiry on the primary: expired keys are deleted
// and the deletions replicated as DEL effects.
func (s *Shard) expireLoop(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.role == rolePrimary && !s.frozen && s.servingLocked(time.Now()) {
			c := &engine.Call{Now: nowMs(), Out: resp.NewWriter(2)}
			if s.db.ActiveExpire(c, 200) > 0 {
				t := s.addEffectsLocked(c.Effects())
				s.mods.Report(nil)
				s.eventsLocked(nil, server.Ticket(t), c) // "expired", once the DELs commit
			}
		}
		if s.evicting {
			s.evictLocked()
		}
		s.mu.Unlock()
	}
}
