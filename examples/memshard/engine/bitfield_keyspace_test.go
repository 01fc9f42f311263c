package engine

// Keyspace hits and misses of BITFIELD and BITFIELD_RO (see
// TestKeyspaceStats): with only GETs (or none) the key is read, after every
// operation is parsed; with a SET or INCRBY it is only written, and
// BITFIELD_RO refuses those before any lookup.
func init() {
	keyspaceCases["bitfield"] = []keyspaceCase{
		{"BITFIELD str GET u8 0", 1, 0}, {"BITFIELD nokey GET u8 0", 0, 1}, {"BITFIELD xstr GET i8 0", 0, 1},
		{"BITFIELD list GET u8 0", 1, 0}, {"BITFIELD str", 1, 0}, {"BITFIELD nokey OVERFLOW FAIL", 0, 1},
		{"BITFIELD str GET u8 0 GET u64 0", 0, 0}, {"BITFIELD str GET u8 -1", 0, 0},
		{"BITFIELD str SET u8 0 1", 0, 0}, {"BITFIELD nokey INCRBY u8 0 1", 0, 0}, {"BITFIELD xstr SET u8 0 1", 0, 0},
		{"BITFIELD list SET u8 0 1", 0, 0}, {"BITFIELD str GET u8 0 INCRBY u8 8 1", 0, 0},
		{"BITFIELD str OVERFLOW FAIL SET u8 0 300", 0, 0},
		{"BITFIELD_RO str GET u8 0", 1, 0}, {"BITFIELD_RO nokey GET u8 0", 0, 1}, {"BITFIELD_RO xstr GET u8 0", 0, 1},
		{"BITFIELD_RO list GET u8 0", 1, 0}, {"BITFIELD_RO str", 1, 0}, {"BITFIELD_RO str SET u8 0 1", 0, 0},
		{"BITFIELD_RO list INCRBY u8 0 1", 0, 0}, {"BITFIELD_RO str GET x 0", 0, 0},
	}
}
