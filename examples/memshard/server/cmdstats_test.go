package server

import (
	"fmt"
	"strings"
	"testing"
)

func TestErrorPrefix(t *testing.T) {
	for _, tc := range []struct{ reply, want string }{
		{"-ERR syntax error\r\n", "ERR"},
		{"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "WRONGTYPE"},
		{"-MOVED 12182 127.0.0.1:7000\r\n", "MOVED"},
		{"-NOPROTO unsupported protocol version\r\n", "NOPROTO"},
		{"-NOSPACE\r\n", "ERR"}, // no space: Redis falls back to ERR
		{"-" + strings.Repeat("A", 30) + " x\r\n", strings.Repeat("A", 30)},
		{"-" + strings.Repeat("A", 31) + " x\r\n", "ERR"}, // the space must be within 32 bytes
		{"- x\r\n", ""},
	} {
		if got := string(errorPrefix([]byte(tc.reply))); got != tc.want {
			t.Errorf("errorPrefix(%q) = %q, want %q", tc.reply, got, tc.want)
		}
	}
}

// TestCommandStats_Table: every command and subcommand has counters,
// under Redis's fullname, in INFO's order.
func TestCommandStats_Table(t *testing.T) {
	st := NewStandalone(StandaloneConfig{})
	defer st.Close()
	cs := newCommandStats(st.Table())
	for name, cc := range connTable {
		if cs.of(cc, nil) == nil || cs.of(cc, nil).name != name {
			t.Errorf("no counters for %s", name)
		}
		for _, sub := range cc.subs {
			if got := cs.of(sub, nil); got == nil || got.name != sub.name || !strings.HasPrefix(got.name, name+"|") {
				t.Errorf("no counters named %s|... for %s", name, sub.name)
			}
		}
	}
	for name, dc := range st.Table() {
		if connTable[name] != nil {
			continue // the server answers it (ACL, whose writes the engine runs)
		}
		if got := cs.of(nil, dc); got == nil || got.name != name {
			t.Errorf("no counters for %s", name)
		}
	}
	var names []string
	for _, s := range cs.all {
		names = append(names, s.name)
	}
	client := -1
	for i, n := range names {
		if n == "client" {
			client = i
		}
	}
	if client < 0 || !strings.HasPrefix(names[client+1], "client|") {
		t.Errorf("client's subcommands do not follow it: %v", names)
	}
}

// TestErrorStats_Concurrent: counts from many goroutines, new prefixes
// among them, all land.
func TestErrorStats_Concurrent(t *testing.T) {
	var es errorStats
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				es.add([]byte{'A' + byte((g+i)%8)})
			}
		}()
	}
	for range 4 {
		<-done
	}
	total := 0
	for _, f := range es.fields() {
		var n int
		if _, err := fmt.Sscanf(f.value, "count=%d", &n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 4000 {
		t.Errorf("counted %d errors, want 4000", total)
	}
}
