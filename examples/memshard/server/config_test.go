package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Differential tests of CONFIG: the same commands go to redis-server
// 7.0.15 and to memshard, in RESP2 and RESP3. Redis lists CONFIG GET's
// matches in its dict's order, which changes from one process to the
// next, so replies with several parameters are compared as sets.

// configKnownDiffs are the parameters whose values differ between the
// test's redis-server and memshard, and why. Every other value is equal.
var configKnownDiffs = map[string]string{
	"port":                 "each server's own port",
	"dir":                  "each server's working directory",
	"logfile":              "redisdiff logs to a file; memshard logs to stderr",
	"enable-debug-command": "redisdiff enables DEBUG; memshard has no DEBUG",
	"cluster-enabled":      "memshard presents itself as a cluster node",
	"databases":            "memshard has database 0 only",
	"protected-mode":       "memshard has no protected mode",
}

// knownDiff reports whether name (or the parameter it is an alias of) is
// in configKnownDiffs.
func knownDiff(name string) bool {
	e := lookupParam(name)
	return e != nil && configKnownDiffs[e.p.name] != ""
}

// configPair is one name and value of a CONFIG GET reply.
type configPair struct{ name, value string }

// parseConfigGet parses a CONFIG GET reply, RESP2 array or RESP3 map, into
// its pairs sorted by name.
func parseConfigGet(t *testing.T, reply []byte) []configPair {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(reply))
	line := func() string {
		l, err := r.ReadString('\n')
		if err != nil || !strings.HasSuffix(l, "\r\n") {
			t.Fatalf("CONFIG GET reply %q: bad line %q", reply, l)
		}
		return l[:len(l)-2]
	}
	head := line()
	n, err := strconv.Atoi(head[1:])
	if err != nil || head[0] != '*' && head[0] != '%' {
		t.Fatalf("CONFIG GET reply %q: not an array or map", reply)
	}
	if head[0] == '%' {
		n *= 2
	}
	items := make([]string, n)
	for i := range items {
		h := line()
		size, err := strconv.Atoi(h[1:])
		if err != nil || h[0] != '$' {
			t.Fatalf("CONFIG GET reply %q: item %q is not a bulk string", reply, h)
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			t.Fatalf("CONFIG GET reply %q: %v", reply, err)
		}
		items[i] = string(b[:size])
	}
	pairs := make([]configPair, 0, n/2)
	for i := 0; i+1 < n; i += 2 {
		pairs = append(pairs, configPair{items[i], items[i+1]})
	}
	slices.SortFunc(pairs, func(a, b configPair) int { return strings.Compare(a.name, b.name) })
	return pairs
}

// maskKnownDiffs blanks the values of the known differences.
func maskKnownDiffs(pairs []configPair) []configPair {
	out := slices.Clone(pairs)
	for i := range out {
		if knownDiff(out[i].name) {
			out[i].value = "<differs>"
		}
	}
	return out
}

// configConns returns a connection to each server in protocol proto.
func configConns(t *testing.T, redisAddr, memAddr string, proto int) (rc, mc *redisdiff.Conn) {
	t.Helper()
	rc, mc = dial(t, redisAddr), dial(t, memAddr)
	if proto == 3 {
		rc.Do("HELLO", "3")
		mc.Do("HELLO", "3")
	}
	return rc, mc
}

// TestConfig_GetAll: CONFIG GET * lists the same 192 names as Redis, with
// the same values but for configKnownDiffs, where memshard shows its own.
func TestConfig_GetAll(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := configConns(t, rs.Addr, addr, proto)
			want := parseConfigGet(t, rc.Do("CONFIG", "GET", "*"))
			got := parseConfigGet(t, mc.Do("CONFIG", "GET", "*"))
			if len(want) != 192 {
				t.Errorf("redis-server lists %d parameters, want 192 (Redis 7.0.15)", len(want))
			}
			names := func(ps []configPair) []string {
				var out []string
				for _, p := range ps {
					out = append(out, p.name)
				}
				return out
			}
			if diff := cmp.Diff(names(want), names(got)); diff != "" {
				t.Errorf("CONFIG GET * names differ (-redis +memshard):\n%s", diff)
			}
			if diff := cmp.Diff(maskKnownDiffs(want), maskKnownDiffs(got), cmp.AllowUnexported(configPair{})); diff != "" {
				t.Errorf("CONFIG GET * values differ (-redis +memshard):\n%s", diff)
			}
			_, port, _ := strings.Cut(addr, ":")
			own := map[string]string{
				"port": port, "dir": parseConfigGet(t, mc.Do("CONFIG", "GET", "dir"))[0].value, "logfile": "",
				"enable-debug-command": "no", "cluster-enabled": "yes", "databases": "1", "protected-mode": "no",
			}
			for _, p := range got {
				if v, ok := own[p.name]; ok && p.value != v {
					t.Errorf("memshard CONFIG GET %s = %q, want %q", p.name, p.value, v)
				}
			}
		})
	}
}

// configGetCases are CONFIG GET argument lists: names in any case,
// aliases, duplicates, hidden parameters, glob patterns, NUL bytes. Not a
// name with a NUL byte: Redis hashes all of it but compares names as C
// strings, so "port\x00*" finds port only when the two hash alike, which
// depends on the process's hash seed (memshard finds nothing).
var configGetCases = [][]string{
	{"hz"}, {"HZ"}, {"Hz", "HZ", "h?"}, {"h?", "hz", "Hz"}, {"maxclients", "MAXCLIENTS", "maxclients"},
	{"replicaof", "slaveof"}, {"slave*"}, {"*slave*"}, {"hash-max-ziplist-entries", "hash-max-listpack-entries"},
	{"HASH-MAX-*"}, {"*ZIPLIST*"}, {"*max*"}, {"*policy"}, {"[mM]ax*"}, {"[^a-r]*"}, {"tls-*"}, {"?"}, {"??"},
	{"nonexist"}, {"nonexist*"}, {"["}, {"[a-"}, {"*["}, {"\\*"}, {"*\\-*"}, {"por*\x00zzz"},
	{"rdb-key-save-delay", "use-exit-on-panic", "watchdog-period", "key-load-delay", "loading-process-events-interval-bytes", "lua-enable-deprecated-api"},
	{"*delay*"}, {"*-*-*-*-*"}, {"a*", "A*", "*"}, {"save", "appendonly", "maxmemory", "maxmemory-policy"},
	{"requirepass", "masterauth", "bind", "timeout", "tcp-keepalive", "proto-max-bulk-len", "client-query-buffer-limit"},
	{"client-output-buffer-limit", "notify-keyspace-events", "oom-score-adj-values", "latency-tracking-info-percentiles", "shutdown-on-sigint"},
	{"lua-time-limit", "busy-reply-threshold", "list-max-ziplist-size", "list-max-listpack-size"},
}

// TestConfig_GetPatterns compares CONFIG GET replies as sets of pairs.
func TestConfig_GetPatterns(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := configConns(t, rs.Addr, addr, proto)
			for _, args := range configGetCases {
				argv := append([]string{"CONFIG", "GET"}, args...)
				want, got := rc.Do(argv...), mc.Do(argv...)
				if !bytes.Equal(want[:2], got[:2]) { // the type and the first digit of the count
					t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, truncate(string(got)), truncate(string(want)))
					continue
				}
				w, g := maskKnownDiffs(parseConfigGet(t, want)), maskKnownDiffs(parseConfigGet(t, got))
				if diff := cmp.Diff(w, g, cmp.AllowUnexported(configPair{})); diff != "" {
					t.Errorf("%q (-redis +memshard):\n%s", argv, diff)
				}
			}
		})
	}
}

// configBattery are values every parameter's CONFIG SET is tried with.
var configBattery = []string{
	"", "abc", "yes", "no", "YES", "No", "yes ", "yes\x00junk", "y", "0", "1", "-1", "+1", "01", "-0", " 1", "1 ", "1\x00x",
	"1gb", "1GB", "1Gb", "1g", "1k", "1kb", "1m", "1mb", "1b", "b", "gb", "1.5gb", "0x10", "1.5", "1e3",
	"10%", "0%", "100%", "101%", "-1%", "%", "5 %", "1%%",
	"99", "100", "128", "500", "1000", "1001", "1024", "65535", "65536", "1048575", "1048576",
	"2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615", "18446744073709551616",
	"99999999999999999999", "123456789012345678901", "17179869184gb", "18446744073709551615k",
	"a b", "x\r\ny", "1 2", "1 2 3", "1 2 3 4", "1  2", "\t5 2 3", "+1 -2 3", "1 2 3000", "1 2 x",
}

// configBatteryFor adds values particular to p: its enum names, and
// values of the special parameters.
func configBatteryFor(p *param) []string {
	out := slices.Clone(configBattery)
	for _, e := range p.enum {
		out = append(out, e.name, strings.ToUpper(e.name), e.name+" "+e.name, e.name+"\x00x")
	}
	switch p.name {
	case "shutdown-on-sigint", "shutdown-on-sigterm":
		out = append(out, "save now", "save nosave", "default save", "force now save", "SAVE", "save  now", "nosave force", "now ")
	case "save":
		out = append(out, "100 10", "100 ", "+5 +0 \t7 8", "1 4294967297", "99999999999999999999 1", "0 1", "1 -1", "a b", " ")
	case "client-output-buffer-limit":
		out = append(out, "normal 1gb 2mb 3", "master 1 1 1", "replica 1kb 2k +3 PUBSUB 1 1 4294967297", "normal 1 1 2147483648",
			"normal 1 1 -1", "normal x 1 1", "foo 1 1 1", "normal 1 1", "NORMAL 0 0 0 slave 1 2 3 pubsub 4 5 6", "normal 1 1 1x")
	case "bind":
		out = append(out, "127.0.0.1", "* -::*", strings.Repeat("127.0.0.1 ", 16)+"127.0.0.1", strings.TrimSpace(strings.Repeat("127.0.0.1 ", 16)))
	case "notify-keyspace-events":
		out = append(out, "KEA", "An", "nA", "x", "Q", "KEg\x00Q", "g$lshzxetdmn", "AKEm", "$", "KE")
	case "latency-tracking-info-percentiles":
		out = append(out, "50 99 99.9", "0x10 1e1 .5 5. 0.0000001 4e-320 -0 100", "inf", "-inf", "infinity", "nan", "1e400", "1e-400",
			"0e-400", "101", "0x", "1e", "1e+", "0x1p-2000", "0x1p4", "0x.8", ".", "+5", "-0.0", "100.0000001")
	case "cluster-announce-hostname":
		out = append(out, strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("a", 255)+"_", "a_b", "ab\x00_", "a-b.c")
	case "proc-title-template":
		out = append(out, "{port} {{ }}", "{", "}", "   ", "{title}", "{unixsocket}", "{foo}", "{config-file}", "{listen-addr}",
			"{tls-port}x", "{title} {listen-addr} {server-mode}", "{{", "x{", "{port", "{PORT}")
	case "oom-score-adj":
		out = append(out, "relative", "RELATIVE")
	}
	return out
}

// configTrick makes a CONFIG SET fail after parsing its values, so that a
// valid value changes nothing: SET name value <trick> fails on the trick
// if the value is valid, on the value if not.
func configTrick(p *param) []string {
	if p.name == "hz" {
		return []string{"maxclients", "x"}
	}
	return []string{"hz", "x"}
}

// sendAll pipelines cmds on c, a chunk at a time, and returns the replies.
func sendAll(t *testing.T, c *redisdiff.Conn, cmds [][]string) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; i < len(cmds); i += 200 {
		chunk := cmds[i:min(i+200, len(cmds))]
		var b []byte
		for _, cmd := range chunk {
			b = append(b, redisdiff.Encode(cmd...)...)
		}
		c.Send(b)
		for range chunk {
			out = append(out, c.Read())
		}
	}
	return out
}

// TestConfig_SetValidation: every name of every parameter, with every
// value of its battery, fails or passes CONFIG SET's validation as in
// Redis, with the same error bytes. Values are validated only: a trick
// argument makes every valid value fail afterwards (configTrick).
func TestConfig_SetValidation(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	var cmds [][]string
	for _, e := range paramEntries {
		for _, v := range configBatteryFor(e.p) {
			cmds = append(cmds, append([]string{"CONFIG", "SET", e.name, v}, configTrick(e.p)...))
		}
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := configConns(t, rs.Addr, addr, proto)
			want, got := sendAll(t, rc, cmds), sendAll(t, mc, cmds)
			fails := 0
			for i := range cmds {
				if !bytes.Equal(got[i], want[i]) {
					if fails++; fails <= 50 {
						t.Errorf("%q:\nmemshard: %q\nredis:    %q", cmds[i], got[i], want[i])
					}
				}
			}
			if fails > 0 {
				t.Errorf("%d of %d CONFIG SET replies differ", fails, len(cmds))
			}
		})
	}
}

// TestConfig_SetErrors compares whole CONFIG SET commands that fail, in
// their phases (names, then values, then applying), and shows by CONFIG
// GET that a failed SET changed nothing; and the other subcommands.
func TestConfig_SetErrors(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	cases := [][]string{
		{"CONFIG", "SET", "a"}, {"CONFIG", "SET", "port"}, {"CONFIG", "SET", "a", "b", "c"}, {"CONFIG", "SET", "maxclients", "1", "hz"},
		{"CONFIG", "SET", "a", "b"}, {"CONFIG", "SET", "foo\x00bar", "1"}, {"CONFIG", "SET", "foo\r\nbar", "1"}, {"CONFIG", "SET", "\r\n", "1"},
		{"CONFIG", "SET", "maxclients", "10", "maxclients", "20"}, {"CONFIG", "SET", "hz", "1", "HZ", "2"}, {"CONFIG", "SET", "maxclients", "abc", "MaxClients", "1"},
		{"CONFIG", "SET", "databases", "3"}, {"CONFIG", "SET", "DAEMONIZE", "yes"}, {"CONFIG", "SET", "slaveof", "no one"}, {"CONFIG", "SET", "replicaof", "127.0.0.1 1"},
		{"CONFIG", "SET", "lua-enable-deprecated-api", "yes"}, {"CONFIG", "SET", "socket-mark-id", "1"}, {"CONFIG", "SET", "unixsocketperm", "777"},
		{"CONFIG", "SET", "foo", "1", "daemonize", "yes"}, {"CONFIG", "SET", "daemonize", "yes", "foo", "1"}, {"CONFIG", "SET", "hz", "abc", "foo", "1"},
		{"CONFIG", "SET", "maxclients", "abc", "daemonize", "yes"}, {"CONFIG", "SET", "dir", "/tmp"}, {"CONFIG", "SET", "Dir", "x", "dbfilename", "x"},
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "maxclients", "abc"}, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "foo", "1"},
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "appendonly", "maybe"}, {"CONFIG", "SET", "maxmemory-policy", "foo", "hz", "abc"},
		{"CONFIG", "SET", "HZ", "abc"}, {"CONFIG", "SET", "LUA-time-limit", "abc"}, {"CONFIG", "SET", "slave-priority", "x"},
		{"CONFIG", "SET", "hash-max-ziplist-entries", "-1", "hash-max-listpack-entries", "2"}, {"CONFIG", "SET", "maxclients", "0"},
		{"CONFIG", "SET", "activedefrag", "yes"}, {"CONFIG", "SET", "tls-port", "6390"}, {"CONFIG", "SET", "tls-replication", "yes"},
		{"CONFIG", "SET", "tls-cluster", "YES"}, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru", "tls-port", "1"},
		{"CONFIG", "SET", "tls-session-cache-size", "5", "tls-replication", "yes"}, {"CONFIG", "SET", "tls-session-cache-size", "6", "tls-port", "1"},
		{"CONFIG", "SET", "tls-port", "1", "tls-session-cache-size", "7"}, {"CONFIG", "SET", "tls-ciphers", "x", "maxmemory-policy", "allkeys-lru", "tls-cluster", "yes"},
		{"CONFIG", "SET", "tls-session-cache-size", "20480", "tls-cluster", "yes"}, {"CONFIG", "GET", "tls-session-cache-size"}, {"CONFIG", "GET", "tls-ciphers"},
		{"CONFIG", "SET", "shutdown-on-sigint", "save nosave"}, {"CONFIG", "SET", "oom-score-adj-values", "1 2"},
		{"CONFIG", "GET", "maxmemory-policy"}, {"CONFIG", "GET", "hz"}, {"CONFIG", "GET", "maxclients"}, {"CONFIG", "GET", "tls-port"},
		{"CONFIG", "GET"}, {"CONFIG"}, {"CONFIG", "FOO"}, {"CONFIG", "REWRITE"}, {"CONFIG", "REWRITE", "x"}, {"CONFIG", "RESETSTAT", "x"},
		{"CONFIG", "RESETSTAT"}, {"CONFIG", "HELP"}, {"config", "help"}, {"cOnFiG", "HeLp"}, {"CONFIG", "HELP", "x"},
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rc, mc := configConns(t, rs.Addr, addr, proto)
			for _, argv := range cases {
				if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
					t.Errorf("%q:\nmemshard: %q\nredis:    %q", argv, got, want)
				}
			}
		})
	}
}

// configSetGetCases are changes both servers accept: after CONFIG SET,
// CONFIG GET shows the same value (Redis's normalized form) on both.
var configSetGetCases = []struct{ name, value, get string }{
	{"maxmemory-policy", "ALLKEYS-LRU", ""}, {"loglevel", "WARNING", ""}, {"activerehashing", "No", ""},
	{"activerehashing", "yes\x00junk", ""}, {"appendonly", "no", ""}, {"save", "", ""}, {"maxmemory", "0", ""},
	{"notify-keyspace-events", "KEA", ""}, {"notify-keyspace-events", "An", ""}, {"notify-keyspace-events", "KEg\x00Q", ""},
	{"notify-keyspace-events", "g$lshzxetdmn", ""}, {"notify-keyspace-events", "x", ""},
	{"hash-max-ziplist-value", "1kb", "hash-max-listpack-value"}, {"zset-max-ziplist-entries", "200", "zset-max-listpack-entries"},
	{"set-max-intset-entries", "1000", ""}, {"maxmemory-clients", "5%", ""}, {"maxmemory-clients", "18446744073709551615", ""},
	{"maxmemory-clients", "1KB", ""}, {"maxmemory-clients", "", ""}, {"cluster-link-sendbuf-limit", "99999999999999999999", ""},
	{"cluster-link-sendbuf-limit", "17179869185gb", ""},
	{"client-output-buffer-limit", "replica 1kb 2k +3 PUBSUB 1 1 4294967297", ""}, {"client-output-buffer-limit", "", ""},
	{"latency-tracking-info-percentiles", "0x10 1e1 .5 5. 0.0000001 4e-320 -0 100", ""}, {"latency-tracking-info-percentiles", "", ""},
	{"oom-score-adj-values", "+1 -2 3", ""}, {"oom-score-adj-values", "\t5 2 3", ""},
	{"shutdown-on-sigint", "force now save", ""}, {"shutdown-on-sigterm", "SAVE default", ""}, {"shutdown-on-sigterm", "nosave force", ""},
	{"hz", "1000", ""}, {"hz", "0", ""}, {"hz", "42", ""}, {"proc-title-template", "{port} {{ }}", ""}, {"proc-title-template", "}", ""},
	{"cluster-announce-hostname", "ab\x00_", ""}, {"masteruser", "ab\x00cd", ""}, {"masterauth", "ab\x00cd", ""},
	{"replica-announce-ip", "10.0.0.1", "slave-announce-ip"}, {"slave-priority", "5", "replica-priority"},
	{"lua-time-limit", "100", "busy-reply-threshold"}, {"list-max-ziplist-size", "-5", "list-max-listpack-size"},
	{"repl-backlog-size", "2mb", ""}, {"slowlog-log-slower-than", "-1", ""}, {"bind", "127.0.0.1", ""}, {"key-load-delay", "-5", ""},
	{"timeout", "100", ""}, {"tcp-keepalive", "60", ""}, {"maxclients", "5000", ""}, {"proto-max-bulk-len", "1gb", ""},
	{"client-query-buffer-limit", "2GB", ""}, {"cluster-node-timeout", "5000", ""}, {"dynamic-hz", "no", ""},
	{"tls-auth-clients", "OPTIONAL", ""}, {"tls-cert-file", "/nonexistent", ""}, {"tls-session-cache-size", "5", ""},
	{"tls-prefer-server-ciphers", "yes", ""}, {"tls-port", "0", ""}, {"tls-replication", "no", ""}, {"propagation-error-behavior", "panic", ""},
	{"acl-pubsub-default", "allchannels", ""}, {"repl-diskless-load", "swapdb", ""}, {"sanitize-dump-payload", "clients", ""},
	{"cluster-preferred-endpoint-type", "hostname", ""}, {"appendfsync", "always", ""}, {"replica-read-only", "no", "slave-read-only"},
	{"min-replicas-max-lag", "3", "min-slaves-max-lag"}, {"min-replicas-to-write", "0", ""}, {"requirepass", "", ""},
}

// TestConfig_SetThenGet: a change both servers accept reads back the same
// on both, then the old value is put back.
func TestConfig_SetThenGet(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	rc, mc := configConns(t, rs.Addr, addr, 2)
	for _, tc := range configSetGetCases {
		get := tc.get
		if get == "" {
			get = tc.name
		}
		old := map[*redisdiff.Conn]string{}
		for _, c := range []*redisdiff.Conn{rc, mc} {
			old[c] = parseConfigGet(t, c.Do("CONFIG", "GET", tc.name))[0].value
		}
		want, got := rc.Do("CONFIG", "SET", tc.name, tc.value), mc.Do("CONFIG", "SET", tc.name, tc.value)
		if !bytes.Equal(got, want) || string(got) != "+OK\r\n" {
			t.Errorf("CONFIG SET %s %q: memshard %q, redis %q", tc.name, tc.value, got, want)
		}
		if want, got := rc.Do("CONFIG", "GET", get), mc.Do("CONFIG", "GET", get); !bytes.Equal(got, want) {
			t.Errorf("CONFIG SET %s %q; CONFIG GET %s:\nmemshard: %q\nredis:    %q", tc.name, tc.value, get, got, want)
		}
		for _, c := range []*redisdiff.Conn{rc, mc} {
			if r := c.Do("CONFIG", "SET", tc.name, old[c]); string(r) != "+OK\r\n" {
				t.Fatalf("restoring %s to %q: %q", tc.name, old[c], r)
			}
		}
	}
}
