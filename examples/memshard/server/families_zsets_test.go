package server

// zsetsFamily exercises ZADD (NX XX GT LT CH INCR) ZINCRBY ZSCORE ZMSCORE
// ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZREM, score formatting and the
// float and option errors.
func zsetsFamily() []famStep {
	return []famStep{
		step("ZADD", "z", "1", "a", "2", "b", "3", "c"), step("ZADD", "z", "NX", "10", "a", "4", "d"),
		step("ZADD", "z", "XX", "CH", "5", "a", "9", "nope"), step("ZADD", "z", "GT", "1", "a"), step("ZADD", "z", "LT", "CH", "0", "a", "100", "b"),
		step("ZADD", "z", "INCR", "2", "b"), step("ZADD", "z", "CH", "INCR", "1", "a"), step("ZADD", "z", "XX", "INCR", "1", "nope"), step("ZADD", "z", "NX", "INCR", "1", "a"),
		step("ZADD", "z", "NX", "XX", "1", "a"), step("ZADD", "z", "GT", "LT", "1", "a"), step("ZADD", "z", "NX", "GT", "1", "a"), step("ZADD", "z", "abc", "a"),
		step("ZADD", "z", "1", "a", "2"), step("ZADD", "z", "INCR", "1", "a", "2", "b"), step("ZADD", "z", "1"), step("ZADD", "z", "nan", "a"),
		step("ZADD", "f", "-0", "d", "1e-5", "e", "0.30000000000000004", "f", "1e300", "g", "-inf", "h", "+inf", "i", "0x10", "j", "1.5", "bin\x00\r\n"),
		step("ZRANGE", "f", "0", "-1", "WITHSCORES"), step("ZSCORE", "f", "d"), step("ZSCORE", "f", "bin\x00\r\n"),
		step("ZSCORE", "z", "a"), step("ZSCORE", "z", "nope"), step("ZSCORE", "nokey", "a"), step("ZMSCORE", "z", "a", "nope", "c"), step("ZMSCORE", "nokey", "a"), step("ZMSCORE", "z"),
		step("ZINCRBY", "z", "1.5", "c"), step("ZINCRBY", "z", "abc", "c"), step("ZINCRBY", "z", "-0.25", "new"), step("ZINCRBY", "z", "nan", "a"),
		step("ZADD", "inf", "+inf", "x"), step("ZINCRBY", "inf", "-inf", "x"), step("ZADD", "inf", "INCR", "-inf", "x"), step("ZSCORE", "inf", "x"),
		step("ZCARD", "z"), step("ZCARD", "nokey"), step("ZCOUNT", "z", "2", "(5"), step("ZCOUNT", "z", "-inf", "+inf"), step("ZCOUNT", "z", "(1", "(1"), step("ZCOUNT", "z", "abc", "1"),
		step("ZRANK", "z", "c"), step("ZREVRANK", "z", "c"), step("ZRANK", "z", "nope"), step("ZRANK", "nokey", "a"), step("ZRANK", "z", "a", "WITHSCORE"),
		step("ZREM", "z", "a", "nope", "a"), step("ZREM", "nokey", "a"), step("ZREM", "z"),
		step("SET", "str", "x"), step("ZADD", "str", "1", "a"), step("ZSCORE", "str", "a"), step("ZCARD", "str"), step("ZINCRBY", "str", "1", "a"),
	}
}

// zsetsRangeFamily exercises ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES)
// ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE
// ZLEXCOUNT, and ZSCAN of a small (listpack) sorted set.
func zsetsRangeFamily() []famStep {
	return []famStep{
		step("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
		step("ZRANGE", "z", "0", "-1", "WITHSCORES"), step("ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"), step("ZRANGE", "z", "0", "-1", "REV"),
		step("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "WITHSCORES"), step("ZRANGE", "z", "(1", "(3", "BYSCORE", "REV"), step("ZRANGE", "z", "(3", "(1", "BYSCORE", "REV"),
		step("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"), step("ZRANGE", "z", "0", "-1", "BYSCORE", "LIMIT", "1", "-1"), step("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"),
		step("ZRANGE", "nokey", "0", "-1"), step("ZRANGE", "z", "0", "-1", "FOO"), step("ZRANGE", "z", "5", "1"), step("ZRANGE", "z", "-100", "100"),
		step("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "0", "2"), step("ZREVRANGEBYSCORE", "z", "+inf", "-inf"),
		step("ZRANGEBYSCORE", "z", "x", "1"), step("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1"), step("ZREVRANGE", "z", "0", "1", "WITHSCORES"),
		step("ZREVRANGE", "z", "0", "-1", "WITHSCORES", "LIMIT", "0", "1"),
		step("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "bin\x00\r\n"), step("ZRANGEBYLEX", "lex", "[b", "+"), step("ZREVRANGEBYLEX", "lex", "+", "(b"),
		step("ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "1", "1"), step("ZREVRANGEBYLEX", "lex", "-", "+"), step("ZRANGEBYLEX", "lex", "b", "c"),
		step("ZRANGE", "lex", "[a", "[c", "BYLEX", "WITHSCORES"), step("ZRANGE", "lex", "[a", "[c", "BYLEX", "LIMIT", "0", "-1"), step("ZRANGE", "lex", "+", "-", "BYLEX", "REV"),
		step("ZLEXCOUNT", "lex", "-", "+"), step("ZLEXCOUNT", "lex", "a", "b"), step("ZLEXCOUNT", "nokey", "-", "+"),
		step("ZSCAN", "z", "0"), step("ZSCAN", "z", "0", "MATCH", "b"), step("ZSCAN", "nokey", "0"),
		step("SET", "str", "x"), step("ZRANGE", "str", "0", "-1"), step("ZRANGEBYLEX", "str", "-", "+"), step("ZLEXCOUNT", "str", "-", "+"),
		// Lex ranges over mixed scores (members out of lexicographic
		// order): Redis tests the range against the first and last members,
		// then walks a small set from the end (found by TestFamiliesRandom).
		step("ZADD", "mixed", "1.5", "aa", "3", "c", "20", ""), step("ZLEXCOUNT", "mixed", "[a", "[aa"),
		step("ZRANGEBYLEX", "mixed", "[a", "[aa"), step("ZREVRANGEBYLEX", "mixed", "[aa", "[a"),
		step("ZADD", "mixed2", "1", "b", "2", "a", "3", "d", "4", "c"), step("ZLEXCOUNT", "mixed2", "[b", "[c"),
		step("ZRANGEBYLEX", "mixed2", "[a", "+"), step("ZRANGE", "mixed2", "[c", "[a", "BYLEX", "REV"), step("ZLEXCOUNT", "mixed2", "(a", "[d"),
		step("ZRANGESTORE", "mixed3", "mixed2", "[b", "+", "BYLEX"), step("ZRANGE", "mixed3", "0", "-1", "WITHSCORES"),
		step("ZREMRANGEBYLEX", "mixed2", "[b", "[c"), step("ZRANGE", "mixed2", "0", "-1", "WITHSCORES"),
		step("ZREMRANGEBYLEX", "mixed", "[a", "[aa"), step("ZRANGE", "mixed", "0", "-1", "WITHSCORES"),
	}
}

// zsetsStoreFamily exercises ZPOPMIN ZPOPMAX ZREMRANGEBYSCORE/RANK/LEX
// ZRANGESTORE ZUNION ZINTER ZDIFF and their STORE forms (with a plain set
// as an input), and the deterministic corners of ZRANDMEMBER.
func zsetsStoreFamily() []famStep {
	return []famStep{
		step("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), step("ZADD", "lex", "0", "a", "0", "b", "0", "c"), step("SADD", "set", "a", "x"),
		step("ZPOPMIN", "z"), step("ZPOPMAX", "z", "2"), step("ZPOPMIN", "z", "0"), step("ZPOPMIN", "nokey"), step("ZPOPMIN", "z", "-1"), step("ZPOPMAX", "nokey", "2"),
		step("ZPOPMIN", "z", "10"), step("EXISTS", "z"), step("ZADD", "z", "1", "a", "2", "b", "3", "c"),
		step("ZRANGESTORE", "dst", "z", "0", "1"), step("ZRANGE", "dst", "0", "-1", "WITHSCORES"), step("ZRANGESTORE", "dst", "nokey", "0", "-1"), step("EXISTS", "dst"),
		step("ZRANGESTORE", "dst", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"), step("ZRANGE", "dst", "0", "-1", "WITHSCORES"), step("ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"),
		step("ZUNIONSTORE", "out", "2", "z", "lex", "WEIGHTS", "2", "1"), step("ZRANGE", "out", "0", "-1", "WITHSCORES"),
		step("ZUNIONSTORE", "u", "2", "z", "set", "AGGREGATE", "MIN"), step("ZRANGE", "u", "0", "-1", "WITHSCORES"),
		step("ZINTERSTORE", "out", "2", "z", "lex", "AGGREGATE", "MAX"), step("ZUNION", "2", "z", "lex", "AGGREGATE", "SUM", "WITHSCORES"),
		step("ZINTER", "2", "z", "z", "WITHSCORES"), step("ZINTER", "2", "z", "set", "WEIGHTS", "inf", "0", "WITHSCORES"), step("ZUNION", "2", "z", "z", "WEIGHTS", "inf", "-inf", "WITHSCORES"),
		step("ZDIFF", "2", "z", "lex", "WITHSCORES"), step("ZDIFFSTORE", "out", "1", "z"), step("ZDIFFSTORE", "d", "2", "z", "z"), step("EXISTS", "d"), step("ZDIFF", "1", "nokey"),
		step("ZUNIONSTORE", "out", "0", "z"), step("ZDIFF", "0", "z"), step("ZINTERSTORE", "d", "-1", "z"), step("ZUNION", "3", "z", "lex"), step("ZINTER", "2", "z", "lex", "WEIGHTS", "1"),
		step("ZUNION", "1", "z", "WEIGHTS", "abc"), step("ZUNION", "1", "z", "AGGREGATE", "FOO"), step("ZUNIONSTORE", "d", "1", "z", "WITHSCORES"),
		step("ZREMRANGEBYSCORE", "z", "-inf", "(2"), step("ZREMRANGEBYRANK", "z", "-1", "-1"), step("ZREMRANGEBYLEX", "lex", "-", "[b"), step("ZREMRANGEBYRANK", "nokey", "0", "-1"),
		step("ZREMRANGEBYRANK", "z", "a", "1"), step("ZREMRANGEBYSCORE", "z", "x", "1"), step("ZREMRANGEBYLEX", "z", "x", "y"), step("ZRANGE", "z", "0", "-1", "WITHSCORES"),
		step("ZADD", "one", "1.5", "m"), step("ZRANDMEMBER", "one"), step("ZRANDMEMBER", "one", "-2", "WITHSCORES"), step("ZRANDMEMBER", "one", "3", "WITHSCORES"),
		step("ZRANDMEMBER", "nokey"), step("ZRANDMEMBER", "nokey", "2"), step("ZRANDMEMBER", "one", "0"),
		step("SET", "str", "x"), step("ZUNION", "2", "z", "str"), step("ZPOPMIN", "str"), step("ZRANGESTORE", "dst", "str", "0", "-1"), step("ZUNIONSTORE", "str", "1", "z"), step("TYPE", "str"),
	}
}
