package server

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// CONFIG GET|SET|RESETSTAT|REWRITE|HELP, as Redis 7.0.15 answers them.
//
// CONFIG GET knows every parameter of Redis 7.0.15 (config_params.go),
// under its name and its alias. Each shows memshard's own value where
// memshard has the setting (port, bind, requirepass, databases,
// cluster-enabled, the engine's listpack and intset limits, save and
// appendonly: memshard writes no RDB or AOF), and Redis's default where it
// has not.
//
// CONFIG SET validates as Redis does, with Redis's errors, all or nothing.
// Parameters memshard has take effect (requirepass, maxclients, timeout,
// tcp-keepalive, proto-max-bulk-len, client-query-buffer-limit, and what
// INFO shows: hz, latency-tracking, latency-tracking-info-percentiles,
// maxmemory-policy). The others are remembered and shown by CONFIG GET,
// except values that would promise what memshard does not do in a way
// that could lose data or expose it: those are refused (configRefusal).

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

// configState holds the values of the parameters: CONFIG SET changes them,
// CONFIG GET and INFO show them, and the connection path reads the few it
// enforces from atomics, without the lock.
type configState struct {
	protoMaxBulkLen  atomic.Int64             // proto-max-bulk-len
	queryBufLimit    atomic.Int64             // client-query-buffer-limit
	maxClients       atomic.Int64             // maxclients
	idleTimeout      atomic.Int64             // timeout, in nanoseconds; 0: none
	keepAlive        atomic.Int64             // tcp-keepalive, in seconds; 0: off
	slowlogSlower    atomic.Int64             // slowlog-log-slower-than, in microseconds; negative: off
	slowlogMaxLen    atomic.Int64             // slowlog-max-len
	latencyThreshold atomic.Int64             // latency-monitor-threshold, in milliseconds; 0: off
	pubsubLimit      atomic.Pointer[[3]int64] // client-output-buffer-limit's pubsub class: hard, soft, soft seconds
	busyThreshold    atomic.Int64             // busy-reply-threshold (lua-time-limit), in milliseconds

	mu     sync.Mutex        // a leaf: held with no other lock
	values map[*param]string // guarded by mu; memshard's own values and CONFIG SET's (p.def otherwise)
}

// init sets memshard's own values where they are not Redis's defaults.
func (cs *configState) init(cfg Config) {
	cs.protoMaxBulkLen.Store(cfg.ProtoMaxBulkLen)
	engine.SetMaxTransient(cfg.ProtoMaxBulkLen)
	cs.queryBufLimit.Store(cfg.ClientQueryBufferLimit)
	cs.maxClients.Store(10000)
	cs.keepAlive.Store(300)
	cs.slowlogSlower.Store(10000)
	cs.busyThreshold.Store(5000)
	cs.slowlogMaxLen.Store(128)
	cs.setPubsubLimits(paramByName("client-output-buffer-limit").def)
	cs.values = map[*param]string{
		paramByName("databases"):                 "1",   // only db 0: SELECT n fails
		paramByName("cluster-enabled"):           "yes", // memshard presents itself as a cluster node
		paramByName("protected-mode"):            "no",  // memshard has no protected mode
		paramByName("save"):                      "",    // no RDB
		paramByName("proto-max-bulk-len"):        strconv.FormatInt(cfg.ProtoMaxBulkLen, 10),
		paramByName("client-query-buffer-limit"): strconv.FormatInt(cfg.ClientQueryBufferLimit, 10),
	}
	if cfg.TLS != nil {
		// memshard's nodes talk TLS to each other when they serve it.
		cs.values[paramByName("tls-cluster")] = "yes"
		cs.values[paramByName("tls-replication")] = "yes"
	}
	if cfg.ClusterNodeTimeout > 0 {
		cs.values[paramByName("cluster-node-timeout")] = strconv.FormatInt(cfg.ClusterNodeTimeout.Milliseconds(), 10)
	}
}

func paramByName(name string) *param { return lookupParam(name).p }

// get returns p's stored value; paramValue knows the ones memshard reads
// from elsewhere.
func (cs *configState) get(p *param) string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if v, ok := cs.values[p]; ok {
		return v
	}
	return p.def
}

// configValue returns a parameter's current value by its name.
func (s *Server) configValue(name string) string {
	e := lookupParam(name)
	if e == nil {
		return ""
	}
	return s.paramValue(e.p)
}

// paramValue is p's value as CONFIG GET shows it.
func (s *Server) paramValue(p *param) string {
	switch p.name {
	case "port", "tls-port":
		// With TLS, --addr is Redis's tls-port and port is 0 (none).
		_, port := splitAddr(s.backend.Topology().Self.Addr)
		if (p.name == "tls-port") != (s.cfg.TLS != nil) {
			port = 0
		}
		return strconv.Itoa(port)
	case "tls-cert-file", "tls-key-file", "tls-ca-cert-file":
		if s.cfg.TLS != nil {
			return tlsFile(s.cfg.TLS.Files(), p.name)
		}
	case "bind":
		return s.bindValue()
	case "requirepass":
		return s.password()
	case "replicaof":
		// A Redis Cluster replica shows its primary, as INFO replication.
		if topo := s.backend.Topology(); topo.Role == "slave" && topo.Primary.Addr != "" {
			host, port := splitAddr(topo.Primary.Addr)
			return host + " " + strconv.Itoa(port)
		}
		return ""
	case "dir":
		dir, _ := os.Getwd()
		return dir
	}
	return s.config.get(p)
}

// bindValue is the address memshard listens on, as a bind list: the host
// of its address, or Redis's "* -::*" (every address) if it has none.
func (s *Server) bindValue() string {
	host, _ := splitAddr(s.backend.Topology().Self.Addr)
	if host == "" {
		return "* -::*"
	}
	return host
}

// configGetCmd: CONFIG GET pattern [pattern ...]. As configGetCommand
// does: a name without glob characters is looked up in any case and
// replied as typed; a pattern matches the names (aliases included, hidden
// parameters not) in any case; a name already replied is skipped, in any
// case. Redis replies in its dict's order, which varies from one process
// to the next; memshard replies names in argument order, each pattern's
// matches sorted.
func configGetCmd(c *conn, argv [][]byte) Ticket {
	var names []string
	var ps []*param
	seen := map[string]bool{} // lower-case names replied
	for _, arg := range argv[2:] {
		pat := string(arg)
		if !strings.ContainsAny(cstr(pat), "[*?") {
			if e := lookupParam(pat); e != nil && !seen[asciiLower(pat)] {
				seen[asciiLower(pat)] = true
				names, ps = append(names, pat), append(ps, e.p)
			}
			continue
		}
		pat = cstr(pat) // stringmatch takes a C string
		var matched []*paramEntry
		for i := range paramEntries {
			e := &paramEntries[i]
			if e.p.flags&hidden == 0 && !seen[e.name] && globMatch(pat, e.name, true) {
				matched = append(matched, e)
			}
		}
		slices.SortFunc(matched, func(a, b *paramEntry) int { return strings.Compare(a.name, b.name) })
		for _, e := range matched {
			seen[e.name] = true
			names, ps = append(names, e.name), append(ps, e.p)
		}
	}
	c.w.Map(len(names))
	for i, n := range names {
		c.w.BulkString(n)
		c.w.BulkString(c.s.paramValue(ps[i]))
	}
	return 0
}

// configSetCmd: CONFIG SET name value [name value ...], all or nothing.
func configSetCmd(c *conn, argv [][]byte) Ticket {
	if len(argv)%2 != 0 {
		c.errorReply("ERR syntax error")
		return 0
	}
	// configSetCommand redacts every sensitive value, even when it fails.
	for j := 2; j+1 < len(argv); j += 2 {
		if e := lookupParam(string(argv[j])); e != nil && e.p.flags&sensitive != 0 {
			c.redact(j + 1)
		}
	}
	pass, setsPass := requirepassOf(argv[2:])
	if setsPass && !c.s.backend.Route().Primary {
		// The default user's password is the shard's (acl.go).
		c.errorReply(errReadOnly)
		return 0
	}
	if msg := c.s.configSet(argv[2:]); msg != "" {
		c.errorReply("ERR " + msg)
		return 0
	}
	if setsPass {
		return c.setDefaultPassword(pass)
	}
	c.w.OK()
	return 0
}

// requirepassOf returns the requirepass value among CONFIG SET's pairs.
func requirepassOf(pairs [][]byte) (string, bool) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if e := lookupParam(string(pairs[i])); e != nil && e.p.name == "requirepass" {
			return string(pairs[i+1]), true
		}
	}
	return "", false
}

// setDefaultPassword makes pass the shard's default user's password, as
// Redis's ACLUpdateDefaultUserPassword does ("" for nopass), through the
// backend, and replies CONFIG SET's OK once that write has settled.
func (c *conn) setDefaultPassword(pass string) Ticket {
	rule := "nopass"
	if pass != "" {
		rule = ">" + pass
	}
	argv := [][]byte{[]byte("ACL"), []byte("SETUSER"), []byte(defaultUsername), []byte("resetpass"), []byte(rule)}
	w := resp.NewWriter(2)
	t := c.s.backend.Do(&c.state, argv, w)
	c.w.OK()
	return t
}

// configChange is one name and value of a CONFIG SET.
type configChange struct {
	e     *paramEntry
	raw   string // as given
	value string // as given, then as CONFIG GET will show it
}

// configSet applies CONFIG SET's name/value pairs, as configSetCommand
// does, in its phases: it finds every name (unknown, immutable, protected
// and repeated names fail), parses every value in turn, checks what
// applying them takes (Redis's apply functions, and memshard's refusals),
// and only then changes anything. It returns Redis's error, or "".
func (s *Server) configSet(pairs [][]byte) string {
	changes := make([]configChange, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		arg := string(pairs[i])
		e := lookupParam(arg)
		switch {
		case e == nil:
			return "Unknown option or number of arguments for CONFIG SET - '" + cstr(arg) + "'"
		case e.p.flags&immutable != 0:
			return setFailed(arg, "can't set immutable config")
		case e.p.flags&protected != 0:
			return setFailed(arg, "can't set protected config")
		}
		for _, ch := range changes {
			if ch.e == e {
				return setFailed(arg, "duplicate parameter")
			}
		}
		changes = append(changes, configChange{e: e, raw: string(pairs[i+1]), value: string(pairs[i+1])})
	}
	old := make([]string, len(changes))
	pending := map[*param]string{}
	for i := range changes {
		ch := &changes[i]
		p := ch.e.p
		cur, ok := pending[p]
		if !ok {
			cur = s.paramValue(p)
		}
		old[i] = cur
		v, err := s.parseParam(p, cur, ch.value)
		if err != "" {
			return setFailed(ch.e.name, err)
		}
		ch.value, pending[p] = v, v
	}
	if msg := s.applyPhase(changes, old, pending); msg != "" {
		return msg
	}
	s.config.mu.Lock()
	for _, ch := range changes {
		switch ch.e.p.name {
		case "requirepass", "port", "bind", "tls-port": // live values (paramValue)
		default:
			s.config.values[ch.e.p] = ch.value
		}
	}
	s.config.mu.Unlock()
	for _, ch := range changes {
		s.applyParam(ch.e.p, ch.value)
		if ch.e.p.name == "notify-keyspace-events" {
			// The shown value may leave a class out ('n' after 'A').
			_, flags, _ := parseNotifyEvents(ch.raw)
			s.setNotify(flags)
		}
	}
	return ""
}

// applyPhase checks what applying the changes takes, as Redis runs its
// apply functions: one per function, in the order the changed parameters
// first name them, an error naming that first parameter. The TLS
// parameters share one (applyTlsCfg), which fails if the command turns
// TLS on on a node started without TLS (--tls-cert-file), which is never
// configured; on a node with TLS, checkTLSChange decides (tls.go).
func (s *Server) applyPhase(changes []configChange, old []string, pending map[*param]string) string {
	tlsOn := pending[paramByName("tls-port")] != "" && pending[paramByName("tls-port")] != "0" ||
		pending[paramByName("tls-replication")] == "yes" || pending[paramByName("tls-cluster")] == "yes"
	tlsDone := false
	var reload func()
	for i, ch := range changes {
		p := ch.e.p
		if ch.value == old[i] && p.typ != typeSpecial {
			continue // unchanged: Redis runs no apply function
		}
		if tlsApplied[p.name] && s.cfg.TLS != nil {
			if !tlsDone {
				var msg string
				if reload, msg = s.checkTLSChange(pending); msg != "" {
					return setFailed(ch.e.name, msg)
				}
			}
			tlsDone = true
			continue
		}
		if tlsApplied[p.name] {
			if !tlsDone && tlsOn {
				s.log.Warn("CONFIG SET: memshard serves no TLS (start it with --tls-cert-file)", "param", p.name)
				return setFailed(ch.e.name, "Unable to update TLS configuration. Check server logs.")
			}
			tlsDone = true
			continue
		}
		if err := s.configRefusal(p, ch.value); err != "" {
			return setFailed(ch.e.name, err)
		}
	}
	if reload != nil {
		reload() // every check passed
	}
	return ""
}

// tlsApplied are the parameters whose changes Redis applies with
// applyTlsCfg.
var tlsApplied = map[string]bool{
	"tls-session-cache-size": true, "tls-session-cache-timeout": true, "tls-cluster": true, "tls-replication": true,
	"tls-prefer-server-ciphers": true, "tls-session-caching": true, "tls-cert-file": true, "tls-key-file": true,
	"tls-key-file-pass": true, "tls-client-cert-file": true, "tls-client-key-file": true, "tls-client-key-file-pass": true,
	"tls-dh-params-file": true, "tls-ca-cert-file": true, "tls-ca-cert-dir": true, "tls-protocols": true,
	"tls-ciphers": true, "tls-ciphersuites": true,
}

func setFailed(arg, msg string) string {
	return "CONFIG SET failed (possibly related to argument '" + cstr(arg) + "') - " + msg
}

// parseParam parses v as a value of p, whose value is cur: the value
// CONFIG GET will show, or Redis's error.
func (s *Server) parseParam(p *param, cur, v string) (string, string) {
	if p.typ != typeSpecial {
		out, err := p.parseValue(v)
		if err == "" && p.name == "hz" {
			out = clampHZ(out) // updateHZ keeps it within [1, 500]
		}
		if err == "" && p.name == "proc-title-template" {
			_, port := splitAddr(s.backend.Topology().Self.Addr)
			if t, ok := expandTemplate(out, procTitleVars(port, s.bindValue())); !ok || strings.Trim(t, " ") == "" {
				return "", "template format is invalid or contains unknown variables"
			}
		}
		return out, err
	}
	args := []string{v}
	if p.flags&multiArg != 0 {
		args = splitConfigArgs(v)
	}
	return p.parse(cur, args)
}

func clampHZ(v string) string {
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(min(max(n, 1), 500))
}

// configRefusal says why memshard cannot apply value v of p, or "". Some
// are the errors of Redis's own apply functions, where memshard fails
// where Redis can fail; the others refuse what memshard does not do and
// a client could rely on to keep its data: snapshots, an AOF, a memory
// limit, writes refused without replicas, a protected mode.
func (s *Server) configRefusal(p *param, v string) string {
	switch p.name {
	case "port":
		if v != s.paramValue(p) {
			s.log.Warn("CONFIG SET port: memshard listens on its --addr only", "port", v)
			return "Unable to listen on this port. Check server logs."
		}
	case "bind":
		if v != s.bindValue() {
			s.log.Warn("CONFIG SET bind: memshard listens on its --addr only", "bind", v)
			return "Failed to bind to specified addresses."
		}
	case "tls-port": // applyTLSPort: TLS must be configured
		if s.cfg.TLS == nil {
			s.log.Warn("CONFIG SET: memshard serves no TLS (start it with --tls-cert-file)", "param", p.name)
			return "Unable to update TLS configuration. Check server logs."
		}
		if v != s.paramValue(p) {
			s.log.Warn("CONFIG SET tls-port: memshard listens on its --addr only", "port", v)
			return "Unable to update TLS configuration. Check server logs."
		}
	case "appendonly":
		if v == "yes" {
			s.log.Warn("CONFIG SET appendonly yes: memshard has no AOF")
			return "Unable to turn on AOF. Check server logs."
		}
	case "maxclients":
		return maxClientsRefusal(v)
	case "save":
		if v != "" {
			return "memshard writes no RDB snapshots: save must be empty"
		}
	case "replica-ignore-maxmemory":
		if v == "no" {
			return "a memshard replica applies its primary's evictions from the log: replica-ignore-maxmemory must be yes"
		}
	case "min-replicas-to-write":
		if v != "0" {
			return "memshard does not enforce min-replicas-to-write: it must be 0"
		}
	case "protected-mode":
		if v == "yes" {
			return "memshard has no protected mode: set requirepass, or listen on a loopback --addr"
		}
	}
	return ""
}

// applyParam makes a new value of p take effect.
func (s *Server) applyParam(p *param, v string) {
	n, _ := strconv.ParseInt(v, 10, 64)
	switch p.name {
	case "acl-pubsub-default":
		s.backend.SetACLPubsubDefault(v == "allchannels")
	case "requirepass":
		s.pass.Store(&v)
		s.aclRefresh(engine.UsersChange{Users: s.backend.Users()})
	case "maxclients":
		s.config.maxClients.Store(n)
	case "proto-max-bulk-len":
		s.config.protoMaxBulkLen.Store(n)
		engine.SetMaxTransient(n) // LCS's table is held to it
	case "client-query-buffer-limit":
		s.config.queryBufLimit.Store(n)
	case "tcp-keepalive":
		s.config.keepAlive.Store(n)
	case "slowlog-log-slower-than":
		s.config.slowlogSlower.Store(n)
	case "slowlog-max-len":
		s.config.slowlogMaxLen.Store(n)
	case "latency-monitor-threshold":
		s.config.latencyThreshold.Store(n)
	case "client-output-buffer-limit":
		s.config.setPubsubLimits(v)
	case "maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time":
		s.applyMaxmemory()
	case "busy-reply-threshold":
		s.config.busyThreshold.Store(n)
	case "hll-sparse-max-bytes":
		engine.SetHLLSparseMaxBytes(n) // when PFADD promotes a sparse HyperLogLog
	case "timeout":
		s.config.idleTimeout.Store(int64(time.Duration(n) * time.Second))
		for _, c := range s.connList() {
			c.armIdleTimeout() // connections waiting for input see the new timeout now
		}
	}
}

// infoPercentiles are the percentiles INFO latencystats prints
// (latency-tracking-info-percentiles).
func (s *Server) infoPercentiles() []latencyPercentile {
	v := s.configValue("latency-tracking-info-percentiles")
	if v == paramByName("latency-tracking-info-percentiles").def {
		return latencyPercentiles
	}
	var out []latencyPercentile
	for _, label := range splitConfigArgs(v) {
		p, _ := strconv.ParseFloat(label, 64)
		out = append(out, latencyPercentile{label, p})
	}
	return out
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

// maxClientsRefusal is updateMaxclients's check: the process must be
// allowed maxclients + 32 open files (in Redis's unsigned int arithmetic,
// which wraps). memshard does not raise its limit (the Go runtime already
// raised the soft limit to the hard one), so Redis's best offer is what
// the limit allows now.
func maxClientsRefusal(v string) string {
	n, _ := strconv.ParseUint(v, 10, 32)
	want := uint64(uint32(n) + 32)
	if limit := openFilesLimit(); limit != 0 && limit < want {
		return fmt.Sprintf("The operating system is not able to handle the specified number of clients, try with %d", int64(limit)-32)
	}
	return ""
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
