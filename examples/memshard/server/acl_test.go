package server

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// normalizeACL sorts each run of single-command rules ("+get -set") in a
// reply: Redis describes them in its command dictionary's hash order,
// which changes from process to process (package acl's doc), memshard in
// its catalog's order. The categories before them keep their place.
func normalizeACL(b []byte) []byte {
	lines := bytes.Split(b, []byte("\r\n"))
	for i, line := range lines {
		lines[i] = []byte(sortCommandRuns(string(line)))
	}
	return bytes.Join(lines, []byte("\r\n"))
}

func sortCommandRuns(s string) string {
	toks := strings.Split(strings.ReplaceAll(s, ")", " )"), " ")
	single := func(t string) bool {
		return len(t) > 1 && (t[0] == '+' || t[0] == '-') && t[1] != '@'
	}
	for i := 0; i < len(toks); {
		if !single(toks[i]) {
			i++
			continue
		}
		j := i
		for j < len(toks) && single(toks[j]) {
			j++
		}
		slices.Sort(toks[i:j])
		i = j
	}
	return strings.ReplaceAll(strings.Join(toks, " "), " )", ")")
}

// aclCompare sends argv to both and compares the replies, normalized.
func aclCompare(t *testing.T, rc, mc *redisdiff.Conn, argv ...string) {
	t.Helper()
	want, got := normalizeACL(rc.Do(argv...)), normalizeACL(mc.Do(argv...))
	if !bytes.Equal(got, want) {
		t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// setUserCases are ACL SETUSER argument lists, applied in order to the
// same users on both servers; each is followed by ACL GETUSER and ACL LIST.
var setUserCases = [][]string{
	{"u"}, {"u", "on"}, {"u", "off", "on", ">p1"}, {"u", ">p1"}, {"u", ">p2", "<p1"}, {"u", "<nosuch"},
	{"u", "#" + strings.Repeat("a", 64)}, {"u", "!" + strings.Repeat("a", 64)}, {"u", "!" + strings.Repeat("a", 64)},
	{"u", "#" + strings.Repeat("A", 64)}, {"u", "#abc"}, {"u", "!xyz"}, {"u", "nopass"}, {"u", "resetpass"},
	{"u", "~a*", "~b", "%R~c", "%W~d", "%RW~e", "%WR~f", "%R~a*"}, {"u", "%X~a"}, {"u", "%RR~a"}, {"u", "%r~lower"},
	{"u", "%R"}, {"u", "%"}, {"u", "~a b"}, {"u", "allkeys"}, {"u", "~x"}, {"u", "resetkeys", "~x"}, {"u", "~*"},
	{"u", "resetkeys"}, {"u", "&ch*", "&x"}, {"u", "allchannels"}, {"u", "&y"}, {"u", "resetchannels", "&z", "&z"},
	{"u", "+get"}, {"u", "+GET", "+set", "-get"}, {"u", "+nosuch"}, {"u", "-nosuch"}, {"u", "+@nosuch"}, {"u", "+@"},
	{"u", "+"}, {"u", "-"}, {"u", "+@read"}, {"u", "-@read", "+@string"}, {"u", "+@all", "-@dangerous"},
	{"u", "allcommands", "-get"}, {"u", "nocommands", "+client|id", "+config|get"}, {"u", "+client|nosuch"},
	{"u", "+client|"}, {"u", "+select|0", "+select|1"}, {"u", "-select", "+select|0"}, {"u", "+client|id|x"},
	{"u", "-client|id"}, {"u", "-client|"}, {"u", "+get|x"}, {"u", "-get|x"}, {"u", "+@all", "-@all", "+@hash", "-hset"},
	{"u", "+@all", "-client", "+client|id"}, {"u", "+acl", "-acl|setuser"}, {"u", "-@all", "+@admin", "+@read", "+@write"},
	{"u", "(~x +get)"}, {"u", "(~y", "&c", "+set)"}, {"u", "(~z"}, {"u", "(+nosuch)"}, {"u", "()"},
	{"u", "(%R~r resetchannels allcommands)"}, {"u", "clearselectors"}, {"u", "sanitize-payload"},
	{"u", "skip-sanitize-payload"}, {"u", "bogus"}, {"u", ""}, {"u", "on", "bogus", "off"}, {"u", "reset"},
	{"u", "ON", "NOPASS", "ALLKEYS", "ALLCHANNELS", "ALLCOMMANDS"}, {"u", "Reset"},
	{"a b"}, {"nul\x00"}, {"v", "on", "(~q"}, {"v", "on", "(", ")"}, {"v", "on", "(~a", "+get)", "(~b", "+set)"},
	{"default", "resetkeys", "~k*"}, {"default", "allkeys"}, {"w", "+@all", "-@keyspace", "+del"},
	{"w", "~a\"b", "(~\"q r\")"}, {"w", "(~\"q\\x41\")"}, {"w", "(~'bad)"},
}

func TestACLSetUserDiff(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, args := range setUserCases {
				aclCompare(t, rc, mc, append([]string{"ACL", "SETUSER"}, args...)...)
				aclCompare(t, rc, mc, "ACL", "GETUSER", args[0])
				aclCompare(t, rc, mc, "ACL", "LIST")
			}
			for _, argv := range [][]string{
				{"ACL", "USERS"}, {"ACL", "WHOAMI"}, {"ACL", "CAT"}, {"ACL", "CAT", "nosuch"}, {"ACL", "CAT", "a", "b"},
				{"ACL", "GETUSER", "nosuch"}, {"ACL", "GETUSER"}, {"ACL", "DELUSER", "default"}, {"ACL", "DELUSER", "u", "default"},
				{"ACL", "DELUSER", "nosuch"}, {"ACL", "DELUSER", "u", "u", "v"}, {"ACL", "USERS"}, {"ACL", "LOAD"}, {"ACL", "SAVE"},
				{"ACL", "LOAD", "x"}, {"ACL", "HELP"}, {"ACL", "HELP", "x"}, {"ACL", "NOSUCH"}, {"ACL"}, {"ACL", "GENPASS", "0"},
				{"ACL", "GENPASS", "4097"}, {"ACL", "GENPASS", "x"}, {"ACL", "GENPASS", "1", "2"}, {"ACL", "WHOAMI", "x"},
				{"ACL", "LIST", "x"}, {"ACL", "USERS", "x"}, {"ACL", "DRYRUN", "nosuch", "get", "k"},
				{"ACL", "DELUSER", "w"}, {"ACL", "LIST"},
			} {
				aclCompare(t, rc, mc, argv...)
			}
			for _, bits := range []string{"1", "4", "5", "255", "4096"} {
				r, m := rc.Do("ACL", "GENPASS", bits), mc.Do("ACL", "GENPASS", bits)
				if len(r) != len(m) {
					t.Errorf("ACL GENPASS %s: %q, redis-server %q: lengths differ", bits, m, r)
				}
			}
		})
	}
}

// TestACLCatDiff: ACL CAT of each category lists Redis's commands (in
// another order: compared as sets).
func TestACLCatDiff(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, cat := range []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
		"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
		"transaction", "scripting", "READ"} {
		want, got := sortedLines(rc.Do("ACL", "CAT", cat)), sortedLines(mc.Do("ACL", "CAT", cat))
		if got != want {
			t.Errorf("ACL CAT %s:\n got  %q\n want %q", cat, got, want)
		}
	}
}

func sortedLines(b []byte) string {
	lines := strings.Split(string(b), "\r\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
