package server

import (
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/lolwut"
)

// lolwutCmd is LOLWUT [VERSION v] [...]: package lolwut draws, the reply
// is a verbatim string, as Redis 7.0's addReplyVerbatim.
func lolwutCmd(c *conn, argv [][]byte) Ticket {
	text, errMsg := lolwut.Reply(argv[1:], serverVersion, engine.ParseInt)
	if errMsg != "" {
		c.errorReply(errMsg)
		return 0
	}
	c.verbatim(text)
	return 0
}
