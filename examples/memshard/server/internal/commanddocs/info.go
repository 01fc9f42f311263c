package commanddocs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

//go:embed info.json
var infoJSON []byte

// InfoFile is the layout of info.json.
type InfoFile struct {
	RedisVersion string           `json:"redis_version"` // the redis-server the entries come from
	Commands     map[string]*Info `json:"commands"`      // by full name, lower case
}

// Info is one command's COMMAND INFO entry as Redis 7.0.15 sends it,
// without its name and subcommands.
//
// Arity, Flags, FirstKey, LastKey and Step describe what a server executes:
// memshard takes them from its own command tables, and info.json holds
// Redis's only so that a test can check the tables against them. The
// server sends ACLCategories, Tips and KeySpecs as captured.
type Info struct {
	Arity         int        `json:"arity"`
	Flags         []string   `json:"flags,omitempty"`
	FirstKey      int        `json:"first_key"`
	LastKey       int        `json:"last_key"`
	Step          int        `json:"step"`
	ACLCategories []string   `json:"acl_categories,omitempty"` // "@read", "@string", ...
	Tips          []string   `json:"tips,omitempty"`           // "nondeterministic_output", "request_policy:all_shards", ...
	KeySpecs      []*KeySpec `json:"key_specs,omitempty"`
}

// KeySpec is one key specification: where a command's keys of one kind
// are, and what the command does with them.
type KeySpec struct {
	Notes       string      `json:"notes,omitempty"`
	Flags       []string    `json:"flags"` // "RW", "RO", "OW" or "RM", then "access", "update", "insert", "delete", ...
	BeginSearch BeginSearch `json:"begin_search"`
	FindKeys    FindKeys    `json:"find_keys"`
}

// BeginSearch is where the search for a key spec's keys starts. Type says
// which fields are set: "index" (Index: an argument index), "keyword"
// (Keyword, searched for from argument StartFrom, counted from the end if
// negative) or "unknown" (none).
type BeginSearch struct {
	Type      string `json:"type"`
	Index     *int   `json:"index,omitempty"`
	Keyword   string `json:"keyword,omitempty"`
	StartFrom *int   `json:"startfrom,omitempty"`
}

// FindKeys is how a key spec's keys follow its begin search. Type says
// which fields are set: "range" (LastKey, KeyStep, Limit), "keynum"
// (KeyNumIdx, FirstKey, KeyStep) or "unknown" (none).
type FindKeys struct {
	Type      string `json:"type"`
	LastKey   *int   `json:"lastkey,omitempty"`
	KeyNumIdx *int   `json:"keynumidx,omitempty"`
	FirstKey  *int   `json:"firstkey,omitempty"`
	KeyStep   *int   `json:"keystep,omitempty"`
	Limit     *int   `json:"limit,omitempty"`
}

// ParseInfo decodes info.json.
func ParseInfo(data []byte) (*InfoFile, error) {
	var f InfoFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("commanddocs: %w", err)
	}
	return &f, nil
}

// embeddedInfo is info.json decoded on first use; it is never modified.
var embeddedInfo = sync.OnceValue(func() *InfoFile {
	f, err := ParseInfo(infoJSON)
	if err != nil {
		panic(err) // a broken checked-in file; TestEmbeddedInfo catches it
	}
	return f
})

// LookupInfo returns the COMMAND INFO entry of the command named by its
// lower-case full name, or nil if info.json has none. The Info must not be
// modified.
func LookupInfo(name string) *Info { return embeddedInfo().Commands[name] }

// InfoNames returns the full names of the commands info.json describes, in
// no particular order.
func InfoNames() []string {
	cmds := embeddedInfo().Commands
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	return names
}

// InfoRedisVersion returns the version of the redis-server info.json comes
// from.
func InfoRedisVersion() string { return embeddedInfo().RedisVersion }

// Write writes in as the COMMAND INFO entry of the command named name:
// Redis 7.0's ten fields, in its types. As Redis, it sends the subcommands
// as an empty set if subs is 0; otherwise it ends with the header of an
// array of subs entries, which the caller writes.
func (in *Info) Write(w *resp.Writer, name string, subs int) {
	w.Array(10)
	w.BulkString(name)
	w.Int(int64(in.Arity))
	simpleSet(w, in.Flags)
	w.Int(int64(in.FirstKey))
	w.Int(int64(in.LastKey))
	w.Int(int64(in.Step))
	simpleSet(w, in.ACLCategories)
	w.Set(len(in.Tips))
	for _, t := range in.Tips {
		w.BulkString(t)
	}
	w.Set(len(in.KeySpecs))
	for _, ks := range in.KeySpecs {
		ks.write(w)
	}
	if subs == 0 {
		w.Set(0)
		return
	}
	w.Array(subs)
}

func (ks *KeySpec) write(w *resp.Writer) {
	if ks.Notes != "" {
		w.Map(4)
		field(w, "notes", ks.Notes)
	} else {
		w.Map(3)
	}
	w.BulkString("flags")
	simpleSet(w, ks.Flags)
	w.BulkString("begin_search")
	typed(w, ks.BeginSearch.Type)
	switch ks.BeginSearch.Type {
	case "index":
		w.Map(1)
		intField(w, "index", ks.BeginSearch.Index)
	case "keyword":
		w.Map(2)
		w.BulkString("keyword")
		w.BulkString(ks.BeginSearch.Keyword)
		intField(w, "startfrom", ks.BeginSearch.StartFrom)
	default:
		w.Map(0)
	}
	w.BulkString("find_keys")
	typed(w, ks.FindKeys.Type)
	switch ks.FindKeys.Type {
	case "range":
		w.Map(3)
		intField(w, "lastkey", ks.FindKeys.LastKey)
		intField(w, "keystep", ks.FindKeys.KeyStep)
		intField(w, "limit", ks.FindKeys.Limit)
	case "keynum":
		w.Map(3)
		intField(w, "keynumidx", ks.FindKeys.KeyNumIdx)
		intField(w, "firstkey", ks.FindKeys.FirstKey)
		intField(w, "keystep", ks.FindKeys.KeyStep)
	default:
		w.Map(0)
	}
}

// typed writes the start of a begin_search or find_keys map: its type,
// then the "spec" key, whose map the caller writes.
func typed(w *resp.Writer, typ string) {
	w.Map(2)
	w.BulkString("type")
	w.BulkString(typ)
	w.BulkString("spec")
}

// intField writes key and *val; a nil val, which a spec of a known type
// never has in captured data, is written as 0.
func intField(w *resp.Writer, key string, val *int) {
	w.BulkString(key)
	if val == nil {
		w.Int(0)
		return
	}
	w.Int(int64(*val))
}
