package shard

import (
	"testing"

	"github.com/quorumlog/quorumlog/client"
)

// Function libraries are data that goes through the log: a library loaded
// on the primary runs on a replica (FCALL_RO of a no-writes function; a
// writing one is refused there as a Redis replica refuses it), and a node
// that rebuilds from a snapshot and the log after it (trimmed through the
// snapshot) has every library, those loaded after the snapshot included.
func TestShard_FunctionsReplicateAndSurviveASnapshot(t *testing.T) {
	store := mustDirStore(t, t.TempDir())
	ts := newTestShardTuned(t, 2, func(c *Config) { c.Snapshots = store })
	p := ts.primary()
	r := 1 - p
	const lib = "#!lua name=shardlib\n" +
		"redis.register_function('put', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
		"redis.register_function{function_name='get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"
	for _, tc := range []struct{ argv []string }{
		{[]string{"FUNCTION", "LOAD", lib}}, {[]string{"FCALL", "put", "1", "k", "v"}},
	} {
		if got, err := ts.do(p, tc.argv...); err != nil || got[0] == '-' {
			t.Fatalf("%.40q on the primary = %q, %v", tc.argv, got, err)
		}
	}
	ts.waitEveryNode(map[string]string{"FCALL_RO get 1 k": "$1\r\nv\r\n", "FCALL get 1 k": "$1\r\nv\r\n"})
	for _, argv := range [][]string{{"FCALL", "put", "1", "k", "w"}, {"FCALL_RO", "put", "1", "k", "w"}} {
		if got, _ := ts.do(r, argv...); got != "-READONLY You can't write against a read only replica.\r\n" {
			t.Errorf("%q on the replica = %q", argv, got)
		}
	}
	// A function nobody loaded: not a write (as Redis, which has no flags
	// for it), so the replica answers as Redis's does.
	if got, _ := ts.do(r, "FCALL", "nosuch", "0"); got != "-ERR Function not found\r\n" {
		t.Errorf("FCALL of an unknown function on the replica = %q", got)
	}

	res, err := TakeSnapshot(t.Context(), ts.log, "shard1", store, true)
	if err != nil || !res.Trimmed {
		t.Fatalf("TakeSnapshot = %+v, %v", res, err)
	}
	// After the snapshot, in the log only: another library, a replaced
	// one, a deleted one.
	const lib2 = "#!lua name=later\nredis.register_function{function_name='later', callback=function() return 'later' end, flags={'no-writes'}}"
	const gone = "#!lua name=gone\nredis.register_function('gone', function() return 1 end)"
	for _, argv := range [][]string{
		{"FUNCTION", "LOAD", lib2}, {"FUNCTION", "LOAD", gone}, {"FUNCTION", "DELETE", "gone"},
		{"FUNCTION", "LOAD", "REPLACE", lib + "\nredis.register_function{function_name='get2', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"},
	} {
		if got, err := ts.do(p, argv...); err != nil || got[0] == '-' {
			t.Fatalf("%.40q on the primary = %q, %v", argv, got, err)
		}
	}
	if info, err := ts.log.Describe(t.Context(), "shard1", client.Linearizable()); err != nil || info.FirstID != res.ID+1 {
		t.Fatalf("the log starts at %d (%v), want %d: not trimmed through the snapshot", info.FirstID, err, res.ID+1)
	}
	want, _ := ts.do(p, "FUNCTION", "LIST", "WITHCODE")
	ts.start(2) // rebuilds from the snapshot and the log after it
	ts.waitEveryNode(map[string]string{"FUNCTION LIST WITHCODE": want, "FCALL_RO get2 1 k": "$1\r\nv\r\n",
		"FCALL_RO later 0": "$5\r\nlater\r\n", "FCALL_RO gone 0": "-ERR Function not found\r\n"})
}
