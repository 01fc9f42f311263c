package server

import (
	"fmt"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// heapMeter measures the process's memory for maxmemory: one heap, one
// meter, whatever the number of backends in the process.
var heapMeter = engine.NewHeapMeter()

// ProcessMeter returns the meter of this process's memory, for backends
// that evict (engine.DB.Evict).
func ProcessMeter() engine.MemoryMeter { return heapMeter }

// EvictionStats counts a backend's evictions for INFO stats: evicted_keys,
// and how long memory has been over maxmemory (total_eviction_exceeded_time,
// current_eviction_exceeded_time), as Redis counts them.
type EvictionStats struct {
	mu        sync.Mutex
	evicted   uint64
	total     time.Duration // over the limit, in periods that ended
	overSince time.Time     // zero: not over now
}

// Note records one eviction run's result.
func (st *EvictionStats) Note(res engine.EvictResult) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.evicted += uint64(res.Evicted)
	switch {
	case (res.Over || res.OOM) && st.overSince.IsZero():
		st.overSince = time.Now()
	case !res.Over && !st.overSince.IsZero():
		st.total += time.Since(st.overSince)
		st.overSince = time.Time{}
	}
}

// Info returns the INFO stats fields, "name:value" lines.
func (st *EvictionStats) Info() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var current time.Duration
	if !st.overSince.IsZero() {
		current = time.Since(st.overSince)
	}
	return fmt.Sprintf("evicted_keys:%d\r\ntotal_eviction_exceeded_time:%d\r\ncurrent_eviction_exceeded_time:%d\r\n",
		st.evicted, (st.total + current).Milliseconds(), current.Milliseconds())
}
