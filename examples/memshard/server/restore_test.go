package server

import (
	"encoding/binary"
	"hash/crc64"
	"testing"
)

// restorePayload ends an RDB object (type byte and value) as a DUMP
// payload of Redis 7.0: RDB version 10, then Redis's crc64 (Jones,
// reflected, without Go's inversions).
func restorePayload(obj string) string {
	b := binary.LittleEndian.AppendUint16([]byte(obj), 10)
	crc := ^crc64.Update(^uint64(0), crc64.MakeTable(0x95ac9329ac4bc9b5), b)
	return string(binary.LittleEndian.AppendUint64(b, crc))
}

// Payloads of the simple RDB types: a list of a, b; a sorted set a 1,
// b 2; a string; and a stream.
var (
	listPayload   = restorePayload("\x01\x02\x01a\x01b")
	zsetPayload   = restorePayload("\x05\x02\x01a\x00\x00\x00\x00\x00\x00\xf0\x3f\x01b\x00\x00\x00\x00\x00\x00\x00\x40")
	stringPayload = restorePayload("\x00\x01v")
	// redis-server 7.0.15's DUMP of a stream after XADD x 1-1 f v.
	streamPayload = restorePayload("\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x1d\x1d\x00\x00\x00\n\x00" +
		"\x01\x01\x00\x01\x01\x01\x81f\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81v\x02\x04\x01\xff\x01\x01\x01\x01\x01\x00\x00\x01\x00")
)

// TestRestoreScenarios: RESTORE, through real connections, as
// redis-server: it serves the clients blocked on the key it creates,
// raises "restore" (and "new"; "del" when a past TTL deletes the key it
// replaces), invalidates tracked keys and dirties WATCHed ones; DUMP and
// RESTORE run in MULTI and scripts.
func TestRestoreScenarios(t *testing.T) {
	cfg, publish, steps := notifyEvents, markEvents, concatSteps
	diffScenarios(t, []bscenario{
		{"blocked clients served", []bstep{
			bsend(1, "BLPOP", "l", "0"), bblocked(1), bsend(2, "BZPOPMIN", "z", "0"), bblocked(2),
			bdo(4, "RESTORE", "l", "0", listPayload), bread(1), bdo(4, "RESTORE", "z", "0", zsetPayload), bread(2),
			bdo(4, "LRANGE", "l", "0", "-1"), bdo(4, "ZRANGE", "z", "0", "-1", "WITHSCORES"),
			bsend(1, "BLPOP", "s", "0"), bblocked(1), bdo(4, "RESTORE", "s", "0", stringPayload), bblocked(1),
			bdo(4, "RESTORE", "s", "0", listPayload, "REPLACE"), bread(1),
			bsend(1, "XREAD", "BLOCK", "0", "STREAMS", "x", "$"), bblocked(1), bdo(4, "RESTORE", "x", "0", streamPayload), bread(1),
		}},
		{"notifications", steps(
			[]bstep{cfg("KEAn"), bdo(3, "PSUBSCRIBE", "__key*__:*"),
				bdo(1, "RESTORE", "k", "0", stringPayload), bdo(1, "RESTORE", "k", "0", listPayload, "REPLACE"),
				bdo(1, "RESTORE", "k", "1", listPayload, "ABSTTL", "REPLACE"), bdo(1, "RESTORE", "k", "1", listPayload, "ABSTTL"),
				bdo(1, "RESTORE", "k2", "100000", stringPayload), bdo(1, "RESTORE", "k2", "0", stringPayload),
				bdo(1, "RESTORE", "k3", "0", "junk"), bdo(1, "DUMP", "k2"), bdo(1, "DUMP", "nokey")},
			publish("m1"),
		)},
		{"tracking and WATCH", []bstep{
			bquiet(1, "HELLO", "3"), bdo(1, "CLIENT", "TRACKING", "ON"), bdo(1, "GET", "k"), bdo(1, "DUMP", "d"),
			bdo(2, "RESTORE", "k", "0", stringPayload), bread(1), bdo(1, "PING"),
			bdo(1, "GET", "k"), bdo(2, "RESTORE", "k", "0", stringPayload), bdo(1, "PING"), // BUSYKEY: no change
			bdo(2, "RESTORE", "d", "0", stringPayload), bread(1), bdo(1, "PING"),
			bdo(3, "WATCH", "w"), bdo(2, "RESTORE", "w", "0", stringPayload), bdo(3, "MULTI"), bdo(3, "GET", "w"), bdo(3, "EXEC"),
			bdo(3, "WATCH", "w"), bdo(2, "RESTORE", "w", "0", "junk", "REPLACE"), bdo(3, "MULTI"), bdo(3, "GET", "w"), bdo(3, "EXEC"),
		}},
		{"MULTI and scripts", []bstep{
			bdo(1, "SET", "a", "12345"), bdo(1, "MULTI"), bdo(1, "DUMP", "a"), bdo(1, "RESTORE", "b", "0", stringPayload),
			bdo(1, "RESTORE", "b", "0", stringPayload), bdo(1, "RESTORE", "c"), bdo(1, "EXEC"),
			bdo(1, "MULTI"), bdo(1, "RESTORE", "c", "0", stringPayload), bdo(1, "RESTORE", "c"), bdo(1, "EXEC"),
			bdo(1, "EVAL", "local p = redis.call('DUMP', KEYS[1]) return redis.call('RESTORE', KEYS[2], 0, p)", "2", "a", "e"),
			bdo(1, "GET", "e"), bdo(1, "OBJECT", "ENCODING", "e"),
			bdo(1, "EVAL", "return redis.pcall('RESTORE', KEYS[1], 0, 'junk')", "1", "f"),
			bdo(1, "RESTORE-ASKING", "g", "0", stringPayload), bdo(1, "GET", "g"),
		}},
	})
}
