package engine

import "testing"

// TestHLL_Debug compares every PFDEBUG subcommand and error with
// redis-server's, on sparse, dense and corrupted HLLs, and checks the
// replica's bytes after GETREG and TODENSE turned values dense.
func TestHLL_Debug(t *testing.T) {
	e, zeros := hllE, hllZeros
	base, hdr, cut := hllCorruptionBases(t)
	hllScripts(t, map[string][][]string{
		"subcommands": {
			{"PFADD", "h", "a", "b", "c"}, {"PFDEBUG", "ENCODING", "h"}, {"PFDEBUG", "DECODE", "h"},
			{"PFDEBUG", "GETREG", "h"}, {"GET", "h"}, {"PFDEBUG", "encoding", "h"}, {"PFDEBUG", "TODENSE", "h"},
			{"PFDEBUG", "DECODE", "h"}, {"PFCOUNT", "h"},
			{"PFADD", "h2", e(0, 1), e(16383, 32), e(7, 40)}, {"PFDEBUG", "decode", "h2"}, {"PFDEBUG", "todense", "h2"}, {"GET", "h2"},
			{"PFDEBUG", "TODENSE", "h2"}, {"PFADD", "h2", "x"}, {"PFCOUNT", "h2"},
			{"PFADD", "empty"}, {"PFDEBUG", "DECODE", "empty"},
		},
		"errors": {
			{"PFADD", "h", "a"}, {"PFDEBUG", "FOO", "h"}, {"PFDEBUG", "FOO", "nokey"}, {"PFDEBUG", "GETREG", "nokey"},
			{"SET", "s", "x"}, {"PFDEBUG", "GETREG", "s"}, {"PFDEBUG", "FOO", "s"}, {"RPUSH", "l", "x"}, {"PFDEBUG", "ENCODING", "l"},
			{"PFDEBUG", "GETREG"}, {"PFDEBUG", "GETREG", "h", "x"}, {"PFDEBUG"},
			// Unshared before the subcommand is known: OBJECT ENCODING says raw.
			{"SET", "e", hdr + zeros(16384)}, {"OBJECT", "ENCODING", "e"}, {"PFDEBUG", "NOSUCH", "e"}, {"OBJECT", "ENCODING", "e"},
		},
		"corrupted": {
			{"SET", "many", base + "\x00"}, {"PFDEBUG", "DECODE", "many"}, {"PFDEBUG", "TODENSE", "many"}, {"PFDEBUG", "GETREG", "many"},
			{"PFDEBUG", "ENCODING", "many"},
			{"SET", "few", base[:len(base)-2]}, {"PFDEBUG", "DECODE", "few"}, {"PFDEBUG", "TODENSE", "few"},
			{"SET", "cut", cut}, {"PFDEBUG", "DECODE", "cut"}, {"PFDEBUG", "TODENSE", "cut"}, {"GET", "cut"},
		},
	})
}
