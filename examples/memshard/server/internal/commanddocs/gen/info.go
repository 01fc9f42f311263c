package main

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// captureInfo asks for the COMMAND INFO entry of name and checks that
// Info.Write gives back Redis's replies, a container's with all of Redis's
// subcommands in Redis's order. It returns the command's own entry.
func captureInfo(c2, c3 *client, name string) (*commanddocs.Info, error) {
	n, raw3, err := c3.do("COMMAND", "INFO", name)
	if err != nil {
		return nil, err
	}
	_, raw2, err := c2.do("COMMAND", "INFO", name)
	if err != nil {
		return nil, err
	}
	if n.kind != '*' || len(n.elems) != 1 {
		return nil, fmt.Errorf("COMMAND INFO %s: %q of %d, want an array of 1", name, n.kind, len(n.elems))
	}
	e, err := toInfo(n.elems[0])
	if err != nil {
		return nil, fmt.Errorf("COMMAND INFO %s: %w", name, err)
	}
	if e.name != name {
		return nil, fmt.Errorf("COMMAND INFO %s: entry of %q", name, e.name)
	}
	for proto, want := range map[int][]byte{2: raw2, 3: raw3} {
		if got := rewriteInfo(proto, e); !bytes.Equal(got, want) {
			return nil, fmt.Errorf("COMMAND INFO %s in RESP%d: the captured entry writes\n%q\nnot redis-server's\n%q", name, proto, got, want)
		}
	}
	return e.info, nil
}

// infoEntry is a command's COMMAND INFO entry, with its subcommands'.
type infoEntry struct {
	name string
	info *commanddocs.Info
	subs []*infoEntry
}

// rewriteInfo writes a one-command COMMAND INFO reply from a captured entry.
func rewriteInfo(proto int, e *infoEntry) []byte {
	w := resp.NewWriter(proto)
	w.Array(1)
	writeEntry(w, e)
	return w.Bytes()
}

func writeEntry(w *resp.Writer, e *infoEntry) {
	e.info.Write(w, e.name, len(e.subs))
	for _, s := range e.subs {
		writeEntry(w, s)
	}
}

// toInfo converts a COMMAND INFO entry, an array of ten fields.
func toInfo(n *node) (*infoEntry, error) {
	if n.kind != '*' || len(n.elems) != 10 {
		return nil, fmt.Errorf("%q of %d, want an array of 10", n.kind, len(n.elems))
	}
	f := n.elems
	name, err := bulk(f[0])
	if err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	var errs []error
	check := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	in := &commanddocs.Info{}
	e := &infoEntry{name: name, info: in}
	in.Arity, err = integer(f[1])
	check("arity", err)
	in.Flags, err = stringSet(f[2], '+')
	check("flags", err)
	in.FirstKey, err = integer(f[3])
	check("first key", err)
	in.LastKey, err = integer(f[4])
	check("last key", err)
	in.Step, err = integer(f[5])
	check("step", err)
	in.ACLCategories, err = stringSet(f[6], '+')
	check("ACL categories", err)
	in.Tips, err = stringSet(f[7], '$')
	check("tips", err)
	in.KeySpecs, err = toKeySpecs(f[8])
	check("key specs", err)
	e.subs, err = toInfoSubs(f[9])
	check("subcommands", err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return e, nil
}

// toInfoSubs converts a container's subcommands, an array of entries, or
// the empty set Redis sends for a command without any.
func toInfoSubs(n *node) ([]*infoEntry, error) {
	if n.kind == '~' && len(n.elems) == 0 {
		return nil, nil
	}
	if n.kind != '*' || len(n.elems) == 0 {
		return nil, fmt.Errorf("%q of %d, want an empty set or an array", n.kind, len(n.elems))
	}
	var subs []*infoEntry
	for _, el := range n.elems {
		s, err := toInfo(el)
		if err != nil {
			return nil, err
		}
		if len(s.subs) > 0 {
			return nil, fmt.Errorf("%s: subcommands of a subcommand", s.name)
		}
		subs = append(subs, s)
	}
	return subs, nil
}

func toKeySpecs(n *node) ([]*commanddocs.KeySpec, error) {
	if n.kind != '~' {
		return nil, fmt.Errorf("%q, want a set", n.kind)
	}
	var specs []*commanddocs.KeySpec
	for i, el := range n.elems {
		ks, err := toKeySpec(el)
		if err != nil {
			return nil, fmt.Errorf("key spec %d: %w", i, err)
		}
		specs = append(specs, ks)
	}
	return specs, nil
}

func toKeySpec(n *node) (*commanddocs.KeySpec, error) {
	pairs, err := mapPairs(n)
	if err != nil {
		return nil, err
	}
	ks := &commanddocs.KeySpec{}
	for _, p := range pairs {
		var err error
		switch p.key {
		case "notes":
			ks.Notes, err = bulk(p.val)
		case "flags":
			ks.Flags, err = simpleSet(p.val)
		case "begin_search":
			bs := &ks.BeginSearch
			var spec map[string]*node
			if bs.Type, spec, err = toSearch(p.val, beginSearchKeys); err == nil {
				var errs [3]error
				bs.Index, errs[0] = optInt(spec["index"])
				bs.Keyword, errs[1] = optBulk(spec["keyword"])
				bs.StartFrom, errs[2] = optInt(spec["startfrom"])
				err = errors.Join(errs[:]...)
			}
		case "find_keys":
			fk := &ks.FindKeys
			var spec map[string]*node
			if fk.Type, spec, err = toSearch(p.val, findKeysKeys); err == nil {
				var errs [5]error
				fk.LastKey, errs[0] = optInt(spec["lastkey"])
				fk.KeyNumIdx, errs[1] = optInt(spec["keynumidx"])
				fk.FirstKey, errs[2] = optInt(spec["firstkey"])
				fk.KeyStep, errs[3] = optInt(spec["keystep"])
				fk.Limit, errs[4] = optInt(spec["limit"])
				err = errors.Join(errs[:]...)
			}
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.key, err)
		}
	}
	if ks.Flags == nil || ks.BeginSearch.Type == "" || ks.FindKeys.Type == "" {
		return nil, errors.New("flags, begin_search or find_keys missing")
	}
	return ks, nil
}

// The keys of a begin_search or find_keys spec by type, in Redis's order.
var (
	beginSearchKeys = map[string][]string{"index": {"index"}, "keyword": {"keyword", "startfrom"}, "unknown": nil}
	findKeysKeys    = map[string][]string{"range": {"lastkey", "keystep", "limit"}, "keynum": {"keynumidx", "firstkey", "keystep"}, "unknown": nil}
)

// toSearch converts a begin_search or find_keys map, {type, spec}, whose
// spec must have exactly the keys keys[type], in that order.
func toSearch(n *node, keys map[string][]string) (typ string, spec map[string]*node, err error) {
	pairs, err := mapPairs(n)
	if err != nil {
		return "", nil, err
	}
	if len(pairs) != 2 || pairs[0].key != "type" || pairs[1].key != "spec" {
		return "", nil, fmt.Errorf("%d keys, want type and spec", len(pairs))
	}
	if typ, err = bulk(pairs[0].val); err != nil {
		return "", nil, err
	}
	want, ok := keys[typ]
	if !ok {
		return "", nil, fmt.Errorf("unknown type %q", typ)
	}
	specPairs, err := mapPairs(pairs[1].val)
	if err != nil {
		return "", nil, err
	}
	spec = make(map[string]*node, len(specPairs))
	for i, p := range specPairs {
		if i >= len(want) || p.key != want[i] {
			return "", nil, fmt.Errorf("%s spec has %q, want the keys %q", typ, p.key, want)
		}
		spec[p.key] = p.val
	}
	if len(spec) != len(want) {
		return "", nil, fmt.Errorf("%s spec of %d keys, want %q", typ, len(spec), want)
	}
	return typ, spec, nil
}

// optInt converts an integer; a missing one (nil) is nil.
func optInt(n *node) (*int, error) {
	if n == nil {
		return nil, nil
	}
	i, err := integer(n)
	if err != nil {
		return nil, err
	}
	return &i, nil
}

// optBulk converts a non-empty bulk string; a missing one (nil) is "".
func optBulk(n *node) (string, error) {
	if n == nil {
		return "", nil
	}
	return bulk(n)
}

// stringSet converts a set, possibly empty, whose elements are all of
// kind ('+' or '$'); an empty set is nil, as info.json leaves it out.
func stringSet(n *node, kind byte) ([]string, error) {
	if n.kind != '~' {
		return nil, fmt.Errorf("%q, want a set", n.kind)
	}
	var ss []string
	for _, e := range n.elems {
		if e.kind != kind || e.text == "" {
			return nil, fmt.Errorf("element %c%q, want a non-empty %c", e.kind, e.text, kind)
		}
		ss = append(ss, e.text)
	}
	return ss, nil
}
