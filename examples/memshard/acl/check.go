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
}

// Open reports whether the user may run anything: checks can be skipped.
func (u *User) Open() bool { return u.open }

// Check is ACLCheckAllUserCommandPerm: whether the user may run argv,
// whose command is c. idx is the argument a key or channel denial is
// about. fallback, if not nil, returns the keys of argv when c's key specs
// cannot find them (Redis's getkeys_proc).
func (u *User) Check(c *Command, argv [][]byte, fallback func() []KeyRef) (r Result, idx int) {
	if u.open {
		return OK, 0
	}
	relevant, last := DeniedCmd, 0
	var keys []KeyRef
	keysDone := false
	for _, s := range u.selectors {
		res, i := s.check(c, argv, func() []KeyRef {
			if !keysDone {
				keys, keysDone = commandKeys(c, argv, fallback), true
			}
			return keys
		})
		if res == OK {
			return OK, 0
		}
		if res > relevant || (res == relevant && i > last) {
			relevant, last = res, i
		}
	}
	return relevant, last
}

func (s *Selector) check(c *Command, argv [][]byte, keys func() []KeyRef) (Result, int) {
	if !s.allCommands && !c.noAuth && !s.bit(c.ID) {
		args := s.firstArgs[c.ID]
		if len(argv) < 2 || args == nil {
			return DeniedCmd, 0
		}
		at := 1
		if c.parent != nil {
			at = 2
		}
		found := false
		for _, a := range args {
			if at < len(argv) && bytesEqualFold(cBytes(argv[at]), cPrefix(a)) {
				found = true
				break
			}
		}
		if !found {
			return DeniedCmd, 0
		}
	}
	if !s.allKeys && len(c.keySpecs) > 0 {
		for _, k := range keys() {
			if !s.keyAllowed(argv[k.Pos], k.flags) {
				return DeniedKey, k.Pos
			}
		}
	}
	if !s.allChannels && c.channels != noChannels {
		from, to := 1, len(argv)
		if c.channels == firstChannel {
			to = 2
		}
		for j := from; j < to && j < len(argv); j++ {
			if !channelAllowed(s.channels, argv[j], c.channels == allPatterns) {
				return DeniedChannel, j
			}
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

// commandKeys is getKeysFromCommandWithSpecs.
func commandKeys(c *Command, argv [][]byte, fallback func() []KeyRef) []KeyRef {
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
		if keys, ok := keysFromSpecs(c, argv); ok {
			return keys
		}
	}
	if fallback != nil {
		return fallback()
	}
	return nil
}

// keysFromSpecs is getKeysUsingKeySpecs; ok is false for a spec that
// cannot find its keys (unknown, incomplete or out of bounds).
func keysFromSpecs(c *Command, argv [][]byte) (keys []KeyRef, ok bool) {
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
			keys = append(keys, KeyRef{Pos: i, flags: ks.flags})
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

// KeyRefsOf returns refs for keys, the arguments of argv a command's own
// key finder returned (slices of argv's elements), with spec flags
// (every flag of c's key specs, as a getkeys_proc without flags gives).
func KeyRefsOf(c *Command, argv [][]byte, keys [][]byte) []KeyRef {
	flags := 0
	var refs []KeyRef
	for _, k := range keys {
		for i := 1; i < len(argv); i++ {
			if len(k) > 0 && len(argv[i]) > 0 && &argv[i][0] == &k[0] && len(argv[i]) == len(k) {
				refs = append(refs, KeyRef{Pos: i, flags: flags})
				break
			}
		}
	}
	return refs
}
