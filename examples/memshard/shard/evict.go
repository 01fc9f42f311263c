package shard

import (
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// SetMaxmemory implements server.Backend. The configuration is this
// node's, as in Redis: only a primary acts on it, and a replica promoted
// later evicts by its own.
func (s *Shard) SetMaxmemory(m engine.Maxmemory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxmem = m
	s.db.SetMaxmemory(m)
	if m.Limit == 0 {
		s.evicted.Note(engine.EvictResult{}) // no longer over a limit
	}
}

// Evict implements server.Backend: a serving primary deletes keys by its
// policy until memory is under maxmemory, and the DELs join the open
// batch, as any write's effects (the client blocking layer then holds the
// reads of those keys until they commit). A replica never evicts: the
// primary's DELs reach it through the log (replica-ignore-maxmemory).
func (s *Shard) Evict() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evictLocked()
}

// evictLocked is Evict under s.mu. A run the time limit cut short goes on
// in the expiry loop (s.evicting), as Redis's evictionTimeProc goes on
// between commands.
func (s *Shard) evictLocked() bool {
	s.evicting = false
	if s.maxmem.Limit == 0 || s.role != rolePrimary || s.frozen || !s.servingLocked(time.Now()) {
		return false
	}
	c := &engine.Call{Now: nowMs(), Out: resp.NewWriter(2)}
	res := s.db.Evict(c, server.ProcessMeter())
	s.evicting = res.Running
	s.evicted.Note(res)
	if effects := c.Effects(); len(effects) > 0 {
		t := s.addEffectsLocked(effects)
		s.mods.Report(nil)
		s.eventsLocked(nil, server.Ticket(t), c) // "evicted", once the DELs commit
	}
	return res.OOM
}
