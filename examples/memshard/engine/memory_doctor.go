package engine

import "fmt"

// MEMORY DOCTOR: Redis 7.0's getMemoryDoctorReport (object.c), its
// conditions and texts, evaluated on memshard's figures (memoryOverhead).
// With memshard's zeros (client buffers, replicas) some reports never
// show; doctorReport still has them, for the figures it is given.

// doctorFigures are what the report looks at.
type doctorFigures struct {
	total, peak uint64 // total.allocated, peak.allocated
	memRatios
	clientsNormal uint64 // bytes of the normal clients' buffers
	clientsSlaves uint64 // bytes of the replicas' buffers
	clients       int    // connected clients, replicas included
	slaves        int
	scripts       int // EVAL's cached scripts
	allocator     string
}

func doctorFiguresOf(mh memOverhead, scripts int) doctorFigures {
	return doctorFigures{
		total: mh.p.Used, peak: mh.p.Peak, memRatios: mh.memRatios,
		clients: mh.p.Clients, scripts: scripts, allocator: mh.p.Allocator,
	}
}

// The report's texts, copied from Redis 7.0's object.c.
const (
	doctorNoIssue = "Hi Sam, I can't find any memory issue in your instance. " +
		"I can only account for what occurs on this base.\n"
	doctorEmpty = "Hi Sam, this instance is empty or is using very little memory, " +
		"my issues detector can't be used in these conditions. " +
		"Please, leave for your mission on Earth and fill it with some data. " +
		"The new Sam and I will be back to our programming as soon as I " +
		"finished rebooting.\n"
	doctorHead      = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
	doctorPeak      = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
	doctorFrag      = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"%s\".\n\n"
	doctorAllocFrag = " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n"
	doctorAllocRSS  = " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n"
	doctorProcRSS   = " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n"
	doctorSlaveBuf  = " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n"
	doctorClientBuf = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n"
	doctorScripts   = " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n"
	doctorTail      = "I'm here to keep you safe, Sam. I want to help you.\n"
)

// doctorReport is getMemoryDoctorReport on f: the same conditions, in the
// same order, with the same thresholds and float32 ratios.
func doctorReport(f doctorFigures) string {
	if f.total < 1024*1024*5 {
		return doctorEmpty
	}
	s := ""
	// C compares the float ratios with double constants: float64 here
	// too, so that a ratio of float32(1.1) is above 1.1, as in Redis.
	if float64(float32(f.peak)/float32(f.total)) > 1.5 {
		s += doctorPeak
	}
	// The ratio guards each difference: above 1, the bytes are positive
	// (Redis's size_t would wrap a negative one to a huge number).
	frag := float64(f.totalFrag) > 1.4 && f.totalFragBytes > 10<<20
	allocFrag := float64(f.allocFrag) > 1.1 && f.allocFragBytes > 10<<20
	allocRSS := float64(f.allocRSS) > 1.1 && f.allocRSSBytes > 10<<20
	procRSS := float64(f.rssExtra) > 1.1 && f.rssExtraBytes > 10<<20
	// Redis divides by the clients that are not replicas: the caller is
	// one, so never by 0.
	normal := max(f.clients-f.slaves, 1)
	clientBuf := f.clientsNormal/uint64(normal) > 1024*200
	slaveBuf := f.slaves > 0 && f.clientsSlaves > 1024*1024*10
	scripts := f.scripts > 1000
	if frag {
		s += fmt.Sprintf(doctorFrag, f.allocator)
	}
	if allocFrag {
		s += doctorAllocFrag
	}
	if allocRSS {
		s += doctorAllocRSS
	}
	if procRSS {
		s += doctorProcRSS
	}
	if slaveBuf {
		s += doctorSlaveBuf
	}
	if clientBuf {
		s += doctorClientBuf
	}
	if scripts {
		s += doctorScripts
	}
	if s == "" {
		return doctorNoIssue
	}
	return doctorHead + s + doctorTail
}
