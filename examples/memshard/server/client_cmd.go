package server

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CLIENT subcommands of Redis 7.0 that memshard has: ID SETNAME GETNAME
// INFO LIST KILL REPLY NO-EVICT UNBLOCK HELP, TRACKING, TRACKINGINFO,
// CACHING and GETREDIR (tracking.go), PAUSE and UNPAUSE (pause.go). (SETINFO is 7.2's: unknown
// subcommand, as 7.0 says; clients ignore that error.)

func clientSubcommands() map[string]*connCommand {
	return subTable(
		&connCommand{name: "id", arity: 2, flags: fClient, acl: aSlowC, handler: clientIDCmd},
		&connCommand{name: "setname", arity: 3, flags: fClient, acl: aSlowC, handler: clientSetNameCmd},
		&connCommand{name: "getname", arity: 2, flags: fClient, acl: aSlowC, handler: clientGetNameCmd},
		&connCommand{name: "info", arity: 2, flags: fClient, acl: aSlowC, handler: clientInfoCmd},
		&connCommand{name: "list", arity: -2, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientListCmd},
		&connCommand{name: "kill", arity: -3, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientKillCmd},
		&connCommand{name: "reply", arity: 3, flags: fClient, acl: aSlowC, handler: clientReplyCmd},
		&connCommand{name: "no-evict", arity: 3, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientNoEvictCmd},
		&connCommand{name: "unblock", arity: -3, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientUnblockCmd},
		&connCommand{name: "getredir", arity: 2, flags: fClient, acl: aSlowC, handler: clientGetRedirCmd},
		&connCommand{name: "tracking", arity: -3, flags: fClient, acl: aSlowC, handler: clientTrackingCmd},
		&connCommand{name: "trackinginfo", arity: 2, flags: fClient, acl: aSlowC, handler: clientTrackingInfoCmd},
		&connCommand{name: "caching", arity: 3, flags: fClient, acl: aSlowC, handler: clientCachingCmd},
		&connCommand{name: "pause", arity: -3, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientPauseCmd},
		&connCommand{name: "unpause", arity: 2, flags: fAdmin, acl: append(aAdmin[:3:3], "@connection"), handler: clientUnpauseCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: aSlowC, handler: clientHelpCmd},
	)
}

func clientIDCmd(c *conn, argv [][]byte) Ticket {
	c.w.Int(c.id)
	return 0
}

func clientSetNameCmd(c *conn, argv [][]byte) Ticket {
	if c.setName(argv[2]) {
		c.w.OK()
	}
	return 0
}

func clientGetNameCmd(c *conn, argv [][]byte) Ticket {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	if name == "" {
		c.w.NullBulk()
	} else {
		c.w.BulkString(name)
	}
	return 0
}

func clientInfoCmd(c *conn, argv [][]byte) Ticket {
	c.verbatim(c.infoLine(time.Now()))
	return 0
}

// clientListCmd: CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id...].
func clientListCmd(c *conn, argv [][]byte) Ticket {
	conns := c.s.connList()
	switch {
	case len(argv) == 2:
	case len(argv) == 4 && equalFold(argv[2], "type"):
		t := strings.ToLower(string(argv[3]))
		switch t {
		case "normal", "pubsub":
			conns = slices.DeleteFunc(conns, func(o *conn) bool { return o.isPubSub() != (t == "pubsub") })
		case "master", "replica", "slave":
			conns = nil
		default:
			c.errorReply("ERR Unknown client type '" + cString(argv[3], len(argv[3])) + "'")
			return 0
		}
	case len(argv) >= 4 && equalFold(argv[2], "id"):
		var ids []int64
		for _, a := range argv[3:] {
			id, ok := string2ll(a)
			if !ok || id <= 0 {
				c.errorReply("ERR Invalid client ID")
				return 0
			}
			ids = append(ids, id)
		}
		conns = slices.DeleteFunc(conns, func(o *conn) bool { return !slices.Contains(ids, o.id) })
	default:
		c.errorReply("ERR syntax error")
		return 0
	}
	now := time.Now()
	var b strings.Builder
	for _, o := range conns {
		b.WriteString(o.infoLine(now))
	}
	c.verbatim(b.String())
	return 0
}

// infoLine is the connection's line of CLIENT LIST, in Redis 7.0's field
// order. Buffer sizes are memshard's own approximations.
func (c *conn) infoLine(now time.Time) string {
	c.mu.Lock()
	user := c.user
	name, cmd, active, proto, ro, multiLen, blocked := c.name, c.lastCmd, c.lastActive, c.proto, c.readOnly, c.multiLen, c.unblock != nil || c.postponedCmd
	subs := c.subCounts
	c.mu.Unlock()
	flags := ""
	if c.monitoring.Load() {
		flags += "O"
	}
	if subs[kindChannel]+subs[kindPattern]+subs[kindShard] > 0 {
		flags += "P"
	}
	if multiLen >= 0 {
		flags += "x"
	}
	if blocked {
		flags += "b"
	}
	tflags, redir := c.s.tracker.flags(c)
	flags += tflags
	if ro {
		flags += "r"
	}
	if flags == "" {
		flags = "N"
	}
	if cmd == "" {
		cmd = "NULL"
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=0 sub=%d psub=%d ssub=%d multi=%d qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=%d rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=%s redir=%d resp=%d\n",
		c.id, c.addr, c.laddr, c.fd, name, int64(now.Sub(c.created).Seconds()), int64(now.Sub(active).Seconds()),
		flags, subs[kindChannel], subs[kindPattern], subs[kindShard], multiLen, readSize, cmd, user, redir, proto)
}

// clientKillCmd: CLIENT KILL addr (old form: +OK, or an error if none) and
// CLIENT KILL [ID id] [ADDR addr] [LADDR addr] [TYPE type] [USER user]
// [SKIPME yes|no] (the count killed).
func clientKillCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) == 3 {
		for _, o := range c.s.connList() {
			if o.addr == string(argv[2]) {
				c.killConn(o)
				c.w.OK()
				return 0
			}
		}
		c.errorReply("ERR No such client")
		return 0
	}
	if len(argv)%2 != 0 {
		c.errorReply("ERR syntax error")
		return 0
	}
	var (
		id          int64
		addr, laddr string
		skipMe      = true
		none        bool   // a filter no connection matches
		onlyType    string // "normal" or "pubsub": connections of that type
		user        string // with byUser: connections logged in as user
		byUser      bool
	)
	for i := 2; i < len(argv); i += 2 {
		v := argv[i+1]
		switch strings.ToLower(string(argv[i])) {
		case "id":
			n, ok := string2ll(v)
			if !ok || n <= 0 {
				c.errorReply("ERR client-id should be greater than 0")
				return 0
			}
			id = n
		case "addr":
			addr = string(v)
		case "laddr":
			laddr = string(v)
		case "type":
			switch t := strings.ToLower(string(v)); t {
			case "normal", "pubsub":
				onlyType = t
			case "master", "replica", "slave":
				none = true
			default:
				c.errorReply("ERR Unknown client type '" + cString(v, len(v)) + "'")
				return 0
			}
		case "user":
			if c.s.aclUsersNow().Get(string(v)) == nil {
				c.errorReply("ERR No such user '" + cString(v, len(v)) + "'")
				return 0
			}
			user, byUser = string(v), true
		case "skipme":
			switch strings.ToLower(string(v)) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				c.errorReply("ERR syntax error")
				return 0
			}
		default:
			c.errorReply("ERR syntax error")
			return 0
		}
	}
	killed := 0
	for _, o := range c.s.connList() {
		if none || id != 0 && o.id != id || addr != "" && o.addr != addr || laddr != "" && o.laddr != laddr || o == c && skipMe {
			continue
		}
		if onlyType != "" && o.isPubSub() != (onlyType == "pubsub") {
			continue
		}
		if byUser && o.username() != user {
			continue
		}
		c.killConn(o)
		killed++
	}
	c.w.Int(int64(killed))
	return 0
}

// isPubSub reports whether o has a subscription (Redis's client type
// pubsub, which CLIENT LIST and KILL TYPE tell from normal).
func (o *conn) isPubSub() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.subCounts[kindChannel]+o.subCounts[kindPattern]+o.subCounts[kindShard] > 0
}

// killConn closes o; the connection itself closes after this reply.
func (c *conn) killConn(o *conn) {
	if o == c {
		c.closing = true
		return
	}
	o.kill()
}

func clientReplyCmd(c *conn, argv [][]byte) Ticket {
	switch strings.ToLower(string(argv[2])) {
	case "on":
		c.replyFlags &^= replySkip | replyOff
		c.w.OK()
	case "off":
		c.replyFlags |= replyOff
	case "skip":
		if c.replyFlags&replyOff == 0 {
			c.replyFlags |= replySkipNext
		}
	default:
		c.errorReply("ERR syntax error")
	}
	return 0
}

func clientNoEvictCmd(c *conn, argv [][]byte) Ticket {
	switch strings.ToLower(string(argv[2])) {
	case "on", "off":
		c.w.OK()
	default:
		c.errorReply("ERR syntax error")
	}
	return 0
}

// clientHelpCmd: Redis 7.0's CLIENT HELP, in its order and words.
func clientHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("CLIENT", []string{
		"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME", "    Return the name of the current connection.",
		"ID", "    Return the ID of the current connection.",
		"INFO", "    Return information about the current client connection.",
		"KILL <ip:port>", "    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE", "    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO", "    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
	})
	return 0
}

func sortConns(cs []*conn) {
	slices.SortFunc(cs, func(a, b *conn) int { return cmp.Compare(a.id, b.id) })
}
