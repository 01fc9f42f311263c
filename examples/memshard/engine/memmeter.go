package engine

import (
	"runtime/metrics"
	"sync"
	"time"
)

// heapReadEvery is how long a reading of the heap serves: reading it
// takes about half a microsecond, and every command asks (Redis reads a
// counter). What a millisecond of commands allocates is small beside any
// useful maxmemory.
const heapReadEvery = time.Millisecond

// HeapMeter is the MemoryMeter of a process: the Go heap's live objects
// and the garbage not yet collected (INFO's used_memory), less what
// eviction freed that the heap does not show yet. An evicted key leaves
// the heap in the first collection that starts after it was deleted, so
// once two collections have ended since, it is gone; until then the meter
// subtracts it from the heap. It may so count too little for a while (a key deleted
// before the last collection began is gone already), and evict a little
// less than needed until the next collection, never more. The heap is the
// process's, so one meter serves every DB in it.
type HeapMeter struct {
	mu      sync.Mutex
	samples [2]metrics.Sample
	cycles  uint64 // collections ended when the meter last looked
	// pending is the bytes evicted since the last collection ended seen
	// by the meter, and before it, since the one before.
	pending, before uint64
	heap            uint64    // the last reading
	readAt          time.Time // when it was taken
}

// NewHeapMeter returns a meter of this process's heap.
func NewHeapMeter() *HeapMeter {
	return &HeapMeter{samples: [2]metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}}
}

// Used implements MemoryMeter.
func (m *HeapMeter) Used() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now := time.Now(); now.Sub(m.readAt) >= heapReadEvery {
		m.read()
		m.readAt = now
	}
	if m.pending+m.before >= m.heap {
		return 0
	}
	return m.heap - m.pending - m.before
}

// read takes a new reading of the heap, and forgets what eviction freed
// before the collections that ended since the last.
func (m *HeapMeter) read() {
	metrics.Read(m.samples[:])
	m.heap = sampleUint(m.samples[0])
	switch cycles := sampleUint(m.samples[1]); {
	case cycles == m.cycles+1:
		m.before, m.pending = m.pending, 0
	case cycles != m.cycles:
		m.before, m.pending = 0, 0
	}
	m.cycles = sampleUint(m.samples[1])
}

// Freed implements MemoryMeter.
func (m *HeapMeter) Freed(n uint64) {
	m.mu.Lock()
	m.pending += n
	m.mu.Unlock()
}

func sampleUint(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}
