package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], and the same on SIGTERM
// (cmd/memshard). A Redis primary shutting down waits, up to
// shutdown-timeout, for its replicas to catch up, so that they lose
// nothing. A memshard primary loses nothing either way (its writes are in
// the log), but its replicas would wait out its lease before electing one
// of them; so, unless NOW, it first hands over to a replica (CLUSTER
// FAILOVER sent to the replica: the manual failover path) and waits, up to
// shutdown-timeout, until it is a replica itself. Then the process exits.
// There is nothing to save: SAVE and NOSAVE change nothing, and FORCE has
// no failure to override.

// errShutdownAborted ends a SHUTDOWN that SHUTDOWN ABORT cancelled.
var errShutdownAborted = errors.New("shutdown aborted")

// shutdownState is the shutdown in progress, if any.
type shutdownState struct {
	mu     sync.Mutex
	cancel context.CancelCauseFunc // nil: none in progress
}

// shutdownCmd is SHUTDOWN.
func shutdownCmd(c *conn, argv [][]byte) Ticket {
	var save, nosave, now, abort bool
	for _, a := range argv[1:] {
		switch {
		case equalFold(a, "nosave"):
			nosave = true
		case equalFold(a, "save"):
			save = true
		case equalFold(a, "now"):
			now = true
		case equalFold(a, "force"):
		case equalFold(a, "abort"):
			abort = true
		default:
			c.errorReply("ERR syntax error")
			return 0
		}
	}
	if abort && len(argv) > 2 || save && nosave {
		c.errorReply("ERR syntax error")
		return 0
	}
	if abort {
		if !c.s.abortShutdown() {
			c.errorReply("ERR No shutdown in progress.")
			return 0
		}
		c.w.OK()
		return 0
	}
	if c.s.cfg.Exit == nil {
		c.s.log.Warn("SHUTDOWN refused: this server has no process to end (Config.Exit)")
		c.errorReply("ERR Errors trying to SHUTDOWN. Check logs.")
		return 0
	}
	if !c.flush() { // the replies before it leave first
		c.closing = true
		return 0
	}
	if err := c.s.Shutdown(c.ctx, now); err != nil {
		c.s.log.Warn("SHUTDOWN did not complete", "err", err)
		c.errorReply("ERR Errors trying to SHUTDOWN. Check logs.")
		return 0
	}
	c.s.log.Warn("SHUTDOWN: exiting", "addr", c.addr)
	c.s.cfg.Exit()
	c.closing = true // no reply: the server is going away, as in Redis
	return 0
}

// abortShutdown cancels the shutdown in progress; false if there is none.
func (s *Server) abortShutdown() bool {
	s.shutdown.mu.Lock()
	defer s.shutdown.mu.Unlock()
	if s.shutdown.cancel == nil {
		return false
	}
	s.shutdown.cancel(errShutdownAborted)
	s.shutdown.cancel = nil
	return true
}

// Shutdown prepares this node to stop: a primary hands over to one of its
// replicas and waits until it has, for at most shutdown-timeout, unless
// now. It returns an error only if SHUTDOWN ABORT cancelled it (or ctx
// ended); a handover that fails or takes too long is logged, and the node
// may stop anyway: the replicas then elect one of them once its lease has
// run out.
func (s *Server) Shutdown(ctx context.Context, now bool) error {
	secs, _ := strconv.Atoi(s.configValue("shutdown-timeout"))
	if now || secs == 0 || !s.backend.Route().Primary {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.shutdown.mu.Lock()
	if s.shutdown.cancel != nil {
		s.shutdown.cancel(errors.New("another SHUTDOWN"))
	}
	s.shutdown.cancel = cancel
	s.shutdown.mu.Unlock()
	defer func() {
		s.shutdown.mu.Lock()
		s.shutdown.cancel = nil
		s.shutdown.mu.Unlock()
	}()
	ctx, stop := context.WithTimeout(ctx, time.Duration(secs)*time.Second)
	defer stop()
	err := s.handOver(ctx)
	if cause := context.Cause(ctx); errors.Is(cause, errShutdownAborted) {
		return cause
	}
	if err != nil {
		s.log.Warn("shutting down without a handover: the replicas will elect a primary once this one's lease has run out", "err", err)
	}
	return nil
}

// handOver asks each live replica in turn to take over (CLUSTER FAILOVER)
// until one agrees, then waits until this node is no longer the primary.
func (s *Server) handOver(ctx context.Context) error {
	var errs []error
	for _, r := range s.backend.Topology().Replicas {
		if r.Failed {
			continue
		}
		err := askFailover(ctx, r.Addr, s.password(), s.dialTLS())
		if err == nil {
			s.log.Info("shutdown: handing over", "to", r.Addr)
			return s.awaitReplicaRole(ctx)
		}
		errs = append(errs, fmt.Errorf("%s: %w", r.Addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return errors.New("no live replica")
	}
	return errors.Join(errs...)
}

// awaitReplicaRole waits until this node is no longer the primary.
func (s *Server) awaitReplicaRole(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.backend.Route().Primary || s.backend.Route().HandingOver {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
	}
	return nil
}

// askFailover sends CLUSTER FAILOVER to the node at addr (after AUTH with
// pass, if set: a shard's nodes share their password) and returns its
// error reply, if any. With tlsCfg set it talks TLS, as the node's peers
// serve it.
func askFailover(ctx context.Context, addr, pass string, tlsCfg *tls.Config) error {
	var d net.Dialer
	nc, err := DialTLS(ctx, &d, addr, tlsCfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	defer stop()
	br := bufio.NewReader(nc)
	do := func(args ...string) error {
		req := fmt.Appendf(nil, "*%d\r\n", len(args))
		for _, a := range args {
			req = fmt.Appendf(req, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := nc.Write(req); err != nil {
			return err
		}
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if len(line) > 0 && line[0] == '-' {
			return errors.New(line[1 : len(line)-2])
		}
		return nil
	}
	if pass != "" {
		if err := do("AUTH", pass); err != nil {
			return err
		}
	}
	return do("CLUSTER", "FAILOVER")
}
