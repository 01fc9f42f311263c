package server

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// aclRuleWords are what random rules are drawn from: cmdgen's keys (s0,
// h1, m0, ...) meet these patterns; some words are refused on purpose.
var aclRuleWords = []string{
	"on", "off", "nopass", "resetpass", ">pw", "<pw", "reset", "allkeys", "resetkeys", "allchannels", "resetchannels",
	"~s*", "~h?", "~[lt]*", "~z1", "~m*", "~*0", "%R~s*", "%W~h*", "%R~m*", "%W~*1", "%RW~l*", "&c*", "&news",
	"+@all", "-@all", "allcommands", "nocommands", "+@read", "-@read", "+@write", "-@write", "+@string", "-@string",
	"+@hash", "-@hash", "+@list", "-@list", "+@set", "+@sortedset", "-@sortedset", "+@keyspace", "-@keyspace",
	"+@fast", "-@slow", "+get", "-get", "+set", "-set", "+hset", "-hget", "+lpush", "-rpop", "+zadd", "+del",
	"+multi", "+exec", "-exec", "+object|encoding", "-object", "+select|0", "+client|id", "(~s* +get)",
	"(%W~z* +@sortedset)", "(~m* -@all +set +get)", "clearselectors", "+nosuch", "%X~a", "~a b", "(~x",
}

// TestACLRandom draws users from random rules and runs cmdgen's random
// commands as them, on redis-server and memshard: ACL SETUSER's replies,
// ACL GETUSER and LIST (single commands sorted), every command's reply,
// ACL DRYRUN of each command, and ACL LOG at the end must be the same.
func TestACLRandom(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	seeds, rounds, steps := 3, 8, 80
	if s := os.Getenv("MEMSHARD_RANDOM_SEEDS"); s != "" { // to hunt: more seeds
		seeds, _ = strconv.Atoi(s)
	}
	base := randomSeedBase()
	for seed := base; seed < base+seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			flushBoth(t, rs.Addr, addr)
			ra, ma := dial(t, rs.Addr), dial(t, addr)
			same := func(what string, want, got []byte) {
				t.Helper()
				want, got = normalizeACLLog(clientFields(normalizeACL(want))), normalizeACLLog(clientFields(normalizeACL(got)))
				if !bytes.Equal(got, want) {
					t.Fatalf("%s:\n got  %q\n want %q (redis-server)", what, got, want)
				}
			}
			both := func(argv ...string) {
				t.Helper()
				same(fmt.Sprintf("%q", argv), ra.Do(argv...), ma.Do(argv...))
			}
			both("ACL", "DELUSER", "u")
			both("ACL", "LOG", "RESET")
			both("ACL", "SETUSER", "u", "on", "nopass")
			ru, mu := dial(t, rs.Addr), dial(t, addr)
			same("AUTH", ru.Do("AUTH", "u", "x"), mu.Do("AUTH", "u", "x"))
			kinds := map[string]int{}
			defer func() { t.Logf("commands by outcome: %v", kinds) }()
			r := rand.New(rand.NewPCG(uint64(seed), 7))
			g := cmdgen.New(uint64(seed))
			for range rounds {
				argv := []string{"ACL", "SETUSER", "u"}
				for range 1 + r.IntN(5) {
					argv = append(argv, aclRuleWords[r.IntN(len(aclRuleWords))])
				}
				both(argv...)
				both("ACL", "GETUSER", "u")
				both("ACL", "LIST")
				for range steps {
					cmd := g.Draw()
					if cmdgen.Unspecified(cmd, ra.Do) {
						continue
					}
					want, got := ru.Do(cmd.Args...), mu.Do(cmd.Args...)
					switch {
					case bytes.HasPrefix(want, []byte("-NOPERM this user has no permissions to run")):
						kinds["command denied"]++
					case bytes.HasPrefix(want, []byte("-NOPERM")):
						kinds["key or channel denied"]++
					default:
						kinds["allowed"]++
					}
					if cmd.Mode == cmdgen.Exact || bytes.HasPrefix(want, []byte("-NOPERM")) || bytes.HasPrefix(got, []byte("-NOPERM")) {
						same(fmt.Sprintf("%q as u", cmd.Args), want, got)
					}
					both(append([]string{"ACL", "DRYRUN", "u"}, cmd.Args...)...)
				}
			}
			for _, c := range []*redisdiff.Conn{ru, mu} { // a transaction left open
				c.Do("DISCARD")
			}
			both("ACL", "LOG", "128")
			if t.Failed() {
				t.Logf("seed %d: rules drawn from %s", seed, strings.Join(aclRuleWords, " "))
			}
		})
	}
}
