package acl

import (
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/glob"
	"strings"
)

// Result is the outcome of a permission check (ACL_OK, ACL_DENIED_*),
// ordered as Redis picks the error to report among selectors.
type Result int

const (
	OK Result = iota
	DeniedCmd
	DeniedKey
	DeniedAuth
	DeniedChannel
)

// KeyRef is a key argument: its index in argv and its key spec's flags.
type KeyRef struct {
	Pos   int
	flags int
	// Names are the key's flags as COMMAND GETKEYSANDFLAGS shows them:
	// its key spec's, or what the command's getkeys_proc sets (none for
	// the generic ones, as Redis's genericGetKeys). Never modified.
	Names []string
}

// CommandKeys returns the keys of the command line argv of c, as Redis's
// getKeysFromCommandWithSpecs finds them (COMMAND GETKEYS and
// GETKEYSANDFLAGS, and the key checks).
func CommandKeys(c *Command, argv [][]byte) []KeyRef { return appendCommandKeys(nil, c, argv) }

// HasKeys reports whether c has keys to find: a key spec of a real key, or
// a getkeys_proc (Redis's doesCommandHaveKeys).
func (c *Command) HasKeys() bool {
	if _, ok := genericProcs[c.Name]; ok || procNames[c.Name] {
		return true
	}
	for _, ks := range c.keySpecs {
		if ks.flags&keyNotKey == 0 {
			return true
		}
	}
	return false
}

// procNames are the commands with a getkeys_proc of their own (procKeys).
var procNames = map[string]bool{"set": true, "bitfield": true, "sort": true, "sort_ro": true, "migrate": true}

// The flag names the getkeys_procs set.
var (
	namesRWAccessUpdate = []string{"RW", "access", "update"}
	namesOWUpdate       = []string{"OW", "update"}
	namesROAccess       = []string{"RO", "access"}
	namesRWAccessDelete = []string{"RW", "access", "delete"}
)

// Open reports whether the user may run anything: checks can be skipped.
func (u *User) Open() bool { return u.open }

// Check is ACLCheckAllUserCommandPerm: whether the user may run argv,
// whose command is c. idx is the argument a key or channel denial is
// about.
func (u *User) Check(c *Command, argv [][]byte) (r Result, idx int) {
	if u.open {
		return OK, 0
	}
	relevant, last := DeniedCmd, 0
	// The keys are found once, for every selector, in buf if they fit:
	// the check allocates nothing for most commands.
	var buf [8]KeyRef
	var keys []KeyRef
	keysDone := false
	for _, s := range u.selectors {
		res, i := s.checkCommand(c, argv)
		if res == OK && !s.allKeys && len(c.keySpecs) > 0 {
			if !keysDone {
				keys, keysDone = appendCommandKeys(buf[:0], c, argv), true
			}
			res, i = s.checkKeys(argv, keys)
		}
		if res == OK {
			res, i = s.checkChannels(c, argv)
		}
		if res == OK {
			return OK, 0
		}
		if res > relevant || (res == relevant && i > last) {
			relevant, last = res, i
		}
	}
	return relevant, last
}

// checkCommand is the command part of ACLSelectorCheckCmd: the command's
// bit, or one of its allowed first arguments.
func (s *Selector) checkCommand(c *Command, argv [][]byte) (Result, int) {
	if s.allCommands || c.noAuth || s.bit(c.ID) {
		return OK, 0
	}
	args := s.firstArgs[c.ID]
	if len(argv) < 2 || args == nil {
		return DeniedCmd, 0
	}
	at := 1
	if c.parent != nil {
		at = 2
	}
	for _, a := range args {
		if at < len(argv) && bytesEqualFold(cBytes(argv[at]), cPrefix(a)) {
			return OK, 0
		}
	}
	return DeniedCmd, 0
}

// checkKeys is the key part of ACLSelectorCheckCmd.
func (s *Selector) checkKeys(argv [][]byte, keys []KeyRef) (Result, int) {
	for _, k := range keys {
		if !s.keyAllowed(argv[k.Pos], k.flags) {
			return DeniedKey, k.Pos
		}
	}
	return OK, 0
}

// checkChannels is the channel part of ACLSelectorCheckCmd.
func (s *Selector) checkChannels(c *Command, argv [][]byte) (Result, int) {
	if s.allChannels || c.channels == noChannels {
		return OK, 0
	}
	to := len(argv)
	if c.channels == firstChannel {
		to = min(2, len(argv))
	}
	for j := 1; j < to; j++ {
		if !channelAllowed(s.channels, argv[j], c.channels == allPatterns) {
			return DeniedChannel, j
		}
	}
	return OK, 0
}

// cBytes is b up to its first NUL, as strcasecmp reads it.
func cBytes(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// keyAllowed is ACLSelectorCheckKey.
func (s *Selector) keyAllowed(key []byte, specFlags int) bool {
	if s.allKeys {
		return true
	}
	need := 0
	if specFlags&keyAccess != 0 {
		need |= permRead
	}
	if specFlags&(keyInsert|keyDelete|keyUpdate) != 0 {
		need |= permWrite
	}
	for _, p := range s.keys {
		if p.perm&need != need {
			continue
		}
		if glob.Match([]byte(p.pattern), key) {
			return true
		}
	}
	return false
}

// channelAllowed is ACLCheckChannelAgainstList: literal compares patterns
// as strings (PSUBSCRIBE's patterns must be allowed as they are).
func channelAllowed(list []string, ch []byte, literal bool) bool {
	for _, p := range list {
		if literal {
			// strcmp: both end at their first NUL.
			if cPrefix(p) == string(cBytes(ch)) {
				return true
			}
		} else if glob.Match([]byte(p), ch) {
			return true
		}
	}
	return false
}

// ChannelAllowed reports whether the user may use channel (a pattern
// if literal), in any selector (ACLUserCheckChannelPerm).
func (u *User) ChannelAllowed(channel []byte, literal bool) bool {
	for _, s := range u.selectors {
		if s.allChannels || channelAllowed(s.channels, channel, literal) {
			return true
		}
	}
	return false
}

// appendCommandKeys is getKeysFromCommandWithSpecs: it appends to dst the
// keys the key specs find, or the command's getkeys_proc where they cannot
// say (procKeys).
func appendCommandKeys(dst []KeyRef, c *Command, argv [][]byte) []KeyRef {
	hasKeySpec, varFlags := false, false
	for _, ks := range c.keySpecs {
		if ks.flags&keyNotKey == 0 {
			hasKeySpec = true
		}
		if ks.flags&keyVariableFlags != 0 {
			varFlags = true
		}
	}
	if hasKeySpec && !varFlags {
		if keys, ok := appendSpecKeys(dst, c, argv); ok {
			return keys
		}
	}
	return append(dst, procKeys(c, argv)...)
}

// appendSpecKeys is getKeysUsingKeySpecs, appending to keys; ok is false
// for a spec that cannot find its keys (unknown, incomplete or out of
// bounds).
func appendSpecKeys(keys []KeyRef, c *Command, argv [][]byte) (_ []KeyRef, ok bool) {
	argc := len(argv)
	for _, ks := range c.keySpecs {
		if ks.flags&keyNotKey != 0 {
			continue
		}
		sp := ks.spec
		first := 0
		switch sp.BeginSearch.Type {
		case "index":
			first = sp.BeginSearch.Index
		case "keyword":
			from := sp.BeginSearch.StartFrom
			start, end := from, argc-1
			if from <= 0 {
				start, end = argc+from, 1
			}
			for i := start; i != end; {
				if i >= argc || i < 1 {
					break
				}
				if strings.EqualFold(string(cBytes(argv[i])), sp.BeginSearch.Keyword) {
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
				continue
			}
		default:
			return nil, false
		}
		var last, step int
		switch sp.FindKeys.Type {
		case "range":
			step = sp.FindKeys.KeyStep
			switch {
			case sp.FindKeys.LastKey >= 0:
				last = first + sp.FindKeys.LastKey
			case sp.FindKeys.Limit == 0:
				last = argc + sp.FindKeys.LastKey
			default:
				last = first + ((argc-first)/sp.FindKeys.Limit + sp.FindKeys.LastKey)
			}
		case "keynum":
			step = sp.FindKeys.KeyStep
			if first+sp.FindKeys.KeyNumIdx >= argc {
				return nil, false
			}
			n, err := strconv.ParseInt(string(argv[first+sp.FindKeys.KeyNumIdx]), 10, 64)
			if err != nil || n < 0 || !canonicalInt(argv[first+sp.FindKeys.KeyNumIdx]) {
				return nil, false
			}
			first += sp.FindKeys.FirstKey
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for i := first; i <= last; i += max(step, 1) {
			keys = append(keys, KeyRef{Pos: i, flags: ks.flags, Names: sp.Flags})
		}
		if ks.flags&keyIncomplete != 0 {
			return nil, false
		}
	}
	return keys, true
}

// canonicalInt reports whether b is as string2ll accepts it: no sign
// but "-", no leading zeros or spaces.
func canonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Key spec flags as getkeys_procs set them.
const (
	keysRWAccessUpdate = keyAccess | keyUpdate
	keysOWUpdate       = keyUpdate
	keysROAccess       = keyAccess
)

// genericProcs are the commands whose getkeys_proc is Redis's
// genericGetKeys(storeKeyOfs, keyCountOfs, firstKeyOfs, keyStep): it
// reads the key count with atoi where the key spec wants a clean integer.
var genericProcs = map[string][3]int{
	"zunionstore": {1, 2, 3}, "zinterstore": {1, 2, 3}, "zdiffstore": {1, 2, 3},
	"zunion": {0, 1, 2}, "zinter": {0, 1, 2}, "zdiff": {0, 1, 2},
	"eval": {0, 2, 3}, "evalsha": {0, 2, 3}, "eval_ro": {0, 2, 3}, "evalsha_ro": {0, 2, 3},
	"fcall": {0, 2, 3}, "fcall_ro": {0, 2, 3},
	"lmpop": {0, 1, 2}, "blmpop": {0, 2, 3}, "zmpop": {0, 1, 2}, "bzmpop": {0, 2, 3},
	"sintercard": {0, 1, 2}, "zintercard": {0, 1, 2},
}

// atoi is C's atoi: blanks, a sign, then digits up to the first other byte.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		if n > 1<<32 {
			break // beyond any key count: the sanity check refuses it
		}
	}
	if neg {
		return -n
	}
	return n
}

// procKeys is the getkeys_proc of a command whose key specs cannot find
// its keys or their flags (Redis 7.0's setGetKeys, bitfieldGetKeys,
// sortGetKeys, sortROGetKeys, migrateGetKeys, genericGetKeys); other
// commands' procs find no key where the specs failed, so none is returned.
func procKeys(c *Command, argv [][]byte) []KeyRef {
	argc := len(argv)
	if g, ok := genericProcs[c.Name]; ok {
		store, count, first := g[0], g[1], g[2]
		if count >= argc {
			return nil
		}
		num := atoi(argv[count])
		if num < 1 || num > int64(argc-first) {
			return nil // the command will answer a syntax error
		}
		keys := make([]KeyRef, 0, num+1)
		for i := range int(num) {
			keys = append(keys, KeyRef{Pos: first + i})
		}
		if store > 0 {
			keys = append(keys, KeyRef{Pos: store})
		}
		return keys
	}
	is := func(i int, word string) bool { return strings.EqualFold(string(cBytes(argv[i])), word) }
	switch c.Name {
	case "set":
		for i := 3; i < argc; i++ {
			if is(i, "get") {
				return []KeyRef{{Pos: 1, flags: keysRWAccessUpdate, Names: namesRWAccessUpdate}}
			}
		}
		return []KeyRef{{Pos: 1, flags: keysOWUpdate, Names: namesOWUpdate}}
	case "bitfield":
		readonly := true
	scan:
		for i := 2; i < argc; i++ {
			rem := argc - i - 1
			switch {
			case is(i, "get") && rem >= 2:
				i += 2
			case (is(i, "set") || is(i, "incrby")) && rem >= 3:
				readonly = false
				break scan
			case is(i, "overflow") && rem >= 1:
				i++
			default:
				readonly = false // a syntax error: safer to assume a write
				break scan
			}
		}
		if readonly {
			return []KeyRef{{Pos: 1, flags: keysROAccess, Names: namesROAccess}}
		}
		return []KeyRef{{Pos: 1, flags: keysRWAccessUpdate, Names: namesRWAccessUpdate}}
	case "sort":
		keys := []KeyRef{{Pos: 1, flags: keysROAccess, Names: namesROAccess}}
		store := 0
		for i := 2; i < argc; i++ {
			switch {
			case is(i, "limit"):
				i += 2
			case is(i, "get"), is(i, "by"):
				i++
			case is(i, "store") && i+1 < argc:
				store = i + 1 // the last STORE counts, as SORT runs it
			}
		}
		if store > 0 {
			keys = append(keys, KeyRef{Pos: store, flags: keysOWUpdate, Names: namesOWUpdate})
		}
		return keys
	case "sort_ro":
		return []KeyRef{{Pos: 1, flags: keysROAccess, Names: namesROAccess}}
	case "migrate":
		first, num := 3, 1
		if argc > 6 {
			for i := 6; i < argc; i++ {
				if is(i, "keys") {
					if len(argv[3]) > 0 {
						return nil
					}
					first, num = i+1, argc-i-1
					break
				}
				switch {
				case is(i, "auth"):
					i++
				case is(i, "auth2"):
					i += 2
				}
			}
		}
		var keys []KeyRef
		for i := 0; i < num && first+i < argc; i++ {
			keys = append(keys, KeyRef{Pos: first + i, flags: keyAccess | keyDelete, Names: namesRWAccessDelete})
		}
		return keys
	}
	return nil
}

// ChannelPatterns returns the channel patterns of every selector, and
// whether a selector allows every channel.
func (u *User) ChannelPatterns() (patterns []string, all bool) {
	for _, s := range u.selectors {
		if s.allChannels {
			return nil, true
		}
		patterns = append(patterns, s.channels...)
	}
	return patterns, false
}

// KeepsChannelsOf reports whether u allows every channel pattern old
// listed (ACLKillPubsubClientsIfNeeded's first two shortcuts): the clients
// of old need no check.
func (u *User) KeepsChannelsOf(old *User) bool {
	upcoming, all := u.ChannelPatterns()
	if all {
		return true
	}
	prev, _ := old.ChannelPatterns()
	for _, p := range prev {
		found := false
		for _, q := range upcoming {
			if p == q {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// PubsubAllowed reports whether a client subscribed to channel (a
// pattern if isPattern, compared literally) may stay so under the
// patterns ChannelPatterns returned.
func PubsubAllowed(patterns []string, channel []byte, isPattern bool) bool {
	return channelAllowed(patterns, channel, isPattern)
}
