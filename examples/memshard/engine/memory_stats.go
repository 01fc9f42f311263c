package engine

import (
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// MEMORY STATS, as Redis 7.0's memoryCommand and getMemoryOverheadData
// (object.c) compute it, on memshard's figures. The process figures
// (ProcessMemory) are the server's, the ones INFO memory shows; the
// keyspace figures are the DB's own. What each field means here:
//
//	peak.allocated        used_memory_peak: the highest used_memory seen
//	total.allocated       used_memory: the Go heap's live objects
//	startup.allocated     used_memory_startup: the heap when the server was made
//	replication.backlog   0: replicas read the log, memshard keeps no backlog
//	clients.slaves        0: no replica is a client of the primary
//	clients.normal        0: memshard does not count client buffers (INFO mem_clients_normal)
//	cluster.links         0: no cluster bus
//	aof.buffer            0: no AOF, the log is the durability
//	lua.caches            0: as INFO used_memory_scripts_eval
//	functions.caches      0: as INFO used_memory_functions
//	db.0                  only while the keyspace has keys:
//	  overhead.hashtable.main        keys × memKey, MEMORY USAGE's per-key bytes
//	  overhead.hashtable.expires     keys with an expiry × memExpire
//	  overhead.hashtable.slot-to-keys 0: memshard keeps no slot index
//	overhead.total        startup.allocated plus the above: INFO's used_memory_overhead
//	keys.count            the keys, expired ones not yet deleted included (DBSIZE)
//	keys.bytes-per-key    (total.allocated - startup.allocated) / keys.count
//	dataset.bytes         total.allocated - overhead.total
//	dataset.percentage    dataset.bytes * 100 / (total.allocated - startup.allocated)
//	peak.percentage       total.allocated * 100 / peak.allocated
//	allocator.*           INFO's allocator_allocated, _active, _resident (Go heap terms, info_memory.go)
//	*.ratio, *.bytes      the ratios and differences INFO shows under the same names
//
// Redis computes with size_t and float: a difference below zero wraps,
// and is written as a long long, negative; the ratios are floats written
// as doubles. The port keeps both.

// ProcessMemory is the memory the process holds, as the server measures it
// for INFO memory. Call.Memory returns it.
type ProcessMemory struct {
	Used    uint64 // used_memory
	Peak    uint64 // used_memory_peak (at least Used)
	Startup uint64 // used_memory_startup
	Active  uint64 // allocator_active
	// Resident is allocator_resident, RSS the process's resident set.
	Resident, RSS uint64
	// Allocator is INFO's mem_allocator, which MEMORY DOCTOR names.
	Allocator string
	// Clients is the number of client connections (connected_clients).
	Clients int
}

// memExpire is the bytes a key with an expiry costs beyond the same key
// without, its slot in DB.expires (a map[string]struct{}) and the map's
// slack: measured at 30 to 41 bytes for 200,000 keys set with EX
// (TestMemoryStats_ExpiresEstimate keeps it honest).
const memExpire = 34

// keyspaceOverhead is db.0's overhead.hashtable.main and .expires.
func keyspaceOverhead(keys, expires int) (main, exp uint64) {
	return uint64(keys) * memKey, uint64(expires) * memExpire
}

// Overhead is MEMORY STATS's overhead.total for p and a keyspace of keys
// keys, expires of them with an expiry: INFO memory's used_memory_overhead,
// which is the same figure in Redis.
func Overhead(p ProcessMemory, keys, expires int) uint64 {
	return memoryOverhead(p, keys, expires).overheadTotal
}

// memOverhead is Redis's redisMemOverhead, for one moment.
type memOverhead struct {
	p                 ProcessMemory
	hasKeys           bool
	htMain, htExpires uint64
	overheadTotal     uint64
	keys              uint64
	bytesPerKey       uint64
	dataset           uint64 // wraps below zero, as Redis's size_t
	datasetPerc       float32
	peakPerc          float32
	memRatios
	luaCaches, fnCaches uint64
}

// memRatios are the fragmentation and RSS ratios of the process's
// figures and the bytes behind each, as MEMORY STATS writes them and
// MEMORY DOCTOR judges them.
type memRatios struct {
	totalFrag      float32
	totalFragBytes uint64
	allocFrag      float32
	allocFragBytes uint64
	allocRSS       float32
	allocRSSBytes  uint64
	rssExtra       float32
	rssExtraBytes  uint64
}

// memoryOverhead is getMemoryOverheadData on p and the keyspace's counts.
func memoryOverhead(p ProcessMemory, keys, expires int) memOverhead {
	mh := memOverhead{p: p}
	mh.totalFrag = float32(p.RSS) / float32(p.Used)
	mh.totalFragBytes = p.RSS - p.Used
	mh.allocFrag = float32(p.Active) / float32(p.Used) // allocator_allocated is used_memory
	mh.allocFragBytes = p.Active - p.Used
	mh.allocRSS = float32(p.Resident) / float32(p.Active)
	mh.allocRSSBytes = p.Resident - p.Active
	mh.rssExtra = float32(p.RSS) / float32(p.Resident)
	mh.rssExtraBytes = p.RSS - p.Resident
	total := p.Startup
	if keys > 0 {
		mh.hasKeys = true
		mh.keys = uint64(keys)
		mh.htMain, mh.htExpires = keyspaceOverhead(keys, expires)
		total += mh.htMain + mh.htExpires
	}
	mh.overheadTotal = total
	mh.dataset = p.Used - total
	mh.peakPerc = float32(p.Used) * 100 / float32(p.Peak)
	net := uint64(1)
	if p.Used > p.Startup {
		net = p.Used - p.Startup
	}
	mh.datasetPerc = float32(mh.dataset) * 100 / float32(net)
	if mh.keys > 0 {
		mh.bytesPerKey = net / mh.keys
	}
	return mh
}

// memoryStats is MEMORY STATS.
func memoryStats(db *DB, c *Call) {
	if c.Memory == nil {
		c.Out.Error("ERR MEMORY STATS needs the server's memory figures")
		return
	}
	mh := memoryOverhead(c.Memory(), db.Len(), len(db.expires))
	w := c.Out
	n := 27
	if mh.hasKeys {
		n++
	}
	w.Map(n)
	i := func(name string, v uint64) {
		w.BulkString(name)
		w.Int(int64(v)) // addReplyLongLong of a size_t
	}
	d := func(name string, v float32) {
		w.BulkString(name)
		w.Double(float64(v))
	}
	i("peak.allocated", mh.p.Peak)
	i("total.allocated", mh.p.Used)
	i("startup.allocated", mh.p.Startup)
	i("replication.backlog", 0)
	i("clients.slaves", 0)
	i("clients.normal", 0)
	i("cluster.links", 0)
	i("aof.buffer", 0)
	i("lua.caches", mh.luaCaches)
	i("functions.caches", mh.fnCaches)
	if mh.hasKeys {
		w.BulkString("db." + strconv.Itoa(0))
		w.Map(3)
		i("overhead.hashtable.main", mh.htMain)
		i("overhead.hashtable.expires", mh.htExpires)
		i("overhead.hashtable.slot-to-keys", 0)
	}
	i("overhead.total", mh.overheadTotal)
	i("keys.count", mh.keys)
	i("keys.bytes-per-key", mh.bytesPerKey)
	i("dataset.bytes", mh.dataset)
	d("dataset.percentage", mh.datasetPerc)
	d("peak.percentage", mh.peakPerc)
	i("allocator.allocated", mh.p.Used)
	i("allocator.active", mh.p.Active)
	i("allocator.resident", mh.p.Resident)
	d("allocator-fragmentation.ratio", mh.allocFrag)
	i("allocator-fragmentation.bytes", mh.allocFragBytes)
	d("allocator-rss.ratio", mh.allocRSS)
	i("allocator-rss.bytes", mh.allocRSSBytes)
	d("rss-overhead.ratio", mh.rssExtra)
	i("rss-overhead.bytes", mh.rssExtraBytes)
	d("fragmentation", mh.totalFrag)
	i("fragmentation.bytes", mh.totalFragBytes)
}

// memoryDoctor is MEMORY DOCTOR: Redis's report on memshard's figures.
func memoryDoctor(db *DB, c *Call) {
	if c.Memory == nil {
		c.Out.Error("ERR MEMORY DOCTOR needs the server's memory figures")
		return
	}
	mh := memoryOverhead(c.Memory(), db.Len(), len(db.expires))
	scripts := 0
	if db.scripts != nil {
		scripts = len(db.scripts.scripts)
	}
	verbatim(c.Out, doctorReport(doctorFiguresOf(mh, scripts)))
}

// verbatim writes s as addReplyVerbatim does with format "txt": a
// verbatim string in RESP3, a bulk string in RESP2.
func verbatim(w *resp.Writer, s string) {
	if w.Proto() == 3 {
		w.Raw([]byte("=" + strconv.Itoa(len(s)+4) + "\r\ntxt:" + s + "\r\n"))
		return
	}
	w.BulkString(s)
}
