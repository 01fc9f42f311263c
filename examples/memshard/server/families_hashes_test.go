package server

// hashesFamily exercises HSET HMSET HSETNX HGET HMGET HDEL HEXISTS HLEN
// HSTRLEN HKEYS HVALS HGETALL. The hashes stay small, where Redis 7.0 keeps
// them as listpacks in insertion order, so every reply's order is defined.
func hashesFamily() []famStep {
	const bf, bv = "f\x00\r\n", "v\x00\r\n"
	return []famStep{
		step("HSET", "h", "f1", "v1", "f2", "v2"), step("HSET", "h", "f1", "x"), step("HSET", "h", "f1"), step("HSET", "h", "a", "1", "b"),
		step("HSETNX", "h", "f1", "y"), step("HSETNX", "h", "f3", "v3"), step("HSETNX", "h"),
		step("HGET", "h", "f1"), step("HGET", "h", "nofield"), step("HGET", "nokey", "f"),
		step("HMGET", "h", "f1", "nofield", "f2"), step("HMGET", "nokey", "a", "b"),
		step("HGETALL", "h"), step("HGETALL", "nokey"), step("HKEYS", "h"), step("HVALS", "h"), step("HKEYS", "nokey"), step("HVALS", "nokey"),
		step("HLEN", "h"), step("HLEN", "nokey"), step("HSTRLEN", "h", "f1"), step("HSTRLEN", "h", "nofield"), step("HSTRLEN", "nokey", "a"),
		step("HEXISTS", "h", "f1"), step("HEXISTS", "h", "no"), step("HEXISTS", "nokey", "f1"),
		step("HSET", "h", bf, bv), step("HGET", "h", bf), step("HGETALL", "h"),
		step("HDEL", "h", "f1", "nofield", "f1"), step("HDEL", "h"), step("HDEL", "nokey", "f"), step("HKEYS", "h"),
		step("HMSET", "h", "a", "1", "b", "2"), step("HMSET", "h", "a"), step("HSET", "h", "a", "3", "a", "4"), step("HGETALL", "h"),
		step("HSET", "h2", "only", "1"), step("HDEL", "h2", "only"), step("EXISTS", "h2"),
	}
}

// hashesNumbersFamily exercises HINCRBY HINCRBYFLOAT, WRONGTYPE errors, and
// the deterministic corners of HRANDFIELD and HSCAN (a one-field hash, a
// missing key, a small listpack hash scanned in one call).
func hashesNumbersFamily() []famStep {
	return []famStep{
		step("HSET", "h", "s", "abc", "a", "1"),
		step("HINCRBY", "h", "n", "5"), step("HINCRBY", "h", "n", "-7"), step("HINCRBY", "h", "n", "abc"), step("HINCRBY", "h", "s", "1"), step("HINCRBY", "h", "n"),
		step("HSET", "h", "big", "9223372036854775807", "small", "-9223372036854775808"), step("HINCRBY", "h", "big", "1"), step("HINCRBY", "h", "small", "-1"),
		step("HINCRBY", "h", "small", "9223372036854775808"),
		step("HINCRBYFLOAT", "h", "fl", "1.5"), step("HINCRBYFLOAT", "h", "fl", "2.5e2"), step("HINCRBYFLOAT", "h", "fl", "abc"), step("HINCRBYFLOAT", "h", "s", "1"),
		step("HINCRBYFLOAT", "h", "fl", "inf"), step("HINCRBYFLOAT", "h", "a", "0.1"), step("HINCRBYFLOAT", "h", "a", "1e17"),
		step("HINCRBYFLOAT", "huge", "fl", "1e400"), step("HSTRLEN", "huge", "fl"), step("HSET", "h", "x", "1.5e3"), step("HINCRBYFLOAT", "h", "x", "0"), step("HINCRBY", "h", "x", "0"), step("HGETALL", "h"),
		step("HSET", "one", "f", "v"), step("HRANDFIELD", "one"), step("HRANDFIELD", "one", "-3"), step("HRANDFIELD", "one", "-2", "WITHVALUES"),
		step("HRANDFIELD", "one", "5", "WITHVALUES"), step("HRANDFIELD", "one", "0"), step("HRANDFIELD", "nokey"), step("HRANDFIELD", "nokey", "3"),
		step("HRANDFIELD", "one", "x"), step("HRANDFIELD", "one", "1", "FOO"),
		step("HSCAN", "h", "0"), step("HSCAN", "h", "0", "MATCH", "*l"), step("HSCAN", "h", "0", "COUNT", "0"), step("HSCAN", "nokey", "0"), step("HSCAN", "h", "abc"),
		step("SET", "str", "x"), step("HGET", "str", "f"), step("HSET", "str", "f", "v"), step("HGETALL", "str"), step("HINCRBY", "str", "f", "1"),
		step("HLEN", "str"), step("HRANDFIELD", "str"), step("HSCAN", "str", "0"),
	}
}
