package server

import (
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"slices"
)

// MULTI/EXEC/DISCARD/WATCH/UNWATCH. The transaction's data commands run in
// one Backend.Exec, atomically; connection commands queued with them (PING,
// CLIENT SETNAME, ...) touch no key and run here, their replies put in
// place in EXEC's array.

func multiCmd(c *conn, argv [][]byte) Ticket {
	if c.multi {
		c.errorReply("ERR MULTI calls can not be nested")
		return 0
	}
	c.multi, c.multiErr, c.queued = true, false, nil
	c.setMultiLen(0)
	c.w.OK()
	return 0
}

func discardCmd(c *conn, argv [][]byte) Ticket {
	if !c.multi {
		c.errorReply("ERR DISCARD without MULTI")
		return 0
	}
	c.discard()
	c.w.OK()
	return 0
}

// discard ends the transaction and forgets the watched keys
// (discardTransaction).
func (c *conn) discard() {
	c.multi, c.multiErr, c.queued = false, false, nil
	c.setMultiLen(-1)
	c.unwatch()
}

func (c *conn) unwatch() {
	if c.watching {
		c.s.backend.Unwatch(&c.state)
		c.watching = false
	}
}

func (c *conn) setMultiLen(n int) {
	c.mu.Lock()
	c.multiLen = n
	c.mu.Unlock()
}

func watchCmd(c *conn, argv [][]byte) Ticket {
	if c.multi {
		c.errorReply("ERR WATCH inside MULTI is not allowed")
		return 0
	}
	if e := c.redirectKeys(false, argv[1:]); e != "" {
		c.errorReply(e)
		return 0
	}
	c.s.backend.Watch(&c.state, argv[1:])
	c.watching = true
	c.w.OK()
	return 0
}

func unwatchCmd(c *conn, argv [][]byte) Ticket {
	c.unwatch()
	c.w.OK()
	return 0
}

func execCmd(c *conn, argv [][]byte) Ticket {
	c.execRedact = nil
	if !c.multi {
		c.errorReply("ERR EXEC without MULTI")
		return 0
	}
	if c.multiErr {
		c.discard()
		c.errorReply(errExecAbort)
		return 0
	}
	queued := c.queued
	// Permissions are checked again: they may have changed since queueing.
	denied := c.execDenials(queued)
	// The shard may have changed role or stopped serving since queueing:
	// redirect the whole transaction, as Redis's EXEC does.
	var data [][][]byte
	for i, argv := range queued {
		if c.queuedConnCommand(argv) != nil || denied[i] != "" {
			continue
		}
		if dc, _ := c.s.backend.Table().Resolve(argv); dc != nil {
			if e := c.redirect(dc, argv); e != "" {
				c.discard()
				c.errorReply(e)
				return 0
			}
		}
		data = append(data, argv)
	}
	defer c.discard()
	if len(data) == len(queued) {
		return c.s.backend.Exec(&c.state, queued, c.w)
	}
	// A HELLO in the block switches the protocol of the replies after it.
	c.state.Protos = c.blockProtos(queued, denied)
	defer func() { c.state.Protos = nil }()
	tmp := resp.NewWriter(c.w.Proto())
	// MONITOR shows the block's commands in its order: the backend's
	// lines wait for their place among the connection commands'.
	var shown *execMonitor
	if feed := c.state.Monitor; feed != nil {
		shown = &execMonitor{}
		c.state.Monitor = shown.record
		defer func() { c.state.Monitor = feed }()
	}
	t := c.s.backend.Exec(&c.state, data, tmp)
	shown.index()
	c.pushesFirst = true // the offsets of its keyspace notifications are tmp's
	replies, ok := splitArray(tmp.Bytes(), len(data))
	if !ok { // a null array (WATCH) or an error: EXEC's whole reply
		c.w.Raw(tmp.Bytes())
		return t
	}
	// A CLIENT REPLY in the block hides or shows what follows it, EXEC's
	// array header included, as each reply is written (as in Redis).
	c.replyKept = true
	if !c.replyHidden() {
		c.w.Array(len(queued))
	}
	for i, argv := range queued {
		mark := c.w.Len()
		if denied[i] != "" {
			c.errorReply(denied[i])
		} else if cc := c.queuedConnCommand(argv); cc != nil {
			c.redacted = c.redacted[:0]
			c.inExec = true
			cc.handler(c, argv)
			c.inExec = false
			if cc.monitored() {
				c.s.feedMonitors(c, argv, false, c.redacted)
			}
			if len(c.redacted) > 0 { // for the slow log (recordExec)
				if c.execRedact == nil {
					c.execRedact = make([][]int, len(queued))
				}
				c.execRedact[i] = slices.Clone(c.redacted)
			}
		} else {
			c.w.Raw(replies[0])
			replies = replies[1:]
			shown.feed(c, argv)
		}
		if c.replyHidden() {
			c.w.Truncate(mark)
		}
	}
	return t
}

// blockProtos returns the protocol each data command of queued answers
// in, if a HELLO among them changes it; else nil.
func (c *conn) blockProtos(queued [][][]byte, denied []string) []int {
	var protos []int
	p, switched := c.w.Proto(), false
	for i, argv := range queued {
		if denied[i] != "" {
			continue
		}
		if cc := c.queuedConnCommand(argv); cc != nil {
			if cc.name == "hello" {
				next := c.helloProto(argv, p)
				switched = switched || next != p
				p = next
			}
			continue
		}
		protos = append(protos, p)
	}
	if !switched {
		return nil
	}
	return protos
}

// queuedConnCommand returns the connection command (or subcommand) of a
// queued request; nil for a data command (one the engine runs included).
func (c *conn) queuedConnCommand(argv [][]byte) *connCommand {
	cc := lookupConn(connTable, argv[0])
	if cc != nil && cc.subs != nil && len(argv) >= 2 {
		cc = lookupConn(cc.subs, argv[1])
	}
	if cc != nil && cc.inEngine {
		return nil
	}
	return cc
}

// splitArray splits an encoded array of n replies into its elements.
func splitArray(b []byte, n int) ([][]byte, bool) {
	if len(b) == 0 || b[0] != '*' {
		return nil, false
	}
	hdr := indexUntilNUL(b, '\r')
	if hdr < 0 {
		return nil, false
	}
	if count, ok := string2ll(b[1:hdr]); !ok || count != int64(n) {
		return nil, false
	}
	b = b[hdr+2:]
	out := make([][]byte, 0, n)
	for range n {
		k := replyLen(b)
		if k <= 0 {
			return nil, false
		}
		out = append(out, b[:k])
		b = b[k:]
	}
	return out, true
}

// replyLen returns the length of the RESP2/RESP3 reply at the start of b,
// or -1 if b does not start with a complete one.
func replyLen(b []byte) int {
	if len(b) < 3 {
		return -1
	}
	line := -1
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			line = i
			break
		}
	}
	if line < 0 {
		return -1
	}
	pos := line + 2
	switch b[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return pos
	case '$', '=', '!':
		n, ok := string2ll(b[1:line])
		if !ok {
			return -1
		}
		if n < 0 {
			return pos
		}
		if int64(len(b)-pos) < n+2 {
			return -1
		}
		return pos + int(n) + 2
	case '*', '~', '>', '%', '|':
		n, ok := string2ll(b[1:line])
		if !ok {
			return -1
		}
		if b[0] == '%' || b[0] == '|' {
			n *= 2
		}
		for range max(n, 0) {
			k := replyLen(b[pos:])
			if k < 0 {
				return -1
			}
			pos += k
		}
		if b[0] == '|' {
			k := replyLen(b[pos:])
			if k < 0 {
				return -1
			}
			pos += k
		}
		return pos
	}
	return -1
}
