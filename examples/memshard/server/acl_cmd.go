package server

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
)

// ACL: Redis 7.0's ACL command. The users are the shard's: ACL SETUSER
// and ACL DELUSER are the shard's writes, run by the backend (on the
// primary only: a replica answers READONLY); every other subcommand reads
// the set the backend last published (Server.users).

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

var fACL = []string{"admin", "noscript", "loading", "stale"}

func aclSubcommands() map[string]*connCommand {
	aAdminACL := aAdmin
	return subTable(
		&connCommand{name: "cat", arity: -2, flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow"}, handler: aclCatCmd},
		&connCommand{name: "deluser", arity: -3, flags: fACL, acl: aAdminACL, handler: aclWriteCmd},
		&connCommand{name: "dryrun", arity: -4, flags: fACL, acl: aAdminACL, handler: aclDryRunCmd},
		&connCommand{name: "genpass", arity: -2, flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow"}, handler: aclGenPassCmd},
		&connCommand{name: "getuser", arity: 3, flags: fACL, acl: aAdminACL, handler: aclGetUserCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, handler: aclHelpCmd},
		&connCommand{name: "list", arity: 2, flags: fACL, acl: aAdminACL, handler: aclListCmd},
		&connCommand{name: "load", arity: 2, flags: fACL, acl: aAdminACL, handler: aclFileCmd},
		&connCommand{name: "log", arity: -2, flags: fACL, acl: aAdminACL, handler: aclLogCmd},
		&connCommand{name: "save", arity: 2, flags: fACL, acl: aAdminACL, handler: aclFileCmd},
		&connCommand{name: "setuser", arity: -3, flags: fACL, acl: aAdminACL, handler: aclWriteCmd},
		&connCommand{name: "users", arity: 2, flags: fACL, acl: aAdminACL, handler: aclUsersCmd},
		&connCommand{name: "whoami", arity: 2, flags: []string{"noscript", "loading", "stale"}, acl: []string{"@slow"}, handler: aclWhoAmICmd},
	)
}

// aclWriteCmd: ACL SETUSER and ACL DELUSER, which the backend runs.
func aclWriteCmd(c *conn, argv [][]byte) Ticket {
	setuser := equalFold(argv[1], "setuser")
	if setuser {
		for j := 2; j < len(argv); j++ {
			c.redact(j)
		}
	}
	if !c.s.backend.Route().Primary {
		c.errorReply(errReadOnly)
		return 0
	}
	if setuser {
		if !acl.ValidName(argv[2]) {
			c.errorReply("ERR Usernames can't contain spaces or null characters")
			return 0
		}
		rules := make([]string, len(argv)-3)
		for i, r := range argv[3:] {
			rules[i] = string(r)
		}
		if _, bad := acl.MergeSelectors(rules); bad >= 0 {
			c.errorReply("ERR " + (&acl.UnmatchedError{Arg: rules[bad]}).Error())
			return 0
		}
	}
	c.deletingUsers.Store(true)
	t := c.s.backend.Do(&c.state, argv, c.w)
	c.deletingUsers.Store(false)
	if !setuser && c.s.users.Load().Get(c.username()) == nil {
		// Redis closes a client whose user it deleted once its reply is
		// sent (CLIENT_CLOSE_AFTER_COMMAND).
		c.closing = true
	}
	return t
}

// aclUsersNow returns the users as this node serves them.
func (s *Server) aclUsersNow() *acl.Users { return s.users.Load() }

func aclGetUserCmd(c *conn, argv [][]byte) Ticket {
	u := c.s.aclUsersNow().Get(string(argv[2]))
	if u == nil {
		c.w.NullBulk()
		return 0
	}
	cat := acl.Redis()
	w := c.w
	sels := u.Selectors()
	w.Map(6)
	w.BulkString("flags")
	flags := u.Flags()
	w.Set(len(flags))
	for _, f := range flags {
		w.BulkString(f)
	}
	w.BulkString("passwords")
	w.Array(len(u.Passwords()))
	for _, p := range u.Passwords() {
		w.BulkString(p)
	}
	writeSelector(w, sels[0], cat)
	w.BulkString("selectors")
	w.Array(len(sels) - 1)
	for _, s := range sels[1:] {
		w.Map(3)
		writeSelector(w, s, cat)
	}
	return 0
}

func writeSelector(w interface {
	BulkString(string)
}, s *acl.Selector, cat *acl.Catalog) {
	w.BulkString("commands")
	w.BulkString(s.CommandRules(cat))
	w.BulkString("keys")
	w.BulkString(s.KeyRules())
	w.BulkString("channels")
	w.BulkString(s.ChannelRules())
}

func aclListCmd(c *conn, argv [][]byte) Ticket {
	us := c.s.aclUsersNow()
	cat := acl.Redis()
	c.w.Array(us.Len())
	for _, name := range us.Names() {
		c.w.BulkString("user " + name + " " + us.Get(name).Describe(cat))
	}
	return 0
}

func aclUsersCmd(c *conn, argv [][]byte) Ticket {
	us := c.s.aclUsersNow()
	c.w.Array(us.Len())
	for _, name := range us.Names() {
		c.w.BulkString(name)
	}
	return 0
}

func aclWhoAmICmd(c *conn, argv [][]byte) Ticket {
	c.w.BulkString(c.username())
	return 0
}

func aclFileCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply(errNoACLFile)
	return 0
}

func aclCatCmd(c *conn, argv [][]byte) Ticket {
	switch len(argv) {
	case 2:
		c.w.Array(len(acl.Categories))
		for _, name := range acl.Categories {
			c.w.BulkString(name)
		}
	case 3:
		names, ok := acl.Redis().InCategory(string(argv[2]))
		if !ok {
			c.errorReply("ERR Unknown category '" + cString(argv[2], 128) + "'")
			return 0
		}
		c.w.Array(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	default:
		c.subcommandSyntaxError(argv)
	}
	return 0
}

func aclGenPassCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 3 {
		c.subcommandSyntaxError(argv)
		return 0
	}
	bits := int64(256)
	if len(argv) == 3 {
		n, ok := string2ll(argv[2])
		if !ok {
			c.errorReply(errNotInteger)
			return 0
		}
		bits = n
	}
	if bits <= 0 || bits > 4096 {
		c.errorReply("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return 0
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	_, _ = rand.Read(buf)
	c.w.BulkString(hex.EncodeToString(buf)[:chars])
	return 0
}

func aclDryRunCmd(c *conn, argv [][]byte) Ticket {
	u := c.s.aclUsersNow().Get(string(argv[2]))
	if u == nil {
		c.errorReply("ERR User '" + cString(argv[2], len(argv[2])) + "' not found")
		return 0
	}
	cmdArgv := argv[3:]
	ac := acl.Redis().LookupArgv(cmdArgv)
	if ac == nil {
		c.errorReply("ERR Command '" + cString(argv[3], len(argv[3])) + "' not found")
		return 0
	}
	if !arityOK(ac.Arity, len(cmdArgv)) {
		c.errorReply("ERR wrong number of arguments for '" + ac.Name + "' command")
		return 0
	}
	r, idx := u.Check(ac, cmdArgv)
	switch r {
	case acl.OK:
		c.w.OK()
	case acl.DeniedCmd:
		c.w.BulkString("This user has no permissions to run the '" + ac.Name + "' command")
	case acl.DeniedKey:
		c.w.BulkString("This user has no permissions to access the '" + string(cmdArgv[idx]) + "' key")
	case acl.DeniedChannel:
		c.w.BulkString("This user has no permissions to access the '" + string(cmdArgv[idx]) + "' channel")
	}
	return 0
}

func aclHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("ACL", []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	})
	return 0
}

// subcommandSyntaxError is addReplySubcommandSyntaxError.
func (c *conn) subcommandSyntaxError(argv [][]byte) {
	c.errorReply("ERR unknown subcommand or wrong number of arguments for '" + cString(argv[1], 128) +
		"'. Try " + strings.ToUpper(string(argv[0])) + " HELP.")
}
