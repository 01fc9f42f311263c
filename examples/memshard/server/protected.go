package server

import (
	"fmt"
	"strings"
)

// DEBUG and MODULE, as Redis 7.0.15 answers them with its defaults:
// enable-debug-command and enable-module-command are "no" (immutable), so
// DEBUG and MODULE LOAD, LOADEX and UNLOAD are refused before
// authentication, like an arity error; MODULE LIST lists no module, which
// is true of memshard.

func moduleSubcommands() map[string]*connCommand {
	protected := func(name string, arity int) *connCommand {
		return &connCommand{name: name, arity: arity, flags: []string{"admin", "noscript", "no_async_loading"}, acl: aAdmin, protectedBy: "enable-module-command", handler: protectedCmd}
	}
	return subTable(
		&connCommand{name: "list", arity: 2, flags: []string{"admin", "noscript"}, acl: aAdmin, handler: moduleListCmd},
		protected("load", -3),
		protected("loadex", -3),
		protected("unload", 3),
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, handler: moduleHelpCmd},
	)
}

// protectedError is processCommand's refusal of a protected command.
func protectedError(cc *connCommand) string {
	name, _, _ := strings.Cut(cc.name, "|")
	return fmt.Sprintf("ERR %s command not allowed. If the %s option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
		strings.ToUpper(name), cc.protectedBy)
}

// protectedCmd never runs: dispatch refuses a protected command first.
func protectedCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply("ERR this command is not allowed")
	return 0
}

func moduleListCmd(c *conn, argv [][]byte) Ticket {
	c.w.Array(0)
	return 0
}

func moduleHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("MODULE", []string{
		"LIST", "    Return a list of loaded modules.",
		"LOAD <path> [<arg> ...]", "    Load a module library from <path>, passing to it any optional arguments.",
		"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]", "    Load a module library from <path>, while passing it module configurations and optional arguments.",
		"UNLOAD <name>", "    Unload a module.",
	})
	return 0
}
