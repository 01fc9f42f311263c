package server

import (
	"fmt"
	"runtime/metrics"
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// INFO memory, in the Go runtime's terms. Redis reports what its allocator
// (jemalloc) knows; the runtime knows the same things under other names:
//
//	used_memory          heap objects: bytes allocated, not yet freed (HeapAlloc)
//	allocator_allocated  the same
//	allocator_active     heap spans in use, objects and the gaps between them (HeapInuse)
//	allocator_resident   memory mapped by the runtime and not returned to the OS (Sys - HeapReleased)
//	used_memory_rss      the process's resident set, from the OS
//
// The ratios between them are then Redis's fragmentation ratios. Lua,
// functions, replication buffers and the AOF do not exist in memshard:
// their sizes are 0.

// memoryFigures are the runtime's memory figures at one moment.
type memoryFigures struct {
	heapObjects uint64 // /memory/classes/heap/objects:bytes
	heapUnused  uint64 // /memory/classes/heap/unused:bytes
	total       uint64 // /memory/classes/total:bytes
	released    uint64 // /memory/classes/heap/released:bytes
}

// readMemory reads the runtime's figures; unlike runtime.ReadMemStats it
// does not stop the world.
func readMemory() memoryFigures {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(s)
	u := func(i int) uint64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[i].Value.Uint64()
	}
	return memoryFigures{heapObjects: u(0), heapUnused: u(1), total: u(2), released: u(3)}
}

// readHeapObjects is used_memory alone, for the sampler.
func readHeapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// processMemory is the memory figures INFO memory and MEMORY STATS and
// DOCTOR share (engine.ProcessMemory): one reading of the runtime's.
func (s *Server) processMemory() engine.ProcessMemory {
	is := &s.stats.info
	m := readMemory()
	used := m.heapObjects
	is.notePeak(used) // never a peak below the current figure
	resident := m.total - m.released
	rss := processRSS()
	if rss == 0 {
		rss = resident
	}
	return engine.ProcessMemory{
		Used: used, Peak: is.peakMem.Load(), Startup: is.startupMem,
		Active: m.heapObjects + m.heapUnused, Resident: resident, RSS: rss,
		Allocator: memAllocator, Clients: int(s.open.Load()),
	}
}

// memAllocator is INFO's mem_allocator.
const memAllocator = "go"

func (s *Server) memoryFields() []infoField {
	scripts, functions, libraries := s.backend.ScriptCounts()
	keys, expires := s.backend.KeyCounts()
	is := &s.stats.info
	pm := s.processMemory()
	used, peak, active, resident, rss := pm.Used, pm.Peak, pm.Active, pm.Resident, pm.RSS
	sysMem := totalSystemMemory()
	// memshard's own structures (connections, the command table) are part
	// of the heap at startup; with the keyspace's own, they are the
	// overhead, as MEMORY STATS's overhead.total; what is left is the
	// dataset (0, not Redis's wrapped size_t, if the heap shrank below).
	overhead := engine.Overhead(pm, keys, expires)
	dataset := used - min(overhead, used)
	net := uint64(1)
	if used > is.startupMem {
		net = used - is.startupMem
	}
	maxPolicy := s.configValue("maxmemory-policy")
	maxmem := s.maxmemory.Load()
	ratio := func(a, b uint64) string {
		if b == 0 {
			return "0.00"
		}
		return fmt.Sprintf("%.2f", float32(a)/float32(b)) // Redis divides in float
	}
	diff := func(a, b uint64) string { return strconv.FormatInt(int64(a)-int64(b), 10) }
	return []infoField{
		{"used_memory", u64(used)},
		{"used_memory_human", humanBytes(used)},
		{"used_memory_rss", u64(rss)},
		{"used_memory_rss_human", humanBytes(rss)},
		{"used_memory_peak", u64(peak)},
		{"used_memory_peak_human", humanBytes(peak)},
		{"used_memory_peak_perc", fmt.Sprintf("%.2f%%", float32(used)*100/float32(peak))},
		{"used_memory_overhead", u64(overhead)},
		{"used_memory_startup", u64(is.startupMem)},
		{"used_memory_dataset", u64(dataset)},
		{"used_memory_dataset_perc", fmt.Sprintf("%.2f%%", float32(dataset)*100/float32(net))},
		{"allocator_allocated", u64(used)},
		{"allocator_active", u64(active)},
		{"allocator_resident", u64(resident)},
		{"total_system_memory", u64(sysMem)},
		{"total_system_memory_human", humanBytes(sysMem)},
		{"used_memory_lua", "0"},
		{"used_memory_vm_eval", "0"},
		{"used_memory_lua_human", "0B"},
		{"used_memory_scripts_eval", "0"},
		{"number_of_cached_scripts", strconv.Itoa(scripts)},
		{"number_of_functions", strconv.Itoa(functions)},
		{"number_of_libraries", strconv.Itoa(libraries)},
		{"used_memory_vm_functions", "0"},
		{"used_memory_vm_total", "0"},
		{"used_memory_vm_total_human", "0B"},
		{"used_memory_functions", "0"},
		{"used_memory_scripts", "0"},
		{"used_memory_scripts_human", "0B"},
		{"maxmemory", u64(maxmem)},
		{"maxmemory_human", humanBytes(maxmem)},
		{"maxmemory_policy", maxPolicy},
		{"allocator_frag_ratio", ratio(active, used)},
		{"allocator_frag_bytes", diff(active, used)},
		{"allocator_rss_ratio", ratio(resident, active)},
		{"allocator_rss_bytes", diff(resident, active)},
		{"rss_overhead_ratio", ratio(rss, resident)},
		{"rss_overhead_bytes", diff(rss, resident)},
		{"mem_fragmentation_ratio", ratio(rss, used)},
		{"mem_fragmentation_bytes", diff(rss, used)},
		{"mem_not_counted_for_evict", "0"},
		{"mem_replication_backlog", "0"},
		{"mem_total_replication_buffers", "0"},
		{"mem_clients_slaves", "0"},
		{"mem_clients_normal", "0"},
		{"mem_cluster_links", "0"},
		{"mem_aof_buffer", "0"},
		{"mem_allocator", memAllocator},
		{"active_defrag_running", "0"},
		{"lazyfree_pending_objects", "0"},
		{"lazyfreed_objects", "0"},
	}
}

// humanBytes is Redis's bytesToHuman: 100B, 514.86K, 2.00G, ...
func humanBytes(n uint64) string {
	const k = 1024
	switch {
	case n < k:
		return strconv.FormatUint(n, 10) + "B"
	case n < k*k:
		return fmt.Sprintf("%.2fK", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.2fM", float64(n)/(k*k))
	case n < k*k*k*k:
		return fmt.Sprintf("%.2fG", float64(n)/(k*k*k))
	case n < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", float64(n)/(k*k*k*k))
	case n < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", float64(n)/(k*k*k*k*k))
	}
	return strconv.FormatUint(n, 10) + "B"
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }
