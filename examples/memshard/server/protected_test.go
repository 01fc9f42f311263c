package server

import (
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// DEBUG and MODULE answer as redis-server with its defaults
// (enable-debug-command and enable-module-command no; the other diff tests'
// redis-server allows DEBUG from loopback): refused after the arity check
// and before authentication, queueing in MULTI refused.
func TestDiffProtected(t *testing.T) {
	rs := redisdiff.StartWith(t, "--enable-debug-command", "no")
	_, addr := startServer(t, Config{})
	runDiff(t, rs.Addr, addr, []diffCase{
		{name: "debug", in: "DEBUG\r\nDEBUG SLEEP 0\r\nDEBUG HELP\r\nMULTI\r\nDEBUG SLEEP 0\r\nPING\r\nEXEC\r\nCONFIG GET enable-debug-command\r\nCONFIG GET enable-module-command\r\n"},
		{name: "module", in: "MODULE\r\nMODULE LIST\r\nMODULE HELP\r\nMODULE FOO\r\nMODULE LOAD x\r\nMODULE LOADEX x\r\nMODULE UNLOAD x\r\nMODULE UNLOAD x y\r\nMODULE LOAD\r\nMULTI\r\nMODULE LIST\r\nEXEC\r\n"},
	}, nil)

	rsAuth := redisdiff.StartWith(t, "--enable-debug-command", "no", "--requirepass", "pw")
	_, authAddr := startServer(t, Config{RequirePass: "pw"})
	runDiffAuth(t, rsAuth.Addr, authAddr, []diffCase{
		{name: "noauth", in: "DEBUG SLEEP 0\r\nMODULE LOAD x\r\nMODULE LIST\r\nMODULE HELP\r\nMODULE FOO\r\nMODULE UNLOAD x\r\n"},
	}, nil, "pw")
}
