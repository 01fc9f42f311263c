package server

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// migrateSide is one side of TestDiffMigrate: a source (a cluster-enabled
// redis-server, or memshard) and the plain redis-server it migrates to.
type migrateSide struct {
	name                string
	src, target         string // addresses
	ctl, sub, mon, tctl *redisdiff.Conn
}

// startClusterRedis starts a cluster-enabled redis-server that serves every
// slot, as memshard presents itself: it sends RESTORE-ASKING and checks
// CROSSSLOT as memshard does.
func startClusterRedis(t *testing.T) string {
	t.Helper()
	rs := redisdiff.StartWith(t, "--cluster-enabled", "yes")
	c := dial(t, rs.Addr)
	c.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(c.Do("CLUSTER", "INFO")), "cluster_state:ok") {
		if time.Now().After(deadline) {
			t.Fatal("the cluster-enabled redis-server never reached cluster_state:ok")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rs.Addr
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

var monitorTimeAddr = regexp.MustCompile(`^\+[0-9]+\.[0-9]{6} \[0 [0-9.]+:[0-9]+\]`)

// TestDiffMigrate runs the same MIGRATE calls on a redis-server and on
// memshard, each migrating to a redis-server of its own, and compares the
// replies, the keyspace notifications, what MONITOR shows, and what both
// sources and both targets hold afterwards.
func TestDiffMigrate(t *testing.T) {
	_, msAddr := startServer(t, Config{})
	closed := closedPort(t)
	sides := []*migrateSide{
		{name: "redis-server", src: startClusterRedis(t), target: redisdiff.Start(t).Addr},
		{name: "memshard", src: msAddr, target: redisdiff.Start(t).Addr},
	}
	for _, sd := range sides {
		sd.ctl, sd.sub, sd.mon, sd.tctl = dial(t, sd.src), dial(t, sd.src), dial(t, sd.src), dial(t, sd.target)
		sd.ctl.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
		sd.sub.Do("PSUBSCRIBE", "__key*__:*")
		sd.mon.Do("MONITOR")
	}
	// Steps: H and P stand for the side's target host and port, SELF for
	// the source's own port.
	steps := [][]string{
		{"SET", "a", "1"}, {"SET", "b{a}", "2"}, {"PEXPIRE", "b{a}", "100000"},
		{"RPUSH", "l{a}", "x", "y", "z"}, {"HSET", "h{a}", "f", "v", "g", "w"},
		{"ZADD", "z{a}", "1", "m", "2.5", "n"}, {"SADD", "s{a}", "1", "2", "3"},
		{"XADD", "x{a}", "1-1", "f", "v"}, {"SET", "big{a}", strings.Repeat("v", 100000)},
		// moved, one key
		{"MIGRATE", "H", "P", "a", "0", "1000"},
		{"EXISTS", "a"},
		{"MIGRATE", "H", "P", "a", "0", "1000"}, // gone: NOKEY
		{"MIGRATE", "H", "P", "", "0", "1000", "KEYS", "b{a}", "nosuch{a}", "l{a}"},
		{"MIGRATE", "H", "P", "", "0", "1000", "KEYS"},
		// copied; the target refuses a key it has, unless REPLACE
		{"SET", "a", "again"},
		{"MIGRATE", "H", "P", "a", "0", "1000"},
		{"MIGRATE", "H", "P", "a", "0", "1000", "COPY"},
		{"MIGRATE", "H", "P", "a", "0", "1000", "COPY", "REPLACE"},
		{"MIGRATE", "H", "P", "", "0", "1000", "REPLACE", "KEYS", "a", "h{a}", "z{a}", "s{a}", "x{a}", "big{a}"},
		{"DBSIZE"},
		// another database, then back (SELECT on the cached connection)
		{"SET", "c", "3"},
		{"MIGRATE", "H", "P", "c", "5", "1000", "COPY"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "COPY"},
		{"MIGRATE", "H", "P", "c", "99", "1000", "COPY"},
		{"MIGRATE", "H", "P", "c", "-1", "0", "COPY"},
		// the target's AUTH errors fail every key
		{"MIGRATE", "H", "P", "c", "0", "1000", "AUTH", "pw"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "AUTH2", "user", "pw"},
		{"MIGRATE", "H", "P", "", "0", "1000", "AUTH", "", "KEYS", "c"},
		{"EXISTS", "c"},
		// refused before anything is sent
		{"MIGRATE", "H", "P", "c", "x", "1000"},
		{"MIGRATE", "H", "P", "c", "0", "x"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "NOSUCH"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "AUTH"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "AUTH2", "u"},
		{"MIGRATE", "H", "P", "c", "0", "1000", "KEYS", "c"},
		// (Keys of several slots: memshard serves them, one shard
		// owning every slot; a Redis Cluster node refuses with CROSSSLOT.)
		{"MIGRATE", "H", "P", "c", "0"},
		{"SET", "w", "v"}, {"LPUSH", "w", "x"},
		// nobody there: no retry helps
		{"MIGRATE", "127.0.0.1", closed, "c", "0", "1000", "COPY"},
		{"MIGRATE", "nosuchhost.invalid", "1", "c", "0", "200", "COPY"},
		// to itself: it cannot answer while it migrates
		{"MIGRATE", "127.0.0.1", "SELF", "c", "0", "200", "COPY"},
		{"EXISTS", "c"},
	}
	var replies [2][]string
	for i, sd := range sides {
		host, port, _ := net.SplitHostPort(sd.target)
		_, self, _ := net.SplitHostPort(sd.src)
		for _, st := range steps {
			argv := slices.Clone(st)
			if argv[0] == "MIGRATE" {
				for j, a := range argv {
					switch a {
					case "H":
						argv[j] = host
					case "P":
						argv[j] = port
					case "SELF":
						argv[j] = self
					}
				}
			}
			replies[i] = append(replies[i], fmt.Sprintf("%q -> %q", st, sd.ctl.Do(argv...)))
		}
		// What the source and the target hold.
		replies[i] = append(replies[i], "source: "+keyspaceOf(t, sd.ctl, 0), "target: "+keyspaceOf(t, sd.tctl, 0), "target db 5: "+keyspaceOf(t, sd.tctl, 5))
		// The keyspace notifications, up to a marker.
		sd.ctl.Do("PUBLISH", "__keyspace@0__:end", "end")
		for {
			msg := string(sd.sub.Read())
			replies[i] = append(replies[i], fmt.Sprintf("event %q", msg))
			if strings.Contains(msg, "end") {
				break
			}
		}
		// MONITOR's lines for the MIGRATEs with passwords.
		sd.ctl.Do("ECHO", "end")
		for {
			line := string(sd.mon.Read())
			if strings.Contains(line, "AUTH") {
				line = strings.Replace(monitorTimeAddr.ReplaceAllString(line, "+T"), `"`+port+`"`, `"P"`, 1)
				replies[i] = append(replies[i], "monitor "+line)
			}
			if strings.Contains(line, `"ECHO" "end"`) {
				break
			}
		}
		stats := string(sd.ctl.Do("INFO", "stats"))
		replies[i] = append(replies[i], infoLineOf(stats, "keyspace_hits"), infoLineOf(stats, "keyspace_misses"),
			infoLineOf(stats, "migrate_cached_sockets"))
	}
	for i := range max(len(replies[0]), len(replies[1])) {
		var got, want string
		if i < len(replies[1]) {
			got = replies[1][i]
		}
		if i < len(replies[0]) {
			want = replies[0][i]
		}
		if got != want {
			t.Errorf("line %d:\nmemshard:     %.400s\nredis-server: %.400s", i, got, want)
		}
	}
}

// keyspaceOf describes what database db of the server at c holds: each
// key, whether it has a TTL, and its DUMP payload.
func keyspaceOf(t *testing.T, c *redisdiff.Conn, db int) string {
	t.Helper()
	if db != 0 {
		c.Do("SELECT", itoa(db))
		defer c.Do("SELECT", "0")
	}
	keys := parseBulkArray(c.Do("KEYS", "*"))
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		ttl := string(c.Do("PTTL", k))
		hasTTL := !strings.HasPrefix(ttl, ":-1")
		fmt.Fprintf(&b, "%s ttl=%v dump=%x; ", k, hasTTL, bytes.TrimSpace(c.Do("DUMP", k)))
	}
	return b.String()
}

// parseBulkArray returns the elements of a RESP array of bulk strings.
func parseBulkArray(reply []byte) []string {
	lines := strings.Split(strings.TrimSuffix(string(reply), "\r\n"), "\r\n")
	var out []string
	for i := 1; i+1 < len(lines); i += 2 {
		out = append(out, lines[i+1])
	}
	return out
}

// TestMigrateKnownDiff_MultiAndScripts: Redis runs MIGRATE inside MULTI
// and scripts; memshard refuses it there (engine.ErrMigrateHere), because
// what it sends could not wait for the block's own uncommitted writes. In
// MULTI it is refused when queued, so EXEC aborts and nothing runs.
func TestMigrateKnownDiff_MultiAndScripts(t *testing.T) {
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	for _, side := range []struct {
		name string
		addr string
		want []string
	}{
		{"redis-server", startClusterRedis(t), []string{"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n+OK\r\n", "+OK\r\n"}},
		{"memshard", func() string { _, a := startServer(t, Config{}); return a }(), []string{
			"+OK\r\n", "+QUEUED\r\n", "-ERR MIGRATE is not allowed inside MULTI or a script on memshard\r\n",
			"-EXECABORT Transaction discarded because of previous errors.\r\n",
			"-ERR MIGRATE is not allowed inside MULTI or a script on memshard script: 9bd9cc6d3b4e0ce6e6e0a4b2a8e5a2c0f0b9b0a1, on @user_script:1.\r\n"}},
	} {
		c := dial(t, side.addr)
		got := []string{
			string(c.Do("MULTI")),
			string(c.Do("SET", "k", "v")),
			string(c.Do("MIGRATE", host, port, "k", "0", "1000", "COPY", "REPLACE")),
			string(c.Do("EXEC")),
			string(c.Do("EVAL", "return redis.call('migrate', KEYS[1], ARGV[1], 'k', '0', '1000', 'copy', 'replace')", "1", host, port)),
		}
		for i := range got {
			// A script's error names its SHA1: compared without it.
			g, w := scriptSHA.ReplaceAllString(got[i], "SHA"), scriptSHA.ReplaceAllString(side.want[i], "SHA")
			if g != w {
				t.Errorf("%s, step %d: %q, want %q", side.name, i, got[i], side.want[i])
			}
		}
	}
}

var scriptSHA = regexp.MustCompile(`script: [0-9a-f]{40}`)

// TestDiffMigrateSlowlog: the slow log shows MIGRATE's passwords redacted,
// as Redis's does.
func TestDiffMigrateSlowlog(t *testing.T) {
	target := redisdiff.Start(t).Addr
	host, port, _ := net.SplitHostPort(target)
	_, msAddr := startServer(t, Config{})
	argv := []string{"MIGRATE", host, port, "k", "0", "1000", "COPY", "REPLACE", "AUTH2", "user", "secret"}
	logged := string(redisdiff.Encode("MIGRATE", host, port, "k", "0", "1000", "COPY", "REPLACE", "AUTH2", "(redacted)", "(redacted)"))
	for _, addr := range []string{startClusterRedis(t), msAddr} {
		c := dial(t, addr)
		c.Do("SET", "k", "v")
		c.Do("CONFIG", "SET", "slowlog-log-slower-than", "0")
		c.Do(argv...)
		c.Do("CONFIG", "SET", "slowlog-log-slower-than", "10000")
		if reply := string(c.Do("SLOWLOG", "GET", "2")); !strings.Contains(reply, logged) {
			t.Errorf("SLOWLOG GET on %s = %q, want an entry with args %q", addr, reply, logged)
		}
	}
}
