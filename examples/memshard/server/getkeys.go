package server

import (
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// COMMAND GETKEYS and GETKEYSANDFLAGS: the keys of a command line (with
// what the command does with each), from its key specs, as Redis 7.0's
// getKeysUsingKeySpecs finds them (its quirks included), falling back to
// the command's own key finder where a spec cannot say (SORT's STORE).

// keyRef is one key argument: its position in the command line and its
// key spec's flags.
type keyRef struct {
	pos   int
	flags []string
}

// keysFromSpecs returns the keys argv's key specs locate; ok is false if
// a spec cannot locate its keys on this line (Redis's invalid_spec).
func keysFromSpecs(specs []*commanddocs.KeySpec, argv [][]byte) (keys []keyRef, ok bool) {
	argc := len(argv)
	for _, spec := range specs {
		if hasFlag(spec.Flags, "variable_flags") {
			return nil, false // the flags depend on the arguments: the command's own finder says
		}
	}
	for _, spec := range specs {
		if hasFlag(spec.Flags, "not_key") {
			continue
		}
		first := 0
		switch bs := spec.BeginSearch; bs.Type {
		case "index":
			first = *bs.Index
		case "keyword":
			from := *bs.StartFrom
			start, end := from, argc-1
			if from <= 0 {
				start, end = argc+from, 1
			}
			for i := start; i != end; {
				if i >= argc || i < 1 {
					break
				}
				if strings.EqualFold(string(argv[i]), bs.Keyword) {
					first = i + 1
					break
				}
				if start <= end {
					i++
				} else {
					i--
				}
			}
			if first == 0 {
				continue // keyword not found: no key of this spec
			}
		default:
			return nil, false
		}
		var last, step int
		switch fk := spec.FindKeys; fk.Type {
		case "range":
			step = *fk.KeyStep
			switch {
			case *fk.LastKey >= 0:
				last = first + *fk.LastKey
			case fk.Limit == nil || *fk.Limit == 0:
				last = argc + *fk.LastKey
			default:
				last = first + ((argc-first) / *fk.Limit + *fk.LastKey)
			}
		case "keynum":
			step = *fk.KeyStep
			if *fk.KeyNumIdx >= argc || first+*fk.KeyNumIdx >= argc {
				return nil, false
			}
			n, err := strconv.ParseInt(string(argv[first+*fk.KeyNumIdx]), 10, 64)
			if err != nil || n < 0 {
				return nil, false
			}
			first += *fk.FirstKey
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for i := first; i <= last; i += step {
			keys = append(keys, keyRef{pos: i, flags: spec.Flags})
		}
		if hasFlag(spec.Flags, "incomplete") {
			return nil, false
		}
	}
	return keys, true
}

// commandGetKeysAndFlagsCmd is COMMAND GETKEYSANDFLAGS <full-command>.
func commandGetKeysAndFlagsCmd(c *conn, argv [][]byte) Ticket { return c.getKeys(argv, true) }

// getKeys is COMMAND GETKEYS and GETKEYSANDFLAGS (Redis's
// getKeysSubcommandImpl): argv's keys, and their flags if withFlags.
func (c *conn) getKeys(argv [][]byte, withFlags bool) Ticket {
	args := argv[2:]
	cc, dc, errMsg := c.s.lookup(args)
	switch {
	case cc == nil && dc == nil && !strings.HasPrefix(errMsg, "ERR wrong number"):
		c.errorReply("ERR Invalid command specified")
		return 0
	}
	var ci *cmdInfo
	if cc != nil {
		ci = connInfo(cc)
	} else {
		if dc == nil {
			dc, _ = c.s.backend.Table().Resolve(args)
		}
		ci = dataInfo(dc)
	}
	switch {
	case len(ci.keySpecs) == 0 && !ci.movableKeys:
		c.errorReply("ERR The command has no key arguments")
		return 0
	case errMsg != "":
		c.errorReply("ERR Invalid number of arguments specified for command")
		return 0
	}
	keys, ok := keysFromSpecs(ci.keySpecs, args)
	if !ok && dc != nil {
		keys = nativeKeys(dc, args)
	}
	if len(keys) == 0 && !hasFlag(ci.flags, "no_mandatory_keys") {
		c.errorReply("ERR Invalid arguments specified for command")
		return 0
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.w.Bulk(args[k.pos])
			continue
		}
		c.w.Array(2)
		c.w.Bulk(args[k.pos])
		c.w.Set(len(k.flags))
		for _, f := range k.flags {
			c.w.Simple(f)
		}
	}
	return 0
}

// nativeKeys is the command's own key finder, where its key specs cannot
// say: SORT and SORT_RO, whose STORE key a spec cannot find (Redis's
// sortGetKeys: the sorted key is read, the last STORE's key overwritten);
// SET and BITFIELD, whose key is read or not by their options (setGetKeys,
// bitfieldGetKeys).
func nativeKeys(dc *engine.Command, argv [][]byte) []keyRef {
	is := func(i int, word string) bool { return strings.EqualFold(string(argv[i]), word) }
	switch dc.Name {
	case "sort", "sort_ro":
		keys := []keyRef{{pos: 1, flags: []string{"RO", "access"}}}
		store := 0
		for i := 2; i < len(argv); i++ {
			switch {
			case is(i, "limit"):
				i += 2
			case is(i, "get"), is(i, "by"):
				i++
			case dc.Name == "sort" && is(i, "store") && i+1 < len(argv):
				store = i + 1 // the last STORE wins, as in SORT
			}
		}
		if store > 0 {
			keys = append(keys, keyRef{pos: store, flags: []string{"OW", "update"}})
		}
		return keys
	case "set":
		for i := 3; i < len(argv); i++ {
			if is(i, "get") {
				return []keyRef{{pos: 1, flags: []string{"RW", "access", "update"}}}
			}
		}
		return []keyRef{{pos: 1, flags: []string{"OW", "update"}}}
	case "bitfield":
		readonly := true
	scan:
		for i := 2; i < len(argv); i++ {
			rem := len(argv) - i - 1
			switch {
			case is(i, "get") && rem >= 2:
				i += 2
			case (is(i, "set") || is(i, "incrby")) && rem >= 3:
				readonly = false
				break scan
			case is(i, "overflow") && rem >= 1:
				i++
			default:
				readonly = false // a syntax error: safer to say it writes
				break scan
			}
		}
		if readonly {
			return []keyRef{{pos: 1, flags: []string{"RO", "access"}}}
		}
		return []keyRef{{pos: 1, flags: []string{"RW", "access", "update"}}}
	}
	return nil
}
