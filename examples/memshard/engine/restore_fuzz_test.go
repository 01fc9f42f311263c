package engine

import (
	"bytes"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// FuzzRestorePayload feeds RESTORE objects (a type byte and a value; the
// test adds a right footer, so that the decoder, not the checksum, meets
// them): it must never panic or hang, and a value it accepts must DUMP
// again to a payload that RESTORE accepts and that DUMPs the same, then
// serve every read of its type and a few writes, and replay the same on a
// replica. The seed corpus (testdata/fuzz) holds redis-server 7.0.15's
// DUMPs and the old encodings of TestRestoreOldEncodingsDiff.
func FuzzRestorePayload(f *testing.F) {
	for _, obj := range oldObjects {
		f.Add([]byte(obj))
	}
	table := NewTable()
	f.Fuzz(func(t *testing.T, obj []byte) { fuzzRestore(t, table, obj) })
}

// fuzzRestore is one run of FuzzRestorePayload.
func fuzzRestore(t *testing.T, table Table, obj []byte) {
	db, replica := New(), New()
	now := time.Now().UnixMilli()
	run := func(db *DB, argv ...[]byte) []byte {
		c := &Call{Argv: argv, Out: resp.NewWriter(3), Now: now}
		table.Exec(db, c)
		for _, eff := range c.Effects() {
			rc := &Call{Argv: eff, Out: resp.NewWriter(2), Now: now, Replay: true}
			table.Exec(replica, rc)
		}
		return c.Out.Bytes()
	}
	payload := []byte(withFooter(string(obj), rdbVersion))
	reply := run(db, []byte("RESTORE"), []byte("k"), []byte("0"), payload)
	if !bytes.Equal(reply, []byte("+OK\r\n")) {
		if !bytes.Equal(reply, []byte("-ERR Bad data format\r\n")) {
			t.Fatalf("RESTORE = %q", reply)
		}
		return
	}
	again := run(db, []byte("DUMP"), []byte("k"))
	if len(again) == 0 || again[0] != '$' {
		t.Fatalf("DUMP = %q", again)
	}
	p := again[bytes.IndexByte(again, '\n')+1 : len(again)-2]
	if r := run(db, []byte("RESTORE"), []byte("k2"), []byte("0"), p); !bytes.Equal(r, []byte("+OK\r\n")) {
		t.Fatalf("RESTORE of memshard's own DUMP %q = %q", p, r)
	}
	if d := run(db, []byte("DUMP"), []byte("k2")); !bytes.Equal(d, again) {
		t.Fatalf("DUMP of the restored copy = %q, want %q", d, again)
	}
	for _, argv := range fuzzReads[db.Raw("k").TypeName()] {
		run(db, toBytes(argv)...)
	}
	for _, k := range []string{"k", "k2"} {
		if got, want := string(dumpOf(replica, k)), string(dumpOf(db, k)); got != want {
			t.Fatalf("replica's %s dumps %q, primary's %q", k, got, want)
		}
	}
}

func dumpOf(db *DB, key string) []byte {
	e := db.Raw(key)
	if e == nil {
		return nil
	}
	return dumpPayload(e)
}

// fuzzReads are the commands run on a restored value, by type: reads of
// every kind, then writes that rely on its structure.
var fuzzReads = map[string][][]string{
	TypeString: {{"GET", "k"}, {"STRLEN", "k"}, {"GETRANGE", "k", "1", "-2"}, {"BITCOUNT", "k"}, {"PFCOUNT", "k"},
		{"INCR", "k"}, {"APPEND", "k", "x"}},
	TypeList: {{"LRANGE", "k", "0", "-1"}, {"LLEN", "k"}, {"LINDEX", "k", "-1"}, {"LPOS", "k", "a", "RANK", "-1"},
		{"LINSERT", "k", "BEFORE", "a", "b"}, {"RPUSH", "k", "x"}, {"LREM", "k", "0", "x"}, {"LPOP", "k"}, {"RPOP", "k", "2"}},
	TypeSet: {{"SMEMBERS", "k"}, {"SCARD", "k"}, {"SISMEMBER", "k", "1"}, {"SRANDMEMBER", "k", "-5"}, {"SSCAN", "k", "0", "COUNT", "100"},
		{"SINTER", "k", "k"}, {"SADD", "k", "2", "x"}, {"SREM", "k", "1"}, {"SPOP", "k", "2"}},
	TypeHash: {{"HGETALL", "k"}, {"HLEN", "k"}, {"HGET", "k", "f"}, {"HRANDFIELD", "k", "-5", "WITHVALUES"}, {"HSCAN", "k", "0"},
		{"HSET", "k", "f", "v"}, {"HINCRBY", "k", "n", "1"}, {"HDEL", "k", "f"}},
	TypeZSet: {{"ZRANGE", "k", "0", "-1", "WITHSCORES"}, {"ZCARD", "k"}, {"ZRANGEBYSCORE", "k", "-inf", "+inf"},
		{"ZRANGEBYLEX", "k", "-", "+"}, {"ZREVRANK", "k", "a"}, {"ZSCAN", "k", "0"}, {"ZRANDMEMBER", "k", "-5", "WITHSCORES"},
		{"ZADD", "k", "1.5", "a"}, {"ZINCRBY", "k", "2", "b"}, {"ZPOPMIN", "k"}, {"ZREMRANGEBYRANK", "k", "0", "0"}},
	TypeStream: {{"XRANGE", "k", "-", "+"}, {"XREVRANGE", "k", "+", "-", "COUNT", "3"}, {"XLEN", "k"}, {"XINFO", "STREAM", "k", "FULL"},
		{"XINFO", "GROUPS", "k"}, {"XREAD", "STREAMS", "k", "0"}, {"MEMORY", "USAGE", "k"},
		{"XPENDING", "k", "g"}, {"XPENDING", "k", "g", "-", "+", "10"}, {"XINFO", "CONSUMERS", "k", "g"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"}, {"XAUTOCLAIM", "k", "g", "c", "0", "0-0"},
		{"XCLAIM", "k", "g", "c", "0", "1-1"}, {"XACK", "k", "g", "1-1"}, {"XGROUP", "DELCONSUMER", "k", "g", "c"},
		{"XADD", "k", "*", "f", "v"}, {"XDEL", "k", "1-1"}, {"XTRIM", "k", "MAXLEN", "~", "1"}, {"XSETID", "k", "18446744073709551615-0"}},
}
