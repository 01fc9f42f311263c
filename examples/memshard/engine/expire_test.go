package engine

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

func TestExpire_Commands(t *testing.T) {
	now := keysNow()
	farS := strconv.FormatInt(now/1000+100000, 10)
	farS2 := strconv.FormatInt(now/1000+200000, 10)
	farMS := strconv.FormatInt(now+100000123, 10)
	keysRunScripts(t, map[string]keysScript{
		"set and read": {
			{"SET", "a", "1"}, {"TTL", "a"}, {"PTTL", "a"}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
			{"TTL", "missing"}, {"PTTL", "missing"}, {"EXPIRETIME", "missing"}, {"PEXPIRETIME", "missing"},
			{"EXPIRE", "a", "100"}, {"TTL", "a"},
			{"PEXPIRE", "a", "200000"}, {"TTL", "a"},
			{"EXPIREAT", "a", farS}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
			{"PEXPIREAT", "a", farMS}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
			{"PERSIST", "a"}, {"PERSIST", "a"}, {"PERSIST", "missing"}, {"TTL", "a"},
			{"EXPIRE", "missing", "100"}, {"PEXPIREAT", "missing", farMS}, {"expire", "a", "100"}, {"ttl", "a"},
		},
		"past deletes": {
			{"SET", "a", "1"}, {"EXPIRE", "a", "0"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"EXPIRE", "a", "-100"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"PEXPIRE", "a", "-1"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"EXPIREAT", "a", "1"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"PEXPIREAT", "a", "-9223372036854775808"}, {"EXISTS", "a"},
			{"SET", "a", "1"}, {"EXPIRE", "a", "-9223372036854775"}, {"EXISTS", "a"},
			{"SET", "a", "1", "EX", "100"}, {"EXPIRE", "a", "-1", "LT"}, {"EXISTS", "a"},
		},
		"conditions": {
			{"SET", "a", "1"},
			{"EXPIRE", "a", "100", "XX"}, {"TTL", "a"}, {"EXPIRE", "a", "100", "GT"}, {"TTL", "a"},
			{"EXPIRE", "a", "100", "NX"}, {"TTL", "a"}, {"EXPIRE", "a", "200", "NX"}, {"TTL", "a"},
			{"EXPIRE", "a", "300", "XX"}, {"TTL", "a"},
			{"EXPIRE", "a", "200", "GT"}, {"TTL", "a"}, {"EXPIRE", "a", "400", "GT"}, {"TTL", "a"},
			{"EXPIRE", "a", "500", "LT"}, {"TTL", "a"}, {"EXPIRE", "a", "50", "LT"}, {"TTL", "a"},
			{"EXPIRE", "a", "40", "gt", "xx"}, {"EXPIRE", "a", "60", "xx", "gt"}, {"TTL", "a"},
			{"EXPIRE", "a", "55", "LT", "XX"}, {"TTL", "a"}, {"EXPIRE", "a", "55", "LT", "LT"},
			{"PERSIST", "a"}, {"EXPIRE", "a", "70", "LT"}, {"TTL", "a"},
			{"EXPIREAT", "a", farS, "GT"}, {"EXPIRETIME", "a"}, {"EXPIREAT", "a", farS2, "LT"}, {"EXPIRETIME", "a"},
			{"PEXPIREAT", "a", farMS, "XX"}, {"PEXPIRETIME", "a"},
			{"EXPIRE", "missing", "100", "NX"}, {"EXPIRE", "missing", "100", "XX"},
		},
		"errors": {
			{"SET", "a", "1"},
			{"EXPIRE", "a", "100", "NX", "XX"}, {"EXPIRE", "a", "100", "NX", "GT"}, {"EXPIRE", "a", "100", "LT", "NX"},
			{"EXPIRE", "a", "100", "GT", "LT"}, {"PEXPIRE", "a", "100", "LT", "GT"}, {"EXPIRE", "a", "100", "XX", "GT", "LT"},
			{"EXPIRE", "a", "100", "FOO"}, {"EXPIRE", "a", "100", "NX", "foo"}, {"EXPIRE", "a", "100", "XXX"},
			{"EXPIRE", "a", "100", "nx\x00junk"}, {"EXPIRE", "a", "100", "bad\x00junk"}, {"EXPIRE", "a", "100", ""},
			{"EXPIRE", "a", "abc"}, {"EXPIRE", "a", "1.5"}, {"EXPIRE", "a", "+1"}, {"EXPIRE", "a", " 1"}, {"EXPIRE", "a", ""},
			{"EXPIRE", "a", "abc", "FOO"}, {"EXPIRE", "missing", "abc"}, {"EXPIRE", "missing", "9223372036854775807"},
			{"EXPIRE", "a", "9223372036854775807"}, {"EXPIRE", "a", "9223372036854776"}, {"EXPIRE", "a", "-9223372036854776"},
			{"EXPIRE", "a", "9223372036854775"}, {"EXPIREAT", "a", "9223372036854776"},
			{"PEXPIRE", "a", "9223372036854775807"}, {"PEXPIRE", "a", "9223372036854775808"},
			{"TTL", "a"},
			{"EXPIREAT", "a", "9223372036854775"}, {"PEXPIRETIME", "a"}, {"EXPIRETIME", "a"},
			{"PEXPIREAT", "a", "9223372036854775807"}, {"PEXPIRETIME", "a"}, {"EXPIRETIME", "a"},
			{"EXPIRE", "a"}, {"TTL"}, {"TTL", "a", "b"}, {"PERSIST", "a", "b"}, {"PEXPIRETIME"},
		},
	})
}

func TestExpire_PTTL(t *testing.T) {
	keysEachProto(t, func(t *testing.T, h *harness) {
		h.diff("SET", "a", "1", "PX", "100000")
		keysDiffNear(h, 50, "PTTL", "a")
		h.diff("PEXPIRE", "a", "5000")
		keysDiffNear(h, 50, "PTTL", "a")
		h.diff("PEXPIRE", "a", "1499")
		keysDiffNear(h, 50, "PTTL", "a")
		h.diff("PERSIST", "a")
		h.diff("PTTL", "a")
	})
}

// TestExpire_ExpiredKeys reads keys that are already expired but not yet
// deleted: every command sees them as missing.
func TestExpire_ExpiredKeys(t *testing.T) {
	past := keysScript{{"SET", "x", "1", "PXAT", "1"}, {"SET", "y", "2", "PXAT", "1"}, {"SET", "live", "3"}}
	checks := []keysScript{
		{{"DBSIZE"}, {"GET", "x"}, {"DBSIZE"}},
		{{"TTL", "x"}, {"PTTL", "y"}, {"EXPIRETIME", "x"}, {"PEXPIRETIME", "y"}, {"DBSIZE"}},
		{{"EXISTS", "x", "y", "live"}, {"TOUCH", "x", "live"}, {"TYPE", "y"}},
		{{"DEL", "x", "live"}, {"UNLINK", "y"}, {"DBSIZE"}},
		{{"EXPIRE", "x", "100"}, {"PERSIST", "y"}, {"DBSIZE"}},
		{{"SET", "x", "9", "XX"}, {"SET", "y", "9", "NX"}, {"GET", "y"}, {"TTL", "y"}},
		{{"SET", "x", "9", "GET"}, {"SETNX", "y", "8"}, {"MSETNX", "x", "1", "y", "2"}},
		{{"INCR", "x"}, {"INCRBYFLOAT", "y", "1.5"}, {"TTL", "x"}, {"APPEND", "live", "x"}},
		{{"APPEND", "x", "z"}, {"SETRANGE", "y", "2", "z"}, {"GET", "y"}, {"STRLEN", "x"}, {"GETRANGE", "y", "0", "-1"}},
		{{"GETDEL", "x"}, {"GETEX", "y", "PERSIST"}, {"GETSET", "x", "n"}, {"TTL", "x"}, {"MGET", "x", "y", "live"}},
		{{"RENAME", "x", "z"}, {"RENAMENX", "y", "z"}, {"RENAME", "live", "x"}, {"GET", "x"}},
		{{"RENAMENX", "live", "x"}, {"GET", "x"}, {"COPY", "x", "live"}, {"COPY", "live", "y"}, {"GET", "y"}},
		{{"KEYS", "*"}, {"DBSIZE"}, {"RANDOMKEY"}},
		{{"SCAN", "0", "TYPE", "string"}, {"DBSIZE"}},
		{{"SCAN", "0", "MATCH", "x"}, {"DBSIZE"}},
		{{"SCAN", "0", "TYPE", "none"}, {"DBSIZE"}},
		{{"DEL", "live"}, {"RANDOMKEY"}, {"DBSIZE"}},
		{{"FLUSHALL"}, {"DBSIZE"}},
	}
	for i, check := range checks {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				keysSlowExpiry(t, h)
				for _, argv := range append(append(keysScript{}, past...), check...) {
					if argv[0] == "SCAN" {
						keysDiffScan(h, argv...)
					} else {
						h.diff(argv...)
					}
				}
			})
		})
	}
}

// TestExpire_Effects checks what the expire, string and key commands
// record for the log: absolute times, DEL for expired keys and past
// expiries, nothing for no-ops.
func TestExpire_Effects(t *testing.T) {
	const now = int64(1_700_000_000_000)
	tests := []struct {
		name  string
		setup [][]string
		argv  []string
		want  []string
	}{
		{"expire", [][]string{{"SET", "k", "v"}}, []string{"EXPIRE", "k", "10", "GT"}, nil},
		{"expire nx", [][]string{{"SET", "k", "v"}}, []string{"expire", "k", "10", "NX"}, []string{"PEXPIREAT k 1700000010000"}},
		{"pexpire", [][]string{{"SET", "k", "v"}}, []string{"PEXPIRE", "k", "10"}, []string{"PEXPIREAT k 1700000000010"}},
		{"expireat", [][]string{{"SET", "k", "v"}}, []string{"EXPIREAT", "k", "1800000000"}, []string{"PEXPIREAT k 1800000000000"}},
		{"pexpireat", [][]string{{"SET", "k", "v"}}, []string{"PEXPIREAT", "k", "1800000000001"}, []string{"PEXPIREAT k 1800000000001"}},
		{"expire past", [][]string{{"SET", "k", "v"}}, []string{"EXPIRE", "k", "0"}, []string{"DEL k"}},
		{"pexpireat now", [][]string{{"SET", "k", "v"}}, []string{"PEXPIREAT", "k", "1700000000000"}, []string{"DEL k"}},
		{"expire missing", nil, []string{"EXPIRE", "k", "10"}, nil},
		{"expire expired", [][]string{{"SET", "k", "v", "PXAT", "5"}}, []string{"EXPIRE", "k", "10"}, []string{"DEL k"}},
		{"persist", [][]string{{"SET", "k", "v", "EX", "5"}}, []string{"PERSIST", "k"}, []string{"PERSIST k"}},
		{"persist no ttl", [][]string{{"SET", "k", "v"}}, []string{"PERSIST", "k"}, nil},
		{"get expired", [][]string{{"SET", "k", "v", "PXAT", "5"}}, []string{"GET", "k"}, []string{"DEL k"}},
		{"ttl expired", [][]string{{"SET", "k", "v", "PXAT", "5"}}, []string{"TTL", "k"}, []string{"DEL k"}},
		{"set", nil, []string{"SET", "k", "v", "NX", "GET"}, []string{"SET k v"}},
		{"set ex", nil, []string{"SET", "k", "v", "EX", "10", "XX"}, nil},
		{"set ex xx", [][]string{{"SET", "k", "v"}}, []string{"SET", "k", "w", "EX", "10", "XX"}, []string{"SET k w PXAT 1700000010000"}},
		{"set px", nil, []string{"set", "k", "v", "px", "10"}, []string{"SET k v PXAT 1700000000010"}},
		{"set exat", nil, []string{"SET", "k", "v", "EXAT", "1800000000"}, []string{"SET k v PXAT 1800000000000"}},
		{"set keepttl", [][]string{{"SET", "k", "v", "EX", "5"}}, []string{"SET", "k", "w", "KEEPTTL"}, []string{"SET k w KEEPTTL"}},
		{"set keepttl missing", nil, []string{"SET", "k", "w", "KEEPTTL"}, []string{"SET k w"}},
		{"set nx existing", [][]string{{"SET", "k", "v"}}, []string{"SET", "k", "w", "NX"}, nil},
		{"setnx", [][]string{{"SET", "k", "v"}}, []string{"SETNX", "k", "w"}, nil},
		{"setex", nil, []string{"SETEX", "k", "10", "v"}, []string{"SET k v PXAT 1700000010000"}},
		{"psetex", nil, []string{"PSETEX", "k", "10", "v"}, []string{"SET k v PXAT 1700000000010"}},
		{"getset", [][]string{{"SET", "k", "v", "EX", "5"}}, []string{"GETSET", "k", "w"}, []string{"SET k w"}},
		{"getex ex", [][]string{{"SET", "k", "v"}}, []string{"GETEX", "k", "EX", "10"}, []string{"PEXPIREAT k 1700000010000"}},
		{"getex pxat", [][]string{{"SET", "k", "v"}}, []string{"GETEX", "k", "PXAT", "1800000000000"}, []string{"PEXPIREAT k 1800000000000"}},
		{"getex past", [][]string{{"SET", "k", "v"}}, []string{"GETEX", "k", "EXAT", "1"}, []string{"DEL k"}},
		{"getex persist", [][]string{{"SET", "k", "v", "EX", "5"}}, []string{"GETEX", "k", "PERSIST"}, []string{"PERSIST k"}},
		{"getex persist no ttl", [][]string{{"SET", "k", "v"}}, []string{"GETEX", "k", "PERSIST"}, nil},
		{"getex plain", [][]string{{"SET", "k", "v", "EX", "5"}}, []string{"GETEX", "k"}, nil},
		{"getdel", [][]string{{"SET", "k", "v"}}, []string{"GETDEL", "k"}, []string{"DEL k"}},
		{"getdel missing", nil, []string{"GETDEL", "k"}, nil},
		{"incr", nil, []string{"INCR", "k"}, []string{"INCR k"}},
		{"incrby error", [][]string{{"SET", "k", "x"}}, []string{"INCRBY", "k", "2"}, nil},
		{"incrbyfloat", [][]string{{"SET", "k", "0.1"}}, []string{"INCRBYFLOAT", "k", "0.2"}, []string{"SET k 0.3 KEEPTTL"}},
		{"append", nil, []string{"APPEND", "k", "v"}, []string{"APPEND k v"}},
		{"setrange empty", [][]string{{"SET", "k", "v"}}, []string{"SETRANGE", "k", "1", ""}, nil},
		{"setrange", [][]string{{"SET", "k", "v"}}, []string{"SETRANGE", "k", "1", "w"}, []string{"SETRANGE k 1 w"}},
		{"mset", nil, []string{"MSET", "a", "1", "b", "2"}, []string{"MSET a 1 b 2"}},
		{"msetnx", nil, []string{"MSETNX", "a", "1", "b", "2"}, []string{"MSET a 1 b 2"}},
		{"msetnx existing", [][]string{{"SET", "b", "v"}}, []string{"MSETNX", "a", "1", "b", "2"}, nil},
		{"del", [][]string{{"SET", "a", "v"}, {"SET", "c", "v", "PXAT", "5"}}, []string{"DEL", "a", "b", "c", "a"}, []string{"DEL c", "DEL a"}},
		{"del missing", nil, []string{"DEL", "a"}, nil},
		{"unlink", [][]string{{"SET", "a", "v"}}, []string{"UNLINK", "a", "b"}, []string{"UNLINK a"}},
		{"rename", [][]string{{"SET", "a", "v"}}, []string{"RENAME", "a", "b"}, []string{"RENAME a b"}},
		{"rename same", [][]string{{"SET", "a", "v"}}, []string{"RENAME", "a", "a"}, nil},
		{"rename expired dst", [][]string{{"SET", "a", "v"}, {"SET", "b", "v", "PXAT", "5"}}, []string{"RENAMENX", "a", "b"}, []string{"DEL b", "RENAMENX a b"}},
		{"renamenx existing", [][]string{{"SET", "a", "v"}, {"SET", "b", "v"}}, []string{"RENAMENX", "a", "b"}, nil},
		{"copy", [][]string{{"SET", "a", "v"}}, []string{"COPY", "a", "b", "DB", "0"}, []string{"COPY a b DB 0"}},
		{"copy existing", [][]string{{"SET", "a", "v"}, {"SET", "b", "v"}}, []string{"COPY", "a", "b"}, nil},
		{"flushall", nil, []string{"FLUSHALL", "ASYNC"}, []string{"FLUSHALL ASYNC"}},
		{"scan expired", [][]string{{"SET", "a", "v", "PXAT", "5"}}, []string{"SCAN", "0"}, []string{"DEL a"}},
		{"keys expired", [][]string{{"SET", "a", "v", "PXAT", "5"}}, []string{"KEYS", "*"}, nil},
		{"randomkey expired", [][]string{{"SET", "a", "v", "PXAT", "5"}}, []string{"RANDOMKEY"}, []string{"DEL a"}},
	}
	table := NewTable()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := New()
			for _, argv := range tt.setup {
				keysExecAt(t, table, db, now-1000, argv...)
			}
			_, got := keysExecAt(t, table, db, now, tt.argv...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("effects of %q (-want +got):\n%s", tt.argv, diff)
			}
		})
	}
}

// TestExpire_Replay checks that replayed commands do what they say: a past
// expiry on a replica is set, not turned into a deletion, and a DEL deletes
// keys already expired.
func TestExpire_Replay(t *testing.T) {
	table := NewTable()
	db := New()
	for _, argv := range [][]string{{"SET", "a", "v"}, {"SET", "b", "v"}, {"PEXPIREAT", "a", "50"}, {"GETEX", "b", "PXAT", "60"}} {
		table.Exec(db, &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: 100, Replay: true})
	}
	for key, want := range map[string]int64{"a": 50, "b": 60} {
		if e := db.Raw(key); e == nil || e.ExpireAt != want {
			t.Errorf("key %s: entry %+v, want one expiring at %d", key, e, want)
		}
	}
	table.Exec(db, &Call{Argv: toBytes([]string{"DEL", "a", "b"}), Out: resp.NewWriter(2), Now: 100, Replay: true})
	if db.Len() != 0 {
		t.Errorf("replayed DEL of expired keys left %d keys", db.Len())
	}
}

// TestExpire_Active checks that active expiry deletes the keys expired at
// the call's time, at most max of them, and records a DEL for each, which
// replayed on a replica removes the same keys.
func TestExpire_Active(t *testing.T) {
	table := NewTable()
	db, replica := New(), New()
	replay := func(c *Call) {
		for _, eff := range c.Effects() {
			table.Exec(replica, &Call{Argv: eff, Out: resp.NewWriter(2), Now: c.Now, Replay: true})
		}
	}
	for _, argv := range [][]string{{"SET", "a", "1", "PX", "100"}, {"SET", "b", "2", "PX", "200"}, {"SET", "c", "3", "PX", "5000"}, {"SET", "d", "4"}} {
		c := &Call{Argv: toBytes(argv), Out: resp.NewWriter(2), Now: 1000}
		table.Exec(db, c)
		replay(c)
	}

	c := &Call{Out: resp.NewWriter(2), Now: 1150}
	if n := db.ActiveExpire(c, 10); n != 1 {
		t.Errorf("ActiveExpire at 1150 = %d, want 1", n)
	}
	if diff := cmp.Diff([][][]byte{{[]byte("DEL"), []byte("a")}}, c.Effects()); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	replay(c)
	c = &Call{Out: resp.NewWriter(2), Now: 10000}
	if n := db.ActiveExpire(c, 1); n != 1 {
		t.Errorf("ActiveExpire(max 1) = %d, want 1", n)
	}
	if n := db.ActiveExpire(c, 10); n != 1 {
		t.Errorf("second ActiveExpire = %d, want 1", n)
	}
	if len(c.Effects()) != 2 {
		t.Errorf("effects %q, want two DELs", c.Effects())
	}
	replay(c)
	for name, d := range map[string]*DB{"primary": db, "replica": replica} {
		if d.Len() != 1 || d.Raw("d") == nil {
			t.Errorf("%s: %d keys left, want only d", name, d.Len())
		}
	}
	if got, _ := keysExecAt(t, table, db, 10000, "DBSIZE"); got != ":1\r\n" {
		t.Errorf("DBSIZE = %q, want :1", got)
	}
}
