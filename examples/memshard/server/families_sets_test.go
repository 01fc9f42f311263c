package server

// setsFamily exercises SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SMOVE,
// and the deterministic corners of SPOP, SRANDMEMBER and SSCAN. Sets of
// integers (intsets) are compared in order, other sets as sorted.
func setsFamily() []famStep {
	const bin = "bin\x00\r\n"
	return []famStep{
		step("SADD", "s1", "a", "b", "c", bin), step("SADD", "s1", "a"), step("SADD", "s1"),
		step("SADD", "i", "3", "1", "2", "-5"), step("SMEMBERS", "i"), sorted("SMEMBERS", "s1"), step("SMEMBERS", "nokey"),
		step("SCARD", "s1"), step("SCARD", "nokey"), step("SISMEMBER", "s1", bin), step("SISMEMBER", "s1", "z"), step("SISMEMBER", "nokey", "z"),
		step("SMISMEMBER", "s1", "a", "z", "b"), step("SMISMEMBER", "nokey", "a"), step("SMISMEMBER", "s1"),
		step("SREM", "s1", "a", "z", "a"), step("SREM", "nokey", "a"), sorted("SMEMBERS", "s1"),
		step("SMOVE", "s1", "s2", "b"), step("SMOVE", "s1", "s2", "nomember"), step("SMOVE", "nokey", "s2", "a"), step("SMOVE", "s1", "s1", "c"), step("SMEMBERS", "s2"),
		step("SADD", "j", "9223372036854775807", "-9223372036854775808"), step("SMEMBERS", "j"), step("SADD", "i", "01"), sorted("SMEMBERS", "i"),
		step("SPOP", "nokey"), step("SPOP", "nokey", "3"), step("SPOP", "i", "-1"), step("SPOP", "i", "0"), step("SPOP", "i", "abc"),
		step("SRANDMEMBER", "nokey"), step("SRANDMEMBER", "nokey", "5"), step("SRANDMEMBER", "i", "0"), step("SRANDMEMBER", "i", "abc"),
		step("SADD", "one", "9"), step("SRANDMEMBER", "one", "-3"), step("SRANDMEMBER", "one"), step("SPOP", "one", "5"), step("EXISTS", "one"),
		step("SADD", "k", "5", "1", "-3"), step("SSCAN", "k", "0"), step("SSCAN", "k", "0", "MATCH", "-*"), step("SSCAN", "nokey", "0"), step("SSCAN", "k", "x"),
		step("SET", "str", "x"), step("SADD", "str", "a"), step("SISMEMBER", "str", "a"), step("SMEMBERS", "str"), step("SMOVE", "s2", "str", "b"), step("SPOP", "str"),
	}
}

// setsAlgebraFamily exercises SINTER SINTERCARD SINTERSTORE SUNION
// SUNIONSTORE SDIFF SDIFFSTORE.
func setsAlgebraFamily() []famStep {
	const bin = "bin\x00\r\n"
	return []famStep{
		step("SADD", "s1", "a", "b", "c"), step("SADD", "s2", "b", "c", "d", bin), step("SADD", "i", "3", "1", "2"),
		sorted("SINTER", "s1", "s2"), sorted("SUNION", "s1", "s2"), sorted("SDIFF", "s2", "s1"), step("SINTER", "s1", "nokey"), sorted("SDIFF", "s1", "nokey"),
		step("SINTER", "i", "i"), step("SDIFF", "nokey", "s1"), step("SUNION", "nokey"), step("SINTER", "nokey", "s1", "s2"),
		step("SINTERCARD", "2", "s1", "s2"), step("SINTERCARD", "2", "s1", "s2", "LIMIT", "1"), step("SINTERCARD", "2", "s1", "s2", "LIMIT", "0"),
		step("SINTERCARD", "0", "s1"), step("SINTERCARD", "3", "s1", "s2"), step("SINTERCARD", "2", "s1", "s2", "LIMIT", "-1"), step("SINTERCARD", "1", "s1", "FOO"),
		step("SINTERCARD", "abc", "s1"), step("SINTERCARD", "-1", "s1"), step("SINTERCARD", "1", "s1", "LIMIT"), step("SINTERCARD", "1", "nokey"),
		step("SINTERSTORE", "dst", "s1", "s2"), sorted("SMEMBERS", "dst"), step("SUNIONSTORE", "dst", "i", "i"), step("SMEMBERS", "dst"),
		step("SDIFFSTORE", "dst", "nokey", "s1"), step("EXISTS", "dst"), step("SUNIONSTORE", "dst", "s1", "s2"), step("SCARD", "dst"),
		step("SINTERSTORE", "dst", "nokey"), step("EXISTS", "dst"), step("SDIFFSTORE", "i", "i", "nokey"), step("SMEMBERS", "i"),
		step("SET", "str", "x"), step("SINTER", "s1", "str"), step("SUNION", "str"), step("SDIFF", "str", "s1"), step("SINTERCARD", "1", "str"),
		step("SINTERSTORE", "dst", "str"), step("SUNIONSTORE", "str", "s1"), sorted("SMEMBERS", "str"),
	}
}
