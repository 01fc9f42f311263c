package server

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// TestCommandDocsData fails when a command is added to memshard's tables
// (engine.NewTable or the connection tables) without its docs and COMMAND
// INFO data, or removed while they stay: run `make command-docs` (go
// generate ./examples/memshard/server/internal/commanddocs) to regenerate
// them.
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
	for _, n := range names {
		if commanddocs.LookupInfo(n) == nil {
			t.Errorf("no COMMAND INFO data for %q: run make command-docs", n)
		}
	}
	for _, n := range commanddocs.InfoNames() {
		if _, found := slices.BinarySearch(names, n); !found {
			t.Errorf("COMMAND INFO data for %q, which memshard does not implement: run make command-docs", n)
		}
	}
	if got, want := commanddocs.RedisVersion(), "7.0.15"; got != want {
		t.Errorf("docs data from redis-server %s, want %s", got, want)
	}
	if got, want := commanddocs.InfoRedisVersion(), "7.0.15"; got != want {
		t.Errorf("COMMAND INFO data from redis-server %s, want %s", got, want)
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

// commandLookups is an inline request stream of COMMAND sub (DOCS or INFO)
// with unknown, repeated, mixed-case, subcommand and malformed names, then
// the names in last.
func commandLookups(sub, last string) string {
	var b strings.Builder
	for _, names := range []string{
		"nosuch", "nosuch other", "get nosuch SET", "GeT get GET",
		"client|list CLIENT|KILL Cluster|Slots command|docs config|get",
		`client|nosuch get|x get| |get client| | "" a|b|c client|list|x client||list`,
		last,
	} {
		b.WriteString("COMMAND " + sub + " " + names + "\r\n")
	}
	return b.String()
}

// TestDiffCommandDocsNames covers lookups: unknown names (left out),
// case, subcommand names, repeats and malformed names, byte for byte.
func TestDiffCommandDocsNames(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	lookups := commandLookups("DOCS", "zadd zrange set hello auth")
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

// TestCommandInfoMatchesTables fails when Redis's COMMAND INFO and
// memshard's tables disagree on what a command executes: arity, flags,
// first key, last key, step. memshard sends these from its tables, which
// route, block and check arity; info.json holds Redis's only to catch a
// wrong table here: fix the table, not the data.
func TestCommandInfoMatchesTables(t *testing.T) {
	for _, ci := range tableCommands() {
		in := commanddocs.LookupInfo(ci.name)
		if in == nil {
			continue // TestCommandDocsData reports it
		}
		got := fmt.Sprint(ci.arity, ci.flags, ci.firstKey, ci.lastKey, ci.step)
		want := fmt.Sprint(in.Arity, in.Flags, in.FirstKey, in.LastKey, in.Step)
		if got != want {
			t.Errorf("%s: arity, flags, first key, last key, step = %s in memshard's table, %s in Redis 7.0.15", ci.name, got, want)
		}
	}
}

// tableCommands returns every command and subcommand memshard implements,
// as COMMAND INFO shows it.
func tableCommands() []*cmdInfo {
	var all []*cmdInfo
	for _, ci := range commandInfos(engine.NewTable()) {
		all = append(all, ci)
		all = append(all, ci.subs...)
	}
	return all
}

// TestKeySpecsMatchKeys checks the captured key specs against the keys
// memshard routes and locks by: for each command with keys, the keys the
// key specs find in a sample command line (as Redis's
// getKeysUsingKeySpecs finds them) must be the keys memshard's table
// gives, in the same order.
func TestKeySpecsMatchKeys(t *testing.T) {
	table := engine.NewTable()
	for _, ci := range tableCommands() {
		in := commanddocs.LookupInfo(ci.name)
		if in == nil || len(in.KeySpecs) == 0 {
			continue
		}
		argv := sampleArgv(ci.name, ci.arity, in.KeySpecs)
		var got [][]byte
		if dc := table[ci.name]; dc != nil && connTable[ci.name] == nil {
			got = dc.Keys(argv)
		} else {
			got = (&engine.Command{FirstKey: ci.firstKey, LastKey: ci.lastKey, Step: ci.step}).Keys(argv)
		}
		want, err := keySpecKeys(in.KeySpecs, argv)
		if err != nil {
			t.Errorf("%s: key specs on %q: %v", ci.name, argv, err)
			continue
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Errorf("%s %q: memshard's keys %q, key specs' %q", ci.name, argv[1:], got, want)
		}
	}
}

// sampleArgv returns a command line for name: arguments a1, a2, ... (two
// more than the minimum if arity is negative), with 2 as the number of
// keys where a keynum spec reads it.
func sampleArgv(name string, arity int, specs []*commanddocs.KeySpec) [][]byte {
	n := arity
	if arity < 0 {
		n = -arity + 2
	}
	argv := [][]byte{[]byte(name)}
	for i := 1; i < n; i++ {
		argv = append(argv, []byte("a"+strconv.Itoa(i)))
	}
	for _, ks := range specs {
		if ks.BeginSearch.Type == "index" && ks.FindKeys.Type == "keynum" {
			argv[*ks.BeginSearch.Index+*ks.FindKeys.KeyNumIdx] = []byte("2")
		}
	}
	return argv
}

// keySpecKeys returns the keys specs find in argv, as Redis 7.0's
// getKeysUsingKeySpecs does for index begin searches and range or keynum
// find-keys, the only kinds the commands memshard implements have.
// keywordIndex returns the index after keyword in argv, searched for from
// startfrom toward the end (toward the start if startfrom is negative:
// counted from the end), case-insensitively; 0 if it is not there.
func keywordIndex(argv [][]byte, keyword string, startfrom int) int {
	argc := len(argv)
	start, end := startfrom, argc-1
	if startfrom <= 0 {
		start, end = argc+startfrom, 0
	}
	for i := start; i != end; {
		if i >= argc || i < 1 {
			return 0
		}
		if strings.EqualFold(string(argv[i]), keyword) {
			return i + 1
		}
		if start <= end {
			i++
		} else {
			i--
		}
	}
	return 0
}

func keySpecKeys(specs []*commanddocs.KeySpec, argv [][]byte) ([][]byte, error) {
	var keys [][]byte
	argc := len(argv)
	for _, ks := range specs {
		if ks.BeginSearch.Type == "unknown" {
			// Keys a command's own code finds (SORT's STORE, which the
			// sample argv lacks): getKeysUsingKeySpecs skips them.
			continue
		}
		var first int
		switch ks.BeginSearch.Type {
		case "index":
			first = *ks.BeginSearch.Index
		case "keyword":
			// The argument after the keyword, searched for from startfrom
			// (from the end if negative), as getKeysUsingKeySpecs does.
			if first = keywordIndex(argv, ks.BeginSearch.Keyword, *ks.BeginSearch.StartFrom); first == 0 {
				continue // not there: no key from this spec
			}
		default:
			return nil, fmt.Errorf("begin_search %q", ks.BeginSearch.Type)
		}
		var last, step int
		switch fk := ks.FindKeys; fk.Type {
		case "range":
			switch {
			case *fk.LastKey >= 0:
				last = first + *fk.LastKey
			case *fk.Limit == 0:
				last = argc + *fk.LastKey
			default:
				last = first + (argc-first) / *fk.Limit + *fk.LastKey
			}
			step = *fk.KeyStep
		case "keynum":
			numkeys, err := strconv.Atoi(string(argv[first+*fk.KeyNumIdx]))
			if err != nil {
				return nil, err
			}
			first += *fk.FirstKey
			last, step = first+numkeys-1, *fk.KeyStep
		default:
			return nil, fmt.Errorf("find_keys %q", fk.Type)
		}
		for i := first; i <= last && i < argc; i += step {
			keys = append(keys, argv[i])
		}
	}
	return keys, nil
}

// TestDiffCommandInfo compares COMMAND INFO of every command memshard
// implements, one name a request, in RESP2 (lower case) and RESP3 (upper
// case), byte for byte. A container's entry is compared field by field:
// memshard lists only the subcommands it implements (sorted), each byte
// for byte as Redis lists it (in its dict's random order, among all of
// Redis's).
func TestDiffCommandInfo(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	subs := containers()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
			for _, name := range CommandNames(engine.NewTable()) {
				argv := []string{"COMMAND", "INFO", name}
				if proto == 3 {
					argv[2] = strings.ToUpper(name)
				}
				if err := compareInfoReply(mc.Do(argv...), rc.Do(argv...), []string{name}, subs); err != nil {
					t.Errorf("%q: %v", argv, err)
				}
			}
		})
	}
}

// TestDiffCommandInfoAll compares COMMAND and COMMAND INFO without names:
// memshard's top-level commands, sorted, each as Redis describes it (Redis
// lists its own, more commands in random order). COMMAND COUNT counts
// them, and COMMAND LIST lists them and their subcommands.
func TestDiffCommandInfoAll(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	names := CommandNames(engine.NewTable())
	var top []string
	for _, n := range names {
		if !strings.Contains(n, "|") {
			top = append(top, n)
		}
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			mc, rc := dialProto(t, addr, proto), dialProto(t, rs.Addr, proto)
			for _, argv := range [][]string{{"COMMAND"}, {"COMMAND", "INFO"}} {
				if err := compareInfoReply(mc.Do(argv...), rc.Do(argv...), top, containers()); err != nil {
					t.Errorf("%q: %v", argv, err)
				}
			}
			if got, want := string(mc.Do("COMMAND", "COUNT")), fmt.Sprintf(":%d\r\n", len(top)); got != want {
				t.Errorf("COMMAND COUNT = %q, want %q", got, want)
			}
			if got, want := string(mc.Do("COMMAND", "LIST")), string(bulkArray(names)); got != want {
				t.Errorf("COMMAND LIST = %q, want %q", got, want)
			}
		})
	}
}

// TestDiffCommandListACLCat compares COMMAND LIST FILTERBY ACLCAT, which
// filters by the categories COMMAND INFO shows: memshard's list, sorted,
// must be Redis's restricted to the commands memshard implements.
func TestDiffCommandListACLCat(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	mc, rc := dial(t, addr), dial(t, rs.Addr)
	names := CommandNames(engine.NewTable())
	for _, cat := range []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
		"admin", "fast", "slow", "dangerous", "connection", "transaction", "nosuch"} {
		_, elems, err := aggregateElems(rc.Do("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range elems {
			n := bulkText(e)
			if _, found := slices.BinarySearch(names, n); found {
				want = append(want, n)
			}
		}
		slices.Sort(want)
		if got := mc.Do("COMMAND", "LIST", "FILTERBY", "ACLCAT", strings.ToUpper(cat)); !bytes.Equal(got, bulkArray(want)) {
			t.Errorf("COMMAND LIST FILTERBY ACLCAT %s = %q, want %q", cat, got, want)
		}
	}
}

// TestDiffCommandInfoNames covers lookups: unknown names (null), case,
// subcommand names, repeats and malformed names, byte for byte.
func TestDiffCommandInfoNames(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	lookups := commandLookups("INFO", "zunionstore copy keys flushall echo lmove sintercard zrangestore")
	runDiff(t, rs.Addr, addr, []diffCase{
		{name: "resp2", in: lookups},
		{name: "resp3", in: "HELLO 3\r\n" + lookups},
	}, normalizeHello)
}

// compareInfoReply compares two COMMAND INFO replies: got must describe
// exactly names, in that order; each entry must equal want's entry of the
// same name (want may have more, in any order), byte for byte but for the
// subcommands of containers: those in got must be exactly subs[name], in
// that order, each equal to want's subcommand of that name.
func compareInfoReply(got, want []byte, names []string, subs map[string][]string) error {
	gotHead, gotEntries, err := aggregateElems(got)
	if err != nil {
		return fmt.Errorf("memshard: %v in %q", err, got)
	}
	_, wantEntries, err := aggregateElems(want)
	if err != nil {
		return fmt.Errorf("redis: %v in %q", err, want)
	}
	if gotHead[0] != '*' {
		return fmt.Errorf("reply type %q, want an array", gotHead[0])
	}
	byName := make(map[string][][]byte)
	for _, e := range wantEntries {
		_, fields, err := aggregateElems(e)
		if err != nil || len(fields) != 10 {
			return fmt.Errorf("redis: entry %q", e)
		}
		byName[bulkText(fields[0])] = fields
	}
	var gotNames []string
	for _, e := range gotEntries {
		head, fields, err := aggregateElems(e)
		if err != nil || string(head) != "*10\r\n" || len(fields) != 10 {
			return fmt.Errorf("memshard: entry %q", e)
		}
		name := bulkText(fields[0])
		gotNames = append(gotNames, name)
		w, ok := byName[name]
		if !ok {
			return fmt.Errorf("redis has no entry %q", name)
		}
		for i := range 9 {
			if !bytes.Equal(fields[i], w[i]) {
				return fmt.Errorf("%s field %d:\nmemshard: %q\nredis:    %q", name, i, fields[i], w[i])
			}
		}
		if s, ok := subs[name]; ok {
			if err := compareInfoReply(fields[9], w[9], s, nil); err != nil {
				return fmt.Errorf("%s subcommands: %v", name, err)
			}
		} else if !bytes.Equal(fields[9], w[9]) {
			return fmt.Errorf("%s subcommands: %q, redis %q", name, fields[9], w[9])
		}
	}
	if !slices.Equal(gotNames, names) {
		return fmt.Errorf("entries %q, want %q", gotNames, names)
	}
	return nil
}

// aggregateElems splits an array or set reply into its header line and
// the raw bytes of its elements.
func aggregateElems(b []byte) (head []byte, elems [][]byte, err error) {
	if len(b) == 0 || rawReplyLen(b) != len(b) || (b[0] != '*' && b[0] != '~') {
		return nil, nil, fmt.Errorf("not one array or set")
	}
	nl := bytes.IndexByte(b, '\n') + 1
	for pos := nl; pos < len(b); {
		n := rawReplyLen(b[pos:])
		elems = append(elems, b[pos:pos+n])
		pos += n
	}
	return b[:nl], elems, nil
}

// bulkText returns the content of a raw bulk string reply.
func bulkText(b []byte) string {
	nl := bytes.IndexByte(b, '\n')
	if len(b) == 0 || b[0] != '$' || nl < 0 || len(b) < nl+3 {
		return ""
	}
	return string(b[nl+1 : len(b)-2])
}

// bulkArray encodes ss as a RESP array of bulk strings.
func bulkArray(ss []string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(ss))
	for _, s := range ss {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(s), s)
	}
	return b
}

// TestCommandInfoFallback: a command without captured data (TestCommandDocsData
// fails then) still gets a well-formed entry, its key spec derived from its
// table.
func TestCommandInfoFallback(t *testing.T) {
	ci := dataInfo(&engine.Command{Name: "nosuch", Arity: -2, Flags: []string{engine.FlagWrite}, FirstKey: 1, LastKey: -1, Step: 2})
	w := resp.NewWriter(3)
	writeCommandInfo(w, ci)
	want := "*10\r\n$6\r\nnosuch\r\n:-2\r\n~1\r\n+write\r\n:1\r\n:-1\r\n:2\r\n~2\r\n+@write\r\n+@slow\r\n~0\r\n" +
		"~1\r\n%3\r\n$5\r\nflags\r\n~1\r\n+RW\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
	if got := string(w.Bytes()); got != want {
		t.Errorf("COMMAND INFO nosuch =\n%q\nwant\n%q", got, want)
	}
}
