// Package cmdgen draws random streams of Redis data commands for memshard's
// tests: over a few keys of each type and a few shared ones, with options,
// transactions and malformed arguments mixed in, so that a stream meets
// WRONGTYPE, empty keys, overwrites and odd ranges. Each command says how
// its reply may be compared with Redis's: exactly, sorted (Redis leaves the
// order undefined), by sign (a TTL), or not at all (chosen at random).
package cmdgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Mode says how a command's reply may be compared with Redis's.
type Mode int

const (
	Exact  Mode = iota // byte for byte
	Sorted             // an aggregate whose element order Redis leaves undefined
	Sign               // a TTL: equal if negative (no expiry, no key), else both positive
	Random             // chosen at random: not comparable
	// FullScan is a SCAN-family command at cursor 0 (its cursor is the
	// argument after the key, or the first for SCAN): run it to the end,
	// following the cursor, and compare the elements returned as a set.
	FullScan
)

// Gen draws commands over a small domain of keys, fields, members,
// numbers and options, now and then with an argument dropped, added or
// made non-numeric. The same seed draws the same commands.
type Gen struct {
	// Random adds commands whose replies are chosen at random (SPOP,
	// SRANDMEMBER, ... with any count, RANDOMKEY), with mode Random.
	Random bool
	// NoTransactions leaves out MULTI, EXEC, DISCARD, WATCH and UNWATCH.
	NoTransactions bool
	// Watchers makes some transactions WATCH keys that commands on a
	// second connection (Cmd.Other) may then change before the EXEC.
	Watchers bool

	r       *rand.Rand
	typ     string // the key prefix of the command being drawn
	pending []Cmd  // the rest of a transaction being sent
}

// Cmd is one drawn command.
type Cmd struct {
	Args  []string
	Mode  Mode
	Other bool // for the second connection (only with Watchers)
	// LexKey is the sorted set a lex range reads (ZRANGEBYLEX, ZLEXCOUNT,
	// ZRANGE ... BYLEX, ...), if it is one: see Unspecified.
	LexKey string
}

// Unspecified reports whether Redis leaves the outcome of c unspecified
// on the data that do (a connection to redis-server) reaches: a lex range
// over a sorted set of different scores kept as a skiplist, where Redis's
// answer depends on the list's random levels. A test skips such a command
// on both servers, so that their data stays the same.
func Unspecified(c Cmd, do func(args ...string) []byte) bool {
	if c.LexKey == "" || string(do("OBJECT", "ENCODING", c.LexKey)) != "$8\r\nskiplist\r\n" {
		return false
	}
	first := do("ZRANGE", c.LexKey, "0", "0", "WITHSCORES")
	last := do("ZRANGE", c.LexKey, "-1", "-1", "WITHSCORES")
	score := func(b []byte) string { // the second bulk string of the reply
		parts := strings.Split(string(b), "\r\n")
		if len(parts) < 5 {
			return ""
		}
		return parts[4]
	}
	return score(first) != score(last)
}

// lexKey returns the sorted set args reads by lex range, if it does.
func lexKey(args []string) string {
	if len(args) < 2 {
		return ""
	}
	switch strings.ToUpper(args[0]) {
	case "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX":
		return args[1]
	case "ZRANGE", "ZRANGESTORE": // ZRANGESTORE dst src ...
		src := args[1]
		if strings.EqualFold(args[0], "ZRANGESTORE") && len(args) > 2 {
			src = args[2]
		}
		for _, a := range args {
			if strings.EqualFold(a, "BYLEX") {
				return src
			}
		}
	}
	return ""
}

// New returns a generator drawing from seed.
func New(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// InTransaction reports whether the commands drawn so far opened a
// transaction (or a WATCH) that the next ones close.
func (g *Gen) InTransaction() bool { return len(g.pending) > 0 }

func (g *Gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// key returns, mostly, one of two keys of the command's type (s0, s1, h0,
// ...), so that commands meet data they can work on; else one of two keys
// every type shares (m0, m1), so that WRONGTYPE comes up too. The key
// commands take any key, so RENAME and COPY move values across types.
func (g *Gen) key() string {
	switch {
	case g.typ == "":
		return g.pick("s", "h", "l", "t", "z", "m") + g.pick("0", "1")
	case g.r.IntN(8) == 0:
		return g.pick("m0", "m1")
	}
	return g.typ + g.pick("0", "1")
}

// member returns a member, field or list element: mostly short words, and
// now and then an integer (a set of integers only is an intset in Redis).
func (g *Gen) member() string {
	if g.r.IntN(4) == 0 {
		return g.pick("1", "2", "10", "-3", "007", "9223372036854775807")
	}
	return g.pick("a", "b", "c", "d", "e", "f", "aa", "")
}
func (g *Gen) value() string {
	return g.pick("a", "b", "abc", "", "0", "1", "-7", "12", "3.5", "-0.25", "1e3", "9223372036854775807", "x y", "007")
}
func (g *Gen) num() string {
	if g.r.IntN(20) == 0 { // at and past the ends of a long
		return g.pick("9223372036854775807", "-9223372036854775808", "9223372036854775808", "4611686018427387904")
	}
	return g.pick("-3", "-2", "-1", "0", "1", "2", "3", "5", "100")
}
func (g *Gen) float() string {
	if g.r.IntN(5) == 0 { // inexact in binary, extreme, or not a number
		return g.pick("0.1", "0.2", "1.1", "-2.7", "1e-5", "123456789.123456789", "1e308", "-1e308", "5e-324",
			"nan", "1e", " 1", "0x10", "+.5", "1.", "-0")
	}
	return g.pick("0", "1", "-1", "1.5", "-0.25", "2.0e1", "inf", "-inf", "3")
}
func (g *Gen) score() string {
	return g.pick("-inf", "+inf", "0", "1", "2", "(1", "(2", "1.5", "-1", "3")
}
func (g *Gen) lex() string { return g.pick("-", "+", "[a", "(a", "[c", "(d", "[aa", "[", "a") }

// many returns 100 to 600 distinct members, integers or words: enough to
// pass Redis's listpack (128) and intset (512) limits, where its encodings
// change. (A lex range over a big sorted set of mixed scores is left out:
// see Unspecified.)
func (g *Gen) many() []string {
	n := 100 + g.r.IntN(500)
	ints := g.r.IntN(2) == 0
	out := make([]string, n)
	for i := range out {
		if ints {
			out[i] = fmt.Sprint(i - 50)
		} else {
			out[i] = fmt.Sprint("m", i)
		}
	}
	return out
}

// some returns 1 to n results of f.
func (g *Gen) some(n int, f func() []string) []string {
	var out []string
	for range 1 + g.r.IntN(n) {
		out = append(out, f()...)
	}
	return out
}

func (g *Gen) keys(n int) []string {
	return g.some(n, func() []string { return []string{g.key()} })
}

func (g *Gen) members(n int) []string {
	return g.some(n, func() []string { return []string{g.member()} })
}

// opt returns args with probability 1/2, else nothing.
func (g *Gen) opt(args ...string) []string {
	if g.r.IntN(2) == 0 {
		return args
	}
	return nil
}

// genCmd is one command's generator and how its reply is compared.
type genCmd struct {
	typ  string // the prefix of the keys it mostly uses: s, h, l, t (sets), z; "" for any
	mode Mode
	gen  func(g *Gen) []string
	// whole: never malformed (a script, whose compile errors are
	// gopher-lua's, not Redis's).
	whole bool
}

func c(typ, name string, gen func(g *Gen) []string) genCmd {
	return genCmd{typ: typ, mode: Exact, gen: func(g *Gen) []string { return append([]string{name}, gen(g)...) }}
}

func cSign(typ, name string, gen func(g *Gen) []string) genCmd {
	cmd := c(typ, name, gen)
	cmd.mode = Sign
	return cmd
}

func cSorted(typ, name string, gen func(g *Gen) []string) genCmd {
	cmd := c(typ, name, gen)
	cmd.mode = Sorted
	return cmd
}

var commands = []genCmd{
	// keys
	c("", "DEL", func(g *Gen) []string { return g.keys(2) }),
	c("", "UNLINK", func(g *Gen) []string { return g.keys(2) }),
	c("", "EXISTS", func(g *Gen) []string { return g.keys(3) }),
	c("", "TYPE", func(g *Gen) []string { return []string{g.key()} }),
	c("", "RENAME", func(g *Gen) []string { return []string{g.key(), g.key()} }),
	c("", "RENAMENX", func(g *Gen) []string { return []string{g.key(), g.key()} }),
	c("", "COPY", func(g *Gen) []string { return append([]string{g.key(), g.key()}, g.opt("REPLACE")...) }),
	c("", "EXPIRE", func(g *Gen) []string {
		// Not GT or LT: against an expiry set the same way a moment ago,
		// the answer depends on whether a millisecond passed in between.
		return append([]string{g.key(), g.pick("100", "200", "1000")}, g.opt(g.pick("NX", "XX"))...)
	}),
	c("", "PEXPIRE", func(g *Gen) []string {
		return append([]string{g.key(), g.pick("100000", "200000", "0", "-5")}, g.opt(g.pick("NX", "XX"))...)
	}),
	c("", "PERSIST", func(g *Gen) []string { return []string{g.key()} }),
	c("", "EXPIREAT", func(g *Gen) []string {
		return append([]string{g.key(), g.pick("4102444800", "4102444900", "1")}, g.opt(g.pick("NX", "XX", "GT", "LT"))...)
	}),
	c("", "PEXPIREAT", func(g *Gen) []string { return []string{g.key(), g.pick("4102444800000", "4102444800500")} }),
	cSign("", "TTL", func(g *Gen) []string { return []string{g.key()} }),
	cSign("", "PTTL", func(g *Gen) []string { return []string{g.key()} }),
	cSign("", "EXPIRETIME", func(g *Gen) []string { return []string{g.key()} }),
	cSign("", "PEXPIRETIME", func(g *Gen) []string { return []string{g.key()} }),
	c("", "TOUCH", func(g *Gen) []string { return g.keys(3) }),
	c("", "DBSIZE", func(g *Gen) []string { return nil }),
	c("", "OBJECT", func(g *Gen) []string { return []string{g.pick("ENCODING", "REFCOUNT"), g.key()} }),
	cScan("", "SCAN", func(g *Gen) []string { return scanOptions(g, true) }),
	cSorted("", "KEYS", func(g *Gen) []string { return []string{g.pick("*", "s*", "[hl]?", "?1")} }),
	// strings
	c("s", "SET", func(g *Gen) []string {
		args := []string{g.key(), g.value()}
		args = append(args, g.opt(g.pick("NX", "XX"))...)
		switch g.r.IntN(4) {
		case 0:
			args = append(args, g.pick("EX", "PX"), g.pick("100000", "0", "-1"))
		case 1:
			// Far in the future: a key given a time already past stays,
			// expired, until the expiry cycles of the two servers (at
			// their own times) remove it.
			if g.r.IntN(2) == 0 {
				args = append(args, "EXAT", "4102444800")
			} else {
				args = append(args, "PXAT", "4102444800000")
			}
		case 2:
			args = append(args, "KEEPTTL")
		}
		return append(args, g.opt("GET")...)
	}),
	c("s", "GET", func(g *Gen) []string { return []string{g.key()} }),
	c("s", "SETNX", func(g *Gen) []string { return []string{g.key(), g.value()} }),
	c("s", "GETSET", func(g *Gen) []string { return []string{g.key(), g.value()} }),
	c("s", "GETDEL", func(g *Gen) []string { return []string{g.key()} }),
	c("s", "GETEX", func(g *Gen) []string {
		opts := [][]string{nil, {"PERSIST"}, {"EX", "100"}, {"EXAT", "4102444800"}, {"PXAT", "4102444800000"}, {"PX", "0"}}
		return append([]string{g.key()}, opts[g.r.IntN(len(opts))]...)
	}),
	c("s", "SETEX", func(g *Gen) []string { return []string{g.key(), g.pick("100", "0"), g.value()} }),
	c("s", "PSETEX", func(g *Gen) []string { return []string{g.key(), g.pick("100000", "-5"), g.value()} }),
	c("s", "MGET", func(g *Gen) []string { return g.keys(3) }),
	c("s", "MSET", func(g *Gen) []string { return g.some(2, func() []string { return []string{g.key(), g.value()} }) }),
	c("s", "MSETNX", func(g *Gen) []string { return g.some(2, func() []string { return []string{g.key(), g.value()} }) }),
	c("s", "INCR", func(g *Gen) []string { return []string{g.key()} }),
	c("s", "DECR", func(g *Gen) []string { return []string{g.key()} }),
	c("s", "INCRBY", func(g *Gen) []string { return []string{g.key(), g.num()} }),
	c("s", "DECRBY", func(g *Gen) []string { return []string{g.key(), g.num()} }),
	c("s", "INCRBYFLOAT", func(g *Gen) []string { return []string{g.key(), g.float()} }),
	c("s", "APPEND", func(g *Gen) []string { return []string{g.key(), g.value()} }),
	c("s", "STRLEN", func(g *Gen) []string { return []string{g.key()} }),
	c("s", "SETBIT", func(g *Gen) []string {
		return []string{g.key(), g.pick("0", "7", "9", "31", "100", g.num()), g.pick("0", "1", "1", "2")}
	}),
	c("s", "GETBIT", func(g *Gen) []string { return []string{g.key(), g.pick("0", "7", "9", "31", "100", g.num())} }),
	c("s", "BITCOUNT", func(g *Gen) []string {
		args := []string{g.key()}
		if g.r.IntN(3) > 0 {
			args = append(args, g.num(), g.num())
			args = append(args, g.opt(g.pick("BIT", "BYTE", "bit"))...)
		}
		return args
	}),
	c("s", "BITPOS", func(g *Gen) []string {
		args := []string{g.key(), g.pick("0", "1", "1", "2")}
		switch g.r.IntN(4) {
		case 1:
			args = append(args, g.num())
		case 2, 3:
			args = append(args, g.num(), g.num())
			args = append(args, g.opt(g.pick("BIT", "BYTE"))...)
		}
		return args
	}),
	c("s", "BITOP", func(g *Gen) []string {
		op := g.pick("AND", "OR", "XOR", "NOT", "and")
		srcs := g.keys(1 + g.r.IntN(3))
		if op == "NOT" && g.r.IntN(4) > 0 {
			srcs = srcs[:1]
		}
		return append([]string{op, g.key()}, srcs...)
	}),
	c("s", "LCS", func(g *Gen) []string {
		args := []string{g.key(), g.key()}
		args = append(args, g.opt(g.pick("LEN", "IDX", "IDX"))...)
		args = append(args, g.opt("MINMATCHLEN", g.pick("0", "1", "2", "-1", "x"))...)
		return append(args, g.opt("WITHMATCHLEN")...)
	}),
	c("s", "GETRANGE", func(g *Gen) []string { return []string{g.key(), g.num(), g.num()} }),
	c("s", "SUBSTR", func(g *Gen) []string { return []string{g.key(), g.num(), g.num()} }),
	c("s", "SETRANGE", func(g *Gen) []string { return []string{g.key(), g.pick("0", "1", "3", "-1"), g.value()} }),
	// HyperLogLogs are strings: on the string keys, where GET reads their
	// bytes and SETRANGE, APPEND or SETBIT may corrupt them.
	c("s", "PFADD", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("s", "PFADD", func(g *Gen) []string { return append([]string{g.key()}, g.many()...) }),
	c("s", "PFCOUNT", func(g *Gen) []string { return g.keys(3) }),
	c("s", "PFMERGE", func(g *Gen) []string { return append([]string{g.key()}, g.keys(3)...) }),
	// hashes
	c("h", "HSET", func(g *Gen) []string { // many fields, or one long value
		if g.r.IntN(3) == 0 {
			return []string{g.key(), g.member(), strings.Repeat("v", 65)}
		}
		var args []string
		for i, f := range g.many() {
			args = append(args, f, fmt.Sprint(i))
		}
		return append([]string{g.key()}, args...)
	}),
	c("h", "HSET", func(g *Gen) []string {
		return append([]string{g.key()}, g.some(2, func() []string { return []string{g.member(), g.value()} })...)
	}),
	c("h", "HMSET", func(g *Gen) []string {
		return append([]string{g.key()}, g.some(2, func() []string { return []string{g.member(), g.value()} })...)
	}),
	c("h", "HSETNX", func(g *Gen) []string { return []string{g.key(), g.member(), g.value()} }),
	c("h", "HGET", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("h", "HMGET", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("h", "HDEL", func(g *Gen) []string { return append([]string{g.key()}, g.members(2)...) }),
	c("h", "HEXISTS", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("h", "HLEN", func(g *Gen) []string { return []string{g.key()} }),
	c("h", "HSTRLEN", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	cScan("h", "HSCAN", func(g *Gen) []string { return append([]string{g.key()}, scanOptions(g, false)...) }),
	cSorted("h", "HKEYS", func(g *Gen) []string { return []string{g.key()} }),
	cSorted("h", "HVALS", func(g *Gen) []string { return []string{g.key()} }),
	cSorted("h", "HGETALL", func(g *Gen) []string { return []string{g.key()} }),
	cSorted("h", "HRANDFIELD", func(g *Gen) []string {
		return append([]string{g.key(), g.pick("0", "10000")}, g.opt("WITHVALUES")...)
	}),
	c("h", "HINCRBY", func(g *Gen) []string { return []string{g.key(), g.member(), g.num()} }),
	c("h", "HINCRBYFLOAT", func(g *Gen) []string { return []string{g.key(), g.member(), g.float()} }),
	// lists
	c("l", "LPUSH", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("l", "RPUSH", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("l", "RPUSH", func(g *Gen) []string { return append([]string{g.key()}, g.many()...) }),
	c("l", "LPUSHX", func(g *Gen) []string { return append([]string{g.key()}, g.members(2)...) }),
	c("l", "RPUSHX", func(g *Gen) []string { return append([]string{g.key()}, g.members(2)...) }),
	c("l", "LPOP", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.num())...) }),
	c("l", "RPOP", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.num())...) }),
	c("l", "LMPOP", func(g *Gen) []string { return mpopArgs(g, "LEFT", "RIGHT") }),
	c("l", "LLEN", func(g *Gen) []string { return []string{g.key()} }),
	c("l", "LRANGE", func(g *Gen) []string { return []string{g.key(), g.num(), g.num()} }),
	c("l", "LINDEX", func(g *Gen) []string { return []string{g.key(), g.num()} }),
	c("l", "LSET", func(g *Gen) []string { return []string{g.key(), g.num(), g.member()} }),
	c("l", "LINSERT", func(g *Gen) []string {
		return []string{g.key(), g.pick("BEFORE", "AFTER"), g.member(), g.member()}
	}),
	c("l", "LREM", func(g *Gen) []string { return []string{g.key(), g.num(), g.member()} }),
	c("l", "LTRIM", func(g *Gen) []string { return []string{g.key(), g.num(), g.num()} }),
	c("l", "LPOS", func(g *Gen) []string {
		args := []string{g.key(), g.member()}
		args = append(args, g.opt("RANK", g.num())...)
		args = append(args, g.opt("COUNT", g.num())...)
		return append(args, g.opt("MAXLEN", g.num())...)
	}),
	c("l", "LMOVE", func(g *Gen) []string {
		return []string{g.key(), g.key(), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT")}
	}),
	c("l", "RPOPLPUSH", func(g *Gen) []string { return []string{g.key(), g.key()} }),
	// sets
	c("t", "SADD", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("t", "SADD", func(g *Gen) []string { return append([]string{g.key()}, g.many()...) }),
	c("t", "SREM", func(g *Gen) []string { return append([]string{g.key()}, g.members(2)...) }),
	c("t", "SCARD", func(g *Gen) []string { return []string{g.key()} }),
	c("t", "SISMEMBER", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("t", "SMISMEMBER", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	cScan("t", "SSCAN", func(g *Gen) []string { return append([]string{g.key()}, scanOptions(g, false)...) }),
	cSorted("t", "SMEMBERS", func(g *Gen) []string { return []string{g.key()} }),
	cSorted("t", "SRANDMEMBER", func(g *Gen) []string { return []string{g.key(), g.pick("0", "10000")} }),
	cSorted("t", "SPOP", func(g *Gen) []string { return []string{g.key(), g.pick("0", "10000")} }),
	c("t", "SMOVE", func(g *Gen) []string { return []string{g.key(), g.key(), g.member()} }),
	cSorted("t", "SINTER", func(g *Gen) []string { return g.keys(3) }),
	cSorted("t", "SUNION", func(g *Gen) []string { return g.keys(3) }),
	cSorted("t", "SDIFF", func(g *Gen) []string { return g.keys(3) }),
	c("t", "SINTERCARD", func(g *Gen) []string {
		ks := g.keys(3)
		return append(append([]string{g.pick(fmt.Sprint(len(ks)), fmt.Sprint(len(ks)), "0", "5")}, ks...), g.opt("LIMIT", g.num())...)
	}),
	c("t", "SINTERSTORE", func(g *Gen) []string { return append([]string{g.key()}, g.keys(3)...) }),
	c("t", "SUNIONSTORE", func(g *Gen) []string { return append([]string{g.key()}, g.keys(3)...) }),
	c("t", "SDIFFSTORE", func(g *Gen) []string { return append([]string{g.key()}, g.keys(3)...) }),
	// sorted sets
	c("z", "ZADD", func(g *Gen) []string {
		args := []string{g.key()}
		args = append(args, g.opt(g.pick("NX", "XX"))...)
		args = append(args, g.opt(g.pick("GT", "LT"))...)
		args = append(args, g.opt("CH")...)
		if g.r.IntN(4) == 0 {
			return append(append(args, "INCR"), g.float(), g.member())
		}
		return append(args, g.some(3, func() []string { return []string{g.float(), g.member()} })...)
	}),
	c("z", "ZADD", func(g *Gen) []string { // many members: one score, or each its own
		args := []string{g.key()}
		same := g.r.IntN(2) == 0
		for i, m := range g.many() {
			if same {
				args = append(args, "1", m)
			} else {
				args = append(args, fmt.Sprint(i%50), m)
			}
		}
		return args
	}),
	cSorted("z", "ZRANDMEMBER", func(g *Gen) []string {
		return append([]string{g.key(), g.pick("0", "10000")}, g.opt("WITHSCORES")...)
	}),
	c("z", "ZINCRBY", func(g *Gen) []string { return []string{g.key(), g.float(), g.member()} }),
	c("z", "ZREM", func(g *Gen) []string { return append([]string{g.key()}, g.members(2)...) }),
	cScan("z", "ZSCAN", func(g *Gen) []string { return append([]string{g.key()}, scanOptions(g, false)...) }),
	c("z", "ZCARD", func(g *Gen) []string { return []string{g.key()} }),
	c("z", "ZCOUNT", func(g *Gen) []string { return []string{g.key(), g.score(), g.score()} }),
	c("z", "ZLEXCOUNT", func(g *Gen) []string { return []string{g.key(), g.lex(), g.lex()} }),
	c("z", "ZSCORE", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("z", "ZMSCORE", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
	c("z", "ZRANK", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("z", "ZREVRANK", func(g *Gen) []string { return []string{g.key(), g.member()} }),
	c("z", "ZRANGE", func(g *Gen) []string {
		args := append([]string{g.key()}, zrangeSpec(g)...)
		args = append(args, g.opt("REV")...)
		args = append(args, g.opt("LIMIT", g.num(), g.num())...)
		return append(args, g.opt("WITHSCORES")...)
	}),
	c("z", "ZRANGEBYSCORE", func(g *Gen) []string {
		args := []string{g.key(), g.score(), g.score()}
		args = append(args, g.opt("WITHSCORES")...)
		return append(args, g.opt("LIMIT", g.num(), g.num())...)
	}),
	c("z", "ZREVRANGEBYSCORE", func(g *Gen) []string {
		return append([]string{g.key(), g.score(), g.score()}, g.opt("WITHSCORES")...)
	}),
	c("z", "ZRANGEBYLEX", func(g *Gen) []string {
		return append([]string{g.key(), g.lex(), g.lex()}, g.opt("LIMIT", g.num(), g.num())...)
	}),
	c("z", "ZREVRANGEBYLEX", func(g *Gen) []string { return []string{g.key(), g.lex(), g.lex()} }),
	c("z", "ZREVRANGE", func(g *Gen) []string {
		return append([]string{g.key(), g.num(), g.num()}, g.opt("WITHSCORES")...)
	}),
	c("z", "ZRANGESTORE", func(g *Gen) []string {
		args := append([]string{g.key(), g.key()}, zrangeSpec(g)...)
		args = append(args, g.opt("REV")...)
		return append(args, g.opt("LIMIT", g.num(), g.num())...)
	}),
	c("z", "ZPOPMIN", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.num())...) }),
	c("z", "ZPOPMAX", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.num())...) }),
	c("z", "ZMPOP", func(g *Gen) []string { return mpopArgs(g, "MIN", "MAX") }),
	c("z", "ZINTERCARD", func(g *Gen) []string {
		ks := g.keys(3)
		return append(append([]string{g.pick(fmt.Sprint(len(ks)), fmt.Sprint(len(ks)), "0", "5")}, ks...), g.opt("LIMIT", g.num())...)
	}),
	c("z", "ZREMRANGEBYRANK", func(g *Gen) []string { return []string{g.key(), g.num(), g.num()} }),
	c("z", "ZREMRANGEBYSCORE", func(g *Gen) []string { return []string{g.key(), g.score(), g.score()} }),
	c("z", "ZREMRANGEBYLEX", func(g *Gen) []string { return []string{g.key(), g.lex(), g.lex()} }),
	c("z", "ZUNIONSTORE", func(g *Gen) []string { return zstoreArgs(g, true) }),
	c("z", "ZINTERSTORE", func(g *Gen) []string { return zstoreArgs(g, true) }),
	c("z", "ZDIFFSTORE", func(g *Gen) []string { return zstoreArgs(g, false) }),
	c("z", "ZUNION", func(g *Gen) []string { return zreadArgs(g, true) }),
	c("z", "ZINTER", func(g *Gen) []string { return zreadArgs(g, true) }),
	c("z", "ZDIFF", func(g *Gen) []string { return zreadArgs(g, false) }),
}

// zrangeSpec: a range of ZRANGE or ZRANGESTORE, by rank, score or lex.
func zrangeSpec(g *Gen) []string {
	switch g.r.IntN(3) {
	case 0:
		return []string{g.num(), g.num()}
	case 1:
		return []string{g.score(), g.score(), "BYSCORE"}
	}
	return []string{g.lex(), g.lex(), "BYLEX"}
}

// zreadArgs: numkeys key... [WEIGHTS w...] [AGGREGATE how] [WITHSCORES].
func zreadArgs(g *Gen, weighted bool) []string {
	return append(zstoreArgs(g, weighted)[1:], g.opt("WITHSCORES")...)
}

// scanOptions: cursor 0, then MATCH, COUNT and (for SCAN) TYPE, each now
// and then.
func scanOptions(g *Gen, typed bool) []string {
	args := []string{"0"}
	args = append(args, g.opt("MATCH", g.pick("*", "a*", "?", "*[a-c]*", "s*", "[hz]1", "\\*"))...)
	args = append(args, g.opt("COUNT", g.pick("1", "2", "10", "0", "-1"))...)
	if typed {
		args = append(args, g.opt("TYPE", g.pick("string", "list", "set", "zset", "hash", "nosuch", "STRING"))...)
	}
	return args
}

func cScan(typ, name string, gen func(g *Gen) []string) genCmd {
	cmd := c(typ, name, gen)
	cmd.mode = FullScan
	return cmd
}

// zstoreArgs: destination numkeys key... [WEIGHTS w...] [AGGREGATE how].
func zstoreArgs(g *Gen, weighted bool) []string {
	ks := g.keys(3)
	args := append([]string{g.key(), fmt.Sprint(len(ks))}, ks...)
	if weighted && g.r.IntN(3) == 0 {
		args = append(args, "WEIGHTS")
		for range ks {
			args = append(args, g.float())
		}
	}
	if weighted {
		args = append(args, g.opt("AGGREGATE", g.pick("SUM", "MIN", "MAX"))...)
	}
	return args
}

// Next returns a command for the first connection and how to compare its
// reply (for a generator without Watchers).
func (g *Gen) Next() ([]string, Mode) {
	c := g.Draw()
	return c.Args, c.Mode
}

// Draw returns the next command. One in ten is malformed (but none whose
// reply is not compared exactly): an argument dropped, one added, or one
// made non-numeric.
func (g *Gen) Draw() Cmd {
	if len(g.pending) > 0 {
		c := g.pending[0]
		g.pending = g.pending[1:]
		c.LexKey = lexKey(c.Args)
		return c
	}
	if !g.NoTransactions && g.r.IntN(40) == 0 {
		return Cmd{Args: g.transaction(), Mode: Exact}
	}
	if g.r.IntN(500) == 0 { // rarely, so that collections can grow
		return Cmd{Args: append([]string{"FLUSHDB"}, g.opt(g.pick("ASYNC", "SYNC"))...), Mode: Exact}
	}
	args, mode := g.draw()
	return Cmd{Args: args, Mode: mode, LexKey: lexKey(args)}
}

// draw returns one data command and how to compare its reply.
func (g *Gen) draw() ([]string, Mode) {
	cmds := commands
	if g.Random {
		cmds = withRandomReplies
	}
	cmd := cmds[g.r.IntN(len(cmds))]
	g.typ = cmd.typ
	args := cmd.gen(g)
	// Not the random commands: without its count, one answers at random.
	if g.r.IntN(10) == 0 && len(args) > 1 && cmd.mode != Sorted && cmd.mode != Random && !cmd.whole {
		switch i := 1 + g.r.IntN(len(args)-1); g.r.IntN(3) {
		case 0:
			args = append(args[:i:i], args[i+1:]...)
		case 1:
			args = append(args, g.pick("FOO", "1", "LIMIT"))
		default:
			args[i] = g.pick("x", "1.5", "-", "")
		}
	}
	return args, cmd.mode
}

// transaction returns MULTI (or, now and then, a misplaced EXEC, DISCARD
// or a WATCH first) and queues what follows: up to four commands, whose
// replies compare exactly inside EXEC's array (malformed ones abort it),
// and EXEC or DISCARD, sometimes with a nested MULTI or a WATCH inside.
// With Watchers, half the transactions begin with WATCH of one or two
// keys and up to three commands on the other connection.
func (g *Gen) transaction() []string {
	switch g.r.IntN(8) {
	case 0:
		return []string{g.pick("EXEC", "DISCARD")} // without MULTI: an error
	case 1:
		g.queue(Cmd{Args: []string{"UNWATCH"}})
		return []string{"WATCH", g.key()}
	}
	var watched []string
	if g.Watchers && g.r.IntN(2) == 0 {
		typ := g.pick("s", "h", "l", "t", "z")
		g.typ = typ
		watched = g.keys(2)
		for range g.r.IntN(4) {
			// Mostly a command on the watched keys' type, so that it may
			// change one of them (or leave it as it was).
			args := g.exact()
			for try := 0; try < 20 && g.typ != typ && g.r.IntN(5) != 0; try++ {
				args = g.exact()
			}
			g.queue(Cmd{Args: args, Mode: Exact, Other: true})
		}
		g.queue(Cmd{Args: []string{"MULTI"}})
	}
	for range g.r.IntN(5) {
		g.queue(Cmd{Args: g.exact(), Mode: Exact})
		if g.r.IntN(20) == 0 {
			g.queue(Cmd{Args: []string{g.pick("MULTI", "WATCH"), g.key()}[:1+g.r.IntN(2)]})
		}
	}
	g.queue(Cmd{Args: []string{g.pick("EXEC", "EXEC", "EXEC", "DISCARD")}})
	if watched != nil {
		return append([]string{"WATCH"}, watched...)
	}
	return []string{"MULTI"}
}

func (g *Gen) queue(c Cmd) { g.pending = append(g.pending, c) }

// exact draws a data command whose reply compares exactly, and no lex
// range: queued now, it runs later, on data Unspecified cannot see.
func (g *Gen) exact() []string {
	args, mode := g.draw()
	for mode != Exact || lexKey(args) != "" {
		args, mode = g.draw()
	}
	return args
}

// withRandomReplies is commands plus those whose replies are random.
var withRandomReplies = append(append([]genCmd(nil), commands...),
	cRandom("t", "SPOP", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.pick("1", "2", "5"))...) }),
	cRandom("t", "SRANDMEMBER", func(g *Gen) []string { return append([]string{g.key()}, g.opt(g.pick("2", "-3"))...) }),
	cRandom("h", "HRANDFIELD", func(g *Gen) []string {
		return append([]string{g.key()}, g.opt(g.pick("2", "-3"), "WITHVALUES")...)
	}),
	cRandom("z", "ZRANDMEMBER", func(g *Gen) []string {
		return append([]string{g.key()}, g.opt(g.pick("2", "-3"), "WITHSCORES")...)
	}),
	cRandom("", "RANDOMKEY", func(g *Gen) []string { return nil }),
)

func cRandom(typ, name string, gen func(g *Gen) []string) genCmd {
	cmd := c(typ, name, gen)
	cmd.mode = Random
	return cmd
}

// mpopArgs draws LMPOP's or ZMPOP's arguments: numkeys (now and then
// wrong), keys, a direction (now and then wrong), maybe a COUNT.
func mpopArgs(g *Gen, first, second string) []string {
	ks := g.keys(1 + g.r.IntN(3))
	args := append([]string{g.pick(fmt.Sprint(len(ks)), fmt.Sprint(len(ks)), fmt.Sprint(len(ks)), "0", "9")}, ks...)
	args = append(args, g.pick(first, second, first, second, "UP"))
	return append(args, g.opt("COUNT", g.num())...)
}
