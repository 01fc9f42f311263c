package authz

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		line       int
		msg        string // a part of the message
	}{
		{"principal alone", "cn:a", 1, `got only "cn:a"`},
		{"unknown principal kind", "user:a read x", 1, `unknown principal "user:a"`},
		{"bare name", "reader read x", 1, `unknown principal "reader"`},
		{"empty cn", "cn: read x", 1, `principal "cn:" names nobody`},
		{"empty dns", "dns: read x", 1, `principal "dns:" names nobody`},
		{"empty uri", "uri: read x", 1, `principal "uri:" names nobody`},
		{"unknown permission", "cn:a write x", 1, `unknown permission "write"`},
		{"empty permission", "cn:a read,,append x", 1, `unknown permission ""`},
		{"trailing comma", "cn:a read, x", 1, `unknown permission ""`},
		{"log permission without pattern", "cn:a read", 1, "read needs at least one log pattern"},
		{"all without pattern", "cn:a all", 1, "read,append,trim,create,delete needs at least one log pattern"},
		{"cluster with pattern", "cn:a cluster x", 1, `cluster takes no log pattern, got "x"`},
		{"bad glob", "cn:a read shard-[", 1, `log pattern "shard-[": not a valid glob`},
		{"slash in pattern", "cn:a read a/b", 1, `log pattern "a/b": '/' cannot be in a log name`},
		{"line number counts comments and blanks", "# c\n\ncn:a read x\ncn:b rd x\n", 4, `unknown permission "rd"`},
		{"comment after a bad field", "cn:a nope # read x", 1, `unknown permission "nope"`},
		{"too large", strings.Repeat("#", maxFileBytes+1), 0, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse("rules.txt", []byte(tc.file))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want a *ParseError", r, err)
			}
			if pe.File != "rules.txt" || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Fatalf("error %q (line %d); want line %d containing %q", err, pe.Line, tc.line, tc.msg)
			}
			if want := "rules.txt:"; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %q does not start with %q", err, want)
			}
		})
	}
}

func TestParse_Valid(t *testing.T) {
	for _, file := range []string{
		"",
		"# only a comment\n\n   \n",
		"cn:a read x",
		"cn:a read,append,trim,create,delete shard-* orders # a comment\n",
		"* read *\r\n",
		"dns:node1.example cluster",
		"uri:spiffe://example.org/ns/x#frag cluster",
		"cn:admin all *",
		"cn:n read,cluster shard-?",
		"cn:x read [a-c]* [^z]*",
		"\tcn:tab\tread\tx\t",
	} {
		if _, err := Parse("f", []byte(file)); err != nil {
			t.Errorf("Parse(%q): %v", file, err)
		}
	}
}
