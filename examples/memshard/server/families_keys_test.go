package server

// keysFamily exercises the generic key commands on every type: DEL UNLINK
// EXISTS TYPE RENAME RENAMENX COPY TOUCH DBSIZE KEYS (sorted) RANDOMKEY
// (empty keyspace only) FLUSHDB.
func keysFamily() []famStep {
	const bin = "bin\x00\r\nkey"
	return []famStep{
		step("RANDOMKEY"),
		step("SET", "k1", "v1"), step("SET", bin, "val\x00\r\n"), step("RPUSH", "l", "a", "b"),
		step("HSET", "h", "f", "v"), step("SADD", "s", "m"), step("ZADD", "z", "1", "m"),
		step("EXISTS", "k1", "k1", "nokey", bin), step("EXISTS"),
		step("TYPE", "k1"), step("TYPE", "l"), step("TYPE", "h"), step("TYPE", "s"), step("TYPE", "z"), step("TYPE", "nokey"), step("TYPE", bin),
		step("TYPE", "k1", "extra"),
		step("DBSIZE"), sorted("KEYS", "*"), sorted("KEYS", "[hl]"), step("KEYS", "nomatch*"),
		step("RENAME", "k1", "k2"), step("GET", "k2"), step("RENAME", "nokey", "x"), step("RENAME", "k2", "k2"), step("RENAME", "h", "k2"), step("TYPE", "k2"),
		step("RENAMENX", "k2", "l"), step("RENAMENX", "k2", "k3"), step("RENAMENX", "nokey", "k3"), step("RENAME", bin, "b\r\n"), step("GET", "b\r\n"),
		step("COPY", "l", "lc"), step("COPY", "l", "lc"), step("COPY", "s", "lc", "REPLACE"), step("TYPE", "lc"), step("COPY", "z", "zc", "DB", "0"),
		step("COPY", "l", "l"), step("COPY", "l", "x", "foo"), step("COPY", "l", "x", "DB", "abc"), step("COPY", "nokey", "x"),
		step("TOUCH", "l", "nokey", "z"), step("TOUCH"),
		step("DEL", "l", "nokey", "b\r\n", "l"), step("UNLINK", "z", "z"), step("DEL"), step("DBSIZE"), step("DBSIZE", "x"),
		step("FLUSHDB", "FOO"), step("FLUSHDB", "SYNC"), step("DBSIZE"),
	}
}

// keysExpireFamily exercises EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT)
// TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, with fixed absolute times or
// large relative ones (TTL and PTTL compared as > 0).
func keysExpireFamily() []famStep {
	return []famStep{
		step("SET", "k", "v"), step("RPUSH", "l", "a"),
		step("EXPIRE", "k", "100000"), positive("TTL", "k"), positive("PTTL", "k"), positive("EXPIRETIME", "k"),
		step("EXPIRE", "k", "100", "NX"), step("EXPIRE", "k", "200000", "GT"), step("EXPIRE", "k", "100", "LT"), step("EXPIRE", "k", "100", "XX"),
		step("EXPIRE", "l", "100", "GT"), step("EXPIRE", "l", "100", "XX"), step("EXPIREAT", "l", "4102444800", "lt"), positive("TTL", "l"),
		step("EXPIRE", "k", "100", "NX", "XX"), step("EXPIRE", "k", "100", "GT", "LT"), step("EXPIRE", "k", "100", "FOO"),
		step("EXPIRE", "k", "abc"), step("EXPIRE", "k", "010"), step("EXPIRE", "k", "9223372036854775807"), step("PEXPIRE", "k", "9223372036854775807"),
		step("EXPIREAT", "k", "9223372036854775807"), step("EXPIRE", "k", "-9223372036854775808"), step("EXPIRE", "nokey", "100"),
		step("EXPIREAT", "k", "4102444800"), step("EXPIRETIME", "k"), step("PEXPIRETIME", "k"),
		step("PEXPIREAT", "k", "4102444800123"), step("EXPIRETIME", "k"), step("PEXPIRETIME", "k"),
		step("RENAME", "k", "k2"), step("PEXPIRETIME", "k2"), step("COPY", "k2", "k3"), step("PEXPIRETIME", "k3"),
		step("TTL", "nokey"), step("PTTL", "nokey"), positive("PTTL", "l"), step("EXPIRETIME", "nokey"), step("PEXPIRETIME", "l"),
		step("PERSIST", "k2"), step("PERSIST", "k2"), step("TTL", "k2"), step("PERSIST", "nokey"), step("PERSIST", "a", "b"),
		step("EXPIRE", "l", "0"), step("EXISTS", "l"), step("PEXPIREAT", "k3", "1"), step("EXISTS", "k3"), step("EXPIREAT", "k2", "-1"), step("DBSIZE"),
		step("SET", "n", "v"), step("PEXPIRE", "n", "-9223372036854775808"), step("EXISTS", "n"),
	}
}
