package server

import (
	"slices"
	"strconv"
	"strings"
)

// CONFIG GET|SET|RESETSTAT|REWRITE|HELP. GET answers the parameters that
// clients and tools read (redis-benchmark reads save and appendonly) with
// memshard's values; SET accepts only parameters that change nothing of
// consequence, plus requirepass.

func configSubcommands() map[string]*connCommand {
	f := []string{"admin", "noscript", "loading", "stale"}
	return subTable(
		&connCommand{name: "get", arity: -3, flags: f, acl: aAdmin, handler: configGetCmd},
		&connCommand{name: "set", arity: -4, flags: f, acl: aAdmin, handler: configSetCmd},
		&connCommand{name: "resetstat", arity: 2, flags: f, acl: aAdmin, handler: configResetStatCmd},
		&connCommand{name: "rewrite", arity: 2, flags: f, acl: aAdmin, handler: configRewriteCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, handler: configHelpCmd},
	)
}

// settable lists the parameters CONFIG SET accepts, with their defaults.
var settable = map[string]string{
	"save":                    "",
	"appendonly":              "no",
	"appendfsync":             "everysec",
	"timeout":                 "0",
	"tcp-keepalive":           "300",
	"maxmemory-policy":        "noeviction",
	"notify-keyspace-events":  "",
	"hz":                      "10",
	"slowlog-log-slower-than": "10000",
	"slowlog-max-len":         "128",
	"busy-reply-threshold":    "5000",
	"lua-time-limit":          "5000",
	"latency-tracking":        "yes",
	"loglevel":                "notice",
}

// configParams returns every parameter CONFIG GET knows, with its value.
func (s *Server) configParams() map[string]string {
	topo := s.backend.Topology()
	_, port := splitAddr(topo.Self.Addr)
	p := map[string]string{
		"port":                      strconv.Itoa(port),
		"bind":                      "",
		"databases":                 "1",
		"maxmemory":                 "0",
		"maxclients":                "10000",
		"cluster-enabled":           "yes",
		"cluster-node-timeout":      "15000",
		"replica-read-only":         "yes",
		"slave-read-only":           "yes",
		"min-replicas-to-write":     "0",
		"requirepass":               s.password(),
		"proto-max-bulk-len":        strconv.FormatInt(s.cfg.ProtoMaxBulkLen, 10),
		"client-query-buffer-limit": strconv.FormatInt(s.cfg.ClientQueryBufferLimit, 10),
		"daemonize":                 "no",
		"dbfilename":                "dump.rdb",
		"io-threads":                "1",
	}
	for k, v := range settable {
		p[k] = v
	}
	s.mu.Lock()
	for k, v := range s.config {
		p[k] = v
	}
	s.mu.Unlock()
	return p
}

// configGetCmd: CONFIG GET pattern [pattern ...], a map of the parameters
// any pattern matches (case-insensitive globs), each once, by name.
func configGetCmd(c *conn, argv [][]byte) Ticket {
	params := c.s.configParams()
	var names, values []string
	seen := map[string]bool{}
	for _, pat := range argv[2:] {
		// A name without glob characters is looked up and replied as
		// typed; a pattern yields the canonical names it matches.
		if p := string(pat); !strings.ContainsAny(p, "[*?") {
			if v, ok := params[strings.ToLower(p)]; ok && !seen[p] {
				seen[p] = true
				names, values = append(names, p), append(values, v)
			}
			continue
		}
		var matched []string
		for name := range params {
			if !seen[name] && globMatch(string(pat), name, true) {
				matched = append(matched, name)
			}
		}
		slices.Sort(matched)
		for _, name := range matched {
			seen[name] = true
			names, values = append(names, name), append(values, params[name])
		}
	}
	c.w.Map(len(names))
	for i, n := range names {
		c.w.BulkString(n)
		c.w.BulkString(values[i])
	}
	return 0
}

// configSetCmd: CONFIG SET name value [name value ...], all or nothing.
func configSetCmd(c *conn, argv [][]byte) Ticket {
	if len(argv)%2 != 0 {
		c.errorReply("ERR wrong number of arguments for 'config|set' command")
		return 0
	}
	set := map[string]string{}
	for i := 2; i < len(argv); i += 2 {
		name := strings.ToLower(string(argv[i]))
		if _, ok := settable[name]; !ok && name != "requirepass" {
			c.errorReply("ERR Unknown option or number of arguments for CONFIG SET - '" + cString(argv[i], len(argv[i])) + "'")
			return 0
		}
		set[name] = string(argv[i+1])
	}
	c.s.mu.Lock()
	for k, v := range set {
		if k == "requirepass" {
			c.s.pass.Store(&v)
			continue
		}
		c.s.config[k] = v
	}
	c.s.mu.Unlock()
	c.w.OK()
	return 0
}

func configResetStatCmd(c *conn, argv [][]byte) Ticket {
	c.s.stats.reset()
	c.w.OK()
	return 0
}

func configRewriteCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply("ERR The server is running without a config file")
	return 0
}

func configHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("CONFIG", []string{
		"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.",
		"REWRITE", "    Rewrite the configuration file.",
	})
	return 0
}

// globMatch is Redis's stringmatchlen: * ? [abc] [^a-z] and \ escapes.
func globMatch(pattern, s string, nocase bool) bool {
	return match([]byte(pattern), []byte(s), nocase, 0)
}

func match(p, s []byte, nocase bool, depth int) bool {
	if depth > 1000 {
		return false
	}
	lower := func(c byte) byte {
		if nocase && c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, nocase, depth+1) {
					return true
				}
				s = s[1:]
			}
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			matched := false
			for {
				if len(p) == 0 {
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end := lower(p[0]), lower(p[2])
					if start > end {
						start, end = end, start
					}
					if c := lower(s[0]); c >= start && c <= end {
						matched = true
					}
					p = p[2:]
				} else if lower(p[0]) == lower(s[0]) {
					matched = true
				}
				p = p[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
			if len(p) == 0 {
				return len(s) == 0 // unterminated class: the pattern ends here
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if lower(p[0]) != lower(s[0]) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
