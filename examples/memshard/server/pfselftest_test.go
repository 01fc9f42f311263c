package server

import (
	"bytes"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffPFSelfTestAndDebug: PFSELFTEST passes as Redis's does, and
// PFDEBUG answers through a connection (MULTI included) as Redis's does;
// the engine's tests compare PFDEBUG in detail.
func TestDiffPFSelfTestAndDebug(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, argv := range [][]string{
		{"PFSELFTEST"}, {"PFSELFTEST", "x"},
		{"PFADD", "h", "a", "b"}, {"PFDEBUG", "ENCODING", "h"}, {"PFDEBUG", "DECODE", "h"},
		{"MULTI"}, {"PFDEBUG", "TODENSE", "h"}, {"PFDEBUG", "ENCODING", "h"}, {"EXEC"},
		{"PFDEBUG", "TODENSE", "h"}, {"PFCOUNT", "h"}, {"GET", "h"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, got, want)
		}
	}
}
