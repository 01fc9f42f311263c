package main

import (
	"math"
	"os"
	"runtime/debug"
)

// minGoMemoryLimit is the smallest soft memory limit memshard gives the Go
// runtime: below it, a node's own structures and buffers are most of the
// heap, and collecting continuously would not help.
const minGoMemoryLimit = 32 << 20

// goMemoryLimit returns the function the server calls with each maxmemory
// setting (server.Config.OnMaxmemory). maxmemory limits used_memory, the
// Go heap's objects, and garbage counts there until it is collected. Left
// to itself the collector lets garbage grow as large as the live heap
// (GOGC=100), so a node would evict live keys to make room for garbage.
// With the runtime's soft limit at maxmemory, the collector runs before
// garbage alone reaches the limit; near the limit it works harder, and
// what eviction frees gives it room. GOMEMLIMIT, if the operator set it,
// is left as it is.
func goMemoryLimit() func(limit uint64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return func(limit uint64) {
		switch {
		case limit == 0:
			debug.SetMemoryLimit(math.MaxInt64) // the runtime's default: none
		case limit > math.MaxInt64:
			debug.SetMemoryLimit(math.MaxInt64)
		default:
			debug.SetMemoryLimit(max(int64(limit), minGoMemoryLimit))
		}
	}
}
