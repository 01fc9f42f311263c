package server

// txFamily exercises MULTI/EXEC/DISCARD with data commands: errors at EXEC
// time (WRONGTYPE, not-an-integer, syntax) and at queue time (arity,
// unknown command: EXECABORT), replies of every type inside EXEC, and
// nesting and ordering errors.
func txFamily() []famStep {
	return []famStep{
		step("MULTI"), step("SET", "t1", "v\x00\r\n"), step("INCR", "t1"), step("LPUSH", "t1", "x"), step("EXPIRE", "t1", "1", "FOO"),
		step("GET", "t1"), step("GET", "nokey"), step("EXEC"),
		step("MULTI"), step("SET", "t2"), step("SET", "t2", "v"), step("EXEC"), step("EXISTS", "t2"),
		step("MULTI"), step("NOSUCH", "a\r\nb"), step("EXEC"),
		step("MULTI"), step("HSET", "h", "f", "v", "g", "w"), step("HGETALL", "h"), step("HGETALL", "nokey"), step("SADD", "s", "1", "2"), step("SMEMBERS", "s"),
		step("ZADD", "z", "1.5", "a", "2", "b"), step("ZRANGE", "z", "0", "-1", "WITHSCORES"), step("ZSCORE", "z", "a"), step("ZPOPMIN", "z", "2"),
		step("ZADD", "z", "INCR", "1", "q"), step("ZMSCORE", "z", "q", "nope"), step("RPUSH", "l", "a", "b"), step("LPOP", "nokey", "2"),
		step("EXPIRE", "l", "100000"), step("INCRBYFLOAT", "f", "1.5"), step("MGET", "t1", "nokey"), step("PING"), step("ECHO", "x"), step("EXEC"),
		step("MULTI"), step("INCR", "cnt"), step("DISCARD"), step("GET", "cnt"), step("DISCARD"), step("EXEC"),
		step("MULTI"), step("MULTI"), step("WATCH", "x"), step("INCR", "cnt"), step("EXEC"),
		step("MULTI"), step("SET", "k", "v"), step("INCR", "k"), step("SET", "k", "1"), step("INCR", "k"), step("EXEC"),
		step("MULTI"), step("EXEC"),
	}
}

// txWatchFamily exercises WATCH/UNWATCH: a write by another connection
// aborts EXEC (nil reply), writes that change nothing or touch other keys
// do not, UNWATCH, DISCARD and EXEC forget the watched keys.
func txWatchFamily() []famStep {
	return []famStep{
		step("SET", "t1", "v"), step("HSET", "h", "f", "v"), step("RPUSH", "l", "a", "b"), step("SADD", "s", "1"), step("ZADD", "z", "1", "a"),
		step("WATCH", "t1"), other("SET", "t1", "changed"), step("MULTI"), step("GET", "t1"), step("EXEC"), step("GET", "t1"),
		step("WATCH", "t3"), other("SET", "t3", "x"), step("MULTI"), step("GET", "t3"), step("EXEC"),
		step("WATCH", "h"), other("HSET", "h", "f2", "v2"), step("MULTI"), step("HGETALL", "h"), step("EXEC"),
		step("WATCH", "l"), other("RPOP", "l"), step("MULTI"), step("LRANGE", "l", "0", "-1"), step("EXEC"),
		step("WATCH", "s", "z"), other("ZINCRBY", "z", "1", "a"), step("MULTI"), step("SCARD", "s"), step("EXEC"),
		step("WATCH", "t1"), other("RENAME", "t1", "t9"), step("MULTI"), step("EXISTS", "t1"), step("EXEC"),
		step("WATCH", "t9"), other("EXPIRE", "t9", "100000"), step("MULTI"), step("TYPE", "t9"), step("EXEC"),
		step("WATCH", "t3"), other("SET", "unrelated", "1"), other("DEL", "nokey"), step("MULTI"), step("GET", "t3"), step("EXEC"),
		step("WATCH", "s"), other("SADD", "s", "1"), other("SREM", "s", "nope"), step("MULTI"), step("SCARD", "s"), step("EXEC"),
		step("WATCH", "h"), other("HDEL", "h", "nofield"), other("HGET", "h", "f"), step("MULTI"), step("HLEN", "h"), step("EXEC"),
		step("WATCH", "t3"), other("SET", "t3", "y"), step("UNWATCH"), step("MULTI"), step("GET", "t3"), step("EXEC"),
		step("WATCH", "t3"), other("SET", "t3", "z"), step("MULTI"), step("DISCARD"), step("MULTI"), step("GET", "t3"), step("EXEC"),
		step("WATCH", "nokey2"), other("EXPIRE", "nokey2", "10"), step("MULTI"), step("GET", "nokey2"), step("EXEC"),
		step("WATCH", "t3", "t3"), step("WATCH", "h"), other("HSET", "h", "f3", "v"), step("MULTI"), step("GET", "t3"), step("EXEC"),
		// LTRIM touches the list even when it keeps everything (found by
		// TestFamiliesRandom); LREM of nothing does not.
		step("RPUSH", "l2", "a", "b"), step("WATCH", "l2"), other("LTRIM", "l2", "0", "-1"), step("MULTI"), step("LLEN", "l2"), step("EXEC"),
		step("WATCH", "l2"), other("LREM", "l2", "0", "nope"), step("MULTI"), step("LLEN", "l2"), step("EXEC"),
		step("WATCH", "t3"), other("FLUSHALL"), step("MULTI"), step("DBSIZE"), step("EXEC"),
	}
}
