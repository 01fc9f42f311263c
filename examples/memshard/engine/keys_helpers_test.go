package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Helpers for the keys, expire and strings tests.

// keysEachProto runs f on a fresh harness in RESP2 and in RESP3, then
// checks the replica.
func keysEachProto(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			h := newHarness(t)
			if proto == 3 {
				h.proto = 3
				h.redis.Do("HELLO", "3")
			}
			f(t, h)
			h.checkReplica()
		})
	}
}

// keysScript is a list of commands diffed one after the other.
type keysScript [][]string

// keysRunScripts runs each named script on a fresh harness in both
// protocols, diffing every command and checking the replica after each.
func keysRunScripts(t *testing.T, scripts map[string]keysScript) {
	t.Helper()
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			keysEachProto(t, func(t *testing.T, h *harness) {
				for _, argv := range script {
					h.diff(argv...)
				}
				h.checkReplica()
			})
		})
	}
}

// keysSlowExpiry turns redis-server's active expiry off for tests that
// create already-expired keys and read them, so that its background cycle
// does not delete them first.
func keysSlowExpiry(t *testing.T, h *harness) {
	t.Helper()
	// Without this, redis-server's active expiry could delete the expired
	// keys a test is about to read (it did, once, even at hz 1).
	if got := string(h.redis.Do("DEBUG", "SET-ACTIVE-EXPIRE", "0")); got != "+OK\r\n" {
		t.Fatalf("DEBUG SET-ACTIVE-EXPIRE 0 = %q", got)
	}
	t.Cleanup(func() { h.redis.Do("DEBUG", "SET-ACTIVE-EXPIRE", "1") })
}

// keysHas reports whether the engine has a command (another family's
// commands may not exist yet).
func keysHas(h *harness, name string) bool { return h.table.Lookup([]byte(name)) != nil }

// keysExecAt runs argv on db at time now as a primary and returns the
// reply and the effects.
func keysExecAt(t *testing.T, table Table, db *DB, now int64, argv ...string) (string, []string) {
	t.Helper()
	w := resp.NewWriter(2)
	c := &Call{Argv: toBytes(argv), Out: w, Now: now}
	table.Exec(db, c)
	var effs []string
	for _, e := range c.Effects() {
		effs = append(effs, string(bytes.Join(e, []byte(" "))))
	}
	return string(w.Bytes()), effs
}

// keysValue is a parsed RESP reply: string, int64, nil, keysError or []any.
type keysError string

// keysParse parses one RESP2/RESP3 reply (maps and sets as arrays).
func keysParse(b []byte) (any, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 1 {
		return nil, nil, fmt.Errorf("bad reply %q", b)
	}
	line, rest := string(b[1:i]), b[i+2:]
	switch b[0] {
	case '+':
		return line, rest, nil
	case '-':
		return keysError(line), rest, nil
	case ':':
		n, err := strconv.ParseInt(line, 10, 64)
		return n, rest, err
	case '_':
		return nil, rest, nil
	case '$':
		n, err := strconv.Atoi(line)
		if err != nil || n < 0 {
			return nil, rest, err
		}
		return string(rest[:n]), rest[n+2:], nil
	case '*', '~', '%':
		n, err := strconv.Atoi(line)
		if err != nil || n < 0 {
			return nil, rest, err
		}
		if b[0] == '%' {
			n *= 2
		}
		arr := make([]any, 0, n)
		for range n {
			var v any
			if v, rest, err = keysParse(rest); err != nil {
				return nil, nil, err
			}
			arr = append(arr, v)
		}
		return arr, rest, nil
	}
	return nil, nil, fmt.Errorf("unknown reply type in %q", b)
}

func keysMustParse(t *testing.T, b []byte) any {
	t.Helper()
	v, _, err := keysParse(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// keysDiffNear diffs an integer reply that depends on each side's clock
// (PTTL): equal within tol.
func keysDiffNear(h *harness, tol int64, argv ...string) {
	h.t.Helper()
	want := keysMustParse(h.t, h.redis.Do(argv...))
	got := keysMustParse(h.t, h.exec(argv...))
	g, ok1 := got.(int64)
	w, ok2 := want.(int64)
	if !ok1 || !ok2 || g-w > tol || w-g > tol {
		h.t.Errorf("%q = %v, want %v (redis-server) within %d", argv, got, want, tol)
	}
}

// keysMakeTyped creates key holding a value of the given type (list, set,
// zset, hash) on both sides: with the engine's own command when its family
// exists, else by planting an empty value on the engine and its replica.
func keysMakeTyped(h *harness, typ, key string) {
	h.t.Helper()
	cmd := map[string][]string{
		TypeList: {"RPUSH", key, "x"},
		TypeSet:  {"SADD", key, "x"},
		TypeZSet: {"ZADD", key, "1", "x"},
		TypeHash: {"HSET", key, "f", "x"},
	}[typ]
	if keysHas(h, cmd[0]) {
		h.diff(cmd...)
		return
	}
	h.redis.Do(cmd...)
	v := map[string]func() any{
		TypeList: func() any { return &List{} },
		TypeSet:  func() any { return &Set{} },
		TypeZSet: func() any { return &ZSet{} },
		TypeHash: func() any { return &Hash{} },
	}[typ]
	h.db.Set(&Call{}, key, v(), 0)
	h.replica.Set(&Call{}, key, v(), 0)
}

// keysNow is the test's clock for absolute times.
func keysNow() int64 { return time.Now().UnixMilli() }

// keysDiffScan diffs a SCAN that both sides complete in one call (cursor
// 0): the reply bytes must be equal once the keys are sorted.
func keysDiffScan(h *harness, argv ...string) {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	if !bytes.Equal(keysSortScan(got), keysSortScan(want)) {
		h.t.Errorf("%q (keys unordered):\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// keysSortScan sorts the keys of a SCAN reply (an error is left alone).
func keysSortScan(b []byte) []byte {
	if !bytes.HasPrefix(b, []byte("*2\r\n")) {
		return b
	}
	// Skip the array header and the cursor bulk string: the rest is a flat
	// array of bulk strings.
	rest := b[4:]
	for range 2 {
		rest = rest[bytes.Index(rest, []byte("\r\n"))+2:]
	}
	head := b[:len(b)-len(rest)]
	return append(append([]byte(nil), head...), sortArray(rest)...)
}
