// Package commanddocs holds Redis 7.0.15's COMMAND DOCS and COMMAND INFO
// entries for the commands memshard implements, and writes them as Redis
// does.
//
// The data is captured from redis-server itself, not copied from Redis's
// sources: ./gen starts Debian's redis-server 7.0.15 on a free loopback
// port, asks COMMAND DOCS and COMMAND INFO for each name
// server.CommandNames lists, checks that Doc.Write and Info.Write
// reproduce Redis's replies byte for byte in RESP2 and RESP3, and writes
// docs.json and info.json. Regenerate after adding a command to memshard's
// tables (a test in package server fails until then):
//
//	go generate ./examples/memshard/server/internal/commanddocs   # or: make command-docs
//
// docs.json is {"redis_version": "7.0.15", "commands": {name: doc}} with a
// doc for every command and subcommand by its full name ("get",
// "client|list"). A container's doc has no subcommands: the server nests
// the docs of the subcommands it implements, as Redis nests all of its own.
// Keys are Redis's reply keys; a key Redis leaves out is absent.
//
// info.json is {"redis_version": "7.0.15", "commands": {name: info}}, the
// same names, each with the fields of its COMMAND INFO entry but its name
// and subcommands (see Info), an empty list left out. The server sends
// the ACL categories, tips and key specs from it; arity, flags and key
// positions come from memshard's own tables, which a test in package
// server checks against info.json.
package commanddocs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

//go:generate go run ./gen

//go:embed docs.json
var docsJSON []byte

// File is the layout of docs.json.
type File struct {
	RedisVersion string          `json:"redis_version"` // the redis-server the docs come from
	Commands     map[string]*Doc `json:"commands"`      // by full name, lower case
}

// Doc is one command's COMMAND DOCS entry, without subcommands. Empty
// fields are the ones Redis leaves out of the reply, except Group, which
// Redis always sends.
type Doc struct {
	Summary         string      `json:"summary,omitempty"`
	Since           string      `json:"since,omitempty"`
	Group           string      `json:"group"`
	Complexity      string      `json:"complexity,omitempty"`
	DocFlags        []string    `json:"doc_flags,omitempty"` // "deprecated", "syscmd"
	DeprecatedSince string      `json:"deprecated_since,omitempty"`
	ReplacedBy      string      `json:"replaced_by,omitempty"`
	History         [][2]string `json:"history,omitempty"` // {version, change}
	Arguments       []*Arg      `json:"arguments,omitempty"`
}

// Arg is one argument of a command, as COMMAND DOCS describes it.
type Arg struct {
	Name            string   `json:"name"`
	Type            string   `json:"type"`                     // "key", "string", "oneof", "block", ...
	KeySpecIndex    *int     `json:"key_spec_index,omitempty"` // nil: not a key
	Token           *string  `json:"token,omitempty"`          // nil: none; MIGRATE's key form has the empty token ""
	Summary         string   `json:"summary,omitempty"`
	Since           string   `json:"since,omitempty"`
	DeprecatedSince string   `json:"deprecated_since,omitempty"`
	Flags           []string `json:"flags,omitempty"`     // "optional", "multiple", "multiple_token"
	Arguments       []*Arg   `json:"arguments,omitempty"` // of a "oneof" or "block"
}

// hasArguments reports whether Redis sends the arguments key for a: always
// for a oneof or a block, even with none, and never otherwise.
func (a *Arg) hasArguments() bool { return a.Type == "oneof" || a.Type == "block" }

// Parse decodes docs.json.
func Parse(data []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("commanddocs: %w", err)
	}
	return &f, nil
}

// embedded is docs.json decoded on first use; it is never modified.
var embedded = sync.OnceValue(func() *File {
	f, err := Parse(docsJSON)
	if err != nil {
		panic(err) // a broken checked-in file; TestEmbedded catches it
	}
	return f
})

// Lookup returns the doc of the command named by its lower-case full
// name, or nil if docs.json has none. The Doc must not be modified.
func Lookup(name string) *Doc { return embedded().Commands[name] }

// Names returns the full names of the commands docs.json documents, in no
// particular order.
func Names() []string {
	cmds := embedded().Commands
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	return names
}

// RedisVersion returns the version of the redis-server docs.json comes from.
func RedisVersion() string { return embedded().RedisVersion }

// Write writes d as the value of a COMMAND DOCS map entry, in Redis 7.0's
// key order and types. If subs > 0, it ends with the "subcommands" key and
// the header of a map of subs entries; the caller writes them, each the
// subcommand's full name then its docs.
func (d *Doc) Write(w *resp.Writer, subs int) {
	n := 1 // group
	for _, s := range []string{d.Summary, d.Since, d.Complexity, d.DeprecatedSince, d.ReplacedBy} {
		if s != "" {
			n++
		}
	}
	for _, present := range []bool{len(d.DocFlags) > 0, len(d.History) > 0, len(d.Arguments) > 0, subs > 0} {
		if present {
			n++
		}
	}
	w.Map(n)
	field(w, "summary", d.Summary)
	field(w, "since", d.Since)
	w.BulkString("group")
	w.BulkString(d.Group)
	field(w, "complexity", d.Complexity)
	if len(d.DocFlags) > 0 {
		w.BulkString("doc_flags")
		simpleSet(w, d.DocFlags)
	}
	field(w, "deprecated_since", d.DeprecatedSince)
	field(w, "replaced_by", d.ReplacedBy)
	if len(d.History) > 0 {
		w.BulkString("history")
		w.Set(len(d.History))
		for _, h := range d.History {
			w.Array(2)
			w.BulkString(h[0])
			w.BulkString(h[1])
		}
	}
	if len(d.Arguments) > 0 {
		w.BulkString("arguments")
		writeArgs(w, d.Arguments)
	}
	if subs > 0 {
		w.BulkString("subcommands")
		w.Map(subs)
	}
}

func writeArgs(w *resp.Writer, args []*Arg) {
	w.Array(len(args))
	for _, a := range args {
		n := 2 // name, type
		for _, present := range []bool{a.KeySpecIndex != nil, a.Token != nil, a.Summary != "", a.Since != "",
			a.DeprecatedSince != "", len(a.Flags) > 0, a.hasArguments()} {
			if present {
				n++
			}
		}
		w.Map(n)
		field(w, "name", a.Name)
		field(w, "type", a.Type)
		if a.KeySpecIndex != nil {
			w.BulkString("key_spec_index")
			w.Int(int64(*a.KeySpecIndex))
		}
		if a.Token != nil {
			w.BulkString("token")
			w.BulkString(*a.Token)
		}
		field(w, "summary", a.Summary)
		field(w, "since", a.Since)
		field(w, "deprecated_since", a.DeprecatedSince)
		if len(a.Flags) > 0 {
			w.BulkString("flags")
			simpleSet(w, a.Flags)
		}
		if a.hasArguments() {
			w.BulkString("arguments")
			writeArgs(w, a.Arguments)
		}
	}
}

// field writes key and the bulk string val, unless val is empty.
func field(w *resp.Writer, key, val string) {
	if val != "" {
		w.BulkString(key)
		w.BulkString(val)
	}
}

func simpleSet(w *resp.Writer, ss []string) {
	w.Set(len(ss))
	for _, s := range ss {
		w.Simple(s)
	}
}
