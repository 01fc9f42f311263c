package acl

import (
	"math"
	"strings"
)

// Describe returns the user's rules in the canonical form ACL LIST shows
// after "user <name> " (ACLDescribeUser): a rule string that rebuilds it.
func (u *User) Describe(cat *Catalog) string {
	var b strings.Builder
	for i, name := range userFlagNames {
		if u.flags&(1<<i) != 0 {
			b.WriteString(name)
			b.WriteByte(' ')
		}
	}
	for _, p := range u.passwords {
		b.WriteByte('#')
		b.WriteString(p)
		b.WriteByte(' ')
	}
	for _, s := range u.selectors {
		if s.root {
			b.WriteString(s.describe(cat))
		} else {
			b.WriteString(" (" + s.describe(cat) + ")")
		}
	}
	return b.String()
}

// Flags returns the user's flags, as ACL GETUSER lists them.
func (u *User) Flags() []string {
	var out []string
	for i, name := range userFlagNames {
		if u.flags&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// Passwords returns the SHA-256 hex digests of the user's passwords.
func (u *User) Passwords() []string { return u.passwords }

// Selectors returns the user's root selector, then its others.
func (u *User) Selectors() []*Selector { return u.selectors }

func (s *Selector) describe(cat *Catalog) string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String())
			b.WriteByte(' ')
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(s.CommandRules(cat))
	return b.String()
}

func (k keyPattern) String() string {
	switch k.perm {
	case permRead:
		return "%R~" + k.pattern
	case permWrite:
		return "%W~" + k.pattern
	}
	return "~" + k.pattern
}

// KeyRules returns the selector's key patterns as ACL GETUSER shows them.
func (s *Selector) KeyRules() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// ChannelRules returns the selector's channel patterns as ACL GETUSER
// shows them.
func (s *Selector) ChannelRules() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// CommandRules is ACLDescribeSelectorCommandRules: "+@all" or "-@all",
// then the categories that best approach the selector's commands, then
// the single commands that make up the difference.
func (s *Selector) CommandRules(cat *Catalog) string {
	var b strings.Builder
	fake := newSelector(cat, false)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
		fake.apply(cat, "-@all")
	} else {
		b.WriteString("+@all ")
		fake.apply(cat, "+@all")
	}
	temp := newSelector(cat, false)
	copy(temp.allowed, s.allowed)
	applied := make([]bool, len(Categories))
	for {
		best := -1
		var mindiff, maxsame uint64 = math.MaxInt32, 0
		for j, name := range Categories {
			if applied[j] {
				continue
			}
			on, off := temp.countCategory(cat, categoryFlag(name))
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
				best, mindiff, maxsame = j, diff, same
			}
		}
		if best == -1 {
			break
		}
		sign, inv := "+@", "-@"
		if !additive {
			sign, inv = "-@", "+@"
		}
		fake.apply(cat, sign+Categories[best])
		temp.apply(cat, inv+Categories[best])
		b.WriteString(sign + Categories[best] + " ")
		applied[best] = true
	}
	cat.each(func(c *Command) {
		user, f := s.bit(c.ID), fake.bit(c.ID)
		if user != f {
			if user {
				b.WriteByte('+')
			} else {
				b.WriteByte('-')
			}
			b.WriteString(c.Name + " ")
			fake.changePerm(c, user)
		}
		if !user {
			for _, a := range s.firstArgs[c.ID] {
				b.WriteString("+" + c.Name + "|" + a + " ")
			}
		}
	})
	out := b.String()
	return out[:len(out)-1]
}

func (s *Selector) countCategory(cat *Catalog, flag uint64) (on, off uint64) {
	cat.each(func(c *Command) {
		if c.categories&flag != 0 {
			if s.bit(c.ID) {
				on++
			} else {
				off++
			}
		}
	})
	return on, off
}

// Rules returns the user's canonical rules as separate arguments, each
// selector one argument whose rules are quoted as sdssplitargs reads them:
// applied to a new user (NewUser), they rebuild this one exactly, whatever
// its patterns hold (the effect ACL SETUSER leaves in the log). "reset"
// would not do: it leaves the sanitize-payload flag set. Describe joins rules with
// spaces and quotes nothing, as Redis does.
func (u *User) Rules(cat *Catalog) []string {
	var out []string
	out = append(out, u.Flags()...)
	for _, p := range u.passwords {
		out = append(out, "#"+p)
	}
	for _, s := range u.selectors {
		toks := s.tokens(cat)
		if s.root {
			out = append(out, toks...)
			continue
		}
		for i, t := range toks {
			toks[i] = quoteArg(t)
		}
		out = append(out, "("+strings.Join(toks, " ")+")")
	}
	return out
}

func (s *Selector) tokens(cat *Catalog) []string {
	var out []string
	if s.allKeys {
		out = append(out, "~*")
	} else {
		for _, k := range s.keys {
			out = append(out, k.String())
		}
	}
	if s.allChannels {
		out = append(out, "&*")
	} else {
		out = append(out, "resetchannels")
		for _, c := range s.channels {
			out = append(out, "&"+c)
		}
	}
	return append(out, strings.Fields(s.CommandRules(cat))...)
}

// quoteArg quotes t for sdssplitargs if it holds a quote, a backslash, a
// parenthesis or a byte that is not printable ASCII.
func quoteArg(t string) string {
	plain := true
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '(' || c == ')' {
			plain = false
			break
		}
	}
	if plain {
		return t
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
