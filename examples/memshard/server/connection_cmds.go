package server

import (
	"net"
	"slices"
	"strconv"
	"time"
)

// Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET READONLY
// READWRITE TIME ROLE WAIT, with Redis 7.0's replies.

const (
	errNotInteger   = "ERR value is not an integer or out of range"
	errWrongPass    = "WRONGPASS invalid username-password pair or user is disabled."
	errClientName   = "ERR Client names cannot contain spaces, newlines or special characters."
	serverVersion   = "7.0.15"
	defaultUsername = "default"
)

func pingCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) <= 2 && c.inPubSubMode() && c.w.Proto() == 2 {
		// Redis answers a subscribed RESP2 client as a message would look.
		c.w.Array(2)
		c.w.BulkString("pong")
		if len(argv) == 1 {
			c.w.BulkString("")
		} else {
			c.w.Bulk(argv[1])
		}
		return 0
	}
	switch len(argv) {
	case 1:
		c.w.Simple("PONG")
	case 2:
		c.w.Bulk(argv[1])
	default:
		c.errorReply("ERR wrong number of arguments for 'ping' command")
	}
	return 0
}

func echoCmd(c *conn, argv [][]byte) Ticket {
	c.w.Bulk(argv[1])
	return 0
}

// helloCmd: HELLO [protover [AUTH username password] [SETNAME clientname]].
// The reply's mode is "cluster": memshard answers CLUSTER and READONLY as a
// one-shard cluster does.
func helloCmd(c *conn, argv [][]byte) Ticket {
	ver, opts, msg := parseHello(argv)
	for _, o := range opts {
		if o.auth {
			c.redact(o.at, o.at+1)
			if !c.authenticate(argv[o.at], argv[o.at+1], argv[0]) {
				c.errorReply(errWrongPass)
				return 0
			}
		} else if !c.setName(argv[o.at]) {
			return 0
		}
	}
	if msg != "" {
		c.errorReply(msg)
		return 0
	}
	if c.authRequired() {
		c.errorReply("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return 0
	}
	if ver != 0 {
		c.setProto(int(ver))
	}
	// The route, not the topology, which waits for the backend's lock:
	// HELLO is answered while a script runs (allow_busy), as in Redis.
	role := "master"
	if !c.s.backend.Route().Primary {
		role = "replica"
	}
	w := c.w
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(serverVersion)
	w.BulkString("proto")
	w.Int(int64(w.Proto()))
	w.BulkString("id")
	w.Int(c.id)
	w.BulkString("mode")
	w.BulkString("cluster")
	w.BulkString("role")
	w.BulkString(role)
	w.BulkString("modules")
	w.Array(0)
	return 0
}

// helloOption is one AUTH or SETNAME option of HELLO: at is the index
// of its first argument.
type helloOption struct {
	auth bool
	at   int
}

// parseHello parses HELLO's protocol version (0 if none) and options, as
// Redis 7.0.15 does. Redis acts on each option as it parses it, so the
// options before the one an error is about are returned with it: a
// later syntax error leaves a login done and a name set.
func parseHello(argv [][]byte) (ver int64, opts []helloOption, errMsg string) {
	next := 1
	if len(argv) >= 2 {
		v, ok := string2ll(argv[1])
		if !ok {
			return 0, nil, "ERR Protocol version is not an integer or out of range"
		}
		if v < 2 || v > 3 {
			return 0, nil, "NOPROTO unsupported protocol version"
		}
		ver = v
		next = 2
	}
	for j := next; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case equalFold(argv[j], "auth") && more >= 2:
			opts = append(opts, helloOption{auth: true, at: j + 1})
			j += 2
		case equalFold(argv[j], "setname") && more >= 1:
			opts = append(opts, helloOption{at: j + 1})
			j++
		default:
			return ver, opts, "ERR Syntax error in HELLO option '" + cString(argv[j], len(argv[j])) + "'"
		}
	}
	return ver, opts, ""
}

// helloProto returns the protocol the connection speaks after HELLO argv
// if it speaks cur before: a HELLO that would fail changes nothing. It
// runs no part of HELLO: EXEC asks it to know beforehand in which
// protocol each command of its block answers.
func (c *conn) helloProto(argv [][]byte, cur int) int {
	ver, opts, msg := parseHello(argv)
	if msg != "" || ver == 0 {
		return cur
	}
	authed := !c.authRequired()
	for _, o := range opts {
		switch {
		case o.auth && !c.passwordOK(argv[o.at], argv[o.at+1]):
			return cur
		case o.auth:
			authed = true
		case !validClientName(argv[o.at]):
			return cur
		}
	}
	if !authed {
		return cur
	}
	return int(ver)
}

func authCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 3 {
		c.errorReply("ERR syntax error")
		return 0
	}
	for j := 1; j < len(argv); j++ {
		c.redact(j)
	}
	user, pass := []byte(defaultUsername), argv[1]
	if len(argv) == 2 {
		if d := c.s.users.Load().Get(defaultUsername); d == nil || d.NoPass() {
			c.errorReply("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return 0
		}
	} else {
		user, pass = argv[1], argv[2]
	}
	if !c.authenticate(user, pass, argv[0]) {
		c.errorReply(errWrongPass)
		return 0
	}
	c.w.OK()
	return 0
}

// selectCmd: memshard has database 0 only.
func selectCmd(c *conn, argv [][]byte) Ticket {
	id, ok := string2ll(argv[1])
	switch {
	case !ok || id < -1<<31 || id > 1<<31-1:
		c.errorReply(errNotInteger)
	case id != 0:
		c.errorReply("ERR DB index is out of range")
	default:
		c.w.OK()
	}
	return 0
}

func quitCmd(c *conn, argv [][]byte) Ticket {
	c.w.OK()
	c.closing = true
	return 0
}

// resetCmd: clearClientConnectionState.
func resetCmd(c *conn, argv [][]byte) Ticket {
	c.discard()
	c.unsubscribeAll()
	c.stopMonitoring()
	c.s.tracker.disable(c)
	c.setProto(2)
	c.setUser(defaultUsername)
	c.authed = c.s.defaultAuthed()
	c.setReadOnly(false)
	c.mu.Lock()
	c.name = ""
	c.mu.Unlock()
	c.replyFlags &^= replyOff | replySkipNext
	c.w.Simple("RESET")
	return 0
}

func readonlyCmd(c *conn, argv [][]byte) Ticket {
	c.setReadOnly(true)
	c.w.OK()
	return 0
}

func readwriteCmd(c *conn, argv [][]byte) Ticket {
	c.setReadOnly(false)
	c.w.OK()
	return 0
}

func timeCmd(c *conn, argv [][]byte) Ticket {
	now := time.Now()
	c.w.Array(2)
	c.w.BulkInt(now.Unix())
	c.w.BulkInt(int64(now.Nanosecond() / 1000))
	return 0
}

// roleCmd: the offsets are log IDs (Topology.AppliedID); a replica's own
// offset is not known to this node, so the primary's is shown for each.
func roleCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	w := c.w
	if topo.Role == "slave" {
		host, port := splitAddr(topo.Primary.Addr)
		state := "connected"
		if topo.Primary.Addr == "" || !topo.Serving {
			state = "connect"
		}
		w.Array(5)
		w.BulkString("slave")
		w.BulkString(host)
		w.Int(int64(port))
		w.BulkString(state)
		w.Int(int64(topo.AppliedID))
		return 0
	}
	w.Array(3)
	w.BulkString("master")
	w.Int(int64(topo.AppliedID))
	reps := liveReplicas(topo)
	w.Array(len(reps))
	for _, r := range reps {
		host, port := splitAddr(r.Addr)
		w.Array(3)
		w.BulkString(host)
		w.BulkString(strconv.Itoa(port))
		w.BulkString(strconv.FormatUint(topo.AppliedID, 10))
	}
	return 0
}

// waitCmd: WAIT numreplicas timeout replies at once with the number of
// replicas: a write is acknowledged only once it is on a quorum of the log's
// nodes, and every replica reads that log, so there is nothing to wait for
// (its reply still leaves only after the replies of earlier writes).
func waitCmd(c *conn, argv [][]byte) Ticket {
	if _, ok := string2ll(argv[1]); !ok {
		c.errorReply(errNotInteger)
		return 0
	}
	timeout, ok := string2ll(argv[2])
	if !ok {
		c.errorReply("ERR timeout is not an integer or out of range")
		return 0
	}
	if timeout < 0 {
		c.errorReply("ERR timeout is negative")
		return 0
	}
	topo := c.s.backend.Topology()
	if topo.Role == "slave" {
		c.errorReply("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return 0
	}
	c.w.Int(int64(len(liveReplicas(topo))))
	return 0
}

// liveReplicas returns the replicas not seen as failed: Redis's ROLE and
// WAIT count only the replicas connected to the primary.
func liveReplicas(topo Topology) []Node {
	return slices.DeleteFunc(slices.Clone(topo.Replicas), func(n Node) bool { return n.Failed })
}

// protocol is the connection's protocol, for other goroutines (a
// publisher encoding a message for it).
func (c *conn) protocol() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proto
}

func (c *conn) setProto(p int) {
	c.w.SetProto(p)
	c.mu.Lock()
	c.proto = p
	c.mu.Unlock()
}

func (c *conn) setReadOnly(ro bool) {
	c.state.ReadOnly = ro
	c.mu.Lock()
	c.readOnly = ro
	c.mu.Unlock()
}

// setName sets the client name (empty clears it), or replies the error.
func (c *conn) setName(name []byte) bool {
	if !validClientName(name) {
		c.errorReply(errClientName)
		return false
	}
	c.mu.Lock()
	c.name = string(name)
	c.mu.Unlock()
	return true
}

// validClientName reports whether name may name a client: no spaces,
// newlines or other special characters.
func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

// splitAddr splits "host:port"; port is 0 if absent or not a number.
func splitAddr(addr string) (host string, port int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	port, _ = strconv.Atoi(p)
	return h, port
}
