package server

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestFamiliesRandom sends random streams of data commands to redis-server
// 7.0 and to memshard and compares every raw reply, in RESP2 (even seeds)
// and RESP3 (odd ones), and DBSIZE after each command. The written
// families pin the cases someone thought of; these streams mix the types,
// options, transactions and malformed arguments no one listed, over a few
// keys, so that WRONGTYPE, empty keys, overwrites and odd ranges all come
// up. A stream stops at its first difference (the keyspaces differ after
// it) and the test prints the commands that led there. Replies chosen at
// random (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER unless the count
// takes everything; RANDOMKEY, SCAN) are left out, clock-dependent ones
// (TTL) are compared by sign, and those whose order Redis leaves undefined
// are compared sorted.
func TestFamiliesRandom(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	seeds, steps := 12, 1500
	if s := os.Getenv("MEMSHARD_RANDOM_SEEDS"); s != "" { // to hunt: more seeds
		seeds, _ = strconv.Atoi(s)
	}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			flushBoth(t, rs.Addr, addr)
			// Two connections to each: the second changes keys the first
			// WATCHes.
			rc := [2]*redisdiff.Conn{dial(t, rs.Addr), dial(t, rs.Addr)}
			mc := [2]*redisdiff.Conn{dial(t, addr), dial(t, addr)}
			if seed%2 == 1 { // odd seeds speak RESP3
				for c := range rc {
					want, got := normalizeHello(rc[c].Do("HELLO", "3")), normalizeHello(mc[c].Do("HELLO", "3"))
					if !bytes.Equal(got, want) {
						t.Fatalf("HELLO 3:\nmemshard: %q\nredis:    %q", got, want)
					}
				}
			}
			g := cmdgen.New(uint64(seed))
			g.Watchers = true
			var sent [][]string
			kinds := map[string]int{}
			defer func() { t.Logf("replies by kind: %v", kinds) }()
			for i := range steps {
				cmd := g.Draw()
				args, mode, c := cmd.Args, famModes[cmd.Mode], 0
				if cmd.Other {
					c = 1
					sent = append(sent, append([]string{"(second connection)"}, args...))
				} else {
					sent = append(sent, args)
				}
				want, got := rc[c].Do(args...), mc[c].Do(args...)
				kinds[string(want[:1])]++
				if bytes.HasPrefix(want, []byte("-WRONGTYPE")) {
					kinds["wrongtype"]++
				}
				if !rawEqual(mode, got, want) {
					t.Fatalf("step %d %q (%s):\nmemshard: %q\nredis:    %q\nthe commands before it:\n%s",
						i, args, modeName(mode), got, want, lastCommands(sent[:i], 25))
				}
				// A command may change the keyspace differently behind an
				// equal reply: the key count tells at once (but inside a
				// transaction it would only be queued).
				if g.InTransaction() {
					continue
				}
				if want, got := rc[0].Do("DBSIZE"), mc[0].Do("DBSIZE"); !bytes.Equal(got, want) {
					t.Fatalf("after step %d %q, DBSIZE:\nmemshard: %q\nredis:    %q\nthe commands before it:\n%s",
						i, args, got, want, lastCommands(sent[:i], 25))
				}
			}
		})
	}
}

// lastCommands renders up to n of the last commands, one per line.
func lastCommands(sent [][]string, n int) string {
	var b strings.Builder
	for _, a := range sent[max(0, len(sent)-n):] {
		fmt.Fprintf(&b, "  %q\n", a)
	}
	return b.String()
}

// famModes maps the generator's comparison modes to the families'.
var famModes = map[cmdgen.Mode]famMode{cmdgen.Exact: famExact, cmdgen.Sorted: famSorted, cmdgen.Sign: famSign}
