package acl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/splitargs"
)

// User flags, in the order Redis describes them (ACLUserFlags).
const (
	flagEnabled = 1 << iota
	flagDisabled
	flagNoPass
	flagSkipSanitize
	flagSanitize
)

var userFlagNames = []string{"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"}

// Key pattern permissions (ACL_READ_PERMISSION, ACL_WRITE_PERMISSION).
const (
	permRead  = 1
	permWrite = 2
	permAll   = permRead | permWrite
)

// keyPattern is one ~, %R~, %W~ or %RW~ pattern.
type keyPattern struct {
	pattern string
	perm    int
}

// Selector is a set of permissions: the user's root selector, or one of
// its (...) selectors.
type Selector struct {
	root        bool
	allKeys     bool
	allChannels bool
	allCommands bool
	future      bool     // +@all's reserved bit: the rules started from +@all
	allowed     []uint64 // by command ID
	firstArgs   map[int][]string
	keys        []keyPattern
	channels    []string
}

// User is one ACL user. A User is never modified once built.
type User struct {
	Name      string
	flags     int
	passwords []string // SHA-256 hex digests
	selectors []*Selector
	// open: the user may run every command on every key and channel, so
	// permission checks are skipped (the default user's case).
	open bool
}

// Error is a rule ACL SETUSER refuses: Op, and Redis's reason.
type Error struct {
	Op     string
	Reason string
}

func (e *Error) Error() string {
	return "Error in ACL SETUSER modifier '" + cPrefix(e.Op) + "': " + e.Reason
}

// cPrefix is s as C's %s prints it: up to its first NUL.
func cPrefix(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// Redis's reasons (ACLSetUserStringError).
const (
	reasonUnknown     = "Unknown command or category name in ACL"
	reasonSyntax      = "Syntax error"
	reasonKeysAll     = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	reasonChannelsAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	reasonNoPassword  = "The password you are trying to remove from the user does not exist"
	reasonBadHash     = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	reasonFirstArgSub = "Allowing first-arg of a subcommand is not supported"
)

// NewUser returns a user as ACL SETUSER creates it: off, no password,
// no command, key or channel.
func NewUser(cat *Catalog, name string) *User { return NewUserWith(cat, name, false) }

// NewUserWith is NewUser under acl-pubsub-default: with allChannels
// (allchannels) the user starts with every channel.
func NewUserWith(cat *Catalog, name string, allChannels bool) *User {
	s := newSelector(cat, true)
	s.allChannels = allChannels
	return &User{Name: name, flags: flagDisabled, selectors: []*Selector{s}}
}

// DefaultUser returns the default user as Redis creates it: on, nopass,
// every command, key and channel.
func DefaultUser(cat *Catalog) *User {
	u, err := NewUser(cat, "default").Set(cat, "+@all", "~*", "&*", "on", "nopass")
	if err != nil {
		panic(err)
	}
	return u
}

func newSelector(cat *Catalog, root bool) *Selector {
	return &Selector{root: root, allowed: make([]uint64, (cat.Len()+63)/64)}
}

func (s *Selector) clone() *Selector {
	c := *s
	c.allowed = slices.Clone(s.allowed)
	c.keys = slices.Clone(s.keys)
	c.channels = slices.Clone(s.channels)
	if s.firstArgs != nil {
		c.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, a := range s.firstArgs {
			c.firstArgs[id] = slices.Clone(a)
		}
	}
	return &c
}

func (u *User) clone() *User {
	c := *u
	c.passwords = slices.Clone(u.passwords)
	c.selectors = make([]*Selector, len(u.selectors))
	for i, s := range u.selectors {
		c.selectors[i] = s.clone()
	}
	return &c
}

// Enabled reports whether the user is on.
func (u *User) Enabled() bool { return u.flags&flagDisabled == 0 }

// NoPass reports whether the user takes any password.
func (u *User) NoPass() bool { return u.flags&flagNoPass != 0 }

// CheckPassword reports whether pass is one of the user's passwords (or
// the user is nopass); it does not look at on/off.
func (u *User) CheckPassword(pass []byte) bool {
	if u.NoPass() {
		return true
	}
	sum := sha256.Sum256(pass)
	var h [64]byte
	hex.Encode(h[:], sum[:])
	ok := false
	for _, p := range u.passwords {
		// Every password is compared: the time taken does not say which.
		if subtleEqual(h[:], []byte(p)) {
			ok = true
		}
	}
	return ok
}

func subtleEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}

// Set returns the user with rules applied in order, as ACL SETUSER
// applies them to a copy of the user: on any error, the first one, and no
// user. Selector rules spread over several arguments are merged first
// (ACLMergeSelectorArguments); an unmatched parenthesis is an
// *UnmatchedError.
func (u *User) Set(cat *Catalog, rules ...string) (*User, error) {
	return u.SetWith(cat, false, rules...)
}

// SetWith is Set under acl-pubsub-default: with allChannels
// (allchannels), a new selector and "reset" give every channel.
func (u *User) SetWith(cat *Catalog, allChannels bool, rules ...string) (*User, error) {
	merged, bad := MergeSelectors(rules)
	if bad >= 0 {
		return nil, &UnmatchedError{Arg: rules[bad]}
	}
	n := u.clone()
	for _, op := range merged {
		if reason := n.apply(cat, op, allChannels); reason != "" {
			return nil, &Error{Op: op, Reason: reason}
		}
	}
	n.open = n.computeOpen()
	return n, nil
}

// UnmatchedError is a selector whose "(" has no ")".
type UnmatchedError struct{ Arg string }

func (e *UnmatchedError) Error() string {
	return "Unmatched parenthesis in acl selector starting at '" + cPrefix(e.Arg) + "'."
}

// MergeSelectors joins a selector spread over several arguments ("(~a",
// "+get)") into one, as Redis does. bad is the index of the argument
// whose "(" is never closed, or -1.
func MergeSelectors(args []string) (merged []string, bad int) {
	open := -1
	var sel string
	for j, op := range args {
		if open == -1 && len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' && open != -1 {
			// Redis starts over at a new "(" (its loop tests this first).
			sel, open = op, j
			continue
		}
		if open != -1 {
			sel += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				merged = append(merged, sel)
			}
			continue
		}
		merged = append(merged, op)
	}
	if open != -1 {
		return nil, open
	}
	return merged, -1
}

// apply is ACLSetUser: it returns Redis's reason if op is refused.
func (u *User) apply(cat *Catalog, op string, allChannels bool) string {
	if len(op) == 0 {
		return ""
	}
	// strcasecmp compares C strings: a NUL ends op.
	word := cPrefix(op)
	switch {
	case strings.EqualFold(word, "on"):
		u.flags = u.flags&^flagDisabled | flagEnabled
	case strings.EqualFold(word, "off"):
		u.flags = u.flags&^flagEnabled | flagDisabled
	case strings.EqualFold(word, "skip-sanitize-payload"):
		u.flags = u.flags&^flagSanitize | flagSkipSanitize
	case strings.EqualFold(word, "sanitize-payload"):
		u.flags = u.flags&^flagSkipSanitize | flagSanitize
	case strings.EqualFold(word, "nopass"):
		u.flags |= flagNoPass
		u.passwords = nil
	case strings.EqualFold(word, "resetpass"):
		u.flags &^= flagNoPass
		u.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return reasonBadHash
			}
			h = op[1:]
		}
		if !slices.Contains(u.passwords, h) {
			u.passwords = append(u.passwords, h)
		}
		u.flags &^= flagNoPass
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return reasonBadHash
			}
			h = op[1:]
		}
		i := slices.Index(u.passwords, h)
		if i < 0 {
			return reasonNoPassword
		}
		u.passwords = slices.Delete(u.passwords, i, i+1)
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(cat, false)
		s.allChannels = allChannels
		args, ok := splitargs.Split([]byte(op[1 : len(op)-1]))
		if !ok {
			args = nil // sdssplitargs fails: Redis applies no rule
		}
		for _, a := range args {
			if r := s.apply(cat, string(a)); r != "" {
				return r
			}
		}
		u.selectors = append(u.selectors, s)
	case strings.EqualFold(word, "clearselectors"):
		u.selectors = u.selectors[:1]
	case strings.EqualFold(word, "reset"):
		for _, r := range []string{"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "clearselectors", "-@all"} {
			u.apply(cat, r, allChannels)
		}
		u.selectors[0].allChannels = allChannels
	default:
		return u.selectors[0].apply(cat, op)
	}
	return ""
}

func hashPassword(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// hasSpaces is ACLStringHasSpaces: isspace or NUL.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || (c >= '\t' && c <= '\r') || c == 0 {
			return true
		}
	}
	return false
}

// ValidName reports whether name may name a user: no spaces or NULs.
func ValidName(name []byte) bool { return !hasSpaces(string(name)) }

// apply is ACLSetSelector.
func (s *Selector) apply(cat *Catalog, op string) string {
	if op == "" {
		return reasonSyntax // an empty rule inside a selector ("(\"\")")
	}
	word := cPrefix(op)
	switch {
	case strings.EqualFold(word, "allkeys") || word == "~*":
		s.allKeys, s.keys = true, nil
	case strings.EqualFold(word, "resetkeys"):
		s.allKeys, s.keys = false, nil
	case strings.EqualFold(word, "allchannels") || word == "&*":
		s.allChannels, s.channels = true, nil
	case strings.EqualFold(word, "resetchannels"):
		s.allChannels, s.channels = false, nil
	case strings.EqualFold(word, "allcommands") || strings.EqualFold(word, "+@all"):
		for i := range s.allowed {
			s.allowed[i] = ^uint64(0)
		}
		s.allCommands, s.future, s.firstArgs = true, true, nil
	case strings.EqualFold(word, "nocommands") || strings.EqualFold(word, "-@all"):
		clear(s.allowed)
		s.allCommands, s.future, s.firstArgs = false, false, nil
	case op[0] == '~' || op[0] == '%':
		if s.allKeys {
			return reasonKeysAll
		}
		perm, off := 0, 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				c := op[off]
				if (c == 'R' || c == 'r') && perm&permRead == 0 {
					perm |= permRead
				} else if (c == 'W' || c == 'w') && perm&permWrite == 0 {
					perm |= permWrite
				} else if c == '~' {
					off++
					break
				} else {
					return reasonSyntax
				}
			}
			if perm == 0 {
				return reasonSyntax // "%" or "%~": no permission named
			}
		} else {
			perm = permAll
		}
		pat := op[min(off, len(op)):]
		if hasSpaces(pat) {
			return reasonSyntax
		}
		if i := slices.IndexFunc(s.keys, func(k keyPattern) bool { return k.pattern == pat }); i >= 0 {
			s.keys[i].perm |= perm
		} else {
			s.keys = append(s.keys, keyPattern{pattern: pat, perm: perm})
		}
		s.allKeys = false
	case op[0] == '&':
		if s.allChannels {
			return reasonChannelsAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return reasonSyntax
		}
		if !slices.Contains(s.channels, pat) {
			s.channels = append(s.channels, pat)
		}
		s.allChannels = false
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		return s.allow(cat, op[1:])
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		c := cat.Lookup(cPrefix(op[1:]))
		if c == nil {
			return reasonUnknown
		}
		s.changePerm(c, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		flag := categoryFlag(cPrefix(op[2:]))
		if flag == 0 {
			return reasonUnknown
		}
		cat.each(func(c *Command) {
			if c.categories&flag != 0 {
				s.changePerm(c, op[0] == '+')
			}
		})
	default:
		return reasonSyntax
	}
	return ""
}

// allow is +name: a command, a subcommand, or a first argument of a
// command without subcommands ("+select|0").
func (s *Selector) allow(cat *Catalog, name string) string {
	name = cPrefix(name)
	i := strings.LastIndexByte(name, '|')
	if i < 0 {
		c := cat.Lookup(name)
		if c == nil {
			return reasonUnknown
		}
		s.changePerm(c, true)
		return ""
	}
	base, sub := name[:i], name[i+1:]
	c := cat.Lookup(base)
	if c == nil {
		return reasonUnknown
	}
	if c.parent != nil {
		return reasonFirstArgSub
	}
	if sub == "" {
		return reasonSyntax
	}
	if c.subs != nil {
		sc := cat.Lookup(name)
		if sc == nil {
			return reasonUnknown
		}
		s.changePerm(sc, true)
		return ""
	}
	args := s.firstArgs[c.ID]
	for _, a := range args {
		if strings.EqualFold(a, sub) {
			return ""
		}
	}
	if s.firstArgs == nil {
		s.firstArgs = make(map[int][]string)
	}
	s.firstArgs[c.ID] = append(args, sub)
	return ""
}

// changePerm is ACLChangeSelectorPerm: a container's subcommands follow it.
func (s *Selector) changePerm(c *Command, allow bool) {
	s.setBit(c.ID, allow)
	delete(s.firstArgs, c.ID)
	for _, sc := range c.subList {
		s.setBit(sc.ID, allow)
	}
}

func (s *Selector) setBit(id int, v bool) {
	if v {
		s.allowed[id/64] |= 1 << (id % 64)
	} else {
		s.allowed[id/64] &^= 1 << (id % 64)
		s.allCommands = false
	}
}

func (s *Selector) bit(id int) bool { return s.allowed[id/64]&(1<<(id%64)) != 0 }

// computeOpen reports whether a selector lets the user do anything.
func (u *User) computeOpen() bool {
	for _, s := range u.selectors {
		if s.allCommands && s.allKeys && s.allChannels {
			return true
		}
	}
	return false
}

// bytesEqualFold is strcasecmp for first arguments.
func bytesEqualFold(a []byte, b string) bool { return bytes.EqualFold(a, []byte(b)) }
