package server

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// Blocking commands (BLPOP and friends) outside MULTI wait in the backend
// (Backend.Block) on the connection's reader goroutine, as Redis keeps a
// blocked client's command pending. Meanwhile the connection's input is
// still read, as Redis keeps reading a blocked client's query buffer:
// a client that disconnects ends the wait at once, so that no element is
// popped for a client that is gone, and what a client sends meanwhile is
// run after the blocking command.

// Why a blocked command's wait was cut short (its context's cause).
var (
	errUnblockTimeout = errors.New("CLIENT UNBLOCK TIMEOUT")
	errUnblockError   = errors.New("CLIENT UNBLOCK ERROR")
	errClientGone     = errors.New("client disconnected while blocked")
)

const (
	errUnblocked      = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	errUnblockedState = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
)

// block runs a blocking command. The replies before it are handed to the
// writer first, as Redis sends them before the client blocks.
func (c *conn) block(dc *engine.Command, argv [][]byte, call *callInfo) Ticket {
	if !c.flush() {
		call.outcome = callNone
		c.closing = true
		return 0
	}
	call.replyFrom = 0 // flush handed the replies before it to the writer
	c.replyStart = 0
	call.start = time.Now()
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	var (
		blockedAt time.Time
		stopInput func()
	)
	res := c.s.backend.Block(ctx, &c.state, argv, c.w, func() {
		c.endPauseTurn() // a blocked command lets the next postponed one run
		blockedAt = time.Now()
		c.s.stats.info.blocked.Add(1)
		c.mu.Lock()
		c.unblock = cancel
		c.mu.Unlock()
		stopInput = c.readWhileBlocked(cancel)
	})
	if stopInput != nil {
		c.mu.Lock()
		c.unblock = nil
		c.mu.Unlock()
		stopInput()
		c.s.stats.info.blocked.Add(-1)
		call.blocked = time.Since(blockedAt)
	}
	switch {
	case res.Redirect:
		// As Redis Cluster's clusterRedirectBlockedClientIfNeeded: the
		// keys are served elsewhere now.
		if e := c.redirect(dc, argv); e != "" {
			c.errorReply(e)
		} else {
			c.errorReply(errUnblockedState)
		}
	case res.Cancelled:
		switch context.Cause(ctx) {
		case errUnblockTimeout:
			c.w.NullArray()
		case errUnblockError:
			c.errorReply(errUnblocked)
		}
		// Otherwise the client has gone, or the server is closing: no reply.
	}
	return res.Ticket
}

// readWhileBlocked reads the connection's input until the returned stop
// is called. On end of input or a read error it cancels the wait with
// errClientGone and makes the connection close once the command ends;
// bytes read are kept for the read loop (c.blockedInput). A connection
// that sends more than the query buffer limit meanwhile is closed, as
// Redis closes it.
func (c *conn) readWhileBlocked(cancel context.CancelCauseFunc) (stop func()) {
	_ = c.nc.SetReadDeadline(time.Time{}) // a blocked client is never idle
	done := make(chan struct{})
	stopping := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, readSize)
		for {
			n, err := c.nc.Read(buf)
			c.blockedInput = append(c.blockedInput, buf[:n]...)
			c.s.stats.netIn.Add(int64(n))
			if err == nil && int64(len(c.blockedInput)) > c.s.config.queryBufLimit.Load() {
				c.s.log.Warn("closing client that reached max query buffer length", "id", c.id, "addr", c.addr, "bytes", len(c.blockedInput))
				err = errClientGone
			}
			if err == nil {
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				select {
				case <-stopping:
					return
				default:
					// CONFIG SET timeout armed a deadline: not for a
					// blocked client.
					_ = c.nc.SetReadDeadline(time.Time{})
					continue
				}
			}
			c.inputGone = true
			cancel(errClientGone)
			return
		}
	}()
	return func() {
		close(stopping)
		_ = c.nc.SetReadDeadline(time.Now())
		<-done
		if c.s.config.idleTimeout.Load() > 0 {
			c.armIdleTimeout()
		} else {
			_ = c.nc.SetReadDeadline(time.Time{})
		}
	}
}

// clientUnblockCmd: CLIENT UNBLOCK id [TIMEOUT|ERROR] ends the wait of a
// connection blocked in a blocking command, as if it timed out (the
// default) or with an UNBLOCKED error; :1 if it was blocked, :0 if not.
func clientUnblockCmd(c *conn, argv [][]byte) Ticket {
	id, ok := string2ll(argv[2])
	if !ok {
		c.errorReply("ERR value is not an integer or out of range")
		return 0
	}
	cause := errUnblockTimeout
	switch {
	case len(argv) == 4 && equalFold(argv[3], "timeout"):
	case len(argv) == 4 && equalFold(argv[3], "error"):
		cause = errUnblockError
	case len(argv) == 4:
		c.errorReply("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		return 0
	case len(argv) > 4:
		c.errorReply("ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.")
		return 0
	}
	for _, o := range c.s.connList() {
		if o.id != id {
			continue
		}
		o.mu.Lock()
		unblock := o.unblock
		o.unblock = nil
		o.mu.Unlock()
		if unblock != nil {
			unblock(cause)
			c.w.Int(1)
			return 0
		}
	}
	c.w.Int(0)
	return 0
}
