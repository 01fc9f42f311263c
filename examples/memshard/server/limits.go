package server

import (
	"errors"
	"net"
	"os"
	"time"
)

// The connection limits CONFIG SET changes at run time: maxclients,
// timeout (idle clients), tcp-keepalive, client-query-buffer-limit and
// proto-max-bulk-len (configState holds them).

// errMaxClients is what Redis writes to a connection over maxclients
// before closing it; memshard says, as a Redis Cluster node does, that it
// counts no cluster bus connections.
const errMaxClients = "-ERR max number of clients + cluster connections reached\r\n"

// overMaxClients reports whether a new connection would exceed maxclients.
// Called with s.mu held.
func (s *Server) overMaxClients() bool {
	return int64(len(s.conns)) >= s.config.maxClients.Load()
}

// rejectConn refuses a connection over maxclients as Redis does: an error
// written at best effort, then close; on TLS, where no handshake was done
// yet, nothing is written (Redis's acceptCommonHandler says so). It counts
// rejected_connections.
// Called with s.mu held: a write to a new connection does not block (and
// gives up after a second).
func (s *Server) rejectConn(nc net.Conn) {
	s.stats.rejected.Add(1)
	if s.tlsAccept != nil {
		nc.Close()
		return
	}
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = nc.Write([]byte(errMaxClients))
	nc.Close()
}

// setKeepAlive sets TCP keepalive on a new connection as Redis's
// anetKeepAlive does for tcp-keepalive N: probes after N seconds idle,
// every N/3 seconds (at least 1), 3 of them; N = 0 turns it off.
func (s *Server) setKeepAlive(nc net.Conn) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	secs := s.config.keepAlive.Load()
	if secs == 0 {
		_ = tc.SetKeepAlive(false)
		return
	}
	_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{
		Enable:   true,
		Idle:     time.Duration(secs) * time.Second,
		Interval: time.Duration(max(secs/3, 1)) * time.Second,
		Count:    3,
	})
}

// armIdleTimeout sets the connection's read deadline for timeout: input
// must come within it, from now. It clears the deadline when timeout is
// 0. The reader calls it before each read while timeout is set; CONFIG SET
// timeout calls it on every connection (SetReadDeadline may be called
// concurrently with Read).
func (c *conn) armIdleTimeout() {
	if d := time.Duration(c.s.config.idleTimeout.Load()); d > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(d))
	} else {
		_ = c.nc.SetReadDeadline(time.Time{})
	}
}

// keepAfterDeadline decides, for a read that failed with err, whether the
// connection lives on. It does unless err is a read deadline and the
// connection is idle: no input for timeout (the deadline says so), no
// command for as long, and no reply pending (Redis does not time out a
// blocked client). Redis closes an idle client without a reply; so does
// the reader when this returns false. A connection kept gets a new
// deadline (or none, if timeout is now 0).
func (c *conn) keepAfterDeadline(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	c.mu.Lock()
	last := c.lastActive
	c.mu.Unlock()
	if d := time.Duration(c.s.config.idleTimeout.Load()); d > 0 && c.q.idle() && time.Since(last) >= d {
		c.s.log.Debug("closing idle client", "id", c.id, "addr", c.addr)
		return false
	}
	c.armIdleTimeout()
	return true
}
