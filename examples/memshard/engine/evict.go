package engine

import (
	"math"
	"slices"
	"time"
)

// Eviction: Redis 7.0's maxmemory (evict.c). When the memory used is over
// the limit, a primary deletes keys chosen by the policy before it runs a
// command, and replicates each deletion as a DEL, as Redis does; with
// noeviction, or when nothing is left to evict, commands that may grow
// memory are refused (the server says OOM). Replicas never evict: they
// apply the primary's DELs (replica-ignore-maxmemory).

// ErrOOM is the reply to a command refused for memory (shared.oomerr).
const ErrOOM = "OOM command not allowed when used memory > 'maxmemory'."

// EvictionPolicy is maxmemory-policy.
type EvictionPolicy int

// The policies, Redis's.
const (
	NoEviction EvictionPolicy = iota
	AllKeysLRU
	VolatileLRU
	AllKeysRandom
	VolatileRandom
	VolatileTTL
	AllKeysLFU
	VolatileLFU
)

var policyNames = map[string]EvictionPolicy{
	"noeviction":      NoEviction,
	"allkeys-lru":     AllKeysLRU,
	"volatile-lru":    VolatileLRU,
	"allkeys-random":  AllKeysRandom,
	"volatile-random": VolatileRandom,
	"volatile-ttl":    VolatileTTL,
	"allkeys-lfu":     AllKeysLFU,
	"volatile-lfu":    VolatileLFU,
}

// ParseEvictionPolicy returns the policy a maxmemory-policy value names.
func ParseEvictionPolicy(name string) (EvictionPolicy, bool) {
	p, ok := policyNames[name]
	return p, ok
}

func (p EvictionPolicy) volatile() bool {
	return p == VolatileLRU || p == VolatileRandom || p == VolatileTTL || p == VolatileLFU
}

func (p EvictionPolicy) lfu() bool    { return p == AllKeysLFU || p == VolatileLFU }
func (p EvictionPolicy) random() bool { return p == AllKeysRandom || p == VolatileRandom }

// Maxmemory is a node's maxmemory configuration.
type Maxmemory struct {
	Limit   uint64 // bytes; 0: no limit
	Policy  EvictionPolicy
	Samples int // maxmemory-samples: keys sampled per eviction round
	// Tenacity is maxmemory-eviction-tenacity (0 to 100): how long one
	// command may spend evicting before it lets the command run and
	// leaves the rest to the next ones.
	Tenacity int
	// LFULogFactor and LFUDecayTime are lfu-log-factor and
	// lfu-decay-time: how an LFU counter grows and decays (lfu.go).
	LFULogFactor, LFUDecayTime int
}

// timeLimit is how long one Evict may run: evictionTimeLimitUs.
func (m Maxmemory) timeLimit() time.Duration {
	switch {
	case m.Tenacity <= 10:
		return time.Duration(50*m.Tenacity) * time.Microsecond
	case m.Tenacity < 100:
		return time.Duration(500*math.Pow(1.15, float64(m.Tenacity-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// MemoryMeter measures the memory that maxmemory limits.
type MemoryMeter interface {
	// Used returns the bytes in use now.
	Used() uint64
	// Freed tells the meter that about n bytes were just released
	// (evicted keys), which Used may not show at once.
	Freed(n uint64)
}

// EvictResult is what one Evict did.
type EvictResult struct {
	Evicted int  // keys deleted
	OOM     bool // still over the limit: commands that may grow memory must be refused
	// Over: memory was over the limit when Evict began (Redis's
	// eviction-exceeded time counts while it is).
	Over bool
	// Running: the time limit cut the run short, over the limit still
	// (Redis's EVICT_RUNNING): the caller goes on evicting in the
	// background, as Redis's evictionTimeProc does.
	Running bool
}

// evictionPoolSize is Redis's EVPOOL_SIZE: the best candidates kept
// between rounds of sampling.
const evictionPoolSize = 16

type evictionCandidate struct {
	score uint64 // higher is evicted first: idle time, or time left inverted
	key   string
}

// Evict frees memory by the policy SetMaxmemory set if meter says it is
// over the limit (Redis's performEvictions): it deletes keys, recording a DEL effect and
// an "evicted" event for each in c, until the estimated bytes freed bring
// the use under the limit, nothing is left to evict, or the time limit
// passes (then the result is not OOM: Redis lets the command run while its
// eviction goes on).
func (db *DB) Evict(c *Call, meter MemoryMeter) EvictResult {
	m := db.maxmem
	if m.Limit == 0 {
		return EvictResult{}
	}
	used := meter.Used()
	if used <= m.Limit {
		return EvictResult{}
	}
	res := EvictResult{Over: true}
	if m.Policy == NoEviction {
		res.OOM = true
		return res
	}
	toFree := used - m.Limit
	var freed uint64
	start := time.Now()
	limit := m.timeLimit()
	for freed < toFree {
		key, e := db.evictionVictim(m)
		if e == nil {
			res.OOM = true
			break
		}
		n := uint64(memKey+allocSize(len(key))) + uint64(memValue(e.Value, 5))
		db.Delete(key)
		db.notifyKey(c, NotifyEvicted, "evicted", key)
		c.Propagate([]byte("DEL"), []byte(key))
		freed += n
		res.Evicted++
		if res.Evicted%16 == 0 && time.Since(start) > limit && freed < toFree {
			res.Running = true
			break
		}
	}
	meter.Freed(freed)
	return res
}

// evictionVictim returns the next key to evict by m's policy, nil if none
// is left (for a volatile policy: no key has an expiry).
func (db *DB) evictionVictim(m Maxmemory) (string, *Entry) {
	switch m.Policy {
	case AllKeysRandom:
		return db.keys.random()
	case VolatileRandom:
		for k := range db.expires {
			return k, db.keys.get(k)
		}
		return "", nil
	}
	return db.evictionPoolBest(m)
}

// evictionPoolBest refills the eviction pool with a sample of keys and
// takes its best candidate, as Redis's evictionPoolPopulate and the loop
// after it do: the pool keeps the 16 best keys seen so far across calls,
// so each round of sampling refines the approximation of the true LRU (or
// shortest TTL) order.
func (db *DB) evictionPoolBest(m Maxmemory) (string, *Entry) {
	samples := max(m.Samples, 1)
	for range samples {
		var key string
		var e *Entry
		if m.Policy.volatile() {
			for k := range db.expires {
				key, e = k, db.keys.get(k)
				break
			}
		} else {
			key, e = db.keys.random()
		}
		if e == nil {
			break
		}
		var score uint64
		switch {
		case m.Policy == VolatileTTL:
			score = math.MaxUint64 - uint64(e.ExpireAt)
		case m.Policy.lfu():
			score = 255 - uint64(db.lfuDecrAndReturn(*db.accessField(e)))
		default:
			score = uint64(db.idle(e))
		}
		db.poolInsert(evictionCandidate{score: score, key: key})
	}
	// The best is last; a key deleted since it entered the pool (or, for
	// a volatile policy, persisted) is dropped and the next taken.
	for len(db.evictPool) > 0 {
		best := db.evictPool[len(db.evictPool)-1]
		db.evictPool = db.evictPool[:len(db.evictPool)-1]
		e := db.keys.get(best.key)
		if e == nil {
			continue
		}
		if m.Policy.volatile() && e.ExpireAt == 0 {
			continue
		}
		return best.key, e
	}
	return "", nil
}

// poolInsert puts cand in the pool, sorted by ascending score, if it is
// better than the worst there or the pool has room; a key already in the
// pool takes its new score.
func (db *DB) poolInsert(cand evictionCandidate) {
	if i := slices.IndexFunc(db.evictPool, func(x evictionCandidate) bool { return x.key == cand.key }); i >= 0 {
		db.evictPool = slices.Delete(db.evictPool, i, i+1)
	}
	i, _ := slices.BinarySearchFunc(db.evictPool, cand.score, func(x evictionCandidate, s uint64) int {
		switch {
		case x.score < s:
			return -1
		case x.score > s:
			return 1
		}
		return 0
	})
	if len(db.evictPool) == evictionPoolSize {
		if i == 0 {
			return // worse than every candidate in a full pool
		}
		db.evictPool = db.evictPool[1:] // drop the worst to make room
		i--
	}
	db.evictPool = slices.Insert(db.evictPool, i, cand)
}
