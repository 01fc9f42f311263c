package acl

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed commands.json
var commandsJSON []byte

// File is the layout of commands.json: every command of Redis 7.0.15, as
// its COMMAND reply describes it, captured by make command-docs.
type File struct {
	RedisVersion string  `json:"redis_version"`
	Commands     []*Spec `json:"commands"` // by name
}

// Spec is one command of commands.json.
type Spec struct {
	Name        string     `json:"name"` // full name, lower case: "client|id"
	Arity       int        `json:"arity"`
	Categories  []string   `json:"categories,omitempty"` // without "@"
	NoAuth      bool       `json:"no_auth,omitempty"`
	KeySpecs    []*KeySpec `json:"key_specs,omitempty"`
	Subcommands []*Spec    `json:"subcommands,omitempty"` // by name
}

// KeySpec is one key specification (COMMAND INFO's key_specs).
type KeySpec struct {
	Flags       []string    `json:"flags"`
	BeginSearch BeginSearch `json:"begin_search"`
	FindKeys    FindKeys    `json:"find_keys"`
}

// BeginSearch: Type "index" (Index), "keyword" (Keyword, StartFrom) or
// "unknown".
type BeginSearch struct {
	Type      string `json:"type"`
	Index     int    `json:"index,omitempty"`
	Keyword   string `json:"keyword,omitempty"`
	StartFrom int    `json:"startfrom,omitempty"`
}

// FindKeys: Type "range" (LastKey, KeyStep, Limit), "keynum" (KeyNumIdx,
// FirstKey, KeyStep) or "unknown".
type FindKeys struct {
	Type      string `json:"type"`
	LastKey   int    `json:"lastkey,omitempty"`
	KeyNumIdx int    `json:"keynumidx,omitempty"`
	FirstKey  int    `json:"firstkey,omitempty"`
	KeyStep   int    `json:"keystep,omitempty"`
	Limit     int    `json:"limit,omitempty"`
}

// Categories are Redis 7.0's ACL categories in its order
// (ACLCommandCategories): rules are described and ACL CAT lists them in it.
var Categories = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting"}

// categoryFlag returns the bit of a category name (case-insensitive), 0 if
// there is none.
func categoryFlag(name string) uint64 {
	for i, c := range Categories {
		if strings.EqualFold(c, name) {
			return 1 << i
		}
	}
	return 0
}

// Key spec flags that ACL checks read (CMD_KEY_*).
const (
	keyAccess = 1 << iota
	keyInsert
	keyDelete
	keyUpdate
	keyNotKey
	keyIncomplete
	keyVariableFlags
)

// Command is one command as ACL rules name it. IDs are dense, in the
// catalog's order: a command, then its subcommands.
type Command struct {
	ID         int
	Name       string // full name, lower case
	Arity      int
	categories uint64
	noAuth     bool
	keySpecs   []keySpec
	parent     *Command
	subs       map[string]*Command // by lower-case subcommand name
	subList    []*Command          // by name
	channels   channelArgs
}

// Parent returns the container of a subcommand, nil for a command.
func (c *Command) Parent() *Command { return c.parent }

// InCategory reports whether the command belongs to the category (its
// name without "@").
func (c *Command) InCategory(name string) bool { return c.categories&categoryFlag(name) != 0 }

type keySpec struct {
	flags int
	spec  *KeySpec
}

// Catalog is Redis's command table for ACLs: every command rules may name,
// whether or not memshard implements it. It is never modified.
type Catalog struct {
	top  map[string]*Command // commands, by lower-case name
	byID []*Command          // commands and subcommands by ID
}

// Redis is the catalog of Redis 7.0.15's commands (commands.json).
var Redis = sync.OnceValue(func() *Catalog {
	f, err := ParseFile(commandsJSON)
	if err != nil {
		panic(err) // a broken checked-in file; TestCatalog catches it
	}
	return NewCatalog(f)
})

// ParseFile decodes commands.json.
func ParseFile(data []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("acl: %w", err)
	}
	return &f, nil
}

// NewCatalog builds a catalog from f.
func NewCatalog(f *File) *Catalog {
	cat := &Catalog{top: make(map[string]*Command, len(f.Commands))}
	var add func(s *Spec, parent *Command) *Command
	add = func(s *Spec, parent *Command) *Command {
		c := &Command{ID: len(cat.byID), Name: s.Name, Arity: s.Arity, noAuth: s.NoAuth, parent: parent}
		for _, name := range s.Categories {
			c.categories |= categoryFlag(name)
		}
		for _, ks := range s.KeySpecs {
			c.keySpecs = append(c.keySpecs, keySpec{flags: keySpecFlags(ks.Flags), spec: ks})
		}
		c.channels = channelsOf(s.Name)
		cat.byID = append(cat.byID, c)
		subs := slices.Clone(s.Subcommands)
		slices.SortFunc(subs, func(a, b *Spec) int { return strings.Compare(a.Name, b.Name) })
		for _, ss := range subs {
			sc := add(ss, c)
			if c.subs == nil {
				c.subs = make(map[string]*Command)
			}
			_, short, _ := strings.Cut(ss.Name, "|")
			c.subs[short] = sc
			c.subList = append(c.subList, sc)
		}
		return c
	}
	specs := slices.Clone(f.Commands)
	slices.SortFunc(specs, func(a, b *Spec) int { return strings.Compare(a.Name, b.Name) })
	for _, s := range specs {
		cat.top[s.Name] = add(s, nil)
	}
	return cat
}

func keySpecFlags(names []string) int {
	f := 0
	for _, n := range names {
		switch n {
		case "access":
			f |= keyAccess
		case "insert":
			f |= keyInsert
		case "delete":
			f |= keyDelete
		case "update":
			f |= keyUpdate
		case "not_key":
			f |= keyNotKey
		case "incomplete":
			f |= keyIncomplete
		case "variable_flags":
			f |= keyVariableFlags
		}
	}
	return f
}

// Len returns the number of command IDs.
func (cat *Catalog) Len() int { return len(cat.byID) }

// Lookup finds a command by its full name ("get", "client|id"), as Redis's
// lookupCommandBySds does: case-insensitive, one level of subcommands; a
// name with a "|" after a command without subcommands names that command
// only if strict is false.
func (cat *Catalog) Lookup(name string) *Command {
	parts := strings.Split(name, "|")
	if len(parts) > 2 {
		return nil
	}
	c := cat.top[strings.ToLower(parts[0])]
	if c == nil || len(parts) == 1 {
		return c
	}
	if c.subs == nil {
		return nil
	}
	return c.subs[strings.ToLower(parts[1])]
}

// LookupArgv finds the command argv runs (lookupCommand): argv[1] picks a
// container's subcommand. Nil if there is none.
func (cat *Catalog) LookupArgv(argv [][]byte) *Command {
	c := cat.top[strings.ToLower(string(argv[0]))]
	if c == nil || c.subs == nil || len(argv) < 2 {
		return c
	}
	return c.subs[strings.ToLower(string(argv[1]))]
}

// each calls f with every command, then its subcommands, in ID order.
func (cat *Catalog) each(f func(c *Command)) {
	for _, c := range cat.byID {
		f(c)
	}
}

// InCategory returns the full names of the commands of a category, in the
// catalog's order (ACL CAT); ok is false if there is no such category.
func (cat *Catalog) InCategory(name string) (names []string, ok bool) {
	flag := categoryFlag(name)
	if flag == 0 {
		return nil, false
	}
	cat.each(func(c *Command) {
		if c.categories&flag != 0 {
			names = append(names, c.Name)
		}
	})
	return names, true
}

// channelArgs says which arguments of a command are Pub/Sub channels.
type channelArgs uint8

const (
	noChannels   channelArgs = iota
	firstChannel             // PUBLISH, SPUBLISH: argv[1]
	allChannels              // SUBSCRIBE, SSUBSCRIBE: argv[1:]
	allPatterns              // PSUBSCRIBE: argv[1:], matched literally
)

func channelsOf(name string) channelArgs {
	switch name {
	case "publish", "spublish":
		return firstChannel
	case "subscribe", "ssubscribe":
		return allChannels
	case "psubscribe":
		return allPatterns
	}
	return noChannels
}
