package server

// listsFamily exercises LPUSH RPUSH LPUSHX RPUSHX LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM.
func listsFamily() []famStep {
	const bin = "bin\x00\r\n"
	return []famStep{
		step("RPUSH", "l", "a", "b", "c"), step("LPUSH", "l", "z", bin), step("LRANGE", "l", "0", "-1"), step("LPUSH", "l"),
		step("LRANGE", "l", "-2", "-1"), step("LRANGE", "l", "5", "10"), step("LRANGE", "nokey", "0", "-1"), step("LRANGE", "l", "x", "1"),
		step("LRANGE", "l", "-100", "100"), step("LRANGE", "l", "9223372036854775807", "-9223372036854775808"),
		step("LINDEX", "l", "0"), step("LINDEX", "l", "-1"), step("LINDEX", "l", "99"), step("LINDEX", "l", "abc"), step("LINDEX", "nokey", "0"),
		step("LSET", "l", "1", "X"), step("LSET", "l", "-5", "Y"), step("LSET", "l", "99", "x"), step("LSET", "nokey", "0", "x"), step("LSET", "l", "a", "x"),
		step("LINSERT", "l", "BEFORE", "X", "ins"), step("LINSERT", "l", "after", "c", "end"), step("LINSERT", "l", "AFTER", "nopivot", "x"),
		step("LINSERT", "l", "MIDDLE", "X", "x"), step("LINSERT", "nokey", "BEFORE", "a", "x"), step("LRANGE", "l", "0", "-1"),
		step("RPUSH", "l", "a", "a", "a"), step("LREM", "l", "1", "a"), step("LREM", "l", "-1", "a"), step("LREM", "l", "0", "a"), step("LREM", "l", "x", "a"),
		step("LREM", "nokey", "0", "a"), step("LLEN", "l"), step("LLEN", "nokey"),
		step("LTRIM", "l", "1", "-2"), step("LRANGE", "l", "0", "-1"), step("LTRIM", "l", "x", "1"), step("LTRIM", "l", "5", "1"), step("EXISTS", "l"),
		step("LPUSHX", "nokey", "a"), step("RPUSH", "p", "a"), step("RPUSHX", "p", "x", "y"), step("LPUSHX", "p", "w"), step("LRANGE", "p", "0", "-1"), step("RPUSHX", "p"),
		step("SET", "s", "x"), step("LPUSH", "s", "a"), step("LRANGE", "s", "0", "-1"), step("LINSERT", "s", "BEFORE", "a", "x"), step("LSET", "s", "0", "x"), step("LLEN", "s"),
	}
}

// listsPopFamily exercises LPOP RPOP (with COUNT) LPOS LMOVE RPOPLPUSH.
func listsPopFamily() []famStep {
	return []famStep{
		step("RPUSH", "p", "a", "b", "a", "c", "a"),
		step("LPOS", "p", "a"), step("LPOS", "p", "nope"), step("LPOS", "p", "a", "RANK", "-1"), step("LPOS", "p", "a", "COUNT", "0"),
		step("LPOS", "p", "a", "RANK", "2", "COUNT", "2"), step("LPOS", "p", "a", "RANK", "-1", "COUNT", "0"), step("LPOS", "p", "a", "MAXLEN", "1", "COUNT", "0"),
		step("LPOS", "p", "a", "RANK", "0"), step("LPOS", "p", "a", "MAXLEN", "-1"), step("LPOS", "p", "a", "COUNT", "-1"), step("LPOS", "p", "a", "RANK", "-9223372036854775808"),
		step("LPOS", "p", "a", "FOO", "1"), step("LPOS", "p", "a", "RANK"), step("LPOS", "p", "nope", "COUNT", "2"), step("LPOS", "nokey", "a", "COUNT", "1"), step("LPOS", "p"),
		step("RPUSH", "l", "1", "2", "3", "4", "5", "6"),
		step("LPOP", "l"), step("RPOP", "l", "2"), step("LPOP", "l", "0"), step("LPOP", "nokey"), step("LPOP", "nokey", "2"), step("RPOP", "nokey", "0"),
		step("LPOP", "l", "-1"), step("LPOP", "l", "abc"), step("LPOP", "l", "1", "2"), step("RPOP", "l", "100"), step("EXISTS", "l"),
		step("LMOVE", "p", "p2", "LEFT", "RIGHT"), step("RPOPLPUSH", "p", "p2"), step("LMOVE", "p", "p2", "UP", "DOWN"), step("LMOVE", "nokey", "p2", "LEFT", "LEFT"),
		step("LMOVE", "p2", "p2", "LEFT", "RIGHT"), step("LRANGE", "p2", "0", "-1"), step("RPOPLPUSH", "nokey", "p2"), step("LRANGE", "p", "0", "-1"),
		step("SET", "s", "x"), step("LMOVE", "p2", "s", "LEFT", "LEFT"), step("RPOPLPUSH", "p2", "s"), step("LMOVE", "s", "p2", "LEFT", "LEFT"), step("LPOP", "s"), step("LPOS", "s", "x"),
		step("LRANGE", "p2", "0", "-1"),
	}
}
