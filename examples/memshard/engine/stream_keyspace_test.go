package engine

// Keyspace hits and misses of the stream commands (see TestKeyspaceStats).
// The fixture has no stream: the cases read missing, expired and other
// keys, or make their stream. XLEN, XRANGE and XREVRANGE read their key
// after parsing their arguments; XREAD reads each key twice (once while
// parsing its ID, once to serve it); XADD, XDEL, XTRIM and XSETID only
// write. Of the group commands, XGROUP only writes, XREADGROUP reads as
// XREAD does, XACK, XCLAIM and XAUTOCLAIM read their key before parsing
// the rest, XPENDING after, and XINFO reads its key.
func init() {
	keyspaceCases["stream"] = []keyspaceCase{
		{"XADD new 1-1 f v", 0, 0}, {"XADD str 1-1 f v", 0, 0}, {"XADD nokey NOMKSTREAM 1-1 f v", 0, 0},
		{"XADD xstr * f v", 0, 0},
		{"XLEN nokey", 0, 1}, {"XLEN str", 1, 0}, {"XLEN xlist", 0, 1},
		{"XRANGE nokey - +", 0, 1}, {"XRANGE str - +", 1, 0}, {"XRANGE xhash - +", 0, 1}, {"XRANGE str x +", 0, 0},
		{"XRANGE nokey - + COUNT x", 0, 0},
		{"XREVRANGE nokey + -", 0, 1}, {"XREVRANGE zset + -", 1, 0},
		{"XDEL nokey 1-1", 0, 0}, {"XDEL set 1-1", 0, 0},
		{"XTRIM nokey MAXLEN 1", 0, 0}, {"XTRIM str MAXLEN 1", 0, 0},
		{"XSETID nokey 1-1", 0, 0}, {"XSETID hash 1-1", 0, 0},
		{"XREAD STREAMS nokey 0", 0, 2}, {"XREAD STREAMS nokey xstr 0 $", 0, 4}, {"XREAD STREAMS nokey str 0 0", 1, 1},
		{"XREAD STREAMS str nokey 0 0", 1, 0}, {"XREAD STREAMS nokey nokey x 0", 0, 1},
		{"XREAD COUNT 1 BLOCK 10 STREAMS nokey $", 0, 2}, {"XREAD STREAMS nokey", 0, 0},
		// Consumer groups.
		{"XGROUP CREATE nokey g 0", 0, 0}, {"XGROUP CREATE str g 0", 0, 0}, {"XGROUP CREATE new g $ MKSTREAM", 0, 0},
		{"XGROUP SETID nokey g 0", 0, 0}, {"XGROUP DESTROY list g", 0, 0}, {"XGROUP HELP", 0, 0},
		{"XGROUP CREATECONSUMER nokey g c", 0, 0}, {"XGROUP DELCONSUMER str g c", 0, 0},
		{"XREADGROUP GROUP g c STREAMS nokey >", 0, 1}, {"XREADGROUP GROUP g c STREAMS str >", 1, 0},
		{"XREADGROUP GROUP g c COUNT x STREAMS nokey >", 0, 0},
		{"XACK nokey g 1-1", 0, 1}, {"XACK str g 1-1", 1, 0}, {"XACK xstr g x", 0, 1},
		{"XPENDING nokey g", 0, 1}, {"XPENDING str g", 1, 0}, {"XPENDING nokey g x + 1", 0, 0},
		{"XCLAIM nokey g c 0 1-1", 0, 1}, {"XCLAIM hash g c 0 1-1", 1, 0}, {"XCLAIM nokey g c x 1-1", 0, 1},
		{"XAUTOCLAIM nokey g c 0 0", 0, 1}, {"XAUTOCLAIM zset g c 0 0", 1, 0}, {"XAUTOCLAIM nokey g c x 0", 0, 1},
		{"XINFO GROUPS nokey", 0, 1}, {"XINFO GROUPS str", 1, 0}, {"XINFO CONSUMERS xstr g", 0, 1}, {"XINFO HELP", 0, 0},
	}
}
