package engine

// Keyspace hits and misses of the stream commands (see TestKeyspaceStats).
// The fixture has no stream: the cases read missing, expired and other
// keys, or make their stream. XLEN, XRANGE and XREVRANGE read their key
// after parsing their arguments; XREAD reads each key twice (once while
// parsing its ID, once to serve it); XADD, XDEL, XTRIM and XSETID only
// write.
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
	}
}
