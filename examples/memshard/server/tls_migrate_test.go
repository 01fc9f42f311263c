package server

import (
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffTLS_Migrate: MIGRATE from a node serving TLS connects to its
// target with TLS, presenting the node's certificate, as Redis's MIGRATE
// does with tls-cluster yes: the same calls from a TLS redis-server and
// from memshard with TLS, each to a TLS redis-server of its own, give the
// same replies and move the same keys; a plaintext target fails both.
func TestDiffTLS_Migrate(t *testing.T) {
	ts := newTLSSetup(t)
	tl, err := LoadTLS(ts.files())
	if err != nil {
		t.Fatal(err)
	}
	st := NewStandalone(StandaloneConfig{Addr: "127.0.0.1:0", TLS: tl.Client()})
	t.Cleanup(func() { st.Close() })
	_, msAddr := startTLSServer(t, ts, "yes", Config{Backend: st})
	plain := redisdiff.Start(t).Addr
	type side struct {
		name, src, target string
		ctl, tctl         *redisdiff.Conn
	}
	sides := []*side{
		{name: "redis-server", src: startRedisTLS(t, ts, "yes").Addr, target: startRedisTLS(t, ts, "yes").Addr},
		{name: "memshard", src: msAddr, target: startRedisTLS(t, ts, "yes").Addr},
	}
	for _, sd := range sides {
		sd.ctl = redisdiff.DialTLS(t, sd.src, ts.clientConfig(true))
		sd.tctl = redisdiff.DialTLS(t, sd.target, ts.clientConfig(true))
	}
	steps := [][]string{
		{"SET", "a", "1"}, {"RPUSH", "l{a}", "x", "y"}, {"SET", "big{a}", strings.Repeat("v", 100000)},
		{"MIGRATE", "H", "P", "a", "0", "5000"},
		{"EXISTS", "a"},
		{"MIGRATE", "H", "P", "", "0", "5000", "KEYS", "l{a}", "big{a}"},
		{"SET", "c", "3"},
		{"MIGRATE", "H", "P", "c", "0", "5000", "COPY"},
		{"MIGRATE", "127.0.0.1", "PLAIN", "c", "0", "1000", "COPY"},
		{"EXISTS", "c"},
	}
	_, plainPort, _ := strings.Cut(plain, ":")
	for _, step := range steps {
		var replies [2]string
		for i, sd := range sides {
			host, port, _ := strings.Cut(sd.target, ":")
			argv := make([]string, len(step))
			for j, a := range step {
				switch a {
				case "H":
					a = host
				case "P":
					a = port
				case "PLAIN":
					a = plainPort
				}
				argv[j] = a
			}
			replies[i] = string(sd.ctl.Do(argv...))
		}
		if replies[0] != replies[1] {
			t.Errorf("%q: memshard %q, redis %q", step, replies[1], replies[0])
		}
	}
	for _, key := range []string{"a", "l{a}", "big{a}", "c"} {
		want, got := sides[0].tctl.Do("DUMP", key), sides[1].tctl.Do("DUMP", key)
		if string(got) != string(want) || strings.HasPrefix(string(got), "$-1") {
			t.Errorf("target's DUMP %s: memshard's %q, redis's %q; want the same, present", key, truncate(string(got)), truncate(string(want)))
		}
	}
}
