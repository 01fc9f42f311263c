package server

// stringsFamily exercises GET SET (NX XX GET EX PX EXAT PXAT KEEPTTL) MGET
// MSET MSETNX GETEX GETDEL GETSET SETNX SETEX PSETEX.
func stringsFamily() []famStep {
	return []famStep{
		step("SET", "s", "v"), step("GET", "s"), step("GET", "nokey"),
		step("SET", "s", "v2", "GET"), step("SET", "s", "v3", "NX"), step("SET", "s", "v3", "XX", "GET"), step("SET", "new", "v", "NX", "GET"), step("SET", "nokey2", "v", "XX"),
		step("SET", "s", "v", "EX", "0"), step("SET", "s", "v", "EX", "-5"), step("SET", "s", "v", "EX", "abc"), step("SET", "s", "v", "EX", "10", "PX", "10"),
		step("SET", "s", "v", "KEEPTTL", "EX", "10"), step("SET", "s", "v", "NX", "XX"), step("SET", "s", "v", "PX", "9223372036854775807"), step("SET", "s", "v", "FOO"),
		step("set", "s", "v", "ex", "100000", "xx"), positive("TTL", "s"), step("SET", "s", "v", "KEEPTTL"), positive("PTTL", "s"), step("SET", "s", "v"), step("TTL", "s"),
		step("SET", "s", "v", "EXAT", "4102444800"), step("PEXPIRETIME", "s"), step("SET", "s", "v", "PXAT", "4102444800123"), step("PEXPIRETIME", "s"),
		step("SET", "b\x00\r\n", "a\x00b\r\nc"), step("GET", "b\x00\r\n"),
		step("RPUSH", "lst", "x"), step("GET", "lst"), step("SET", "lst", "v", "GET"), step("SET", "lst", "v", "NX", "GET"), step("TYPE", "lst"),
		step("MSET", "a", "1", "b"), step("MSET", "a", "1", "b", "2", "\x00", "\r\n"), step("MGET", "a", "b", "nokey", "lst", "\x00"),
		step("MSETNX", "a", "3", "d", "4"), step("MSETNX", "d", "4", "e", "5"), step("MGET", "a", "d", "e"),
		step("GETEX", "s", "EX", "100000"), positive("TTL", "s"), step("GETEX", "s", "PERSIST"), step("TTL", "s"), step("GETEX", "s", "EXAT", "4102444801"), step("EXPIRETIME", "s"),
		step("GETEX", "s", "EX", "1", "PX", "1"), step("GETEX", "s", "PERSIST", "EX", "5"), step("GETEX", "s", "EX", "-1"), step("GETEX", "nokey"), step("GETEX", "lst"),
		step("GETDEL", "s"), step("GETDEL", "s"), step("GETDEL", "lst"),
		step("GETSET", "a", "100"), step("GETSET", "nokey4", "x"), step("GETSET", "lst", "x"),
		step("SETNX", "a", "x"), step("SETNX", "n5", "x"),
		step("SETEX", "e", "0", "v"), step("SETEX", "e", "abc", "v"), step("PSETEX", "e", "100000", "v"), positive("PTTL", "e"), step("SETEX", "e", "10"),
		step("GET"), step("SET", "a"),
	}
}

// stringsNumbersFamily exercises INCR DECR INCRBY DECRBY INCRBYFLOAT:
// results, not-an-integer, not-a-float and overflow errors.
func stringsNumbersFamily() []famStep {
	return []famStep{
		step("INCR", "a"), step("INCRBY", "a", "10"), step("DECR", "a"), step("DECRBY", "a", "5"), step("GET", "a"),
		step("INCRBY", "a", "abc"), step("INCRBY", "a", "+5"), step("INCRBY", "a", "-0"), step("INCRBY", "a", " 1"), step("INCRBY", "a", "1.0"),
		step("SET", "s", "v"), step("INCR", "s"), step("RPUSH", "lst", "x"), step("INCR", "lst"), step("INCRBYFLOAT", "lst", "1"),
		step("SET", "n", "9223372036854775807"), step("INCR", "n"), step("INCRBY", "n", "0"), step("SET", "n", "-9223372036854775808"), step("DECR", "n"),
		step("SET", "n", "0"), step("DECRBY", "n", "-9223372036854775808"), step("INCRBY", "n", "9223372036854775808"), step("INCRBY", "n", "-9223372036854775808"),
		step("SET", "n", "00"), step("INCR", "n"), step("SET", "n", "+1"), step("INCR", "n"), step("SET", "n", "12345678901234567890"), step("INCR", "n"),
		step("SET", "n", "1\x00"), step("INCR", "n"), step("SET", "n", " 1"), step("INCR", "n"),
		step("INCRBYFLOAT", "f", "1.5"), step("INCRBYFLOAT", "f", "3.0e3"), step("INCRBYFLOAT", "f", "abc"), step("INCRBYFLOAT", "f", "1e400"),
		step("INCRBYFLOAT", "f", "inf"), step("INCRBYFLOAT", "f", "0x10"), step("INCRBYFLOAT", "f", "+1.5"), step("INCRBYFLOAT", "f", " 1"),
		step("INCRBYFLOAT", "f", "1e17"), step("GET", "f"), step("INCRBYFLOAT", "nf", "-0"),
		step("SET", "f", "3.0000000000000001"), step("INCRBYFLOAT", "f", "0"), step("SET", "f", "1e308"), step("INCRBYFLOAT", "f", "1e308"),
		step("SET", "f", "10.5e-5"), step("INCRBYFLOAT", "f", "0"), step("INCRBYFLOAT", "f", "-0.000105"), step("INCRBYFLOAT", "a", "0.1"),
		step("INCR"), step("INCRBY", "a"),
	}
}

// stringsRangesFamily exercises APPEND STRLEN GETRANGE SUBSTR SETRANGE on
// binary values.
func stringsRangesFamily() []famStep {
	const bin = "a\x00b\r\nc"
	return []famStep{
		step("SET", "bin", bin), step("STRLEN", "bin"), step("STRLEN", "nokey"),
		step("APPEND", "s2", "x\x00"), step("APPEND", "s2", "\r\n"), step("GET", "s2"), step("APPEND", "ap", ""), step("EXISTS", "ap"),
		step("GETRANGE", "bin", "0", "-1"), step("GETRANGE", "bin", "-3", "-1"), step("GETRANGE", "bin", "5", "1"), step("GETRANGE", "bin", "-100", "100"),
		step("GETRANGE", "bin", "-1", "-2"), step("GETRANGE", "bin", "0", "0"), step("GETRANGE", "bin", "-1", "0"),
		step("GETRANGE", "bin", "9223372036854775807", "-9223372036854775808"), step("GETRANGE", "bin", "0", "99999999999999999999"),
		step("GETRANGE", "nokey", "0", "-1"), step("GETRANGE", "bin", "a", "1"), step("SUBSTR", "bin", "0", "1"), step("SUBSTR", "bin", "0"),
		step("SETRANGE", "s3", "5", "x"), step("GET", "s3"), step("SETRANGE", "s3", "0", "ab\x00"), step("SETRANGE", "s3", "1", ""), step("SETRANGE", "s3", "10", ""),
		step("GET", "s3"), step("SETRANGE", "s3", "-1", "x"), step("SETRANGE", "s3", "536870912", "x"), step("SETRANGE", "s3", "536870912", ""), step("SETRANGE", "s3", "x", "x"),
		step("SETRANGE", "nokey3", "0", ""), step("EXISTS", "nokey3"),
		step("RPUSH", "lst", "x"), step("APPEND", "lst", "x"), step("STRLEN", "lst"), step("GETRANGE", "lst", "0", "1"), step("SETRANGE", "lst", "0", "x"),
		step("APPEND", "a"),
	}
}
