package authz

import (
	"fmt"
	"path"
	"strings"
)

// ParseError is a line of a rules file that does not parse.
type ParseError struct {
	File string // as given to Parse
	Line int    // 1-based
	Msg  string // what is wrong
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxFileBytes bounds a rules file: a file this large is a mistake (a
// certificate or a log named instead), not thousands of grants.
const maxFileBytes = 1 << 20

// Parse parses the rules in data; file names it in errors. The first bad
// line is a *ParseError; an empty file (no rule) is valid and grants nothing.
func Parse(file string, data []byte) (*Rules, error) {
	if len(data) > maxFileBytes {
		return nil, &ParseError{File: file, Line: 0, Msg: fmt.Sprintf("larger than %d bytes", maxFileBytes)}
	}
	r := &Rules{cn: map[string][]grant{}, dns: map[string][]grant{}, uri: map[string][]grant{}}
	for i, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		for j, f := range fields {
			if strings.HasPrefix(f, "#") {
				fields = fields[:j]
				break
			}
		}
		if len(fields) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return &ParseError{File: file, Line: i + 1, Msg: fmt.Sprintf(format, args...)}
		}
		if len(fields) < 2 {
			return nil, bad("want <principal> <permission>[,<permission>...] [<log-pattern> ...], got only %q", fields[0])
		}
		g := grant{line: i + 1}
		for _, name := range strings.Split(fields[1], ",") {
			p, ok := permissionByName(name)
			if !ok {
				return nil, bad("unknown permission %q: want read, append, trim, create, delete, cluster or all", name)
			}
			g.perms |= p
		}
		g.patterns = fields[2:]
		switch {
		case g.perms&logPermissions != 0 && len(g.patterns) == 0:
			return nil, bad("%s needs at least one log pattern (a log name or a glob such as shard-* or *)", (g.perms & logPermissions).String())
		case g.perms == Cluster && len(g.patterns) > 0:
			return nil, bad("cluster takes no log pattern, got %q", g.patterns[0])
		}
		for _, pat := range g.patterns {
			if err := checkPattern(pat); err != nil {
				return nil, bad("log pattern %q: %s", pat, err)
			}
		}
		principal := fields[0]
		kind, name, _ := strings.Cut(principal, ":")
		switch {
		case principal == "*":
			r.any = append(r.any, g)
		case name == "" && (kind == "cn" || kind == "dns" || kind == "uri"):
			return nil, bad("principal %q names nobody: want %s:NAME", principal, kind)
		case kind == "cn":
			r.cn[name] = append(r.cn[name], g)
		case kind == "dns":
			r.dns[name] = append(r.dns[name], g)
		case kind == "uri":
			r.uri[name] = append(r.uri[name], g)
		default:
			return nil, bad("unknown principal %q: want cn:NAME, dns:NAME, uri:URI or *", principal)
		}
	}
	return r, nil
}

func permissionByName(name string) (Permission, bool) {
	for _, n := range permissionNames {
		if n.name == name {
			return n.p, true
		}
	}
	return 0, false
}

// checkPattern accepts a path.Match pattern over log names: the
// characters of a log name ([A-Za-z0-9._-]) and the glob's * ? [ ] ^ \.
// Anything else could never match a log, so it is a mistake.
func checkPattern(pat string) error {
	for _, c := range pat {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("._-*?[]^\\", c):
		default:
			return fmt.Errorf("%q cannot be in a log name or a glob", c)
		}
	}
	if _, err := path.Match(pat, ""); err != nil {
		return fmt.Errorf("not a valid glob: %w", err)
	}
	return nil
}
