package server

import (
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
)

// commandGetKeysCmd is COMMAND GETKEYS <full-command>.
func commandGetKeysCmd(c *conn, argv [][]byte) Ticket { return c.getKeys(argv, false) }

// commandGetKeysAndFlagsCmd is COMMAND GETKEYSANDFLAGS <full-command>.
func commandGetKeysAndFlagsCmd(c *conn, argv [][]byte) Ticket { return c.getKeys(argv, true) }

// getKeys is COMMAND GETKEYS and GETKEYSANDFLAGS (Redis's
// getKeysSubcommandImpl): the keys of a command line, and what the command
// does with each if withFlags, found as the ACL checks find them (package
// acl: the key specs, or the command's own finder where they cannot say).
func (c *conn) getKeys(argv [][]byte, withFlags bool) Ticket {
	args := argv[2:]
	cc, dc, errMsg := c.s.lookup(args)
	if cc == nil && dc == nil {
		if !strings.HasPrefix(errMsg, "ERR wrong number") {
			c.errorReply("ERR Invalid command specified")
			return 0
		}
		dc, _ = c.s.backend.Table().Resolve(args) // its arity is wrong
	}
	ac := c.s.aclCommand(cc, dc)
	switch {
	case ac == nil || !ac.HasKeys():
		c.errorReply("ERR The command has no key arguments")
		return 0
	case errMsg != "":
		c.errorReply("ERR Invalid number of arguments specified for command")
		return 0
	}
	keys := acl.CommandKeys(ac, args)
	noMandatory := dc != nil && dc.HasFlag("no_mandatory_keys") || cc != nil && hasFlag(cc.flags, "no_mandatory_keys")
	if len(keys) == 0 && !noMandatory {
		c.errorReply("ERR Invalid arguments specified for command")
		return 0
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.w.Bulk(args[k.Pos])
			continue
		}
		c.w.Array(2)
		c.w.Bulk(args[k.Pos])
		c.w.Set(len(k.Names))
		for _, f := range k.Names {
			c.w.Simple(keyFlagName(f))
		}
	}
	return 0
}

// keyFlagName is a key spec flag as Redis's addReplyFlagsForKeyArgs names
// it: the access kinds in capitals (RW, RO, OW, RM), the rest as written.
func keyFlagName(f string) string {
	switch f {
	case "rw", "ro", "ow", "rm":
		return strings.ToUpper(f)
	}
	return f
}
