package server

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/internal/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// TestCommandDocsData fails when a command is added to memshard's tables
// (engine.NewTable or the connection tables) without its docs, or removed
// while its docs stay: run `make command-docs` (go generate
// ./examples/memshard/server/internal/commanddocs) to regenerate them.
func TestCommandDocsData(t *testing.T) {
	names := CommandNames(engine.NewTable())
	if len(names) < 100 || !slices.IsSorted(names) {
		t.Fatalf("CommandNames() = %d names, sorted %v; want over 100, sorted", len(names), slices.IsSorted(names))
	}
	for _, n := range names {
		if commanddocs.Lookup(n) == nil {
			t.Errorf("no COMMAND DOCS data for %q: run make command-docs", n)
		}
	}
	for _, n := range commanddocs.Names() {
		if _, found := slices.BinarySearch(names, n); !found {
			t.Errorf("COMMAND DOCS data for %q, which memshard does not implement: run make command-docs", n)
		}
	}
	if got, want := commanddocs.RedisVersion(), "7.0.15"; got != want {
		t.Errorf("docs data from redis-server %s, want %s", got, want)
	}
}

// containers returns memshard's container commands and the full names of
// the subcommands it implements of each.
func containers() map[string][]string {
	m := make(map[string][]string)
	for _, n := range CommandNames(engine.NewTable()) {
		if parent, _, ok := strings.Cut(n, "|"); ok {
			m[parent] = append(m[parent], n)
		}
	}
	return m
}

// TestDiffCommandDocs compares COMMAND DOCS of every command memshard
// implements, one name a request, in RESP2 (lower case) and RESP3 (upper
// case). A container's docs
// are compared field by field: memshard nests only the subcommands it
// implements (sorted), each byte for byte as Redis nests it (in its dict's
// random order, among all of Redis's).
func TestDiffCommandDocs(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	subs := containers()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, name := range CommandNames(engine.NewTable()) {
				argv := []string{"COMMAND", "DOCS", name}
				if proto == 3 {
					argv[2] = strings.ToUpper(name) // the reply has the lower-case name
				}
				if err := compareDocsReply(mc.Do(argv...), rc.Do(argv...), []string{name}, subs); err != nil {
					t.Errorf("%q: %v", argv, err)
				}
			}
		})
	}
}

// TestDiffCommandDocsAll compares COMMAND DOCS without names: memshard's
// top-level commands, sorted, each as Redis documents it (Redis lists its
// own, more commands in random order).
func TestDiffCommandDocsAll(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	var top []string
	for _, n := range CommandNames(engine.NewTable()) {
		if !strings.Contains(n, "|") {
			top = append(top, n)
		}
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			got := dialProto(t, addr, proto).Do("COMMAND", "DOCS")
			want := dialProto(t, rs.Addr, proto).Do("COMMAND", "DOCS")
			if err := compareDocsReply(got, want, top, containers()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDiffCommandDocsNames covers lookups: unknown names (left out),
// case, subcommand names, repeats and malformed names, byte for byte.
func TestDiffCommandDocsNames(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	lookups := "COMMAND DOCS nosuch\r\n" +
		"COMMAND DOCS nosuch other\r\n" +
		"COMMAND DOCS get nosuch SET\r\n" +
		"COMMAND DOCS GeT get GET\r\n" +
		"COMMAND DOCS client|list CLIENT|KILL Cluster|Slots command|docs config|get\r\n" +
		"COMMAND DOCS client|nosuch get|x get| |get client| | \"\" a|b|c client|list|x client||list\r\n" +
		"COMMAND DOCS zadd zrange set hello auth\r\n"
	runDiff(t, rs.Addr, addr, []diffCase{
		{name: "resp2", in: lookups},
		{name: "resp3", in: "HELLO 3\r\n" + lookups},
		{name: "subcommand-typo", in: "COMMAND DOC\r\nCOMMAND DOCS-X get\r\n"},
	}, normalizeHello)
}

// dialProto opens a raw connection speaking RESP proto.
func dialProto(t *testing.T, addr string, proto int) *redisdiff.Conn {
	t.Helper()
	c := dial(t, addr)
	if proto == 3 {
		if got := c.Do("HELLO", "3"); len(got) == 0 || got[0] != '%' {
			t.Fatalf("HELLO 3 on %s = %q", addr, got)
		}
	}
	return c
}

// compareDocsReply compares two COMMAND DOCS replies: got must document
// exactly names, in that order; each entry must equal want's entry of the
// same name (want may have more, in any order), byte for byte but for the
// subcommands of containers (see compareContainer).
func compareDocsReply(got, want []byte, names []string, subs map[string][]string) error {
	gotHead, gotEntries, err := docsEntries(got)
	if err != nil {
		return fmt.Errorf("memshard: %v in %q", err, got)
	}
	wantHead, wantEntries, err := docsEntries(want)
	if err != nil {
		return fmt.Errorf("redis: %v in %q", err, want)
	}
	if gotHead[0] != wantHead[0] {
		return fmt.Errorf("reply type %q, redis %q", gotHead[0], wantHead[0])
	}
	var gotNames []string
	for _, e := range gotEntries {
		gotNames = append(gotNames, e.name)
	}
	if !slices.Equal(gotNames, names) {
		return fmt.Errorf("entries %q, want %q", gotNames, names)
	}
	byName := make(map[string][]byte)
	for _, e := range wantEntries {
		byName[e.name] = e.val
	}
	for _, e := range gotEntries {
		w, ok := byName[e.name]
		if !ok {
			return fmt.Errorf("redis has no entry %q", e.name)
		}
		if s, ok := subs[e.name]; ok {
			if err := compareContainer(e.val, w, s); err != nil {
				return fmt.Errorf("%s: %v", e.name, err)
			}
		} else if !bytes.Equal(e.val, w) {
			return fmt.Errorf("%s:\nmemshard: %q\nredis:    %q", e.name, e.val, w)
		}
	}
	return nil
}

// compareContainer compares a container's docs: every field byte for byte
// but subcommands, where got must have exactly subs, in that order, each
// equal to want's subcommand of that name.
func compareContainer(got, want []byte, subs []string) error {
	gotHead, gotFields, err := docsEntries(got)
	if err != nil {
		return err
	}
	wantHead, wantFields, err := docsEntries(want)
	if err != nil {
		return err
	}
	if !bytes.Equal(gotHead, wantHead) || len(gotFields) != len(wantFields) {
		return fmt.Errorf("%q with %d fields, redis %q with %d", gotHead, len(gotFields), wantHead, len(wantFields))
	}
	for i, g := range gotFields {
		w := wantFields[i]
		if g.name != w.name {
			return fmt.Errorf("field %d is %q, redis %q", i, g.name, w.name)
		}
		if g.name == "subcommands" {
			if err := compareDocsReply(g.val, w.val, subs, nil); err != nil {
				return fmt.Errorf("subcommands: %v", err)
			}
		} else if !bytes.Equal(g.val, w.val) {
			return fmt.Errorf("%s: %q, redis %q", g.name, g.val, w.val)
		}
	}
	return nil
}

// entry is a key (a bulk string) and the raw bytes of its value in a map
// reply.
type entry struct {
	name string
	val  []byte
}

// docsEntries splits a map reply (RESP3 %n, RESP2 *2n) into its header
// line and its entries.
func docsEntries(b []byte) (head []byte, entries []entry, err error) {
	if rawReplyLen(b) != len(b) || (b[0] != '%' && b[0] != '*') {
		return nil, nil, fmt.Errorf("not one map reply")
	}
	nl := bytes.IndexByte(b, '\n') + 1
	var elems [][]byte
	for pos := nl; pos < len(b); {
		n := rawReplyLen(b[pos:])
		elems = append(elems, b[pos:pos+n])
		pos += n
	}
	if len(elems)%2 != 0 {
		return nil, nil, fmt.Errorf("odd number of elements")
	}
	for i := 0; i < len(elems); i += 2 {
		k := elems[i]
		if k[0] != '$' {
			return nil, nil, fmt.Errorf("key %q is not a bulk string", k)
		}
		size, _ := strconv.Atoi(string(k[1:bytes.IndexByte(k, '\r')]))
		entries = append(entries, entry{string(k[len(k)-2-size : len(k)-2]), elems[i+1]})
	}
	return b[:nl], entries, nil
}

// TestDiffCommandInfoShape compares the parts of COMMAND INFO that memshard
// takes from its tables with Redis's: arity and key positions of every
// command, and the reply's types (flags without "sentinel", subcommands an
// array, or an empty set).
func TestDiffCommandInfoShape(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, name := range CommandNames(engine.NewTable()) {
				got, want := infoFields(t, mc.Do("COMMAND", "INFO", name)), infoFields(t, rc.Do("COMMAND", "INFO", name))
				for _, i := range []int{0, 1, 3, 4, 5} { // name, arity, first key, last key, step
					if !bytes.Equal(got[i], want[i]) {
						t.Errorf("COMMAND INFO %s field %d = %q, redis %q", name, i, got[i], want[i])
					}
				}
				for _, i := range []int{2, 6, 7, 8, 9} { // flags, ACL categories, tips, key specs, subcommands
					if got[i][0] != want[i][0] {
						t.Errorf("COMMAND INFO %s field %d is %q, redis %q", name, i, got[i][0], want[i][0])
					}
				}
				if bytes.Contains(got[2], []byte("+sentinel\r\n")) || bytes.Count(got[2], []byte("+movablekeys\r\n")) > 1 {
					t.Errorf("COMMAND INFO %s flags = %q", name, got[2])
				}
			}
		})
	}
}

// infoFields splits a one-command COMMAND INFO reply into its ten fields.
func infoFields(t *testing.T, b []byte) [][]byte {
	t.Helper()
	nl := bytes.IndexByte(b, '\n') + 1
	if !bytes.HasPrefix(b, []byte("*1\r\n*10\r\n")) || rawReplyLen(b) != len(b) {
		t.Fatalf("COMMAND INFO reply %q", b)
	}
	var fields [][]byte
	for pos := nl + len("*10\r\n"); pos < len(b); {
		n := rawReplyLen(b[pos:])
		fields = append(fields, b[pos:pos+n])
		pos += n
	}
	return fields
}
