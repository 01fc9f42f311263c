package server

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// paramType says how a parameter's value is parsed and shown, after
// config.c's standardConfig types.
type paramType uint8

const (
	typeBool    paramType = iota // yes or no, any case
	typeEnum                     // one of names (several, with flagsEnum)
	typeNumeric                  // an integer, memory size or percentage, within bounds
	typeString                   // text, cut at its first NUL byte
	typeSDS                      // binary-safe text
	typeSpecial                  // its own parser
)

// paramFlags are config.c's flags, and how a numeric value is parsed.
type paramFlags uint16

const (
	immutable paramFlags = 1 << iota // CONFIG SET refuses it
	protected                        // CONFIG SET refuses it (enable-protected-configs is no)
	hidden                           // only an exact name finds it in CONFIG GET
	multiArg                         // the value is split at spaces into arguments
	memory                           // numeric: a memory size (1gb)
	percent                          // numeric: or a percentage of maxmemory (n%), kept negative
	unsigned                         // numeric: bounds compared as unsigned (UINT, ULONG_LONG, SIZE_T)
	octal                            // numeric: shown in octal
	flagsEnum                        // enum: several names, or'ed
	sensitive                        // a secret: the slow log shows its value redacted
)

// enumName is one name of an enum parameter and its value.
type enumName struct {
	name string
	val  int
}

// param is one Redis 7.0.15 configuration parameter.
type param struct {
	name  string
	alias string // another name for it ("" if none)
	typ   paramType
	flags paramFlags
	def   string // Redis's default, as CONFIG GET shows it
	// typeNumeric: bounds, as config.c's long long fields (an unsigned
	// type's upper bound ULLONG_MAX is -1).
	lo, hi int64
	// typeEnum: the names, in Redis's order.
	enum []enumName
	// typeBool, typeEnum, typeString: Redis's extra check of a valid
	// value (is_valid_fn); "" if it passes.
	check func(v string) string
	// typeSpecial: the parser (see config_parse.go).
	parse func(cur string, args []string) (string, string)
}

func boolParam(name, alias string, flags paramFlags, def string) *param {
	return &param{name: name, alias: alias, typ: typeBool, flags: flags, def: def}
}

func stringParam(name string, flags paramFlags, def string) *param {
	return &param{name: name, typ: typeString, flags: flags, def: def}
}

func enumParam(name string, flags paramFlags, def string, names ...string) *param {
	p := &param{name: name, typ: typeEnum, flags: flags, def: def}
	for i, n := range names {
		p.enum = append(p.enum, enumName{n, i})
	}
	return p
}

func intParam(name, alias string, flags paramFlags, lo, hi int64, def string) *param {
	return &param{name: name, alias: alias, typ: typeNumeric, flags: flags, lo: lo, hi: hi, def: def}
}

func specialParam(name, alias string, flags paramFlags, def string, parse func(string, []string) (string, string)) *param {
	return &param{name: name, alias: alias, typ: typeSpecial, flags: flags, def: def, parse: parse}
}

const (
	intMax  = math.MaxInt32
	intMin  = math.MinInt32
	uintMax = math.MaxUint32
	longMax = math.MaxInt64
	ullMax  = -1 // ULLONG_MAX as config.c's long long bound
	mb      = 1 << 20
)

// params are Redis 7.0.15's parameters in config.c's order (its
// static_configs table), with the defaults of a Redis built as Debian's
// is (with TLS, without active defrag). memshard's own values, where they
// differ, are set by newConfigState.
var params = []*param{
	// Bool configs.
	boolParam("rdbchecksum", "", immutable, "yes"),
	boolParam("daemonize", "", immutable, "no"),
	boolParam("io-threads-do-reads", "", immutable, "no"),
	boolParam("always-show-logo", "", immutable, "no"),
	boolParam("protected-mode", "", 0, "yes"),
	boolParam("rdbcompression", "", 0, "yes"),
	boolParam("rdb-del-sync-files", "", 0, "no"),
	boolParam("activerehashing", "", 0, "yes"),
	boolParam("stop-writes-on-bgsave-error", "", 0, "yes"),
	boolParam("set-proc-title", "", immutable, "yes"),
	boolParam("dynamic-hz", "", 0, "yes"),
	boolParam("lazyfree-lazy-eviction", "", 0, "no"),
	boolParam("lazyfree-lazy-expire", "", 0, "no"),
	boolParam("lazyfree-lazy-server-del", "", 0, "no"),
	boolParam("lazyfree-lazy-user-del", "", 0, "no"),
	boolParam("lazyfree-lazy-user-flush", "", 0, "no"),
	boolParam("repl-disable-tcp-nodelay", "", 0, "no"),
	boolParam("repl-diskless-sync", "", 0, "yes"),
	boolParam("aof-rewrite-incremental-fsync", "", 0, "yes"),
	boolParam("no-appendfsync-on-rewrite", "", 0, "no"),
	boolParam("cluster-require-full-coverage", "", 0, "yes"),
	boolParam("rdb-save-incremental-fsync", "", 0, "yes"),
	boolParam("aof-load-truncated", "", 0, "yes"),
	boolParam("aof-use-rdb-preamble", "", 0, "yes"),
	boolParam("aof-timestamp-enabled", "", 0, "no"),
	boolParam("cluster-replica-no-failover", "cluster-slave-no-failover", 0, "no"),
	boolParam("replica-lazy-flush", "slave-lazy-flush", 0, "no"),
	boolParam("replica-serve-stale-data", "slave-serve-stale-data", 0, "yes"),
	boolParam("replica-read-only", "slave-read-only", 0, "yes"),
	boolParam("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, "yes"),
	boolParam("jemalloc-bg-thread", "", 0, "yes"),
	{name: "activedefrag", typ: typeBool, def: "no", check: func(v string) string {
		if v == "yes" { // isValidActiveDefrag, in a build without HAVE_DEFRAG
			return "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
		}
		return ""
	}},
	boolParam("syslog-enabled", "", immutable, "no"),
	boolParam("cluster-enabled", "", immutable, "no"),
	boolParam("appendonly", "", 0, "no"),
	boolParam("cluster-allow-reads-when-down", "", 0, "no"),
	boolParam("cluster-allow-pubsubshard-when-down", "", 0, "yes"),
	boolParam("crash-log-enabled", "", 0, "yes"),
	boolParam("crash-memcheck-enabled", "", 0, "yes"),
	boolParam("use-exit-on-panic", "", hidden, "no"),
	boolParam("disable-thp", "", immutable, "yes"),
	boolParam("cluster-allow-replica-migration", "", 0, "yes"),
	boolParam("replica-announced", "", 0, "yes"),
	boolParam("latency-tracking", "", 0, "yes"),
	boolParam("aof-disable-auto-gc", "", 0, "no"),
	boolParam("replica-ignore-disk-write-errors", "", 0, "no"),
	boolParam("lua-enable-deprecated-api", "", immutable|hidden, "no"),

	// String configs.
	stringParam("aclfile", immutable, ""),
	stringParam("unixsocket", immutable, ""),
	stringParam("pidfile", immutable, ""),
	{name: "replica-announce-ip", alias: "slave-announce-ip", typ: typeString},
	stringParam("masteruser", sensitive, ""),
	stringParam("cluster-announce-ip", 0, ""),
	stringParam("cluster-config-file", immutable, "nodes.conf"),
	{name: "cluster-announce-hostname", typ: typeString, check: validHostname},
	stringParam("syslog-ident", immutable, "redis"),
	stringParam("dbfilename", protected, "dump.rdb"),
	stringParam("appendfilename", immutable, "appendonly.aof"),
	stringParam("appenddirname", immutable, "appendonlydir"),
	stringParam("server_cpulist", immutable, ""),
	stringParam("bio_cpulist", immutable, ""),
	stringParam("aof_rewrite_cpulist", immutable, ""),
	stringParam("bgsave_cpulist", immutable, ""),
	stringParam("ignore-warnings", 0, ""),
	stringParam("proc-title-template", 0, "{title} {listen-addr} {server-mode}"), // checked by configState
	stringParam("bind-source-addr", 0, ""),
	stringParam("logfile", immutable, ""),

	// SDS configs.
	{name: "masterauth", typ: typeSDS, flags: sensitive},
	{name: "requirepass", typ: typeSDS, flags: sensitive},

	// Enum configs.
	enumParam("supervised", immutable, "no", "upstart", "systemd", "auto", "no"),
	enumParam("syslog-facility", immutable, "local0", "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"),
	enumParam("repl-diskless-load", 0, "disabled", "disabled", "on-empty-db", "swapdb"),
	enumParam("loglevel", 0, "notice", "debug", "verbose", "notice", "warning"),
	enumParam("maxmemory-policy", 0, "noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"),
	enumParam("appendfsync", 0, "everysec", "everysec", "always", "no"),
	{name: "oom-score-adj", typ: typeEnum, def: "no", enum: []enumName{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}},
	enumParam("acl-pubsub-default", 0, "resetchannels", "allchannels", "resetchannels"),
	enumParam("sanitize-dump-payload", 0, "no", "no", "yes", "clients"),
	enumParam("enable-protected-configs", immutable, "no", "no", "yes", "local"),
	enumParam("enable-debug-command", immutable, "no", "no", "yes", "local"),
	enumParam("enable-module-command", immutable, "no", "no", "yes", "local"),
	enumParam("cluster-preferred-endpoint-type", 0, "ip", "ip", "hostname", "unknown-endpoint"),
	enumParam("propagation-error-behavior", 0, "ignore", "ignore", "panic", "panic-on-replicas"),
	shutdownParam("shutdown-on-sigterm"),
	shutdownParam("shutdown-on-sigint"),

	// Integer configs.
	intParam("databases", "", immutable, 1, intMax, "16"),
	intParam("port", "", 0, 0, 65535, "6379"),
	intParam("io-threads", "", immutable, 1, 128, "1"),
	intParam("auto-aof-rewrite-percentage", "", 0, 0, intMax, "100"),
	intParam("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, intMax, "10"),
	intParam("list-max-listpack-size", "list-max-ziplist-size", 0, intMin, intMax, "-2"),
	intParam("tcp-keepalive", "", 0, 0, intMax, "300"),
	intParam("cluster-migration-barrier", "", 0, 0, intMax, "1"),
	intParam("active-defrag-cycle-min", "", 0, 1, 99, "1"),
	intParam("active-defrag-cycle-max", "", 0, 1, 99, "25"),
	intParam("active-defrag-threshold-lower", "", 0, 0, 1000, "10"),
	intParam("active-defrag-threshold-upper", "", 0, 0, 1000, "100"),
	intParam("lfu-log-factor", "", 0, 0, intMax, "10"),
	intParam("lfu-decay-time", "", 0, 0, intMax, "1"),
	intParam("replica-priority", "slave-priority", 0, 0, intMax, "100"),
	intParam("repl-diskless-sync-delay", "", 0, 0, intMax, "5"),
	intParam("maxmemory-samples", "", 0, 1, intMax, "5"),
	intParam("maxmemory-eviction-tenacity", "", 0, 0, 100, "10"),
	intParam("timeout", "", 0, 0, intMax, "0"),
	intParam("replica-announce-port", "slave-announce-port", 0, 0, 65535, "0"),
	intParam("tcp-backlog", "", immutable, 0, intMax, "511"),
	intParam("cluster-port", "", immutable, 0, 65535, "0"),
	intParam("cluster-announce-bus-port", "", 0, 0, 65535, "0"),
	intParam("cluster-announce-port", "", 0, 0, 65535, "0"),
	intParam("cluster-announce-tls-port", "", 0, 0, 65535, "0"),
	intParam("repl-timeout", "", 0, 1, intMax, "60"),
	intParam("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, intMax, "10"),
	intParam("list-compress-depth", "", 0, 0, intMax, "0"),
	intParam("rdb-key-save-delay", "", hidden, intMin, intMax, "0"),
	intParam("key-load-delay", "", hidden, intMin, intMax, "0"),
	intParam("active-expire-effort", "", 0, 1, 10, "1"),
	intParam("hz", "", 0, 0, intMax, "10"),
	intParam("min-replicas-to-write", "min-slaves-to-write", 0, 0, intMax, "0"),
	intParam("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, intMax, "10"),
	intParam("watchdog-period", "", hidden, 0, intMax, "0"),
	intParam("shutdown-timeout", "", 0, 0, intMax, "10"),
	intParam("repl-diskless-sync-max-replicas", "", 0, 0, intMax, "0"),

	// Unsigned int configs.
	intParam("maxclients", "", unsigned, 1, uintMax, "10000"),
	intParam("unixsocketperm", "", immutable|unsigned|octal, 0, 0o777, "0"),
	intParam("socket-mark-id", "", immutable|unsigned, 0, uintMax, "0"),

	// Unsigned long configs (bounds checked as signed, as Redis does).
	intParam("active-defrag-max-scan-fields", "", 0, 1, longMax, "1000"),
	intParam("slowlog-max-len", "", 0, 0, longMax, "128"),
	intParam("acllog-max-len", "", 0, 0, longMax, "128"),

	// Long long configs.
	intParam("busy-reply-threshold", "lua-time-limit", 0, 0, longMax, "5000"),
	intParam("cluster-node-timeout", "", 0, 0, longMax, "15000"),
	intParam("slowlog-log-slower-than", "", 0, -1, longMax, "10000"),
	intParam("latency-monitor-threshold", "", 0, 0, longMax, "0"),
	intParam("proto-max-bulk-len", "", memory, mb, longMax, "536870912"),
	intParam("stream-node-max-entries", "", 0, 0, longMax, "100"),
	intParam("repl-backlog-size", "", memory, 1, longMax, "1048576"),

	// Unsigned long long configs.
	intParam("maxmemory", "", memory|unsigned, 0, ullMax, "0"),
	intParam("cluster-link-sendbuf-limit", "", memory|unsigned, 0, ullMax, "0"),

	// Size_t configs.
	intParam("hash-max-listpack-entries", "hash-max-ziplist-entries", unsigned, 0, longMax, "512"),
	intParam("set-max-intset-entries", "", unsigned, 0, longMax, "512"),
	intParam("zset-max-listpack-entries", "zset-max-ziplist-entries", unsigned, 0, longMax, "128"),
	intParam("active-defrag-ignore-bytes", "", memory|unsigned, 1, longMax, "104857600"),
	intParam("hash-max-listpack-value", "hash-max-ziplist-value", memory|unsigned, 0, longMax, "64"),
	intParam("stream-node-max-bytes", "", memory|unsigned, 0, longMax, "4096"),
	intParam("zset-max-listpack-value", "zset-max-ziplist-value", memory|unsigned, 0, longMax, "64"),
	intParam("hll-sparse-max-bytes", "", memory|unsigned, 0, longMax, "3000"),
	intParam("tracking-table-max-keys", "", unsigned, 0, longMax, "1000000"),
	intParam("client-query-buffer-limit", "", memory|unsigned, mb, longMax, "1073741824"),
	intParam("maxmemory-clients", "", memory|percent, -100, longMax, "0"),

	// Other numeric configs.
	intParam("repl-backlog-ttl", "", 0, 0, longMax, "3600"),
	intParam("auto-aof-rewrite-min-size", "", memory, 0, longMax, "67108864"),
	intParam("loading-process-events-interval-bytes", "", hidden, 1024, intMax, "2097152"),

	// TLS configs.
	intParam("tls-port", "", 0, 0, 65535, "0"),
	intParam("tls-session-cache-size", "", 0, 0, intMax, "20480"),
	intParam("tls-session-cache-timeout", "", 0, 0, intMax, "300"),
	boolParam("tls-cluster", "", 0, "no"),
	boolParam("tls-replication", "", 0, "no"),
	enumParam("tls-auth-clients", 0, "yes", "no", "yes", "optional"),
	boolParam("tls-prefer-server-ciphers", "", 0, "no"),
	boolParam("tls-session-caching", "", 0, "yes"),
	stringParam("tls-cert-file", 0, ""),
	stringParam("tls-key-file", 0, ""),
	stringParam("tls-key-file-pass", 0, ""),
	stringParam("tls-client-cert-file", 0, ""),
	stringParam("tls-client-key-file", 0, ""),
	stringParam("tls-client-key-file-pass", 0, ""),
	stringParam("tls-dh-params-file", 0, ""),
	stringParam("tls-ca-cert-file", 0, ""),
	stringParam("tls-ca-cert-dir", 0, ""),
	stringParam("tls-protocols", 0, ""),
	stringParam("tls-ciphers", 0, ""),
	stringParam("tls-ciphersuites", 0, ""),

	// Special configs.
	specialParam("dir", "", protected, "", nil), // the working directory
	specialParam("save", "", multiArg, "3600 1 300 100 60 10000", parseSave),
	specialParam("client-output-buffer-limit", "", multiArg, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", parseClientOutputBufferLimit),
	specialParam("oom-score-adj-values", "", multiArg, "0 200 800", parseOOMScoreAdjValues),
	specialParam("notify-keyspace-events", "", 0, "", parseNotify),
	specialParam("bind", "", multiArg, "* -::*", parseBind),
	specialParam("replicaof", "slaveof", immutable|multiArg, "", nil),
	specialParam("latency-tracking-info-percentiles", "", multiArg, "50 99 99.9", parseLatencyPercentiles),
}

// shutdownParam is shutdown-on-sigint or shutdown-on-sigterm: SHUTDOWN's
// flags, several at once.
func shutdownParam(name string) *param {
	return &param{name: name, typ: typeEnum, flags: multiArg | flagsEnum, def: "default",
		enum: []enumName{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}},
		check: func(v string) string { // isValidShutdownOnSigFlags
			names := strings.Fields(v)
			if slices.Contains(names, "save") && slices.Contains(names, "nosave") {
				return "shutdown options SAVE and NOSAVE can't be used simultaneously"
			}
			return ""
		}}
}

// paramEntry is one name CONFIG knows: a parameter's name or its alias.
// Redis keeps the two as separate entries: CONFIG GET lists both, and
// CONFIG SET name and alias together is not a duplicate.
type paramEntry struct {
	name string
	p    *param
}

// paramEntries lists every name, and paramIndex finds one by its lower
// case.
var (
	paramEntries []paramEntry
	paramIndex   = map[string]*paramEntry{}
)

func init() {
	for _, p := range params {
		paramEntries = append(paramEntries, paramEntry{p.name, p})
		if p.alias != "" {
			paramEntries = append(paramEntries, paramEntry{p.alias, p})
		}
	}
	for i := range paramEntries {
		e := &paramEntries[i]
		if paramIndex[e.name] != nil {
			panic("server: duplicate config parameter " + e.name)
		}
		paramIndex[e.name] = e
	}
}

// lookupParam finds a parameter's entry by name, in any case (Redis's
// config dict compares names with strcasecmp).
func lookupParam(name string) *paramEntry { return paramIndex[asciiLower(name)] }

// parseValue parses v as a value of p (except typeSpecial, and the checks
// configState adds): its canonical form, as CONFIG GET shows it, or
// Redis's error.
func (p *param) parseValue(v string) (string, string) {
	switch p.typ {
	case typeBool:
		var out string
		switch asciiLower(cstr(v)) {
		case "yes":
			out = "yes"
		case "no":
			out = "no"
		default:
			return "", "argument must be 'yes' or 'no'"
		}
		if p.check != nil {
			if err := p.check(out); err != "" {
				return "", err
			}
		}
		return out, ""
	case typeEnum:
		return p.parseEnum(v)
	case typeNumeric:
		return p.parseNumeric(v)
	case typeString:
		s := cstr(v)
		if p.check != nil {
			if err := p.check(s); err != "" {
				return "", err
			}
		}
		return s, ""
	case typeSDS:
		return v, ""
	}
	return "", "not settable"
}

// parseEnum is enumConfigSet: one name, or with flagsEnum several names
// whose values are or'ed, shown as configEnumGetName shows them.
func (p *param) parseEnum(v string) (string, string) {
	args := []string{v}
	if p.flags&multiArg != 0 {
		args = splitConfigArgs(v)
	}
	val := 0
	bad := len(args) == 0
	for _, a := range args {
		matched := false
		for _, e := range p.enum {
			if strcaseEqual(e.name, a) {
				val |= e.val
				matched = true
			}
		}
		bad = bad || !matched
	}
	if bad {
		msg := "argument(s) must be one of the following: "
		for i, e := range p.enum {
			if i > 0 {
				msg += ", "
			}
			msg += e.name
		}
		return "", msg
	}
	out := p.enumName(val)
	if p.check != nil {
		if err := p.check(out); err != "" {
			return "", err
		}
	}
	return out, ""
}

// enumName is configEnumGetName: the first name of val; for flagsEnum,
// the names of its bits in Redis's order.
func (p *param) enumName(val int) string {
	names, unmatched := "", val
	for _, e := range p.enum {
		if e.val == val {
			return e.name
		}
		if p.flags&flagsEnum != 0 && e.val != 0 && e.val == unmatched&e.val {
			if names != "" {
				names += " "
			}
			names += e.name
			unmatched &^= e.val
		}
	}
	return names
}

// parseNumeric is numericConfigSet: numericParseString then
// numericBoundaryCheck, the value shown as numericConfigGet shows it.
func (p *param) parseNumeric(v string) (string, string) {
	var ll int64
	ok := false
	if p.flags&memory != 0 {
		var u uint64
		if u, ok = memtoull(v); ok {
			ll = int64(u)
		}
	}
	if !ok && p.flags&percent != 0 && len(v) > 1 && v[len(v)-1] == '%' {
		if n, ok2 := string2ll([]byte(v[:len(v)-1])); ok2 && n >= 0 {
			ll, ok = -n, true // a percentage is kept negative
		}
	}
	if !ok && p.flags&octal != 0 {
		n, rest, overflow := strtollBase(v, 8)
		ll, ok = n, rest == "" && !overflow
	}
	if !ok && p.flags&(memory|percent|octal) == 0 {
		ll, ok = string2ll([]byte(v))
	}
	if !ok {
		switch {
		case p.flags&memory != 0 && p.flags&percent != 0:
			return "", "argument must be a memory or percent value"
		case p.flags&memory != 0:
			return "", "argument must be a memory value"
		}
		return "", "argument couldn't be parsed into an integer"
	}
	if p.flags&unsigned != 0 {
		if uint64(ll) > uint64(p.hi) || uint64(ll) < uint64(p.lo) {
			return "", "argument must be between " + strconv.FormatUint(uint64(p.lo), 10) + " and " + strconv.FormatUint(uint64(p.hi), 10) + " inclusive"
		}
	} else if p.flags&percent != 0 && ll < 0 {
		if ll < p.lo {
			return "", "percentage argument must be less or equal to " + strconv.FormatInt(-p.lo, 10)
		}
	} else if ll > p.hi || ll < p.lo {
		return "", "argument must be between " + strconv.FormatInt(p.lo, 10) + " and " + strconv.FormatInt(p.hi, 10) + " inclusive"
	}
	switch {
	case p.flags&percent != 0 && ll < 0:
		return strconv.FormatInt(-ll, 10) + "%", ""
	case p.flags&memory != 0:
		return strconv.FormatUint(uint64(ll), 10), ""
	case p.flags&octal != 0:
		return strconv.FormatInt(ll, 8), ""
	}
	return strconv.FormatInt(ll, 10), ""
}
