package commanddocs

import (
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

func TestEmbeddedInfo(t *testing.T) {
	f, err := ParseInfo(infoJSON)
	if err != nil {
		t.Fatal(err)
	}
	if f.RedisVersion != "7.0.15" || len(f.Commands) < 100 {
		t.Fatalf("info.json: redis_version %q, %d commands; want 7.0.15, over 100", f.RedisVersion, len(f.Commands))
	}
	if in := LookupInfo("get"); in == nil || in.Arity != 2 || len(in.KeySpecs) != 1 || in.KeySpecs[0].Flags[0] != "RO" {
		t.Errorf(`LookupInfo("get") = %+v`, in)
	}
	if in := LookupInfo("GET"); in != nil {
		t.Errorf(`LookupInfo("GET") = %+v, want nil (names are lower case)`, in)
	}
	if got := len(InfoNames()); got != len(f.Commands) {
		t.Errorf("len(InfoNames()) = %d, want %d", got, len(f.Commands))
	}
	if got := InfoRedisVersion(); got != f.RedisVersion {
		t.Errorf("InfoRedisVersion() = %q, want %q", got, f.RedisVersion)
	}
}

// TestInfoWrite checks Info.Write against replies of redis-server 7.0.15,
// for key spec types no command memshard implements has (the server
// package's differential tests check every command).
func TestInfoWrite(t *testing.T) {
	index := func(i int) BeginSearch { return BeginSearch{Type: "index", Index: new(i)} }
	rangeKeys := func(last, step, limit int) FindKeys {
		return FindKeys{Type: "range", LastKey: new(last), KeyStep: new(step), Limit: new(limit)}
	}
	unknown := func(notes string, flags ...string) *KeySpec {
		return &KeySpec{Notes: notes, Flags: flags, BeginSearch: BeginSearch{Type: "unknown"}, FindKeys: FindKeys{Type: "unknown"}}
	}
	tests := []struct {
		name  string
		info  *Info
		subs  int
		proto int
		want  string
	}{{
		name: "sort",
		info: &Info{
			Arity: -2, Flags: []string{"write", "denyoom", "movablekeys"}, FirstKey: 1, LastKey: 1, Step: 1,
			ACLCategories: []string{"@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"},
			KeySpecs: []*KeySpec{
				{Flags: []string{"RO", "access"}, BeginSearch: index(1), FindKeys: rangeKeys(0, 1, 0)},
				unknown("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", "RO", "access"),
				unknown("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", "OW", "update"),
			},
		},
		proto: 2,
		want: "*10\r\n$4\r\nsort\r\n:-2\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n" +
			"*6\r\n+@write\r\n+@set\r\n+@sortedset\r\n+@list\r\n+@slow\r\n+@dangerous\r\n*0\r\n*3\r\n" +
			"*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
			"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" +
			"*8\r\n$5\r\nnotes\r\n$120\r\nFor the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort\r\n" +
			"$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n" +
			"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n" +
			"*8\r\n$5\r\nnotes\r\n$116\r\nFor the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array\r\n" +
			"$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n" +
			"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n*0\r\n",
	}, {
		name: "migrate",
		info: &Info{
			Arity: -6, Flags: []string{"write", "movablekeys"}, FirstKey: 3, LastKey: 3, Step: 1,
			ACLCategories: []string{"@keyspace", "@write", "@slow", "@dangerous"}, Tips: []string{"nondeterministic_output"},
			KeySpecs: []*KeySpec{
				{Flags: []string{"RW", "access", "delete"}, BeginSearch: index(3), FindKeys: rangeKeys(0, 1, 0)},
				{Flags: []string{"RW", "access", "delete", "incomplete"},
					BeginSearch: BeginSearch{Type: "keyword", Keyword: "KEYS", StartFrom: new(-2)}, FindKeys: rangeKeys(-1, 1, 0)},
			},
		},
		proto: 3,
		want: "*10\r\n$7\r\nmigrate\r\n:-6\r\n~2\r\n+write\r\n+movablekeys\r\n:3\r\n:3\r\n:1\r\n" +
			"~4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n~1\r\n$23\r\nnondeterministic_output\r\n~2\r\n" +
			"%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:3\r\n" +
			"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" +
			"%3\r\n$5\r\nflags\r\n~4\r\n+RW\r\n+access\r\n+delete\r\n+incomplete\r\n" +
			"$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$7\r\nkeyword\r\n$4\r\nspec\r\n%2\r\n$7\r\nkeyword\r\n$4\r\nKEYS\r\n$9\r\nstartfrom\r\n:-2\r\n" +
			"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n",
	}, {
		name:  "config",
		info:  &Info{Arity: -2, ACLCategories: []string{"@slow"}},
		subs:  5,
		proto: 3,
		want:  "*10\r\n$6\r\nconfig\r\n:-2\r\n~0\r\n:0\r\n:0\r\n:0\r\n~1\r\n+@slow\r\n~0\r\n~0\r\n*5\r\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := resp.NewWriter(tc.proto)
			tc.info.Write(w, tc.name, tc.subs)
			if got := string(w.Bytes()); got != tc.want {
				t.Errorf("Write(RESP%d) =\n%q\nwant\n%q", tc.proto, got, tc.want)
			}
		})
	}
}
