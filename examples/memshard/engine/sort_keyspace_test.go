package engine

// Keyspace hits and misses of SORT and SORT_RO (see TestKeyspaceStats):
// the key sorted is read; STORE's destination is written.
func init() {
	keyspaceCases["sort"] = []keyspaceCase{
		{"SORT list ALPHA", 1, 0}, {"SORT nokey", 0, 1}, {"SORT str", 1, 0}, {"SORT xlist", 0, 1}, {"SORT set ALPHA", 1, 0},
		{"SORT zset BY nosort", 1, 0}, {"SORT list ALPHA STORE dst", 1, 0}, {"SORT list FOO", 0, 0}, {"SORT list", 1, 0},
		{"SORT list LIMIT x 1", 0, 0},
		{"SORT_RO list ALPHA", 1, 0}, {"SORT_RO nokey", 0, 1}, {"SORT_RO zset", 1, 0}, {"SORT_RO list STORE x", 0, 0},
	}
}
