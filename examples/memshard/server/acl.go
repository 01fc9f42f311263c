package server

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// Users and permissions. The backend publishes the shard's users after
// each change (Backend.OnUsers); the server keeps the set it serves in
// Server.users, behind an atomic pointer, so that the command path checks
// permissions without a lock: a connection remembers the set it last saw
// and its user in it, and looks again only when the pointer changes.
//
// requirepass (--requirepass, CONFIG SET requirepass) is the default
// user's password as long as no ACL SETUSER has set the default user: the
// node's setting is then laid over the shard's default user. CONFIG SET
// requirepass is itself the shard's write ACL SETUSER default resetpass
// >password (nopass for ""), so that every node answers the same from
// then on; give every node of a shard the same --requirepass.

// aclRefresh recomputes the users this node serves from the backend's set
// and the node's requirepass, and disconnects the clients of the users
// ch deleted (Redis frees them, ACLFreeUserAndKillClients).
func (s *Server) aclRefresh(ch engine.UsersChange) {
	s.usersMu.Lock()
	old := s.users.Load()
	cur := s.servedUsers(ch.Users)
	s.users.Store(cur)
	s.usersMu.Unlock()
	if old != nil {
		s.killRevokedSubscribers(old, cur)
	}
	if len(ch.Deleted) == 0 {
		return
	}
	for _, c := range s.connList() {
		name := c.username()
		for _, d := range ch.Deleted {
			if name == d && !c.deletingUsers.Load() {
				c.kill()
			}
		}
	}
}

// killRevokedSubscribers disconnects the Pub/Sub clients of each changed
// user that are subscribed to a channel or pattern the user may no longer
// use (ACLKillPubsubClientsIfNeeded).
func (s *Server) killRevokedSubscribers(old, cur *acl.Users) {
	var revoked map[string][]string // user → its new channel patterns
	for _, name := range cur.Names() {
		o, n := old.Get(name), cur.Get(name)
		if o == nil || o == n || n.KeepsChannelsOf(o) {
			continue
		}
		if revoked == nil {
			revoked = make(map[string][]string)
		}
		revoked[name], _ = n.ChannelPatterns()
	}
	if revoked == nil {
		return
	}
	victims := make(map[*conn]bool)
	s.pubsub.mu.RLock()
	for k := range s.pubsub.subs {
		for name, conns := range s.pubsub.subs[k] {
			for _, c := range conns {
				if patterns, ok := revoked[c.username()]; ok && !acl.PubsubAllowed(patterns, []byte(name), subKind(k) == kindPattern) {
					victims[c] = true
				}
			}
		}
	}
	s.pubsub.mu.RUnlock()
	for c := range victims {
		c.kill()
	}
}

// servedUsers lays the node's requirepass over base.
func (s *Server) servedUsers(base *acl.Users) *acl.Users {
	cat := acl.Redis()
	if base == nil {
		base = acl.NewUsers(cat)
	}
	pass := s.password()
	if base.DefaultSet() || pass == "" {
		return base
	}
	d, err := base.Get("default").Set(cat, "resetpass", ">"+pass)
	if err != nil {
		return base
	}
	return base.WithDefault(d)
}

// username is the connection's user, for other goroutines too.
func (c *conn) username() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

func (c *conn) setUser(name string) {
	c.userName = name
	c.mu.Lock()
	c.user = name
	c.mu.Unlock()
	c.seenUsers = nil
}

// aclUser returns the connection's user in the set the node serves, nil
// if it was deleted.
func (c *conn) aclUser() *acl.User {
	us := c.s.users.Load()
	if us != c.seenUsers {
		c.seenUsers, c.seenUser = us, us.Get(c.userName)
	}
	return c.seenUser
}

// defaultAuthed reports whether a new connection is authenticated at once:
// the default user is on and takes no password.
func (s *Server) defaultAuthed() bool {
	d := s.users.Load().Get("default")
	return d != nil && d.Enabled() && d.NoPass()
}

// authenticate logs the connection in as user if pass is one of its
// passwords; it logs the failure otherwise (ACLAuthenticateUser).
func (c *conn) authenticate(user, pass []byte, cmd []byte) bool {
	if !c.passwordOK(user, pass) {
		c.s.aclLog.add(c, aclEntry{reason: "auth", object: string(cmd), username: string(user)}, c.multi)
		return false
	}
	c.authed = true
	c.setUser(string(user))
	return true
}

// passwordOK reports whether user and pass would authenticate.
func (c *conn) passwordOK(user, pass []byte) bool {
	u := c.s.users.Load().Get(string(user))
	return u != nil && u.Enabled() && u.CheckPassword(pass)
}

// checkACL is the permission check of processCommand: "" if the
// connection's user may run argv, else the NOPERM error, logged.
func (c *conn) checkACL(cc *connCommand, dc *engine.Command, argv [][]byte) string {
	u := c.aclUser()
	if u != nil && u.Open() {
		c.state.ScriptACL = nil
		return ""
	}
	c.state.ScriptACL = c.scriptACLFn
	if u == nil {
		// The node's users lack the connection's user: a deleted user's
		// clients are closed as the deletion is applied (aclRefresh), so
		// this is a node rebuilding its keyspace, whose users come back
		// with the log it replays: refuse, without closing.
		return "NOPERM this user has no permissions to run the '" + commandName(cc, dc) + "' command"
	}
	ac := c.s.aclCommand(cc, dc)
	if ac == nil {
		return ""
	}
	r, idx := u.Check(ac, argv)
	return c.aclDenied(r, idx, ac, argv, c.multi)
}

// aclDenied logs a denial and returns its error; "" for acl.OK.
func (c *conn) aclDenied(r acl.Result, idx int, ac *acl.Command, argv [][]byte, inMulti bool) string {
	switch r {
	case acl.DeniedCmd:
		c.s.aclLog.add(c, aclEntry{reason: "command", object: ac.Name}, inMulti)
		return "NOPERM this user has no permissions to run the '" + ac.Name + "' command"
	case acl.DeniedKey:
		c.s.aclLog.add(c, aclEntry{reason: "key", object: string(argv[idx])}, inMulti)
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case acl.DeniedChannel:
		c.s.aclLog.add(c, aclEntry{reason: "channel", object: string(argv[idx])}, inMulti)
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return ""
}

// scriptACL checks a command a script of the connection calls
// (scriptVerifyACL), for engine.Call.ScriptACL.
func (c *conn) scriptACL(argv [][]byte, log bool) string {
	u := c.aclUser()
	if u == nil || u.Open() {
		return ""
	}
	ac := acl.Redis().LookupArgv(argv)
	if ac == nil {
		return ""
	}
	r, idx := u.Check(ac, argv)
	var e aclEntry
	msg := ""
	switch r {
	case acl.DeniedCmd:
		e, msg = aclEntry{reason: "command", object: ac.Name}, "The user executing the script can't run this command or subcommand"
	case acl.DeniedKey:
		e, msg = aclEntry{reason: "key", object: string(argv[idx])}, "The user executing the script can't access at least one of the keys mentioned in the command arguments"
	case acl.DeniedChannel:
		e, msg = aclEntry{reason: "channel", object: string(argv[idx])}, "The user executing the script can't publish to the channel mentioned in the command"
	}
	if msg != "" && log {
		e.context = "lua"
		c.s.aclLog.add(c, e, false)
	}
	return msg
}

// execDenials checks each command of a MULTI block again at EXEC
// (execCommand): the error of each one the user may no longer run, ""
// for the others.
func (c *conn) execDenials(queued [][][]byte) []string {
	out := make([]string, len(queued))
	u := c.aclUser()
	if u != nil && u.Open() {
		return out
	}
	for i, argv := range queued {
		cc, dc, msg := c.s.lookup(argv)
		if msg != "" || (cc == nil && dc == nil) {
			continue
		}
		if u == nil {
			out[i] = execNoPerm + "no permission to execute the command or subcommand"
			continue
		}
		ac := c.s.aclCommand(cc, dc)
		if ac == nil {
			continue
		}
		r, idx := u.Check(ac, argv)
		switch r {
		case acl.DeniedCmd:
			c.s.aclLog.add(c, aclEntry{reason: "command", object: ac.Name, context: "multi"}, true)
			out[i] = execNoPerm + "no permission to execute the command or subcommand"
		case acl.DeniedKey:
			c.s.aclLog.add(c, aclEntry{reason: "key", object: string(argv[idx]), context: "multi"}, true)
			out[i] = execNoPerm + "no permission to touch the specified keys"
		case acl.DeniedChannel:
			c.s.aclLog.add(c, aclEntry{reason: "channel", object: string(argv[idx]), context: "multi"}, true)
			out[i] = execNoPerm + "no permission to access one of the channels used as arguments"
		}
	}
	return out
}

const execNoPerm = "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: "

func commandName(cc *connCommand, dc *engine.Command) string {
	if cc != nil {
		return cc.name
	}
	return dc.Name
}

// aclCommand returns the catalog's entry of a command, cached by name.
func (s *Server) aclCommand(cc *connCommand, dc *engine.Command) *acl.Command {
	name := commandName(cc, dc)
	if v, ok := s.aclCmds.Load(name); ok {
		return v.(*acl.Command)
	}
	ac := acl.Redis().Lookup(name)
	if ac != nil {
		s.aclCmds.Store(name, ac)
	}
	return ac
}

// aclEntry is one ACL LOG entry (ACLLogEntry).
type aclEntry struct {
	count    int64
	reason   string // "command", "key", "channel", "auth"
	context  string // "toplevel", "multi", "lua"
	object   string
	username string
	ctime    time.Time
	cinfo    string
}

// aclLog is the ACL LOG: newest first, at most acllog-max-len entries.
type aclLog struct {
	mu      sync.Mutex
	entries []*aclEntry
}

// add records e for c (addACLLogEntry): a like entry among the ten
// newest, less than a minute old, is counted again and moved first.
func (l *aclLog) add(c *conn, e aclEntry, inMulti bool) {
	if e.username == "" {
		e.username = c.username()
	}
	if e.context == "" {
		e.context = "toplevel"
		if inMulti {
			e.context = "multi"
		}
	}
	e.count, e.ctime = 1, time.Now()
	e.cinfo = strings.TrimSuffix(c.infoLine(e.ctime), "\n")
	max, _ := strconv.Atoi(c.s.configValue("acllog-max-len"))
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, old := range l.entries {
		if i == 10 {
			break
		}
		d := e.ctime.Sub(old.ctime)
		if old.reason == e.reason && old.context == e.context && old.object == e.object &&
			old.username == e.username && d <= time.Minute && d >= -time.Minute {
			old.cinfo, old.ctime = e.cinfo, e.ctime
			old.count++
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = old
			return
		}
	}
	l.entries = append([]*aclEntry{&e}, l.entries...)
	if len(l.entries) > max {
		l.entries = l.entries[:max]
	}
}

func (l *aclLog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// aclLogCmd: ACL LOG [count | RESET].
func aclLogCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 3 {
		c.subcommandSyntaxError(argv)
		return 0
	}
	count := int64(10)
	if len(argv) == 3 {
		if equalFold(argv[2], "reset") {
			c.s.aclLog.reset()
			c.w.OK()
			return 0
		}
		n, ok := string2ll(argv[2])
		if !ok {
			c.errorReply(errNotInteger)
			return 0
		}
		count = max(n, 0)
	}
	l := &c.s.aclLog
	l.mu.Lock()
	entries := make([]aclEntry, 0, min(int(min(count, 1<<20)), len(l.entries)))
	for _, e := range l.entries[:min(int(min(count, 1<<20)), len(l.entries))] {
		entries = append(entries, *e)
	}
	l.mu.Unlock()
	now := time.Now()
	w := c.w
	w.Array(len(entries))
	for _, e := range entries {
		w.Map(7)
		w.BulkString("count")
		w.Int(e.count)
		w.BulkString("reason")
		w.BulkString(e.reason)
		w.BulkString("context")
		w.BulkString(e.context)
		w.BulkString("object")
		w.BulkString(e.object)
		w.BulkString("username")
		w.BulkString(e.username)
		w.BulkString("age-seconds")
		w.Double(float64(now.Sub(e.ctime).Milliseconds()) / 1000)
		w.BulkString("client-info")
		w.BulkString(e.cinfo)
	}
	return 0
}
