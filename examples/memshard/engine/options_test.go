package engine

import (
	"fmt"
	"strconv"
	"testing"
)

// Redis compares option names with strcasecmp, so an option followed by a
// NUL and anything reads as the option itself; every family's options must
// agree with redis-server on that, in RESP2 and RESP3.
func TestOptions_NULTerminated(t *testing.T) {
	cmds := [][]string{
		{"HSET", "h", "f", "v"}, {"HSCAN", "h", "0", "MATCH\x00junk", "*"}, {"HSCAN", "h", "0", "COUNT\x00x", "10"},
		{"HRANDFIELD", "h", "1", "WITHVALUES\x00x"},
		{"SADD", "s", "a"}, {"SSCAN", "s", "0", "match\x00", "a"}, {"SINTERCARD", "1", "s", "LIMIT\x00x", "0"},
		{"RPUSH", "l", "a", "b"}, {"LINSERT", "l", "BEFORE\x00x", "b", "c"}, {"LPOS", "l", "b", "RANK\x00x", "1"},
		{"LMOVE", "l", "l2", "LEFT\x00x", "right\x00"}, {"LRANGE", "l2", "0", "-1"},
		{"ZADD", "z", "NX\x00junk", "1", "a"}, {"ZADD", "z", "ch\x00", "incr\x00", "2", "a"},
		{"ZRANGE", "z", "0", "-1", "WITHSCORES\x00x"}, {"ZRANGE", "z", "(0", "+inf", "BYSCORE\x00", "REV\x00"},
		{"ZRANGE", "z", "0", "-1", "REV\x00", "LIMIT\x00", "0", "1"},
		{"ZUNIONSTORE", "z2", "1", "z", "WEIGHTS\x00", "2", "AGGREGATE\x00", "MAX\x00x"}, {"ZRANGE", "z2", "0", "-1", "WITHSCORES"},
		{"ZPOPMIN", "z2", "1"}, {"ZRANDMEMBER", "z", "1", "WITHSCORES\x00"},
		{"SET", "k", "v", "PX\x00", "100000", "GET\x00"}, {"SCAN", "0", "TYPE\x00", "string"},
		{"EXPIRE", "k", "200", "GT\x00x"}, {"COPY", "k", "k2", "REPLACE\x00"},
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			h := newHarness(t)
			h.proto = proto
			h.redis.Do("HELLO", strconv.Itoa(proto))
			for _, argv := range cmds {
				h.diff(argv...)
			}
			h.checkReplica()
		})
	}
}
