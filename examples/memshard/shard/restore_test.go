package shard

import (
	"bytes"
	"strings"
	"testing"
)

// RESTORE goes through the log as Redis propagates it: a relative TTL is
// written as the absolute expiry the primary computed (ABSTTL), so that a
// replica and a node rebuilding from the log later set the same expiry;
// a payload too big for one record (a 3 MB string, in parts) arrives
// whole.
func TestShard_RestoreReplicatesWithAbsoluteTTL(t *testing.T) {
	ts := newTestShard(t, 2)
	p := ts.primary()
	big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MB
	for _, argv := range [][]string{
		{"RPUSH", "src", "a", "1", "b"}, {"SET", "bigsrc", big},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%.40q on the primary = %q, %v", argv, got, err)
		}
	}
	payload := func(key string) string {
		got, err := ts.do(p, "DUMP", key)
		if err != nil || got[0] != '$' {
			t.Fatalf("DUMP %s = %.40q, %v", key, got, err)
		}
		return got[strings.IndexByte(got, '\n')+1 : len(got)-2]
	}
	list, bigp := payload("src"), payload("bigsrc")
	for _, argv := range [][]string{
		{"RESTORE", "dst", "100000", list}, {"RESTORE", "bigdst", "0", bigp, "IDLETIME", "100"},
		{"RESTORE", "gone", "1", list, "ABSTTL"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got != "+OK\r\n" {
			t.Fatalf("%.40q on the primary = %q, %v", argv, got, err)
		}
	}
	expiry, _ := ts.do(p, "PEXPIRETIME", "dst")
	if !strings.HasPrefix(expiry, ":") || expiry == ":-1\r\n" {
		t.Fatalf("PEXPIRETIME dst on the primary = %q", expiry)
	}
	want := map[string]string{
		"LRANGE dst 0 -1": "*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n", "PEXPIRETIME dst": expiry,
		"STRLEN bigdst": ":3145728\r\n", "EXISTS gone": ":0\r\n",
	}
	ts.waitEveryNode(want)
	if got, _ := ts.do(1-p, "GET", "bigdst"); got != "$3145728\r\n"+big+"\r\n" {
		t.Errorf("GET bigdst on the replica: %d bytes, not the value", len(got))
	}

	// The log holds the RESTORE with the primary's absolute expiry.
	recs, _, parts := ts.shardBatches()
	if parts == 0 {
		t.Errorf("no record of the log is a part: the 3 MB RESTORE took one record")
	}
	var restores [][][]byte
	for _, r := range recs {
		for _, eff := range r.Effects {
			if strings.EqualFold(string(eff[0]), "RESTORE") {
				restores = append(restores, eff)
			}
		}
	}
	abs := []byte(strings.Trim(expiry, ":\r\n"))
	if len(restores) != 2 || !bytes.Equal(restores[0][2], abs) || !bytes.EqualFold(restores[0][len(restores[0])-1], []byte("ABSTTL")) {
		t.Fatalf("RESTORE effects in the log: %.80q, want dst's with TTL %s ABSTTL, then bigdst's", restores, abs)
	}

	ts.start(2) // rebuilds from the log
	ts.waitEveryNode(want)
}
