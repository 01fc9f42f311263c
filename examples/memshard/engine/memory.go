package engine

import (
	"math"
	"runtime/debug"
	"strings"
)

// MEMORY USAGE | MALLOC-STATS | PURGE | HELP. USAGE estimates the bytes
// memshard holds for a key and its value, as Redis estimates its own: from
// the sizes of its structures (measured per element, see memory_test.go),
// with the element sizes of a collection sampled (SAMPLES n, default 5, 0
// for all) and the average taken for the rest. The numbers are memshard's,
// not Redis's: its structures are not Redis's. STATS and DOCTOR report
// the server's figures (Call.Memory) and the keyspace's: memory_stats.go.

func memoryCommands() []*Command {
	subs := []*Command{
		{Name: "memory|usage", Arity: -3, Flags: []string{FlagReadOnly}, FirstKey: 2, LastKey: 2, Step: 1, Handler: memoryUsage},
		{Name: "memory|malloc-stats", Arity: 2, Handler: func(_ *DB, c *Call) {
			c.Out.BulkString("Stats not supported for the current allocator")
		}},
		{Name: "memory|purge", Arity: 2, Handler: func(_ *DB, c *Call) {
			debug.FreeOSMemory()
			c.Out.OK()
		}},
		{Name: "memory|stats", Arity: 2, Handler: memoryStats},
		{Name: "memory|doctor", Arity: 2, Handler: memoryDoctor},
		{Name: "memory|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: memoryHelp},
	}
	memory := &Command{Name: "memory", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range subs {
		memory.Subcommands[strings.TrimPrefix(s.Name, "memory|")] = s
	}
	memory.KeysFunc = func(argv [][]byte) [][]byte {
		if len(argv) >= 3 && strings.EqualFold(string(argv[1]), "usage") {
			return argv[2:3]
		}
		return nil
	}
	return []*Command{memory}
}

// memoryHelp is Redis 7.0's MEMORY HELP.
func memoryHelp(_ *DB, c *Call) {
	helpReply(c, "MEMORY", []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}

// memoryUsage is MEMORY USAGE key [SAMPLES n]. As in Redis, the options
// are checked first, and the key is found as stored: an expired key not
// yet deleted counts, and the lookup is no access.
func memoryUsage(db *DB, c *Call) {
	samples := int64(5)
	for j := 3; j < len(c.Argv); j++ {
		if !strings.EqualFold(string(c.Argv[j]), "samples") || j+1 >= len(c.Argv) {
			c.Out.Error(ErrSyntax)
			return
		}
		n, ok := argInt(c, c.Argv[j+1], "")
		if !ok {
			return
		}
		if n < 0 {
			c.Out.Error(ErrSyntax)
			return
		}
		if n == 0 {
			n = math.MaxInt64
		}
		samples = n
		j++
	}
	key := string(c.Argv[2])
	e := db.keys.get(key)
	if e == nil {
		c.Out.NullBulk()
		return
	}
	c.Out.Int(int64(memKey+allocSize(len(key))) + memValue(e.Value, samples))
}

// Bytes per key, per collection and per element beyond the bytes of the
// strings they hold, as measured on memshard's structures
// (TestMemoryUsage_Estimates keeps them honest). A key: its keyspace map
// slot and its Entry (in a keyspace of many keys: a small one's bucket
// maps cost more per key, as a small Redis dict's table does, which MEMORY
// USAGE does not count either). A string value: its slice header. A
// collection: its own structures when it holds one element (a sorted
// set's includes its skiplist header of 32 levels). An element: a list's
// ring-buffer slot, a member of a hashtable set, of a sorted set (dict
// slot and skiplist node), a hash field and its value. An intset is its
// array of 8-byte integers.
const (
	memKey    = 80
	memString = 24

	memList   = 200
	memSet    = 300
	memIntset = 64
	memHash   = 280
	memZSet   = 930

	memListElem   = 19
	memSetMember  = 88
	memHashField  = 125
	memZSetMember = 150
)

// memValue estimates the bytes of a value, sampling up to samples of a
// collection's elements for their sizes.
func memValue(v any, samples int64) int64 {
	switch v := v.(type) {
	case []byte:
		return memString + int64(allocSize(cap(v)))
	case *List:
		var sum, n int64
		for i := 0; i < v.Len() && n < samples; i++ {
			sum += int64(allocSize(len(v.At(i))))
			n++
		}
		return memList + int64(v.Len())*memListElem + extrapolate(sum, n, v.Len())
	case *Set:
		if v.ht == nil {
			return memIntset + 8*int64(cap(v.ints))
		}
		var sum, n int64
		v.Each(func(m string) bool {
			sum += int64(allocSize(len(m)))
			n++
			return n < samples
		})
		return memSet + int64(v.Len())*memSetMember + extrapolate(sum, n, v.Len())
	case *Hash:
		var sum, n int64
		v.Each(func(f, val string) bool {
			sum += int64(allocSize(len(f)) + allocSize(len(val)))
			n++
			return n < samples
		})
		return memHash + int64(v.Len())*memHashField + extrapolate(sum, n, v.Len())
	case *ZSet:
		var sum, n int64
		v.Range(func(m string, _ float64) bool {
			sum += int64(allocSize(len(m)))
			n++
			return n < samples
		})
		return memZSet + int64(v.Len())*memZSetMember + extrapolate(sum, n, v.Len())
	case *Stream:
		return v.memUsage()
	}
	return 0
}

// extrapolate scales the sum of n sampled sizes to all elements.
func extrapolate(sum, n int64, all int) int64 {
	if n == 0 {
		return 0
	}
	return sum * int64(all) / n
}

// goSizeClasses are the Go allocator's small size classes (runtime
// sizeclasses.go): an allocation takes the first class it fits.
var goSizeClasses = [...]int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
	2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880,
	12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// allocSize is the bytes the Go allocator takes for n bytes: a size class,
// or whole 8 KiB pages above 32 KiB; none for 0.
func allocSize(n int) int {
	if n <= 0 {
		return 0
	}
	if n > goSizeClasses[len(goSizeClasses)-1] {
		return (n + 8191) &^ 8191
	}
	lo, hi := 0, len(goSizeClasses)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if goSizeClasses[mid] < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return goSizeClasses[lo]
}
