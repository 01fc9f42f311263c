package server

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// MEMORY STATS and DOCTOR beside redis-server: the shape of the reply
// byte for byte with the numbers masked (field names, order, nesting,
// integer or double), and the numbers checked against Redis 7.0's
// formulas, on Redis's reply as on memshard's.

// respNode is one parsed reply.
type respNode struct {
	kind  byte   // '+', '-', ':', '$', ',', '=', '*', '%'
	text  string // a scalar's payload
	elems []respNode
}

// parseRESP parses one reply from b and returns it and the bytes after.
func parseRESP(t *testing.T, b []byte) (respNode, []byte) {
	t.Helper()
	end := bytes.Index(b, []byte("\r\n"))
	if end < 1 {
		t.Fatalf("not a reply: %q", b)
	}
	n := respNode{kind: b[0]}
	line, rest := string(b[1:end]), b[end+2:]
	switch n.kind {
	case '$', '=':
		size, err := strconv.Atoi(line)
		if err != nil || size < 0 || len(rest) < size+2 {
			t.Fatalf("bad bulk %q", b)
		}
		n.text, rest = string(rest[:size]), rest[size+2:]
	case '*', '%':
		size, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("bad aggregate %q", b)
		}
		if n.kind == '%' {
			size *= 2
		}
		for range size {
			var e respNode
			e, rest = parseRESP(t, rest)
			n.elems = append(n.elems, e)
		}
	default:
		n.text = line
	}
	return n, rest
}

// masked writes n back with its numbers replaced by 0: integers, RESP3
// doubles and the bulk strings that hold a number (RESP2's doubles).
func (n respNode) masked() string {
	switch n.kind {
	case ':', ',':
		return string(n.kind) + "0\r\n"
	case '$':
		if _, err := strconv.ParseFloat(n.text, 64); err == nil {
			return "$1\r\n0\r\n"
		}
		return fmt.Sprintf("$%d\r\n%s\r\n", len(n.text), n.text)
	case '*', '%':
		size := len(n.elems)
		if n.kind == '%' {
			size /= 2
		}
		s := fmt.Sprintf("%c%d\r\n", n.kind, size)
		for _, e := range n.elems {
			s += e.masked()
		}
		return s
	}
	return string(n.kind) + n.text + "\r\n"
}

// sortedPairs is a map or flat array of pairs, nested ones too, with its
// pairs sorted by name.
func (n respNode) sortedPairs() respNode {
	if n.kind != '*' && n.kind != '%' || len(n.elems)%2 != 0 {
		return n
	}
	type pair struct{ k, v respNode }
	var ps []pair
	for i := 0; i < len(n.elems); i += 2 {
		ps = append(ps, pair{n.elems[i], n.elems[i+1].sortedPairs()})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].k.text < ps[j].k.text })
	out := respNode{kind: n.kind}
	for _, p := range ps {
		out.elems = append(out.elems, p.k, p.v)
	}
	return out
}

// memStats is a MEMORY STATS reply by field name ("db.0/overhead.hashtable.main"
// for the nested ones), as numbers.
type memStats map[string]float64

func memStatsOf(t *testing.T, n respNode, prefix string) memStats {
	t.Helper()
	m := memStats{}
	for i := 0; i+1 < len(n.elems); i += 2 {
		name, v := prefix+n.elems[i].text, n.elems[i+1]
		if v.kind == '*' || v.kind == '%' {
			for k, x := range memStatsOf(t, v, name+"/") {
				m[k] = x
			}
			continue
		}
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			t.Fatalf("%s = %q, not a number", name, v.text)
		}
		m[name] = f
	}
	return m
}

// checkMemStats checks the figures of one reply against each other, by
// Redis 7.0's getMemoryOverheadData.
func checkMemStats(t *testing.T, who string, m memStats, dbsize int64) {
	t.Helper()
	u := func(name string) uint64 { return uint64(int64(m[name])) }
	total, startup, peak := u("total.allocated"), u("startup.allocated"), u("peak.allocated")
	if int64(m["keys.count"]) != dbsize {
		t.Errorf("%s: keys.count = %v, want DBSIZE %d", who, m["keys.count"], dbsize)
	}
	_, hasDB := m["db.0/overhead.hashtable.main"]
	if hasDB != (dbsize > 0) {
		t.Errorf("%s: db.0 present = %v with %d keys", who, hasDB, dbsize)
	}
	net := uint64(1)
	if total > startup {
		net = total - startup
	}
	var perKey uint64
	if dbsize > 0 {
		perKey = net / uint64(dbsize)
	}
	overhead := startup + u("replication.backlog") + u("clients.slaves") + u("clients.normal") + u("cluster.links") +
		u("aof.buffer") + u("lua.caches") + u("functions.caches") +
		u("db.0/overhead.hashtable.main") + u("db.0/overhead.hashtable.expires") + u("db.0/overhead.hashtable.slot-to-keys")
	dataset := total - overhead
	active, resident := u("allocator.active"), u("allocator.resident")
	rss := resident + u("rss-overhead.bytes")
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"keys.bytes-per-key", m["keys.bytes-per-key"], float64(perKey)},
		{"overhead.total", m["overhead.total"], float64(overhead)},
		{"dataset.bytes", m["dataset.bytes"], float64(int64(dataset))},
		{"dataset.percentage", m["dataset.percentage"], float64(float32(dataset) * 100 / float32(net))},
		{"peak.percentage", m["peak.percentage"], float64(float32(total) * 100 / float32(peak))},
		{"allocator-fragmentation.ratio", m["allocator-fragmentation.ratio"], float64(float32(active) / float32(u("allocator.allocated")))},
		{"allocator-fragmentation.bytes", m["allocator-fragmentation.bytes"], float64(int64(active - u("allocator.allocated")))},
		{"allocator-rss.ratio", m["allocator-rss.ratio"], float64(float32(resident) / float32(active))},
		{"allocator-rss.bytes", m["allocator-rss.bytes"], float64(int64(resident - active))},
		{"rss-overhead.ratio", m["rss-overhead.ratio"], float64(float32(rss) / float32(resident))},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s = %v, want %v", who, c.name, c.got, c.want)
		}
	}
	// Redis's fragmentation and peak are of the figures its cron last
	// sampled, not of total.allocated now: checked on memshard only,
	// which reads them at once.
	if who != "memshard" {
		return
	}
	if want := float64(float32(rss) / float32(total)); m["fragmentation"] != want {
		t.Errorf("%s: fragmentation = %v, want %v", who, m["fragmentation"], want)
	}
	if want := float64(int64(rss - total)); m["fragmentation.bytes"] != want {
		t.Errorf("%s: fragmentation.bytes = %v, want %v", who, m["fragmentation.bytes"], want)
	}
	if u("allocator.allocated") != total {
		t.Errorf("%s: allocator.allocated = %d, want total.allocated %d", who, u("allocator.allocated"), total)
	}
	if peak < total {
		t.Errorf("%s: peak.allocated %d below total.allocated %d", who, peak, total)
	}
}

func TestDiffMemoryStats(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	setups := []struct {
		name string
		cmds [][]string
	}{
		{"empty", nil},
		{"keys", [][]string{{"SET", "a", "1"}, {"RPUSH", "l", "x", "y"}, {"SET", "e", "v", "EX", "100"}, {"HSET", "h", "f", "v"}}},
	}
	for _, proto := range []int{2, 3} {
		for _, st := range setups {
			t.Run(fmt.Sprintf("RESP%d/%s", proto, st.name), func(t *testing.T) {
				flushBoth(t, rs.Addr, addr)
				rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
				for _, argv := range st.cmds {
					rc.Do(argv...)
					mc.Do(argv...)
				}
				for _, argv := range [][]string{
					{"MEMORY", "STATS"},
					{"EVAL", "return redis.call('memory', 'stats')", "0"},
					{"EVAL", "redis.setresp(3); return redis.call('memory', 'stats')", "0"},
				} {
					want, got := rc.Do(argv...), mc.Do(argv...)
					wn, _ := parseRESP(t, want)
					gn, _ := parseRESP(t, got)
					if strings.Contains(argv[1], "setresp(3)") {
						// A map through Lua comes out in its table's order,
						// which is Lua's own: compared as sorted pairs.
						wn, gn = wn.sortedPairs(), gn.sortedPairs()
					}
					if wn.masked() != gn.masked() {
						t.Fatalf("%q, numbers masked:\n got  %q\n want %q (redis-server)", argv, gn.masked(), wn.masked())
					}
					if wn.kind != '*' && wn.kind != '%' {
						continue
					}
					for _, side := range []struct {
						who  string
						n    respNode
						conn *redisdiff.Conn
					}{{"redis-server", wn, rc}, {"memshard", gn, mc}} {
						dbsize, _ := strconv.ParseInt(strings.TrimSpace(string(side.conn.Do("DBSIZE")[1:])), 10, 64)
						checkMemStats(t, side.who, memStatsOf(t, side.n, ""), dbsize)
					}
					// INFO memory shows the same overhead and startup: fixed
					// figures while the keys do not change.
					m := memStatsOf(t, gn, "")
					info := string(mc.Do("INFO", "memory"))
					for _, f := range []struct{ info, stats string }{
						{"used_memory_overhead", "overhead.total"}, {"used_memory_startup", "startup.allocated"},
					} {
						if want := fmt.Sprintf("%s:%d\r\n", f.info, int64(m[f.stats])); !strings.Contains(info, want) {
							t.Errorf("INFO memory has no %q (MEMORY STATS %s):\n%s", want, f.stats, info)
						}
					}
				}
				// Inside MULTI, the reply is EXEC's element: masked too.
				var want, got []byte
				for _, argv := range [][]string{{"MULTI"}, {"MEMORY", "STATS"}, {"MEMORY", "DOCTOR"}, {"EXEC"}} {
					want, got = rc.Do(argv...), mc.Do(argv...)
				}
				wn, _ := parseRESP(t, want)
				gn, _ := parseRESP(t, got)
				if len(wn.elems) != 2 || len(gn.elems) != 2 || wn.elems[0].masked() != gn.elems[0].masked() {
					t.Errorf("MULTI MEMORY STATS EXEC, masked:\n got  %q\n want %q (redis-server)", gn.masked(), wn.masked())
				}
			})
		}
	}
	rc, mc := dial(t, rs.Addr), dial(t, addr)
	for _, argv := range [][]string{
		{"MEMORY", "STATS", "x"}, {"MEMORY", "DOCTOR", "x"}, {"MEMORY", "HELP"}, {"memory", "Help"},
		{"MEMORY", "NOSUCH"}, {"MEMORY"}, {"EVAL", "return redis.call('memory', 'stats', 'x')", "0"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got  %q\n want %q (redis-server)", argv, got, want)
		}
	}
}

// doctorTexts are the reports MEMORY DOCTOR can give: its first words.
var doctorTexts = []string{
	"Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n",
	"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n",
	"Sam, I detected a few issues in this Redis instance memory implants:\n\n",
}

// TestDiffMemoryDoctor: the report is a verbatim string (RESP3) or bulk
// string (RESP2) as Redis's, and one of Redis's texts. The test process's
// heap decides which: the empty instance's text is compared byte for byte
// with redis-server's by the end-to-end test, on a fresh memshard.
func TestDiffMemoryDoctor(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	for _, proto := range []int{2, 3} {
		rc, mc := dialProto(t, rs.Addr, proto), dialProto(t, addr, proto)
		for _, argv := range [][]string{{"MEMORY", "DOCTOR"}, {"memory", "doctor"}} {
			want, got := rc.Do(argv...), mc.Do(argv...)
			wn, _ := parseRESP(t, want)
			gn, _ := parseRESP(t, got)
			if strings.TrimPrefix(wn.text, "txt:") != doctorTexts[0] {
				t.Fatalf("redis-server's MEMORY DOCTOR = %q, want the empty instance's report", want)
			}
			if gn.kind != wn.kind {
				t.Errorf("RESP%d %q: reply %q, want a %q reply as redis-server's %q", proto, argv, got, wn.kind, want)
			}
			text := strings.TrimPrefix(gn.text, "txt:")
			if proto == 3 && !strings.HasPrefix(gn.text, "txt:") {
				t.Errorf("RESP%d %q = %q, want a verbatim txt string", proto, argv, got)
			}
			known := text == doctorTexts[0] || text == doctorTexts[1] ||
				strings.HasPrefix(text, doctorTexts[2]) && strings.HasSuffix(text, "I'm here to keep you safe, Sam. I want to help you.\n")
			if !known {
				t.Errorf("RESP%d %q = %q, not one of Redis's reports", proto, argv, text)
			}
		}
	}
}
