// Differential tests of the data-command families through a real socket:
// the same command stream goes to redis-server 7.0 and to memshard (Server
// + Standalone), as raw RESP (compared byte for byte) and through go-redis
// (compared as decoded Go values and error strings), in RESP2 and, after
// HELLO 3, in RESP3. The streams are in families_<family>_test.go.
package server

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/redis/go-redis/v9"
)

// famMode says how one step's replies are compared.
type famMode int

const (
	famExact    famMode = iota // byte for byte / deep equality
	famSorted                  // an aggregate whose element order Redis leaves undefined
	famPositive                // a time-dependent integer: both must be > 0
	famSign                    // a TTL: equal if negative (no expiry, no key), else both > 0
)

// famStep is one command of a family's stream.
type famStep struct {
	args  []string
	mode  famMode
	other bool // sent on the stream's second connection (to touch WATCHed keys)
}

// step, sorted, positive and other build famSteps.
func step(args ...string) famStep     { return famStep{args: args} }
func sorted(args ...string) famStep   { return famStep{args: args, mode: famSorted} }
func positive(args ...string) famStep { return famStep{args: args, mode: famPositive} }
func other(args ...string) famStep    { return famStep{args: args, other: true} }

// family is a named command stream, run from an empty keyspace.
type family struct {
	name  string
	steps []famStep
}

// families lists every family's stream (each defined in its own file).
func families() []family {
	return []family{
		{"keys", keysFamily()},
		{"keys-expire", keysExpireFamily()},
		{"strings", stringsFamily()},
		{"strings-numbers", stringsNumbersFamily()},
		{"strings-ranges", stringsRangesFamily()},
		{"hashes", hashesFamily()},
		{"hashes-numbers", hashesNumbersFamily()},
		{"lists", listsFamily()},
		{"lists-pop", listsPopFamily()},
		{"sets", setsFamily()},
		{"sets-algebra", setsAlgebraFamily()},
		{"zsets", zsetsFamily()},
		{"zsets-range", zsetsRangeFamily()},
		{"zsets-store", zsetsStoreFamily()},
		{"transactions", txFamily()},
		{"transactions-watch", txWatchFamily()},
	}
}

// TestFamilies runs every family against one redis-server and one memshard,
// flushing both before each run: raw RESP2, raw RESP3, go-redis RESP2 and
// go-redis RESP3.
func TestFamilies(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, f := range families() {
		t.Run(f.name, func(t *testing.T) {
			if len(f.steps) < 20 {
				t.Errorf("family %s has %d steps, want at least 20", f.name, len(f.steps))
			}
			for _, proto := range []int{2, 3} {
				t.Run(fmt.Sprintf("raw/RESP%d", proto), func(t *testing.T) {
					runFamilyRaw(t, rs.Addr, addr, f.steps, proto)
				})
				t.Run(fmt.Sprintf("goredis/RESP%d", proto), func(t *testing.T) {
					runFamilyGoRedis(t, rs.Addr, addr, f.steps, proto)
				})
			}
		})
	}
}

// flushBoth empties both keyspaces.
func flushBoth(t *testing.T, redisAddr, memAddr string) {
	t.Helper()
	for _, a := range []string{redisAddr, memAddr} {
		if got := dial(t, a).Do("FLUSHALL"); string(got) != "+OK\r\n" {
			t.Fatalf("FLUSHALL on %s = %q", a, got)
		}
	}
}

// runFamilyRaw sends steps as RESP multibulks on two raw connections to
// each server and compares the raw replies.
func runFamilyRaw(t *testing.T, redisAddr, memAddr string, steps []famStep, proto int) {
	flushBoth(t, redisAddr, memAddr)
	var rc, mc [2]*redisdiff.Conn
	for i := range rc {
		rc[i], mc[i] = dial(t, redisAddr), dial(t, memAddr)
		if proto == 3 {
			want, got := normalizeHello(rc[i].Do("HELLO", "3")), normalizeHello(mc[i].Do("HELLO", "3"))
			if !bytes.Equal(got, want) {
				t.Fatalf("HELLO 3:\nmemshard: %q\nredis:    %q", got, want)
			}
		}
	}
	for i, st := range steps {
		c := 0
		if st.other {
			c = 1
		}
		want := rc[c].Do(st.args...)
		got := mc[c].Do(st.args...)
		if !rawEqual(st.mode, got, want) {
			t.Errorf("step %d %q (%s):\nmemshard: %q\nredis:    %q", i, st.args, modeName(st.mode), got, want)
		}
	}
}

func modeName(m famMode) string {
	return [...]string{"exact", "sorted", "positive", "sign"}[m]
}

var rawPositive = regexp.MustCompile(`^:[1-9][0-9]*\r\n$`)

func rawEqual(mode famMode, got, want []byte) bool {
	switch mode {
	case famSorted:
		return bytes.Equal(sortRawAggregate(got), sortRawAggregate(want))
	case famPositive:
		return rawPositive.Match(got) && rawPositive.Match(want)
	case famSign:
		return bytes.Equal(got, want) || (rawPositive.Match(got) && rawPositive.Match(want))
	}
	return bytes.Equal(got, want)
}

// sortRawAggregate sorts the elements of a top-level array or set reply,
// or the field-value pairs of a map reply, by their encoding; other replies
// are returned as they are.
func sortRawAggregate(b []byte) []byte {
	if len(b) == 0 || (b[0] != '*' && b[0] != '~' && b[0] != '%') {
		return b
	}
	per := 1
	if b[0] == '%' {
		per = 2
	}
	head := bytes.IndexByte(b, '\n') + 1
	var elems [][]byte
	for pos := head; pos < len(b); {
		start := pos
		for range per {
			n := rawReplyLen(b[pos:])
			if n <= 0 {
				return b
			}
			pos += n
		}
		elems = append(elems, b[start:pos])
	}
	sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i], elems[j]) < 0 })
	return append(b[:head:head], bytes.Join(elems, nil)...)
}

// rawReplyLen returns the length of the first complete reply in b, or -1.
func rawReplyLen(b []byte) int {
	nl := bytes.IndexByte(b, '\n')
	if nl < 2 {
		return -1
	}
	pos := nl + 1
	body := string(b[1 : nl-1])
	switch b[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return pos
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return -1
		}
		if n < 0 {
			return pos
		}
		return pos + n + 2
	case '*', '~', '>', '%':
		n, err := strconv.Atoi(body)
		if err != nil {
			return -1
		}
		if b[0] == '%' {
			n *= 2
		}
		for range max(n, 0) {
			m := rawReplyLen(b[pos:])
			if m < 0 {
				return -1
			}
			pos += m
		}
		return pos
	}
	return -1
}

// runFamilyGoRedis sends steps through go-redis (generic Do on pinned
// connections, so that MULTI and WATCH state holds) and compares the
// decoded values and the error strings.
func runFamilyGoRedis(t *testing.T, redisAddr, memAddr string, steps []famStep, proto int) {
	flushBoth(t, redisAddr, memAddr)
	ctx := t.Context()
	open := func(addr string) [2]*redis.Conn {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, DisableIdentity: true, MaxRetries: -1})
		conns := [2]*redis.Conn{rdb.Conn(), rdb.Conn()}
		t.Cleanup(func() {
			conns[0].Close()
			conns[1].Close()
			rdb.Close()
		})
		return conns
	}
	rc, mc := open(redisAddr), open(memAddr)
	for i, st := range steps {
		c := 0
		if st.other {
			c = 1
		}
		want := goRedisDo(ctx, rc[c], st.args)
		got := goRedisDo(ctx, mc[c], st.args)
		if !goRedisEqual(st.mode, got, want) {
			t.Errorf("step %d %q (%s):\nmemshard: %#v err=%v\nredis:    %#v err=%v", i, st.args, modeName(st.mode), got.Val(), got.Err(), want.Val(), want.Err())
		}
	}
}

func goRedisDo(ctx context.Context, c *redis.Conn, args []string) *redis.Cmd {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return c.Do(ctx, a...)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func goRedisEqual(mode famMode, got, want *redis.Cmd) bool {
	if errString(got.Err()) != errString(want.Err()) {
		return false
	}
	switch mode {
	case famPositive, famSign:
		g, gerr := got.Int64()
		w, werr := want.Int64()
		if mode == famSign && gerr == nil && werr == nil && g == w {
			return true
		}
		return gerr == nil && werr == nil && g > 0 && w > 0
	case famSorted:
		return reflect.DeepEqual(sortedValues(got.Val()), sortedValues(want.Val()))
	}
	return reflect.DeepEqual(got.Val(), want.Val())
}

// sortedValues sorts a decoded aggregate by each element's %q rendering.
func sortedValues(v any) any {
	s, ok := v.([]any)
	if !ok {
		return v
	}
	s = append([]any(nil), s...)
	sort.Slice(s, func(i, j int) bool { return fmt.Sprintf("%q", s[i]) < fmt.Sprintf("%q", s[j]) })
	return s
}

// TestFamiliesCompare checks the comparison helpers themselves.
func TestFamiliesCompare(t *testing.T) {
	for _, tc := range []struct {
		mode      famMode
		got, want string
		equal     bool
	}{
		{famExact, "$1\r\na\r\n", "$1\r\na\r\n", true},
		{famExact, "$1\r\na\r\n", "$-1\r\n", false},
		{famSorted, "*2\r\n$1\r\nb\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", true},
		{famSorted, "~2\r\n$1\r\nb\r\n$3\r\na\r\n\r\n", "~2\r\n$3\r\na\r\n\r\n$1\r\nb\r\n", true},
		{famSorted, "*2\r\n$1\r\nb\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nc\r\n", false},
		{famSorted, "*2\r\n$1\r\na\r\n$1\r\na\r\n", "~2\r\n$1\r\na\r\n$1\r\na\r\n", false},
		{famSorted, "-ERR x\r\n", "-ERR x\r\n", true},
		{famSorted, "%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n", "%2\r\n+a\r\n:2\r\n+b\r\n:1\r\n", true},
		{famSorted, "%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n", "%2\r\n+a\r\n:2\r\n+b\r\n:1\r\n", false},
		{famPositive, ":5\r\n", ":99\r\n", true},
		{famPositive, ":5\r\n", ":-1\r\n", false},
		{famPositive, ":0\r\n", ":0\r\n", false},
		{famSign, ":-2\r\n", ":-2\r\n", true},
		{famSign, ":-1\r\n", ":-2\r\n", false},
		{famSign, ":7\r\n", ":6\r\n", true},
		{famSign, ":7\r\n", ":-1\r\n", false},
	} {
		if got := rawEqual(tc.mode, []byte(tc.got), []byte(tc.want)); got != tc.equal {
			t.Errorf("rawEqual(%s, %q, %q) = %v, want %v", modeName(tc.mode), tc.got, tc.want, got, tc.equal)
		}
	}
	if n := rawReplyLen([]byte("*2\r\n%1\r\n+a\r\n:1\r\n$-1\r\nrest")); n != 21 {
		t.Errorf("rawReplyLen = %d, want 21", n)
	}
}
