package server

import (
	"slices"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// COMMAND [COUNT | INFO [name...] | DOCS [name...] | LIST [FILTERBY ...] |
// GETKEYS cmd args... | HELP], built from Backend.Table() and the
// connection commands. COMMAND DOCS serves Redis 7.0.15's own docs, and
// COMMAND INFO its ACL categories, tips and key specs, captured into
// internal/commanddocs (make command-docs). The fields of COMMAND INFO that
// say what memshard executes (arity, flags, first key, last key, step) come
// from memshard's tables; a test checks them against Redis's.
//
// Redis lists commands, and a container's subcommands, in the order of its
// command dict, a hash table whose seed is random per process; memshard
// lists them sorted by name.

func commandSubcommands() map[string]*connCommand {
	f := []string{"loading", "stale"}
	return subTable(
		&connCommand{name: "count", arity: 2, flags: f, acl: aSlowC, handler: commandCountCmd},
		&connCommand{name: "info", arity: -2, flags: f, acl: aSlowC, handler: commandInfoCmd},
		&connCommand{name: "docs", arity: -2, flags: f, acl: aSlowC, handler: commandDocsCmd},
		&connCommand{name: "list", arity: -2, flags: f, acl: aSlowC, handler: commandListCmd},
		&connCommand{name: "getkeys", arity: -4, flags: f, acl: aSlowC, handler: commandGetKeysCmd},
		&connCommand{name: "getkeysandflags", arity: -4, flags: f, acl: aSlowC, handler: commandGetKeysAndFlagsCmd},
		&connCommand{name: "help", arity: 2, flags: f, acl: aSlowC, handler: commandHelpCmd},
	)
}

// cmdInfo is what COMMAND shows of one command, connection or data.
type cmdInfo struct {
	name                    string
	arity                   int
	flags, acl, tips        []string
	firstKey, lastKey, step int
	keySpecs                []*commanddocs.KeySpec
	movableKeys             bool
	write                   bool
	group, summary          string
	subs                    []*cmdInfo
}

// describe sets ci's ACL categories, tips and key specs to Redis's, from
// internal/commanddocs. A command missing there (TestCommandDocsData fails
// then) keeps the ACL categories its table gives, has no tips, and one key
// spec derived from its first key, last key and step.
func (ci *cmdInfo) describe() *cmdInfo {
	if in := commanddocs.LookupInfo(ci.name); in != nil {
		ci.acl, ci.tips, ci.keySpecs = in.ACLCategories, in.Tips, in.KeySpecs
	} else {
		ci.keySpecs = derivedKeySpecs(ci)
	}
	return ci
}

// connInfo describes cc. Its flags leave out "sentinel", which Redis's
// command table has but COMMAND INFO never shows.
func connInfo(cc *connCommand) *cmdInfo {
	flags := slices.DeleteFunc(slices.Clone(cc.flags), func(f string) bool { return f == "sentinel" })
	ci := &cmdInfo{name: cc.name, arity: cc.arity, flags: flags, acl: cc.acl,
		firstKey: cc.firstKey, lastKey: cc.lastKey, step: cc.step, group: cc.group, summary: cc.summary}
	for _, s := range cc.subs {
		ci.subs = append(ci.subs, connInfo(s))
	}
	slices.SortFunc(ci.subs, func(a, b *cmdInfo) int { return strings.Compare(a.name, b.name) })
	return ci.describe()
}

func dataInfo(dc *engine.Command) *cmdInfo {
	ci := &cmdInfo{name: dc.Name, arity: dc.Arity, flags: dc.Flags, firstKey: dc.FirstKey, lastKey: dc.LastKey,
		step: dc.Step, movableKeys: dc.KeysFunc != nil && dc.Subcommands == nil, write: dc.IsWrite(), group: "generic"}
	if ci.movableKeys && !slices.Contains(ci.flags, "movablekeys") {
		ci.flags = append(slices.Clip(ci.flags), "movablekeys")
	}
	for _, f := range dc.Flags {
		switch f {
		case engine.FlagWrite:
			ci.acl = append(ci.acl, "@write")
		case engine.FlagReadOnly:
			ci.acl = append(ci.acl, "@read")
		case engine.FlagFast:
			ci.acl = append(ci.acl, "@fast")
		case engine.FlagAdmin:
			ci.acl = append(ci.acl, "@admin", "@dangerous")
		}
	}
	if !slices.Contains(dc.Flags, engine.FlagFast) {
		ci.acl = append(ci.acl, "@slow")
	}
	for _, sub := range dc.Subcommands {
		ci.subs = append(ci.subs, dataInfo(sub))
	}
	slices.SortFunc(ci.subs, func(a, b *cmdInfo) int { return strings.Compare(a.name, b.name) })
	return ci.describe()
}

// allCommands returns every command, by name.
func (s *Server) allCommands() []*cmdInfo { return commandInfos(s.backend.Table()) }

// commandInfos returns every command of the connection table and of the
// engine table, by name.
func commandInfos(table engine.Table) []*cmdInfo {
	var out []*cmdInfo
	for _, cc := range connTable {
		out = append(out, connInfo(cc))
	}
	for name, dc := range table {
		if connTable[name] == nil {
			out = append(out, dataInfo(dc))
		}
	}
	slices.SortFunc(out, func(a, b *cmdInfo) int { return strings.Compare(a.name, b.name) })
	return out
}

// CommandNames returns the full name of every command and subcommand a
// server with engine table table implements ("get", "client|list"), sorted.
// It is the list internal/commanddocs must document; its generator asks
// redis-server for exactly these.
func CommandNames(table engine.Table) []string {
	var names []string
	for _, ci := range commandInfos(table) {
		names = append(names, ci.name)
		for _, s := range ci.subs {
			names = append(names, s.name)
		}
	}
	return names
}

// findCommand finds a command by name, or a subcommand by "parent|sub".
func (s *Server) findCommand(name string) *cmdInfo {
	name = strings.ToLower(name)
	parent, sub, isSub := strings.Cut(name, "|")
	if cc := connTable[parent]; cc != nil {
		if !isSub {
			return connInfo(cc)
		}
		if sc := cc.subs[sub]; sc != nil {
			return connInfo(sc)
		}
		return nil
	}
	dc := s.backend.Table()[parent]
	switch {
	case dc == nil:
		return nil
	case !isSub:
		return dataInfo(dc)
	case dc.Subcommands[sub] != nil:
		return dataInfo(dc.Subcommands[sub])
	}
	return nil
}

func commandCmd(c *conn, argv [][]byte) Ticket {
	all := c.s.allCommands()
	c.w.Array(len(all))
	for _, ci := range all {
		writeCommandInfo(c.w, ci)
	}
	return 0
}

func commandCountCmd(c *conn, argv [][]byte) Ticket {
	c.w.Int(int64(len(c.s.allCommands())))
	return 0
}

func commandInfoCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) == 2 {
		return commandCmd(c, argv)
	}
	c.w.Array(len(argv) - 2)
	for _, name := range argv[2:] {
		if ci := c.s.findCommand(string(name)); ci != nil {
			writeCommandInfo(c.w, ci)
		} else {
			c.w.NullBulk()
		}
	}
	return 0
}

// writeCommandInfo writes ci's entry, Redis 7.0's ten fields, then its
// subcommands' entries.
func writeCommandInfo(w *resp.Writer, ci *cmdInfo) {
	in := &commanddocs.Info{Arity: ci.arity, Flags: ci.flags, FirstKey: ci.firstKey, LastKey: ci.lastKey, Step: ci.step,
		ACLCategories: ci.acl, Tips: ci.tips, KeySpecs: ci.keySpecs}
	in.Write(w, ci.name, len(ci.subs))
	for _, s := range ci.subs {
		writeCommandInfo(w, s)
	}
}

// derivedKeySpecs returns one range key spec from ci's first key, last key
// and step, the inverse of Redis's derivation of that triple from its key
// specs (lastkey relative to the first key when not negative).
func derivedKeySpecs(ci *cmdInfo) []*commanddocs.KeySpec {
	if ci.firstKey <= 0 {
		return nil
	}
	last := ci.lastKey
	if last >= 0 {
		last -= ci.firstKey
	}
	flag := "RO"
	if ci.write {
		flag = "RW"
	}
	return []*commanddocs.KeySpec{{
		Flags:       []string{flag},
		BeginSearch: commanddocs.BeginSearch{Type: "index", Index: new(ci.firstKey)},
		FindKeys:    commanddocs.FindKeys{Type: "range", LastKey: new(last), KeyStep: new(max(ci.step, 1)), Limit: new(0)},
	}}
}

// commandDocsCmd: a map of each command's full name to its docs, for every
// command or for the ones named; unknown names are left out, as Redis does.
func commandDocsCmd(c *conn, argv [][]byte) Ticket {
	var list []*cmdInfo
	if len(argv) == 2 {
		list = c.s.allCommands()
	} else {
		for _, name := range argv[2:] {
			if ci := c.s.findCommand(string(name)); ci != nil {
				list = append(list, ci)
			}
		}
	}
	c.w.Map(len(list))
	for _, ci := range list {
		writeCommandDocs(c.w, ci)
	}
	return 0
}

// writeCommandDocs writes ci's map entry: its full name, then its docs,
// with the docs of the subcommands memshard implements nested under a
// container's. A command missing from the docs data (TestCommandDocsData
// fails then) gets only its summary and group.
func writeCommandDocs(w *resp.Writer, ci *cmdInfo) {
	w.BulkString(ci.name)
	d := commanddocs.Lookup(ci.name)
	if d == nil {
		d = &commanddocs.Doc{Summary: ci.summary, Group: ci.group}
	}
	d.Write(w, len(ci.subs))
	for _, s := range ci.subs {
		writeCommandDocs(w, s)
	}
}

// commandListCmd: COMMAND LIST [FILTERBY MODULE m | ACLCAT cat | PATTERN p].
func commandListCmd(c *conn, argv [][]byte) Ticket {
	names := CommandNames(c.s.backend.Table())
	if len(argv) != 2 {
		if len(argv) != 5 || !equalFold(argv[2], "filterby") {
			c.errorReply("ERR syntax error")
			return 0
		}
		arg := string(argv[4])
		switch strings.ToLower(string(argv[3])) {
		case "module":
			names = nil
		case "aclcat":
			cat := "@" + strings.ToLower(arg)
			names = slices.DeleteFunc(names, func(n string) bool {
				ci := c.s.findCommand(n)
				return ci == nil || !slices.Contains(ci.acl, cat)
			})
		case "pattern":
			names = slices.DeleteFunc(names, func(n string) bool { return !globMatch(arg, n, true) })
		default:
			c.errorReply("ERR syntax error")
			return 0
		}
	}
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
	return 0
}

func commandHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("COMMAND", []string{
		"(no subcommand)", "    Return details about all Redis commands.",
		"COUNT", "    Return the total number of commands in this Redis server.",
		"LIST", "    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
	})
	return 0
}
