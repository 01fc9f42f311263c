package server

import "github.com/quorumlog/quorumlog/examples/memshard/engine"

// pfselftestCmd is PFSELFTEST: the engine's HyperLogLog self-test
// (engine.HLLSelfTest). It touches no key, so it runs on the connection's
// goroutine, outside the backend: Redis blocks for the second it takes,
// and memshard's other clients (and a primary's lease) need not.
func pfselftestCmd(c *conn, argv [][]byte) Ticket {
	if msg := engine.HLLSelfTest(); msg != "" {
		c.errorReply(msg)
		return 0
	}
	c.w.OK()
	return 0
}
