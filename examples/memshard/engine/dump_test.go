package engine

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// TestDump_RebuildsEveryKey: replaying a dump on an empty DB gives the same
// keys, types, expiries and values, in the same order, including a key past
// its expiry that the primary has not deleted yet.
func TestDump_RebuildsEveryKey(t *testing.T) {
	h := newHarness(t)
	h.exec("SET", "s:bin", "a\x00b\r\nc")
	h.exec("SET", "s:empty", "")
	h.exec("SET", "s:int", "-12345")
	h.exec("SET", "s:ttl", "v", "PX", "600000")
	for i := range 1300 { // three RPUSH chunks
		h.exec("RPUSH", "l:big", fmt.Sprintf("e%d", i))
	}
	h.exec("LPUSH", "l:small", "c", "b", "a", "")
	h.exec("SADD", "set:one", "only")
	h.exec("HSET", "h:one", "f", "v")
	h.exec("SADD", "set:ints", "5", "3", "-7")
	h.exec("SADD", "set:mixed", "x", "1", "y", "2")
	for i := range 700 {
		h.exec("SADD", "set:big", fmt.Sprintf("m%d", i))
	}
	h.exec("HSET", "h:small", "f2", "v2", "f1", "v1")
	for i := range 600 {
		h.exec("HSET", "h:big", fmt.Sprintf("f%d", i), strconv.Itoa(i))
	}
	h.exec("HDEL", "h:big", "f10", "f20")
	h.exec("HSET", "h:big", "f10", "back")
	h.exec("ZADD", "z:edge", "-inf", "lo", "+inf", "hi", "0", "zero", "1e-300", "tiny", "0.1", "tenth", "1.7976931348623157e308", "max")
	for i := range 900 {
		h.exec("ZADD", "z:big", strconv.FormatFloat(float64(i)/7, 'g', -1, 64), fmt.Sprintf("m%d", i))
	}
	h.exec("PEXPIRE", "z:edge", "900000")
	now := time.Now().UnixMilli()
	h.db.Set("late", []byte("expired"), now-1000) // expired, no DEL yet

	replica := New()
	n := 0
	err := h.db.Dump(func(argv [][]byte) error {
		n++
		w := resp.NewWriter(2)
		h.table.Exec(replica, &Call{Argv: argv, Out: w, Now: now, Replay: true})
		if r := w.Bytes(); len(r) > 0 && r[0] == '-' {
			t.Fatalf("dumped command %q: %s", argv, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if replica.Len() != h.db.Len() {
		t.Fatalf("rebuilt %d keys, want %d", replica.Len(), h.db.Len())
	}
	h.db.Keys(func(k string, p *Entry) bool {
		r := replica.Raw(k)
		if r == nil {
			t.Fatalf("key %q missing", k)
		}
		if p.TypeName() != r.TypeName() || p.ExpireAt != r.ExpireAt {
			t.Fatalf("key %q: rebuilt %s expiring %d, was %s expiring %d", k, r.TypeName(), r.ExpireAt, p.TypeName(), p.ExpireAt)
		}
		read := map[string][]string{
			TypeString: {"GET", k}, TypeList: {"LRANGE", k, "0", "-1"}, TypeSet: {"SMEMBERS", k},
			TypeZSet: {"ZRANGE", k, "0", "-1", "WITHSCORES"}, TypeHash: {"HGETALL", k},
		}[p.TypeName()]
		if k == "late" {
			if v, _ := r.Value.([]byte); string(v) != "expired" {
				t.Fatalf("key %q rebuilt as %q", k, v)
			}
			return true
		}
		if got, want := h.read(replica, read), h.read(h.db, read); !bytes.Equal(got, want) {
			t.Fatalf("key %q: rebuilt %.200q, was %.200q", k, got, want)
		}
		return true
	})
	// 18 keys; the list, set, hash and zset of 600+ elements take 2-3 commands.
	if n < 20 {
		t.Fatalf("%d commands for the dump: big values were not split", n)
	}
}

func TestDump_StopsAtEmitError(t *testing.T) {
	h := newHarness(t)
	for i := range 10 {
		h.exec("SET", fmt.Sprint(i), "v")
	}
	stop := errors.New("stop")
	calls := 0
	err := h.db.Dump(func([][]byte) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Dump returned %v after %d calls, want the emit error after 1", err, calls)
	}
}
