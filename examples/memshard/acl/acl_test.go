package acl

import (
	"strings"
	"testing"
)

func TestCatalog(t *testing.T) {
	cat := Redis()
	for _, name := range []string{"get", "GET", "client|id", "CLIENT|ID", "bgsave", "acl|setuser"} {
		if cat.Lookup(name) == nil {
			t.Errorf("Lookup(%q) = nil", name)
		}
	}
	for _, name := range []string{"nosuch", "get|x", "client|nosuch", "client|id|x", ""} {
		if c := cat.Lookup(name); c != nil {
			t.Errorf("Lookup(%q) = %s, want nil", name, c.Name)
		}
	}
	if c := cat.Lookup("client|id"); c.Parent() != cat.Lookup("client") {
		t.Errorf("client|id's parent = %v", c.Parent())
	}
	if !cat.Lookup("get").InCategory("read") || cat.Lookup("get").InCategory("write") {
		t.Error("get: want @read, not @write")
	}
}

// TestRulesRebuild: a user's canonical rules rebuild it, and so does its
// description when no selector pattern needs quoting.
func TestRulesRebuild(t *testing.T) {
	cat := Redis()
	for _, rules := range []string{
		"on >a >b ~x* %R~r %W~w &c* +@read -get +client|id +select|0 (~s +set) (%R~t resetchannels &d -@all +@hash)",
		"off nopass allkeys allchannels allcommands -@dangerous",
		"on #" + strings.Repeat("0", 64) + " resetkeys resetchannels nocommands +acl -acl|setuser",
		`on ("~a\"b" +get)`,
	} {
		u, err := NewUser(cat, "u").Set(cat, strings.Fields(rules)...)
		if err != nil {
			t.Fatalf("Set(%q): %v", rules, err)
		}
		checkRebuild(t, cat, u)
	}
}

func checkRebuild(t *testing.T, cat *Catalog, u *User) {
	t.Helper()
	want := u.Describe(cat)
	r, err := NewUser(cat, "u").Set(cat, u.Rules(cat)...)
	if err != nil {
		t.Fatalf("rebuilding %q from its rules %q: %v", want, u.Rules(cat), err)
	}
	if got := r.Describe(cat); got != want {
		t.Errorf("rebuilt from rules %q:\n got  %q\n want %q", u.Rules(cat), got, want)
	}
	if strings.ContainsAny(want, "\"'\\") {
		return // Redis's description does not quote: it does not always rebuild
	}
	d, err := NewUser(cat, "u").Set(cat, strings.Split(want, " ")...)
	if err != nil {
		t.Fatalf("rebuilding from the description %q: %v", want, err)
	}
	if got := d.Describe(cat); got != want {
		t.Errorf("rebuilt from the description:\n got  %q\n want %q", got, want)
	}
}

// FuzzACLRules: the rule parser never panics, and a user it accepts
// describes itself with rules that rebuild it.
func FuzzACLRules(f *testing.F) {
	for _, s := range []string{
		"on >p ~a* +get", "(~x +set) (~y", "%RW~k &c -@all +@hash -hset", "+select|0 -client|id +config|get",
		"allkeys ~x", "allchannels &x", "reset nopass", "<nosuch", "!abc", "(%R~\"q r\")", "+@all -@dangerous +del",
		"clearselectors", "%", "%R", "+client|id|x", "#" + strings.Repeat("ab", 32),
	} {
		f.Add(s)
	}
	cat := Redis()
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, " ")
		if len(args) > 64 {
			args = args[:64]
		}
		u, err := NewUser(cat, "u").Set(cat, args...)
		if err != nil {
			return
		}
		want := u.Describe(cat)
		r, err := NewUser(cat, "u").Set(cat, u.Rules(cat)...)
		if err != nil {
			t.Fatalf("%q: rebuilding from %q: %v", s, u.Rules(cat), err)
		}
		if got := r.Describe(cat); got != want {
			t.Fatalf("%q: rebuilt from %q:\n got  %q\n want %q", s, u.Rules(cat), got, want)
		}
	})
}
