package shard

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// Peer liveness, for the cluster commands only. Redis Cluster nodes PING
// each other over the cluster bus and flag a node that has not answered
// for cluster-node-timeout as failed; CLUSTER SLOTS then leaves a failed
// replica out, so cluster clients stop sending it reads. memshard nodes
// have no bus: each node PINGs the others on their RESP address. Roles
// never depend on this (the log decides who is primary); it only keeps a
// dead replica out of the topology clients see.

// peer is what this node knows of another node's liveness.
type peer struct {
	lastPong   time.Time // monotonic; set when the peer is first seen
	pongMS     int64     // wall-clock ms of the last reply (CLUSTER NODES pong-recv)
	pingSentMS int64     // wall-clock ms of the unanswered PING, 0 if none
}

// failedLocked reports whether the node with cluster ID id has not
// answered for NodeTimeout.
func (s *Shard) failedLocked(id string, now time.Time) bool {
	p := s.peers[id]
	return p != nil && now.Sub(p.lastPong) > s.cfg.NodeTimeout
}

// watchPeerLocked starts probing a node registered in the members log (not
// this one), once.
func (s *Shard) watchPeerLocked(ctx context.Context, id, addr string) {
	if id == s.self.ID || s.peers[id] != nil {
		return
	}
	p := &peer{lastPong: time.Now()}
	s.peers[id] = p
	go s.probe(ctx, id, addr, p) // ends with the shard, or when p is forgotten
}

// probe PINGs addr every NodeTimeout/5 over one connection, redialled after
// any error, and records each reply (any reply: NOAUTH proves liveness as
// well as PONG).
func (s *Shard) probe(ctx context.Context, id, addr string, mine *peer) {
	every := max(s.cfg.NodeTimeout/5, 50*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	var conn net.Conn
	var rd *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		s.mu.Lock()
		forgotten := s.peers[id] != mine
		s.mu.Unlock()
		if forgotten {
			return
		}
		if conn == nil {
			d := net.Dialer{Timeout: every}
			dctx, cancel := context.WithTimeout(ctx, every) // the TLS handshake's bound too
			c, err := server.DialTLS(dctx, &d, addr, s.cfg.TLS)
			cancel()
			if err == nil {
				conn, rd = c, bufio.NewReader(c)
			}
		}
		if conn != nil {
			s.mu.Lock()
			if p := s.peers[id]; p != nil && p.pingSentMS == 0 {
				p.pingSentMS = time.Now().UnixMilli()
			}
			s.mu.Unlock()
			conn.SetDeadline(time.Now().Add(s.cfg.NodeTimeout))
			_, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n"))
			if err == nil {
				_, err = rd.ReadSlice('\n')
			}
			if err != nil {
				conn.Close()
				conn = nil
			} else {
				s.mu.Lock()
				if p := s.peers[id]; p != nil {
					p.lastPong, p.pongMS, p.pingSentMS = time.Now(), time.Now().UnixMilli(), 0
				}
				s.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
