package shard

import (
	"context"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// MIGRATE sends keys to another server and deletes them here. Redis runs
// it inside its event loop, so nothing else happens until the target has
// answered or the timeout has passed; memshard's primary does the same
// for commands (Do, Exec and Block wait at the gate, s.external) but not
// for its log: the shard's lock is released during the exchange, so the
// appender goes on committing and renewing the lease, and a slow target
// cannot cost the primary its lease.
//
// Before anything leaves, the uncommitted writes of the keys commit: the
// target must never hold a value that could still be lost here. After
// the exchange, the node must still be the same serving primary for the
// deletions to be made; if it stepped down meanwhile (its keyspace
// replaced), nothing is deleted: the keys are copied, not moved, and the
// client gets an error.

// doExternal runs an External command (MIGRATE) for Do.
func (s *Shard) doExternal(conn *server.ConnState, cmd *engine.Command, argv [][]byte, w *resp.Writer) server.Ticket {
	for {
		// Wait for the keys' writes without the gate, so that other
		// commands go on meanwhile; then take it and check again.
		s.mu.Lock()
		t := s.readTicketLocked(cmd, argv)
		s.mu.Unlock()
		if t != 0 {
			if msg := s.Wait(context.Background(), server.Ticket(t)); msg != "" {
				w.Error(msg)
				return 0
			}
		}
		s.external.Lock() // every other command waits
		s.mu.Lock()
		if s.role != rolePrimary || s.readTicketLocked(cmd, argv) == 0 {
			break
		}
		s.mu.Unlock()
		s.external.Unlock()
	}
	defer s.external.Unlock()
	defer s.mu.Unlock()
	if !s.servingLocked(time.Now()) {
		w.Error(errNotServing)
		return 0
	}
	db := s.db
	lost := false
	c := &engine.Call{Argv: argv, Out: w, Now: nowMs(), OOM: conn.OOM, Monitor: conn.Monitor}
	c.Migrate = func(req migrate.Request) migrate.Result {
		s.mu.Unlock()
		res := s.migrator.Migrate(req)
		s.mu.Lock()
		if s.db != db || !s.servingLocked(time.Now()) {
			lost = true
			return migrate.Result{Acked: make([]bool, len(req.Restores)), Err: errMigrateLost}
		}
		return res
	}
	if s.role != rolePrimary {
		return s.execLocked(c) // READONLY
	}
	c.ReadOnlyReplica = s.frozen // a paused primary deletes no expired key
	s.table.Exec(s.db, c)
	if lost {
		return 0 // a replica now: nothing of this call is to be logged
	}
	var t uint64
	if effects := c.Effects(); len(effects) > 0 {
		t = s.addEffectsLocked(effects)
		s.noteWriterLocked(conn)
	}
	s.mods.Ran(conn, s.table, argv)
	s.eventsLocked(conn, server.Ticket(t), c)
	s.mods.Report(conn)
	return server.Ticket(t)
}

// errMigrateLost answers a MIGRATE whose node stopped being a serving
// primary during the exchange: the target may hold the keys, and they are
// still here (retry on the new primary).
const errMigrateLost = "TRYAGAIN the primary stepped down during MIGRATE; the keys acknowledged by the target were copied, not moved"
