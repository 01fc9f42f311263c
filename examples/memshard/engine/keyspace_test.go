package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Keyspace hits and misses (INFO stats keyspace_hits, keyspace_misses), as
// measured on redis-server 7.0.15 with the cases below. Redis counts in
// lookupKeyReadWithFlags: a hit when a read lookup finds the key, whatever
// its type (a WRONGTYPE reply follows), a miss when the key is missing or
// expired. What each command reads:
//
//	the key:
//	  GET STRLEN GETRANGE SUBSTR GETDEL GETSET GETEX, SET with GET
//	both keys, before any argument is parsed:
//	  LCS
//	the key, after the offset or bit argument is parsed:
//	  GETBIT BITPOS (BITCOUNT: before its range is)
//	each source in order, up to the first of a wrong type:
//	  BITOP
//	  TYPE TTL PTTL EXPIRETIME PEXPIRETIME (LOOKUP_NOTOUCH, not NOSTATS)
//	  HGET HMGET HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL HRANDFIELD HSCAN
//	  LLEN LRANGE LINDEX LPOS
//	  SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SSCAN
//	  ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE
//	  ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE
//	  ZRANDMEMBER ZSCAN
//	each key argument, a repeated one each time:
//	  EXISTS TOUCH MGET
//	each key in order, up to the first that is no HLL (counted, then
//	refused); PFMERGE's destination first, as a source:
//	  PFCOUNT PFMERGE
//	the source, never the destination:
//	  COPY ZRANGESTORE
//	each source in order, up to the first of a wrong type (counted, then
//	WRONGTYPE), never the destination:
//	  SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
//	  ZUNION ZUNIONSTORE ZINTER ZINTERSTORE ZDIFF ZDIFFSTORE ZINTERCARD
//	every key visited that passes MATCH (live: hit, expired: miss):
//	  SCAN with TYPE (SCAN without TYPE counts nothing)
//	nothing (lookupKeyWrite, or no lookup):
//	  SET SETNX SETEX PSETEX MSET MSETNX APPEND SETRANGE SETBIT PFADD
//	  INCR DECR INCRBY DECRBY INCRBYFLOAT
//	  DEL UNLINK RENAME RENAMENX EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST
//	  RANDOMKEY KEYS DBSIZE FLUSHDB FLUSHALL
//	  HSET HMSET HSETNX HDEL HINCRBY HINCRBYFLOAT
//	  BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP (cases that do not block)
//	  LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LMPOP LSET LINSERT LREM LTRIM LMOVE RPOPLPUSH
//	  SADD SREM SPOP SMOVE
//	  ZADD ZINCRBY ZREM ZPOPMIN ZPOPMAX ZMPOP ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
//
// An argument error found before the lookup counts nothing; one found after
// it counts the lookup: LINDEX's index, GETEX's expire time (not its
// option names), the options of HSCAN/SSCAN/ZSCAN (not the cursor; a
// missing key replies the empty scan before parsing them), the WEIGHTS and
// AGGREGATE of Z*STORE. A replayed effect (a replica applying the log)
// counts nothing; a client read served by a replica counts.
//
// keyspaceCases are the cases, by family: a command run on a fresh
// keyspace holding the fixture keys it names, and the hits and misses
// redis-server counted for it. The fixture keys are str, list, set, zset
// and hash (and str2, list2, ...) holding a value of that type, and
// xstr, xlist, ... (xstr2, ...) expired but not yet deleted; nokey, dst
// and new do not exist. SCAN, KEYS, RANDOMKEY, DBSIZE and FLUSH* get every
// fixture key.
var keyspaceCases = map[string][]keyspaceCase{
	"keys": {
		{"DEL str", 0, 0}, {"DEL nokey", 0, 0}, {"DEL xstr", 0, 0}, {"DEL str nokey xstr list", 0, 0},
		{"UNLINK str nokey xstr", 0, 0},
		{"EXISTS str", 1, 0}, {"EXISTS nokey", 0, 1}, {"EXISTS xstr", 0, 1}, {"EXISTS str nokey xstr str list", 3, 2},
		{"EXISTS xhash hash", 1, 1},
		{"TOUCH str nokey xstr list", 2, 2}, {"TOUCH xlist list2", 1, 1},
		{"TYPE str", 1, 0}, {"TYPE nokey", 0, 1}, {"TYPE xstr", 0, 1}, {"TYPE zset", 1, 0}, {"TYPE xzset", 0, 1},
		{"RENAME str new", 0, 0}, {"RENAME nokey new", 0, 0}, {"RENAME xstr new", 0, 0}, {"RENAME str list", 0, 0},
		{"RENAME str xlist", 0, 0}, {"RENAME str str", 0, 0},
		{"RENAMENX str list", 0, 0}, {"RENAMENX str new", 0, 0}, {"RENAMENX nokey new", 0, 0}, {"RENAMENX str str", 0, 0},
		{"COPY str new", 1, 0}, {"COPY nokey new", 0, 1}, {"COPY xstr new", 0, 1}, {"COPY str list", 1, 0},
		{"COPY str list REPLACE", 1, 0}, {"COPY str xlist", 1, 0}, {"COPY str str", 0, 0}, {"COPY str new DB 0", 1, 0},
		{"DUMP str", 1, 0}, {"DUMP nokey", 0, 1}, {"DUMP xstr", 0, 1}, {"DUMP list", 1, 0},
		{"RESTORE str 0 x", 0, 0}, {"RESTORE nokey 0 x", 0, 0}, {"RESTORE xstr 0 x", 0, 0}, {"RESTORE str 0 x REPLACE", 0, 0},
		{"RESTORE-ASKING str 0 x", 0, 0}, {"RESTORE-ASKING nokey -1 x", 0, 0},
		// No target listens on port 1: the keys are looked up first.
		{"MIGRATE 127.0.0.1 1 str 0 10", 1, 0}, {"MIGRATE 127.0.0.1 1 nokey 0 10", 0, 1}, {"MIGRATE 127.0.0.1 1 xstr 0 10", 0, 1},
		{"COPY str new DB 99", 0, 0}, {"COPY str new BADOPT", 0, 0}, {"COPY str xstr", 1, 0},
		{"COPY xstr str REPLACE", 0, 1},
		{"RANDOMKEY", 0, 0},
		{"DBSIZE", 0, 0},
		{"FLUSHDB", 0, 0},
		{"FLUSHALL", 0, 0},
		{"KEYS *", 0, 0}, {"KEYS x*", 0, 0},
		{"SCAN 0", 0, 0}, {"SCAN 0 TYPE string COUNT 1000", 10, 10}, {"SCAN 0 TYPE hash COUNT 1000", 10, 10},
		{"SCAN 0 MATCH *str* TYPE string COUNT 1000", 2, 2}, {"SCAN 0 MATCH x* COUNT 1000", 0, 0},
		{"SCAN 0 TYPE none COUNT 1000", 10, 10}, {"SCAN 0 TYPE string COUNT 0", 0, 0},
		{"EXPIRE str 100", 0, 0}, {"EXPIRE nokey 100", 0, 0}, {"EXPIRE xstr 100", 0, 0}, {"EXPIRE str 100 NX", 0, 0},
		{"EXPIRE str abc", 0, 0}, {"EXPIRE str -1", 0, 0},
		{"PEXPIRE str 100000", 0, 0},
		{"EXPIREAT str 99999999999", 0, 0},
		{"PEXPIREAT str 99999999999999", 0, 0},
		{"TTL str", 1, 0}, {"TTL nokey", 0, 1}, {"TTL xstr", 0, 1},
		{"PTTL str", 1, 0}, {"PTTL nokey", 0, 1},
		{"EXPIRETIME str", 1, 0}, {"EXPIRETIME xstr", 0, 1},
		{"PEXPIRETIME nokey", 0, 1},
		{"PERSIST str", 0, 0}, {"PERSIST nokey", 0, 0}, {"PERSIST xstr", 0, 0},
	},
	"one database": {
		{"MOVE str 0", 0, 0}, {"MOVE nokey 0", 0, 0}, {"MOVE str x", 0, 0}, {"SWAPDB 0 0", 0, 0}, {"SWAPDB x 0", 0, 0},
	},
	"memory": {
		{"MEMORY USAGE str", 0, 0}, {"MEMORY USAGE nokey", 0, 0}, {"MEMORY USAGE xstr", 0, 0}, {"MEMORY USAGE zset SAMPLES 0", 0, 0},
		{"MEMORY USAGE hash SAMPLES x", 0, 0}, {"MEMORY USAGE list FOO", 0, 0}, {"MEMORY USAGE set SAMPLES -1", 0, 0},
		{"MEMORY HELP", 0, 0}, {"MEMORY PURGE", 0, 0}, {"MEMORY MALLOC-STATS", 0, 0}, {"MEMORY USAGE", 0, 0},
	},
	"object": {
		{"OBJECT ENCODING str", 1, 0}, {"OBJECT ENCODING nokey", 0, 1}, {"OBJECT ENCODING xstr", 0, 1},
		{"OBJECT ENCODING list", 1, 0}, {"OBJECT ENCODING set", 1, 0}, {"OBJECT ENCODING zset", 1, 0},
		{"OBJECT ENCODING hash", 1, 0}, {"OBJECT REFCOUNT str", 1, 0}, {"OBJECT REFCOUNT hash", 1, 0},
		{"OBJECT REFCOUNT nokey", 0, 1}, {"OBJECT IDLETIME zset", 1, 0}, {"OBJECT IDLETIME xset", 0, 1},
		{"OBJECT FREQ str", 1, 0}, {"OBJECT FREQ nokey", 0, 1}, {"OBJECT HELP", 0, 0}, {"OBJECT help str", 0, 0},
		{"OBJECT FOO str", 0, 0}, {"OBJECT ENCODING", 0, 0}, {"OBJECT ENCODING str str", 0, 0}, {"OBJECT", 0, 0},
	},
	"strings": {
		{"GET str", 1, 0}, {"GET nokey", 0, 1}, {"GET xstr", 0, 1}, {"GET list", 1, 0},
		{"SET str v", 0, 0}, {"SET nokey v", 0, 0}, {"SET xstr v", 0, 0}, {"SET list v", 0, 0}, {"SET str v NX", 0, 0},
		{"SET str v XX", 0, 0}, {"SET nokey v XX", 0, 0}, {"SET str v GET", 1, 0}, {"SET nokey v GET", 0, 1},
		{"SET xstr v GET", 0, 1}, {"SET list v GET", 1, 0}, {"SET str v NX GET", 1, 0}, {"SET nokey v XX GET", 0, 1},
		{"SET str v BADOPT GET", 0, 0}, {"SET str v GET EX 0", 0, 0}, {"SET nokey v GET PX abc", 0, 0},
		{"SET xstr v NX GET", 0, 1}, {"SET list v NX GET", 1, 0},
		{"SETNX str v", 0, 0}, {"SETNX nokey v", 0, 0},
		{"SETEX str 100 v", 0, 0},
		{"PSETEX str 100 v", 0, 0},
		{"MGET str nokey xstr list str", 3, 2}, {"MGET str str", 2, 0}, {"MGET xstr", 0, 1},
		{"MSET str 1 nokey 2", 0, 0},
		{"MSETNX str 1 nokey 2", 0, 0}, {"MSETNX nokey 1 nokey2 2", 0, 0}, {"MSETNX xstr 1 nokey 2", 0, 0},
		{"APPEND str x", 0, 0}, {"APPEND nokey x", 0, 0}, {"APPEND list x", 0, 0},
		{"STRLEN str", 1, 0}, {"STRLEN nokey", 0, 1}, {"STRLEN xstr", 0, 1}, {"STRLEN list", 1, 0},
		{"GETRANGE str 0 -1", 1, 0}, {"GETRANGE nokey 0 -1", 0, 1}, {"GETRANGE xstr 0 1", 0, 1},
		{"GETRANGE list 0 1", 1, 0}, {"GETRANGE str a 1", 0, 0},
		{"GETBIT str 3", 1, 0}, {"GETBIT nokey 3", 0, 1}, {"GETBIT xstr 3", 0, 1}, {"GETBIT list 3", 1, 0}, {"GETBIT str x", 0, 0},
		{"SETBIT str 3 1", 0, 0}, {"SETBIT nokey 3 1", 0, 0}, {"SETBIT list 3 1", 0, 0},
		{"BITCOUNT str", 1, 0}, {"BITCOUNT nokey x y", 0, 1}, {"BITCOUNT str x y", 1, 0}, {"BITCOUNT list", 1, 0}, {"BITCOUNT xstr", 0, 1},
		{"BITPOS str 1", 1, 0}, {"BITPOS nokey 0", 0, 1}, {"BITPOS str 2", 0, 0}, {"BITPOS list 1", 1, 0}, {"BITPOS str 1 x", 1, 0},
		{"BITOP AND dst str str2", 2, 0}, {"BITOP OR dst nokey str", 1, 1}, {"BITOP XOR dst str list str2", 2, 0}, {"BITOP NOT dst str str2", 0, 0},
		{"LCS str str2", 2, 0}, {"LCS str nokey", 1, 1}, {"LCS xstr list", 1, 1}, {"LCS str str2 FOO", 2, 0}, {"LCS str str2 LEN IDX", 2, 0},
		{"SUBSTR str 0 -1", 1, 0},
		{"SETRANGE str 1 x", 0, 0}, {"SETRANGE nokey 1 x", 0, 0}, {"SETRANGE list 1 x", 0, 0},
		{"GETDEL str", 1, 0}, {"GETDEL nokey", 0, 1}, {"GETDEL xstr", 0, 1}, {"GETDEL list", 1, 0},
		{"GETEX str", 1, 0}, {"GETEX nokey", 0, 1}, {"GETEX xstr", 0, 1}, {"GETEX list", 1, 0}, {"GETEX str EX 100", 1, 0},
		{"GETEX str PERSIST", 1, 0}, {"GETEX str BADOPT", 0, 0}, {"GETEX nokey EX 100", 0, 1}, {"GETEX str EX abc", 1, 0},
		{"GETEX xstr PERSIST", 0, 1}, {"GETEX nokey EX 0", 0, 1}, {"GETEX str EX 0", 1, 0}, {"GETEX str PXAT 1", 1, 0},
		{"GETSET str v", 1, 0}, {"GETSET nokey v", 0, 1}, {"GETSET xstr v", 0, 1}, {"GETSET list v", 1, 0},
		{"INCR str", 0, 0}, {"INCR nokey", 0, 0}, {"INCR list", 0, 0}, {"INCR xstr", 0, 0},
		{"DECR str", 0, 0},
		{"INCRBY str 3", 0, 0},
		{"DECRBY str 3", 0, 0},
		{"INCRBYFLOAT str 1.5", 0, 0}, {"INCRBYFLOAT nokey 1.5", 0, 0}, {"INCRBYFLOAT list 1.5", 0, 0},
	},
	"hashes": {
		{"HSET hash f v", 0, 0}, {"HSET nokey f v", 0, 0}, {"HSET str f v", 0, 0}, {"HSET xhash f v", 0, 0},
		{"HMSET hash f v", 0, 0},
		{"HSETNX hash f v", 0, 0}, {"HSETNX nokey f v", 0, 0},
		{"HGET hash f", 1, 0}, {"HGET hash nof", 1, 0}, {"HGET nokey f", 0, 1}, {"HGET xhash f", 0, 1},
		{"HGET str f", 1, 0},
		{"HMGET hash f g x", 1, 0}, {"HMGET nokey f g", 0, 1}, {"HMGET str f", 1, 0}, {"HMGET xhash f", 0, 1},
		{"HDEL hash f", 0, 0}, {"HDEL nokey f", 0, 0}, {"HDEL str f", 0, 0},
		{"HEXISTS hash f", 1, 0}, {"HEXISTS hash x", 1, 0}, {"HEXISTS nokey f", 0, 1}, {"HEXISTS str f", 1, 0},
		{"HEXISTS xhash f", 0, 1},
		{"HLEN hash", 1, 0}, {"HLEN nokey", 0, 1}, {"HLEN xhash", 0, 1}, {"HLEN str", 1, 0},
		{"HSTRLEN hash f", 1, 0}, {"HSTRLEN nokey f", 0, 1}, {"HSTRLEN str f", 1, 0}, {"HSTRLEN xhash f", 0, 1},
		{"HKEYS hash", 1, 0}, {"HKEYS nokey", 0, 1}, {"HKEYS str", 1, 0}, {"HKEYS xhash", 0, 1},
		{"HVALS hash", 1, 0}, {"HVALS nokey", 0, 1}, {"HVALS xhash", 0, 1},
		{"HGETALL hash", 1, 0}, {"HGETALL nokey", 0, 1}, {"HGETALL xhash", 0, 1}, {"HGETALL str", 1, 0},
		{"HINCRBY hash f 1", 0, 0}, {"HINCRBY nokey f 1", 0, 0}, {"HINCRBY str f 1", 0, 0}, {"HINCRBY hash f x", 0, 0},
		{"HINCRBYFLOAT hash f 1.5", 0, 0}, {"HINCRBYFLOAT nokey f 1.5", 0, 0}, {"HINCRBYFLOAT hash f x", 0, 0},
		{"HRANDFIELD hash", 1, 0}, {"HRANDFIELD nokey", 0, 1}, {"HRANDFIELD str", 1, 0}, {"HRANDFIELD hash 2", 1, 0},
		{"HRANDFIELD nokey 2", 0, 1}, {"HRANDFIELD hash 2 WITHVALUES", 1, 0}, {"HRANDFIELD hash x", 0, 0},
		{"HRANDFIELD hash 2 BAD", 0, 0}, {"HRANDFIELD nokey x", 0, 0}, {"HRANDFIELD xhash -3", 0, 1},
		{"HRANDFIELD xhash", 0, 1},
		{"HSCAN hash 0", 1, 0}, {"HSCAN nokey 0", 0, 1}, {"HSCAN str 0", 1, 0}, {"HSCAN xhash 0", 0, 1},
		{"HSCAN hash x", 0, 0}, {"HSCAN nokey x", 0, 0}, {"HSCAN hash 0 BAD", 1, 0}, {"HSCAN nokey 0 BAD", 0, 1},
		{"HSCAN hash 0 MATCH *", 1, 0}, {"HSCAN xhash 0 BAD", 0, 1},
	},
	"lists": {
		{"LPUSH list x", 0, 0}, {"LPUSH nokey x", 0, 0}, {"LPUSH str x", 0, 0},
		{"RPUSH list x", 0, 0},
		{"LPUSHX list x", 0, 0}, {"LPUSHX nokey x", 0, 0}, {"LPUSHX str x", 0, 0},
		{"RPUSHX nokey x", 0, 0},
		{"LPOP list", 0, 0}, {"LPOP nokey", 0, 0}, {"LPOP str", 0, 0}, {"LPOP xlist", 0, 0}, {"LPOP list 2", 0, 0},
		{"LPOP list x", 0, 0}, {"LPOP nokey x", 0, 0},
		{"BLPOP nokey list 0", 0, 0}, {"BRPOP str 0", 0, 0}, {"BLPOP xlist list 1", 0, 0}, {"BLPOP list x", 0, 0},
		{"BLMOVE list dst LEFT RIGHT 0", 0, 0}, {"BLMOVE list str LEFT RIGHT 0", 0, 0}, {"BRPOPLPUSH list list2 0", 0, 0},
		{"BLMPOP 0 2 nokey list LEFT", 0, 0}, {"BLMPOP 0 1 str LEFT", 0, 0}, {"BLMPOP 0 2 xlist list RIGHT COUNT 2", 0, 0},
		{"LMPOP 2 nokey list LEFT", 0, 0}, {"LMPOP 1 str LEFT", 0, 0}, {"LMPOP 2 xlist list RIGHT COUNT 2", 0, 0}, {"LMPOP 1 list UP", 0, 0},
		{"RPOP list", 0, 0}, {"RPOP nokey 2", 0, 0},
		{"LLEN list", 1, 0}, {"LLEN nokey", 0, 1}, {"LLEN xlist", 0, 1}, {"LLEN str", 1, 0},
		{"LRANGE list 0 -1", 1, 0}, {"LRANGE nokey 0 -1", 0, 1}, {"LRANGE str 0 -1", 1, 0}, {"LRANGE list x 1", 0, 0},
		{"LRANGE nokey x 1", 0, 0}, {"LRANGE xlist 0 -1", 0, 1},
		{"LINDEX list 0", 1, 0}, {"LINDEX nokey 0", 0, 1}, {"LINDEX str 0", 1, 0}, {"LINDEX list x", 1, 0},
		{"LINDEX nokey x", 0, 1}, {"LINDEX xlist 0", 0, 1},
		{"LSET list 0 v", 0, 0}, {"LSET nokey 0 v", 0, 0}, {"LSET str 0 v", 0, 0}, {"LSET list x v", 0, 0},
		{"LINSERT list BEFORE a v", 0, 0}, {"LINSERT nokey BEFORE a v", 0, 0}, {"LINSERT str BEFORE a v", 0, 0},
		{"LINSERT list BAD a v", 0, 0},
		{"LREM list 0 a", 0, 0}, {"LREM nokey 0 a", 0, 0}, {"LREM str 0 a", 0, 0}, {"LREM list x a", 0, 0},
		{"LTRIM list 0 0", 0, 0}, {"LTRIM nokey 0 0", 0, 0}, {"LTRIM str 0 0", 0, 0},
		{"LPOS list a", 1, 0}, {"LPOS nokey a", 0, 1}, {"LPOS str a", 1, 0}, {"LPOS xlist a", 0, 1},
		{"LPOS list a RANK 0", 0, 0}, {"LPOS nokey a RANK 0", 0, 0}, {"LPOS list a COUNT 0", 1, 0},
		{"LPOS list a BAD", 0, 0}, {"LPOS list a RANK -1 COUNT 2 MAXLEN 5", 1, 0},
		{"LMOVE list list2 LEFT RIGHT", 0, 0}, {"LMOVE nokey list2 LEFT RIGHT", 0, 0},
		{"LMOVE list nokey LEFT RIGHT", 0, 0}, {"LMOVE list str LEFT RIGHT", 0, 0}, {"LMOVE str list LEFT RIGHT", 0, 0},
		{"LMOVE xlist list LEFT RIGHT", 0, 0}, {"LMOVE list list2 BAD RIGHT", 0, 0}, {"LMOVE list list LEFT RIGHT", 0, 0},
		{"RPOPLPUSH list list2", 0, 0}, {"RPOPLPUSH nokey list2", 0, 0}, {"RPOPLPUSH list str", 0, 0},
	},
	"sets": {
		{"SADD set x", 0, 0}, {"SADD nokey x", 0, 0}, {"SADD str x", 0, 0},
		{"SREM set a", 0, 0}, {"SREM nokey a", 0, 0}, {"SREM str a", 0, 0},
		{"SCARD set", 1, 0}, {"SCARD nokey", 0, 1}, {"SCARD xset", 0, 1}, {"SCARD str", 1, 0},
		{"SISMEMBER set a", 1, 0}, {"SISMEMBER set z", 1, 0}, {"SISMEMBER nokey a", 0, 1}, {"SISMEMBER str a", 1, 0},
		{"SISMEMBER xset a", 0, 1},
		{"SMISMEMBER set a z", 1, 0}, {"SMISMEMBER nokey a", 0, 1}, {"SMISMEMBER str a", 1, 0},
		{"SMISMEMBER xset a", 0, 1},
		{"SMEMBERS set", 1, 0}, {"SMEMBERS nokey", 0, 1}, {"SMEMBERS xset", 0, 1}, {"SMEMBERS str", 1, 0},
		{"SPOP set", 0, 0}, {"SPOP nokey", 0, 0}, {"SPOP str", 0, 0}, {"SPOP set 1", 0, 0}, {"SPOP nokey 1", 0, 0},
		{"SPOP set x", 0, 0},
		{"SRANDMEMBER set", 1, 0}, {"SRANDMEMBER nokey", 0, 1}, {"SRANDMEMBER str", 1, 0}, {"SRANDMEMBER set 2", 1, 0},
		{"SRANDMEMBER nokey 2", 0, 1}, {"SRANDMEMBER set x", 0, 0}, {"SRANDMEMBER xset -2", 0, 1},
		{"SRANDMEMBER xset", 0, 1},
		{"SMOVE set set2 a", 0, 0}, {"SMOVE nokey set2 a", 0, 0}, {"SMOVE set nokey a", 0, 0}, {"SMOVE set str a", 0, 0},
		{"SMOVE str set a", 0, 0}, {"SMOVE set set a", 0, 0}, {"SMOVE set set2 zz", 0, 0},
		{"SINTER set set2", 2, 0}, {"SINTER set nokey set2", 2, 1}, {"SINTER nokey set set2", 2, 1},
		{"SINTER set str set2", 2, 0}, {"SINTER set xset set2", 2, 1}, {"SINTER nokey str set", 1, 1},
		{"SINTER set", 1, 0}, {"SINTER set set", 2, 0},
		{"SINTERSTORE dst set set2", 2, 0}, {"SINTERSTORE dst nokey set", 1, 1}, {"SINTERSTORE dst set str set2", 2, 0},
		{"SINTERSTORE set set set2", 2, 0}, {"SINTERSTORE set2 nokey", 0, 1}, {"SINTERSTORE str set", 1, 0},
		{"SINTERCARD 2 set set2", 2, 0}, {"SINTERCARD 2 nokey set", 1, 1}, {"SINTERCARD 3 set str set2", 2, 0},
		{"SINTERCARD 2 set set2 LIMIT 1", 2, 0}, {"SINTERCARD 2 set set2 LIMIT x", 0, 0}, {"SINTERCARD 0 set", 0, 0},
		{"SINTERCARD 3 set set2", 0, 0}, {"SINTERCARD x set", 0, 0}, {"SINTERCARD 2 xset set", 1, 1},
		{"SUNION set set2", 2, 0}, {"SUNION set nokey xset", 1, 2}, {"SUNION set str set2", 2, 0},
		{"SUNION str set", 1, 0},
		{"SUNIONSTORE dst set nokey", 1, 1}, {"SUNIONSTORE dst set str", 2, 0}, {"SUNIONSTORE str set", 1, 0},
		{"SUNIONSTORE dst xset", 0, 1},
		{"SDIFF set set2", 2, 0}, {"SDIFF set nokey xset", 1, 2}, {"SDIFF nokey set set2", 2, 1},
		{"SDIFF set str set2", 2, 0}, {"SDIFF str set", 1, 0},
		{"SDIFFSTORE dst set set2", 2, 0}, {"SDIFFSTORE dst nokey set", 1, 1}, {"SDIFFSTORE dst set str set2", 2, 0},
		{"SSCAN set 0", 1, 0}, {"SSCAN nokey 0", 0, 1}, {"SSCAN str 0", 1, 0}, {"SSCAN set x", 0, 0},
		{"SSCAN set 0 COUNT 0", 1, 0}, {"SSCAN nokey 0 COUNT 0", 0, 1}, {"SSCAN xset 0", 0, 1},
	},
	"zsets": {
		{"ZADD zset 1 x", 0, 0}, {"ZADD nokey 1 x", 0, 0}, {"ZADD str 1 x", 0, 0}, {"ZADD zset XX 1 x", 0, 0},
		{"ZADD zset bad x", 0, 0},
		{"ZINCRBY zset 1 a", 0, 0}, {"ZINCRBY nokey 1 a", 0, 0},
		{"ZREM zset a", 0, 0}, {"ZREM nokey a", 0, 0}, {"ZREM str a", 0, 0},
		{"ZCARD zset", 1, 0}, {"ZCARD nokey", 0, 1}, {"ZCARD xzset", 0, 1}, {"ZCARD str", 1, 0},
		{"ZCOUNT zset 0 10", 1, 0}, {"ZCOUNT nokey 0 10", 0, 1}, {"ZCOUNT str 0 10", 1, 0}, {"ZCOUNT zset x 10", 0, 0},
		{"ZCOUNT nokey x 10", 0, 0}, {"ZCOUNT xzset 0 1", 0, 1},
		{"ZLEXCOUNT zset - +", 1, 0}, {"ZLEXCOUNT nokey - +", 0, 1}, {"ZLEXCOUNT zset x +", 0, 0},
		{"ZLEXCOUNT nokey x +", 0, 0}, {"ZLEXCOUNT xzset - +", 0, 1},
		{"ZSCORE zset a", 1, 0}, {"ZSCORE zset x", 1, 0}, {"ZSCORE nokey a", 0, 1}, {"ZSCORE str a", 1, 0},
		{"ZSCORE xzset a", 0, 1},
		{"ZMSCORE zset a x", 1, 0}, {"ZMSCORE nokey a", 0, 1}, {"ZMSCORE str a", 1, 0}, {"ZMSCORE xzset a", 0, 1},
		{"ZRANK zset a", 1, 0}, {"ZRANK nokey a", 0, 1}, {"ZRANK str a", 1, 0}, {"ZRANK xzset a", 0, 1},
		{"ZREVRANK zset a", 1, 0}, {"ZREVRANK nokey a", 0, 1},
		{"ZRANGE zset 0 -1", 1, 0}, {"ZRANGE nokey 0 -1", 0, 1}, {"ZRANGE str 0 -1", 1, 0}, {"ZRANGE xzset 0 -1", 0, 1},
		{"ZRANGE zset x -1", 0, 0}, {"ZRANGE nokey x -1", 0, 0}, {"ZRANGE zset 0 -1 BAD", 0, 0},
		{"ZRANGE zset 0 -1 BYSCORE", 1, 0}, {"ZRANGE zset (a +inf BYSCORE", 0, 0}, {"ZRANGE zset - + BYLEX", 1, 0},
		{"ZRANGE nokey - + BYLEX", 0, 1}, {"ZRANGE zset a b BYLEX", 0, 0}, {"ZRANGE zset 0 -1 REV WITHSCORES", 1, 0},
		{"ZRANGE zset 0 -1 LIMIT 0 1", 0, 0}, {"ZRANGE zset 0 -1 BYSCORE LIMIT 0 1", 1, 0},
		{"ZRANGE zset 0 10 BYSCORE LIMIT x 1", 0, 0}, {"ZRANGE zset 0 -1 WITHSCORES BYLEX", 0, 0},
		{"ZRANGEBYSCORE zset 0 10", 1, 0}, {"ZRANGEBYSCORE nokey 0 10", 0, 1}, {"ZRANGEBYSCORE str 0 10", 1, 0},
		{"ZRANGEBYSCORE zset x 10", 0, 0}, {"ZRANGEBYSCORE xzset 0 10", 0, 1},
		{"ZREVRANGEBYSCORE zset 10 0", 1, 0},
		{"ZRANGEBYLEX zset - +", 1, 0}, {"ZRANGEBYLEX nokey - +", 0, 1}, {"ZRANGEBYLEX zset x +", 0, 0},
		{"ZREVRANGEBYLEX zset + -", 1, 0},
		{"ZREVRANGE zset 0 -1", 1, 0}, {"ZREVRANGE nokey 0 -1", 0, 1},
		{"ZRANGESTORE dst zset 0 -1", 1, 0}, {"ZRANGESTORE dst nokey 0 -1", 0, 1}, {"ZRANGESTORE dst str 0 -1", 1, 0},
		{"ZRANGESTORE dst xzset 0 -1", 0, 1}, {"ZRANGESTORE str zset 0 -1", 1, 0}, {"ZRANGESTORE dst zset x -1", 0, 0},
		{"ZRANGESTORE zset zset 0 0", 1, 0}, {"ZRANGESTORE dst zset 5 10", 1, 0},
		{"ZRANGESTORE dst zset 0 -1 WITHSCORES", 0, 0},
		{"BZPOPMIN nokey zset 0", 0, 0}, {"BZPOPMAX zset 0", 0, 0}, {"BZPOPMIN str 0", 0, 0}, {"BZPOPMAX xzset zset 0", 0, 0},
		{"BZMPOP 0 2 nokey zset MIN", 0, 0}, {"BZMPOP 0 1 str MAX", 0, 0}, {"BZMPOP 0 2 xzset zset MAX COUNT 3", 0, 0},
		{"ZMPOP 2 nokey zset MIN", 0, 0}, {"ZMPOP 1 str MAX", 0, 0}, {"ZMPOP 2 xzset zset MAX COUNT 3", 0, 0},
		{"ZINTERCARD 2 zset zset2", 2, 0}, {"ZINTERCARD 2 nokey zset", 1, 1}, {"ZINTERCARD 3 zset str zset2", 2, 0},
		{"ZINTERCARD 2 zset zset2 LIMIT x", 2, 0}, {"ZINTERCARD 0 zset", 0, 0}, {"ZINTERCARD 2 xzset set", 1, 1},
		{"ZPOPMIN zset", 0, 0}, {"ZPOPMIN nokey", 0, 0}, {"ZPOPMIN str", 0, 0}, {"ZPOPMIN zset 1", 0, 0},
		{"ZPOPMIN zset x", 0, 0},
		{"ZPOPMAX zset", 0, 0}, {"ZPOPMAX nokey 2", 0, 0},
		{"ZREMRANGEBYRANK zset 0 0", 0, 0}, {"ZREMRANGEBYRANK nokey 0 0", 0, 0}, {"ZREMRANGEBYRANK str 0 0", 0, 0},
		{"ZREMRANGEBYSCORE zset 0 1", 0, 0}, {"ZREMRANGEBYSCORE nokey 0 1", 0, 0},
		{"ZREMRANGEBYLEX zset - +", 0, 0}, {"ZREMRANGEBYLEX nokey - +", 0, 0}, {"ZREMRANGEBYLEX zset x +", 0, 0},
		{"ZUNIONSTORE dst 2 zset zset2", 2, 0}, {"ZUNIONSTORE dst 3 zset nokey xzset", 1, 2},
		{"ZUNIONSTORE dst 2 zset set", 2, 0}, {"ZUNIONSTORE dst 3 zset str zset2", 2, 0},
		{"ZUNIONSTORE dst 2 str zset", 1, 0}, {"ZUNIONSTORE str 1 zset", 1, 0},
		{"ZUNIONSTORE dst 2 zset zset2 WEIGHTS 1 x", 2, 0}, {"ZUNIONSTORE dst 2 zset zset2 BAD", 2, 0},
		{"ZUNIONSTORE dst 3 zset zset2", 0, 0}, {"ZUNIONSTORE dst 0 zset", 0, 0},
		{"ZUNIONSTORE dst 2 zset zset2 AGGREGATE MAX", 2, 0}, {"ZUNIONSTORE dst 1 xzset", 0, 1},
		{"ZINTERSTORE dst 2 zset zset2", 2, 0}, {"ZINTERSTORE dst 2 nokey zset", 1, 1},
		{"ZINTERSTORE dst 3 zset str zset2", 2, 0}, {"ZINTERSTORE dst 2 zset xzset", 1, 1},
		{"ZDIFFSTORE dst 2 zset zset2", 2, 0}, {"ZDIFFSTORE dst 2 nokey zset", 1, 1},
		{"ZDIFFSTORE dst 3 zset nokey zset2", 2, 1}, {"ZDIFFSTORE dst 3 zset str zset2", 2, 0},
		{"ZDIFFSTORE dst 2 zset zset2 WEIGHTS 1 1", 2, 0},
		{"ZUNION 2 zset zset2", 2, 0}, {"ZUNION 3 zset nokey xzset", 1, 2}, {"ZUNION 3 zset str zset2", 2, 0},
		{"ZUNION 2 zset zset2 WITHSCORES", 2, 0}, {"ZUNION 2 zset set", 2, 0},
		{"ZINTER 2 zset zset2", 2, 0}, {"ZINTER 2 nokey zset", 1, 1}, {"ZINTER 3 zset str zset2", 2, 0},
		{"ZINTER 2 zset zset", 2, 0},
		{"ZDIFF 2 zset zset2", 2, 0}, {"ZDIFF 2 nokey zset", 1, 1}, {"ZDIFF 3 zset nokey zset2", 2, 1},
		{"ZDIFF 3 zset str zset2", 2, 0}, {"ZDIFF 2 zset zset2 WITHSCORES", 2, 0},
		{"ZRANDMEMBER zset", 1, 0}, {"ZRANDMEMBER nokey", 0, 1}, {"ZRANDMEMBER str", 1, 0}, {"ZRANDMEMBER zset 2", 1, 0},
		{"ZRANDMEMBER nokey 2", 0, 1}, {"ZRANDMEMBER zset x", 0, 0}, {"ZRANDMEMBER zset 2 WITHSCORES", 1, 0},
		{"ZRANDMEMBER zset 2 BAD", 0, 0}, {"ZRANDMEMBER xzset -2", 0, 1}, {"ZRANDMEMBER xzset", 0, 1},
		{"ZSCAN zset 0", 1, 0}, {"ZSCAN nokey 0", 0, 1}, {"ZSCAN str 0", 1, 0}, {"ZSCAN zset x", 0, 0},
		{"ZSCAN zset 0 BAD", 1, 0}, {"ZSCAN nokey 0 BAD", 0, 1}, {"ZSCAN xzset 0", 0, 1},
	},
	"hll": {
		{"PFADD str a", 0, 0}, {"PFADD nokey a", 0, 0}, {"PFADD list a", 0, 0}, {"PFADD xstr a", 0, 0}, {"PFADD nokey", 0, 0},
		{"PFCOUNT str", 1, 0}, {"PFCOUNT nokey", 0, 1}, {"PFCOUNT xstr", 0, 1}, {"PFCOUNT list", 1, 0},
		{"PFCOUNT nokey dst", 0, 2}, {"PFCOUNT nokey str list", 1, 1}, {"PFCOUNT list str", 1, 0}, {"PFCOUNT xstr nokey", 0, 2},
		{"PFMERGE dst nokey", 0, 2}, {"PFMERGE dst", 0, 1}, {"PFMERGE dst str", 1, 1}, {"PFMERGE str", 1, 0},
		{"PFMERGE dst xstr nokey", 0, 3}, {"PFMERGE dst list nokey", 1, 1}, {"PFMERGE xstr nokey", 0, 2}, {"PFMERGE list", 1, 0},
		{"PFDEBUG ENCODING str", 0, 0}, {"PFDEBUG ENCODING nokey", 0, 0}, {"PFDEBUG GETREG xstr", 0, 0}, {"PFDEBUG TODENSE list", 0, 0},
	},
}

// keyspaceCase is one command and the keyspace hits and misses
// redis-server 7.0.15 counts for it.
type keyspaceCase struct {
	cmd          string
	hits, misses uint64
}

// keyspaceFixture is how each fixture key is made (see keyspaceCases).
var keyspaceFixture = map[string][]string{
	TypeString: {"SET", "5"},
	TypeList:   {"RPUSH", "a", "b"},
	TypeSet:    {"SADD", "a", "b"},
	TypeZSet:   {"ZADD", "1", "a", "2", "b"},
	TypeHash:   {"HSET", "f", "1", "g", "2"},
}

// keyspaceFixtureKey returns the type of a fixture key's value and whether
// it is expired; ok is false for a name that is no fixture key.
func keyspaceFixtureKey(name string) (typ string, expired, ok bool) {
	expired = strings.HasPrefix(name, "x")
	base := strings.TrimSuffix(strings.TrimPrefix(name, "x"), "2")
	if base == "str" {
		base = TypeString
	}
	_, ok = keyspaceFixture[base]
	return base, expired, ok
}

// TestKeyspaceStats runs every case on the engine and on redis-server and
// compares the keyspace hits and misses each counted with the table: every
// command of the engine, with hit, miss, wrong-type and expired-key cases.
// The replica, which replays the primary's effects, must count nothing.
func TestKeyspaceStats(t *testing.T) {
	covered := make(map[string]bool)
	for family, cases := range keyspaceCases {
		t.Run(family, func(t *testing.T) {
			h := newHarness(t)
			if family == "cluster" {
				h.redis = clusterRedis(t) // its subcommands answer in cluster mode only
			}
			keysSlowExpiry(t, h)
			for _, tc := range cases {
				keyspaceRun(h, tc)
				covered[strings.ToLower(strings.Fields(tc.cmd)[0])] = true
			}
		})
	}
	for name := range NewTable() {
		if !covered[name] {
			t.Errorf("no keyspace case runs %s", strings.ToUpper(name))
		}
	}
}

// keyspaceRun runs one case on a fresh keyspace on both sides.
func keyspaceRun(h *harness, tc keyspaceCase) {
	h.t.Helper()
	argv := strings.Fields(tc.cmd)
	h.redis.Do("FLUSHALL")
	h.db, h.replica = New(), New()
	all := slices.Contains([]string{"SCAN", "KEYS", "RANDOMKEY", "DBSIZE", "FLUSHDB", "FLUSHALL"}, argv[0])
	var names []string
	for _, p := range []string{"", "x"} {
		for _, typ := range []string{"str", TypeList, TypeSet, TypeZSet, TypeHash} {
			for _, s := range []string{"", "2"} {
				if name := p + typ + s; all || slices.Contains(argv[1:], name) {
					names = append(names, name)
				}
			}
		}
	}
	anyExpired := false
	// Expired keys get an absolute expiry a little ahead, then the test
	// waits past it: with PEXPIRE 1, a redis-server preempted for a
	// millisecond inside the command finds the time already past and
	// deletes the key at once (it did once in CI), so the read finds no
	// expired key to count as a miss.
	expireAt := strconv.FormatInt(time.Now().UnixMilli()+25, 10)
	for _, name := range names {
		typ, expired, _ := keyspaceFixtureKey(name)
		mk := keyspaceFixture[typ]
		for _, cmd := range [][]string{append([]string{mk[0], name}, mk[1:]...), {"PEXPIREAT", name, expireAt}} {
			if cmd[0] == "PEXPIREAT" && !expired {
				continue
			}
			anyExpired = anyExpired || expired
			h.redis.Do(cmd...)
			h.exec(cmd...)
		}
	}
	if anyExpired {
		at, _ := strconv.ParseInt(expireAt, 10, 64)
		keyspaceWaitPast(h.t, at)
	}
	if prepare := keyspacePrepare[strings.ToUpper(argv[0])]; prepare != nil {
		prepare(h)
	}

	rh0, rm0 := keyspaceRedisStats(h)
	eh0, em0 := h.db.KeyspaceStats()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	rh1, rm1 := keyspaceRedisStats(h)
	eh1, em1 := h.db.KeyspaceStats()

	if rh1-rh0 != tc.hits || rm1-rm0 != tc.misses {
		h.t.Errorf("%s: redis-server counted %d hits, %d misses; the table says %d, %d", tc.cmd, rh1-rh0, rm1-rm0, tc.hits, tc.misses)
	}
	if eh1-eh0 != rh1-rh0 || em1-em0 != rm1-rm0 {
		h.t.Errorf("%s: %d hits, %d misses, want %d, %d (redis-server)", tc.cmd, eh1-eh0, em1-em0, rh1-rh0, rm1-rm0)
	}
	// Random replies (SPOP, RANDOMKEY, ...) differ: the two must agree on
	// whether the command failed, and how.
	if isErr := bytes.HasPrefix(want, []byte("-")); isErr != bytes.HasPrefix(got, []byte("-")) || isErr && !bytes.Equal(got, want) {
		h.t.Errorf("%s: reply %q, redis-server %q", tc.cmd, got, want)
	}
	if rh, rm := h.replica.KeyspaceStats(); rh != 0 || rm != 0 {
		h.t.Errorf("%s: the replica replaying the effects counted %d hits, %d misses, want none", tc.cmd, rh, rm)
	}
}

// keyspacePrepare, by command name (upper case), sets up on both sides
// what the cases of a command need beyond the fixture keys (FCALL: a
// library); it counts no hit or miss.
var keyspacePrepare = map[string]func(h *harness){}

// keyspaceWaitPast waits until the clock reads later than ms (unix ms).
func keyspaceWaitPast(t *testing.T, ms int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().UnixMilli() <= ms {
		if time.Now().After(deadline) {
			t.Fatal("the clock did not advance")
		}
		time.Sleep(time.Millisecond)
	}
}

// keyspaceRedisStats returns redis-server's keyspace_hits and
// keyspace_misses.
func keyspaceRedisStats(h *harness) (hits, misses uint64) {
	h.t.Helper()
	info := string(h.redis.Do("INFO", "stats"))
	field := func(name string) uint64 {
		_, rest, ok := strings.Cut(info, "\r\n"+name+":")
		if !ok {
			h.t.Fatalf("INFO stats has no %s: %q", name, info)
		}
		v, _, _ := strings.Cut(rest, "\r\n")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			h.t.Fatalf("INFO stats %s:%q: %v", name, v, err)
		}
		return n
	}
	return field("keyspace_hits"), field("keyspace_misses")
}

// TestKeyspaceStats_Replica checks who counts on a replica: client reads
// (ReadOnlyReplica) do, an expired key reading as a miss without being
// deleted; replayed effects (Replay) never do, even those that read a
// source (COPY, SUNIONSTORE, ZRANGESTORE).
func TestKeyspaceStats_Replica(t *testing.T) {
	table := NewTable()
	db := New()
	now := int64(1_700_000_000_000)
	run := func(replay bool, argv ...string) string {
		t.Helper()
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: toBytes(argv), Out: w, Now: now, Replay: replay, ReadOnlyReplica: !replay})
		return string(w.Bytes())
	}
	for _, argv := range [][]string{
		{"SET", "s", "v"}, {"SET", "old", "v", "PXAT", strconv.FormatInt(now-1, 10)}, {"SADD", "a", "1"},
		{"ZADD", "z", "1", "m"}, {"COPY", "s", "c"}, {"SUNIONSTORE", "u", "a", "missing"},
		{"ZRANGESTORE", "r", "z", "0", "-1"}, {"GET", "s"}, {"GET", "old"}, {"MGET", "s", "old", "missing"},
	} {
		run(true, argv...)
	}
	if hits, misses := db.KeyspaceStats(); hits != 0 || misses != 0 {
		t.Fatalf("after replaying effects: %d hits, %d misses, want none", hits, misses)
	}
	for _, tc := range []struct {
		argv         []string
		reply        string
		hits, misses uint64
	}{
		{[]string{"GET", "s"}, "$1\r\nv\r\n", 1, 0},
		{[]string{"GET", "old"}, "$-1\r\n", 1, 1},
		{[]string{"EXISTS", "c", "u", "r", "old", "missing"}, ":3\r\n", 4, 3},
		{[]string{"SUNION", "a", "u"}, "*1\r\n$1\r\n1\r\n", 6, 3},
	} {
		if got := run(false, tc.argv...); got != tc.reply {
			t.Errorf("%q on a replica = %q, want %q", tc.argv, got, tc.reply)
		}
		if hits, misses := db.KeyspaceStats(); hits != tc.hits || misses != tc.misses {
			t.Errorf("after %q on a replica: %d hits, %d misses, want %d, %d", tc.argv, hits, misses, tc.hits, tc.misses)
		}
	}
	if db.Raw("old") == nil {
		t.Error("a replica's read deleted an expired key")
	}
}

// TestKeyspaceRandomDrawsEveryKey: in a sparse keyspace (20 keys in 16,384
// buckets) every key is drawn about as often as the others, however many
// empty buckets precede its own; and after keys come and go the draw still
// finds only live keys.
func TestKeyspaceRandomDrawsEveryKey(t *testing.T) {
	ks := newKeyspace()
	for i := range 40 {
		ks.set(fmt.Sprint("k", i), &Entry{})
	}
	for i := 20; i < 40; i++ {
		ks.del(fmt.Sprint("k", i))
	}
	drawn := make(map[string]int)
	for range 20_000 {
		k, e := ks.random()
		if e == nil || ks.get(k) != e {
			t.Fatalf("random() = %q, %v: not a live key", k, e)
		}
		drawn[k]++
	}
	// 1,000 draws each on average (500 for two keys sharing a bucket);
	// below 200 is many standard deviations off.
	for i := range 20 {
		if n := drawn[fmt.Sprint("k", i)]; n < 200 {
			t.Errorf("k%d drawn %d times of 20,000: %v", i, n, drawn)
		}
	}
	ks.clear()
	if k, e := ks.random(); e != nil {
		t.Fatalf("random() on an empty keyspace = %q", k)
	}
}
