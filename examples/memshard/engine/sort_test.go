package engine

import "testing"

// TestSort compares SORT and SORT_RO with redis-server: numeric and ALPHA
// order, DESC, LIMIT's corners, BY a constant (no sorting), STORE (and
// what it stores, its effects replayed on the replica), errors, and the
// scores strtod accepts or refuses. BY patterns and GET, refused in
// cluster mode, are compared with a cluster-mode redis-server in the
// server package (TestSortClusterMode).
func TestSort(t *testing.T) {
	h := newHarness(t)
	setup := [][]string{
		{"RPUSH", "nums", "3", "1", "2", "10", "-5", "2.5", "1e2", "0x10", " 7", "1"},
		{"RPUSH", "words", "pear", "Apple", "apple", "", "zebra", "a\x00z", "a\x00b", "10", "9"},
		{"SADD", "iset", "5", "3", "9", "1"},
		{"SADD", "sset", "b", "a", "c"},
		{"ZADD", "zs", "3", "c", "1", "a", "2", "b", "2", "bb"},
		{"RPUSH", "bad", "1", "x"},
		{"SET", "str", "v"},
		{"SET", "dst", "old"},
		{"PEXPIRE", "dst", "100000"},
	}
	for _, argv := range setup {
		h.diff(argv...)
	}
	for _, argv := range [][]string{
		{"SORT", "nums"}, {"SORT", "nums", "DESC"}, {"SORT", "nums", "ASC", "DESC"}, {"SORT", "nums", "desc", "asc"},
		{"SORT", "words", "ALPHA"}, {"SORT", "words", "ALPHA", "DESC"}, {"SORT", "words"},
		{"SORT", "iset"}, {"SORT", "iset", "DESC"}, {"SORT", "sset", "ALPHA"}, {"SORT", "sset"},
		{"SORT", "zs", "ALPHA"}, {"SORT", "zs", "BY", "nosort"}, {"SORT", "zs", "BY", "nosort", "DESC"},
		{"SORT", "zs", "BY", "nosort", "LIMIT", "1", "2"}, {"SORT", "zs", "BY", "nosort", "DESC", "LIMIT", "1", "2"},
		{"SORT", "nums", "BY", "nosort"}, {"SORT", "nums", "BY", "nosort", "DESC", "LIMIT", "2", "3"},
		{"SORT", "nums", "LIMIT", "0", "3"}, {"SORT", "nums", "LIMIT", "-5", "3"}, {"SORT", "nums", "LIMIT", "2", "-1"},
		{"SORT", "nums", "LIMIT", "100", "5"}, {"SORT", "nums", "LIMIT", "9", "100"}, {"SORT", "nums", "LIMIT", "3", "0"},
		{"SORT", "nums", "LIMIT", "0", "9223372036854775807"}, {"SORT", "nums", "LIMIT", "2", "9223372036854775807"},
		{"SORT", "nums", "LIMIT", "9223372036854775807", "9223372036854775807"}, {"SORT", "nums", "LIMIT", "-9223372036854775808", "-9223372036854775808"},
		{"SORT", "zs", "BY", "nosort", "DESC", "LIMIT", "2", "9223372036854775807"}, {"SORT", "nums", "BY", "nosort", "LIMIT", "3", "9223372036854775806"}, {"SORT", "nums", "LIMIT", "x", "1"}, {"SORT", "nums", "LIMIT", "1"},
		{"SORT", "nums", "LIMIT", "1", "2", "LIMIT", "0", "1"}, {"SORT", "nums", "FOO"}, {"SORT", "nums", "BY"},
		{"SORT", "nosuch"}, {"SORT", "nosuch", "ALPHA", "LIMIT", "0", "1"}, {"SORT", "str"}, {"SORT", "str", "FOO"},
		{"SORT", "bad"}, {"SORT", "bad", "ALPHA"}, {"SORT_RO", "nums"}, {"SORT_RO", "nums", "STORE", "x"},
		{"SORT_RO", "words", "ALPHA", "DESC", "LIMIT", "1", "3"},
	} {
		h.diff(argv...)
	}
	h.diffUnordered("SORT", "sset", "BY", "nosort")
	h.diffUnordered("SORT", "iset", "BY", "nosort")

	// STORE: the result as a list, its TTL gone; nothing to store deletes.
	for _, argv := range [][]string{
		{"SORT", "nums", "STORE", "dst"}, {"TYPE", "dst"}, {"TTL", "dst"}, {"LRANGE", "dst", "0", "-1"},
		{"SORT", "sset", "BY", "nosort", "STORE", "s2"}, {"LRANGE", "s2", "0", "-1"},
		{"SORT", "words", "ALPHA", "DESC", "LIMIT", "1", "4", "STORE", "w2"}, {"LRANGE", "w2", "0", "-1"},
		{"SORT", "nosuch", "STORE", "w2"}, {"EXISTS", "w2"}, {"SORT", "nosuch", "STORE", "w2"},
		{"SORT", "nums", "LIMIT", "50", "1", "STORE", "s2"}, {"EXISTS", "s2"}, {"SORT", "bad", "STORE", "s3"}, {"EXISTS", "s3"},
		{"SORT", "zs", "STORE", "zs"}, {"TYPE", "zs"}, {"LRANGE", "zs", "0", "-1"}, {"OBJECT", "ENCODING", "dst"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

// TestSort_Scores: which elements strtod makes numbers of, and ties.
//
// Redis's SORT reads errno after strtod without clearing it first, so
// once a strtod has set ERANGE, every later SORT of a non-integer element
// fails until some other command clears errno (ZADD's score parsing
// does). memshard judges each element on its own; before each SORT here,
// a ZADD on redis-server clears the stale errno.
func TestSort_Scores(t *testing.T) {
	h := newHarness(t)
	sort := func(argv ...string) {
		t.Helper()
		h.redis.Do("ZADD", "errno-reset", "1", "x")
		h.diff(argv...)
	}
	for _, v := range []string{"", " ", "  5", "5 ", "5\x00x", "\x005", "0x1p-1074", "0x1p-1030", "1e-310", "2.2250738585072014e-308",
		"2.2250738585072011e-308", "1e309", "-1e309", "inf", "-INF", "Infinity", "nan", "NaN(1)", "1e-400", "+.5", "-.5e1", "0X1A", "1_0", "\t\n\v\f\r7"} {
		h.redis.Do("DEL", "l")
		h.exec("DEL", "l")
		h.diff("RPUSH", "l", v, "3")
		sort("SORT", "l")
		sort("SORT", "l", "DESC")
	}
	// Equal scores sort by the elements' bytes.
	h.diff("RPUSH", "ties", "1.0", "1", "01", "1e0", "0x1", "+1", " 1")
	sort("SORT", "ties")
	sort("SORT", "ties", "DESC")
}

// TestSort_ConvertsSmallSortedSets: Redis converts a small sorted set to
// its skiplist encoding for SORT (even one that fails), and keeps it.
func TestSort_ConvertsSmallSortedSets(t *testing.T) {
	h := newHarness(t)
	for _, argv := range [][]string{
		{"ZADD", "z", "1", "a", "2", "b"}, {"OBJECT", "ENCODING", "z"}, {"SORT", "z"}, {"OBJECT", "ENCODING", "z"},
		{"ZADD", "y", "1", "1"}, {"SORT_RO", "y", "BY", "nosort"}, {"OBJECT", "ENCODING", "y"},
		{"ZADD", "x", "-0", "m"}, {"SORT", "x", "ALPHA"}, {"ZADD", "x", "-0", "m2"}, {"ZSCORE", "x", "m2"}, {"ZRANGE", "x", "0", "-1", "WITHSCORES"},
	} {
		h.diff(argv...)
	}
}
