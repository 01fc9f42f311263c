package server

import (
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// maxmemory: the node's limit on memory, as Redis's. The backend evicts
// (engine/evict.go); the server runs it before each command and refuses
// what may grow memory while it is still over, as processCommand does.

// applyMaxmemory hands the maxmemory parameters to the backend and evicts
// at once if the new limit is already exceeded (Redis starts evicting when
// CONFIG SET lowers maxmemory).
func (s *Server) applyMaxmemory() {
	limit, _ := strconv.ParseUint(s.configValue("maxmemory"), 10, 64)
	policy, _ := engine.ParseEvictionPolicy(s.configValue("maxmemory-policy"))
	samples, _ := strconv.Atoi(s.configValue("maxmemory-samples"))
	tenacity, _ := strconv.Atoi(s.configValue("maxmemory-eviction-tenacity"))
	logFactor, _ := strconv.Atoi(s.configValue("lfu-log-factor"))
	decayTime, _ := strconv.Atoi(s.configValue("lfu-decay-time"))
	s.maxmemory.Store(limit)
	s.backend.SetMaxmemory(engine.Maxmemory{Limit: limit, Policy: policy, Samples: samples, Tenacity: tenacity,
		LFULogFactor: logFactor, LFUDecayTime: decayTime})
	if s.cfg.OnMaxmemory != nil {
		s.cfg.OnMaxmemory(limit)
	}
	if limit > 0 {
		if used := readHeapObjects(); used > limit {
			s.log.Warn("the new maxmemory is below the memory used: keys will be evicted or writes refused, by maxmemory-policy",
				"maxmemory", limit, "used", used)
		}
		s.backend.Evict()
	}
}

// checkMemory is processCommand's maxmemory step: with a limit set, the
// backend evicts what the policy allows, and if memory is still over,
// commands that may grow it are refused, and inside MULTI every command
// but EXEC, DISCARD, QUIT and RESET (queueing takes memory too). EXEC is
// refused if a command it would run may grow memory.
func (c *conn) checkMemory(cc *connCommand, dc *engine.Command, argv [][]byte) string {
	c.state.OOM = false
	if limit := c.s.maxmemory.Load(); limit == 0 || heapMeter.Used() <= limit {
		return "" // the common case: no need to ask the backend
	}
	if c.s.backend.Scripts().RunningFor() > 0 {
		return "" // no eviction while a script runs (Redis: isInsideYieldingLongCommand)
	}
	if !c.s.backend.Evict() {
		return ""
	}
	c.state.OOM = true
	reject := dc != nil && dc.DenyOOMCall(argv) || cc != nil && hasFlag(cc.flags, "denyoom")
	if cc != nil {
		switch cc.name {
		case "exec":
			reject = c.queuedDenyOOM()
		case "discard", "quit", "reset":
		default:
			reject = reject || c.multi
		}
	} else {
		reject = reject || c.multi
	}
	if reject {
		return engine.ErrOOM
	}
	return ""
}

// queuedDenyOOM reports whether a command queued in the transaction may
// grow memory (Redis's mstate.cmd_flags & CMD_DENYOOM).
func (c *conn) queuedDenyOOM() bool {
	for _, argv := range c.queued {
		if _, dc, _ := c.s.lookup(argv); dc != nil && dc.DenyOOMCall(argv) {
			return true
		}
	}
	return false
}
