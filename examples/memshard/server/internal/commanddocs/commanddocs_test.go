package commanddocs

import (
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

func TestEmbedded(t *testing.T) {
	f, err := Parse(docsJSON)
	if err != nil {
		t.Fatal(err)
	}
	if f.RedisVersion != "7.0.15" || len(f.Commands) < 100 {
		t.Fatalf("docs.json: redis_version %q, %d commands; want 7.0.15, over 100", f.RedisVersion, len(f.Commands))
	}
	if d := Lookup("get"); d == nil || d.Summary != "Get the value of a key" || d.Group != "string" {
		t.Errorf(`Lookup("get") = %+v`, d)
	}
	if d := Lookup("GET"); d != nil {
		t.Errorf(`Lookup("GET") = %+v, want nil (names are lower case)`, d)
	}
	if got := len(Names()); got != len(f.Commands) {
		t.Errorf("len(Names()) = %d, want %d", got, len(f.Commands))
	}
}

// TestWrite checks Write against replies of redis-server 7.0.15 (the
// server package's differential tests check every command).
func TestWrite(t *testing.T) {
	zero := 0
	tests := []struct {
		name  string
		doc   *Doc
		subs  int
		proto int
		want  string
	}{{
		name: "cluster|slots",
		doc: &Doc{
			Summary: "Get array of Cluster slot to node mappings", Since: "3.0.0", Group: "cluster",
			Complexity: "O(N) where N is the total number of Cluster nodes",
			DocFlags:   []string{"deprecated"}, DeprecatedSince: "7.0.0", ReplacedBy: "`CLUSTER SHARDS`",
			History: [][2]string{{"4.0.0", "Added node IDs."}, {"7.0.0", "Added additional networking metadata field."}},
		},
		proto: 3,
		want: "%8\r\n$7\r\nsummary\r\n$42\r\nGet array of Cluster slot to node mappings\r\n$5\r\nsince\r\n$5\r\n3.0.0\r\n" +
			"$5\r\ngroup\r\n$7\r\ncluster\r\n$10\r\ncomplexity\r\n$49\r\nO(N) where N is the total number of Cluster nodes\r\n" +
			"$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n7.0.0\r\n$11\r\nreplaced_by\r\n$16\r\n`CLUSTER SHARDS`\r\n" +
			"$7\r\nhistory\r\n~2\r\n*2\r\n$5\r\n4.0.0\r\n$15\r\nAdded node IDs.\r\n*2\r\n$5\r\n7.0.0\r\n$43\r\nAdded additional networking metadata field.\r\n",
	}, {
		name: "expire",
		doc: &Doc{
			Summary: "Set a key's time to live in seconds", Since: "1.0.0", Group: "generic", Complexity: "O(1)",
			History: [][2]string{{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
			Arguments: []*Arg{
				{Name: "key", Type: "key", KeySpecIndex: &zero},
				{Name: "seconds", Type: "integer"},
				{Name: "condition", Type: "oneof", Since: "7.0.0", Flags: []string{"optional"}, Arguments: []*Arg{
					{Name: "nx", Type: "pure-token", Token: ptr("NX")},
					{Name: "xx", Type: "pure-token", Token: ptr("XX")},
				}},
			},
		},
		proto: 2,
		want: "*12\r\n$7\r\nsummary\r\n$35\r\nSet a key's time to live in seconds\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n" +
			"$5\r\ngroup\r\n$7\r\ngeneric\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n" +
			"$7\r\nhistory\r\n*1\r\n*2\r\n$5\r\n7.0.0\r\n$41\r\nAdded options: `NX`, `XX`, `GT` and `LT`.\r\n" +
			"$9\r\narguments\r\n*3\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n" +
			"*4\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n" +
			"*10\r\n$4\r\nname\r\n$9\r\ncondition\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nsince\r\n$5\r\n7.0.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n" +
			"$9\r\narguments\r\n*2\r\n*6\r\n$4\r\nname\r\n$2\r\nnx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n" +
			"*6\r\n$4\r\nname\r\n$2\r\nxx\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nXX\r\n",
	}, {
		name:  "container",
		doc:   &Doc{Group: "server"},
		subs:  2,
		proto: 3,
		want:  "%2\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$11\r\nsubcommands\r\n%2\r\n",
	}, {
		name:  "empty oneof",
		doc:   &Doc{Group: "g", Arguments: []*Arg{{Name: "o", Type: "oneof"}}},
		proto: 3,
		want:  "%2\r\n$5\r\ngroup\r\n$1\r\ng\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$1\r\no\r\n$4\r\ntype\r\n$5\r\noneof\r\n$9\r\narguments\r\n*0\r\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := resp.NewWriter(tc.proto)
			tc.doc.Write(w, tc.subs)
			if got := string(w.Bytes()); got != tc.want {
				t.Errorf("Write(RESP%d) =\n%q\nwant\n%q", tc.proto, got, tc.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
