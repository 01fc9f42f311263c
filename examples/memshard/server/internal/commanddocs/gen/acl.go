package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// captureACL asks redis-server for every command it has (COMMAND, in
// RESP3): ACL rules may name any of them, implemented by memshard or not.
func captureACL(c3 *client, version string) (*acl.File, error) {
	n, _, err := c3.do("COMMAND")
	if err != nil {
		return nil, err
	}
	f := &acl.File{RedisVersion: version}
	for _, el := range n.elems {
		e, err := toInfo(el)
		if err != nil {
			return nil, fmt.Errorf("COMMAND: %w", err)
		}
		f.Commands = append(f.Commands, aclSpec(e))
	}
	slices.SortFunc(f.Commands, func(a, b *acl.Spec) int { return strings.Compare(a.Name, b.Name) })
	return f, nil
}

func aclSpec(e *infoEntry) *acl.Spec {
	s := &acl.Spec{Name: e.name, Arity: e.info.Arity, NoAuth: slices.Contains(e.info.Flags, "no_auth")}
	for _, c := range e.info.ACLCategories {
		s.Categories = append(s.Categories, strings.TrimPrefix(c, "@"))
	}
	for _, ks := range e.info.KeySpecs {
		s.KeySpecs = append(s.KeySpecs, aclKeySpec(ks))
	}
	for _, sub := range e.subs {
		s.Subcommands = append(s.Subcommands, aclSpec(sub))
	}
	slices.SortFunc(s.Subcommands, func(a, b *acl.Spec) int { return strings.Compare(a.Name, b.Name) })
	return s
}

func aclKeySpec(ks *commanddocs.KeySpec) *acl.KeySpec {
	deref := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	flags := make([]string, len(ks.Flags))
	for i, f := range ks.Flags {
		flags[i] = strings.ToLower(f)
	}
	return &acl.KeySpec{
		Flags: flags,
		BeginSearch: acl.BeginSearch{Type: ks.BeginSearch.Type, Index: deref(ks.BeginSearch.Index),
			Keyword: ks.BeginSearch.Keyword, StartFrom: deref(ks.BeginSearch.StartFrom)},
		FindKeys: acl.FindKeys{Type: ks.FindKeys.Type, LastKey: deref(ks.FindKeys.LastKey),
			KeyNumIdx: deref(ks.FindKeys.KeyNumIdx), FirstKey: deref(ks.FindKeys.FirstKey),
			KeyStep: deref(ks.FindKeys.KeyStep), Limit: deref(ks.FindKeys.Limit)},
	}
}

// encodeACL writes commands.json: one command per line, so that a diff of
// a regenerated file shows the commands that changed.
func encodeACL(f *acl.File) ([]byte, error) {
	b := []byte(fmt.Sprintf("{\"redis_version\":%q,\"commands\":[\n", f.RedisVersion))
	for i, c := range f.Commands {
		line, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		b = append(b, line...)
		if i < len(f.Commands)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, "]}\n"...)
	if _, err := acl.ParseFile(b); err != nil {
		return nil, err
	}
	return b, nil
}
