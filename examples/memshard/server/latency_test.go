package server

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/redis/go-redis/v9"
)

// LATENCY's subcommands, errors and replies with no samples, compared with
// redis-server's on a fresh server each side.
func TestDiffLatency(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	steps := []struct{ name, in string }{
		{"empty", "LATENCY LATEST\r\nLATENCY HISTORY command\r\nLATENCY RESET\r\nLATENCY RESET a b\r\nLATENCY GRAPH command\r\nLATENCY DOCTOR\r\nLATENCY HELP\r\n"},
		{"errors", "LATENCY\r\nLATENCY FOO\r\nLATENCY LATEST x\r\nLATENCY HISTORY\r\nLATENCY GRAPH a b\r\nLATENCY HELP x\r\nLATENCY DOCTOR x\r\n"},
		{"resp3", "HELLO 3\r\nLATENCY DOCTOR\r\nLATENCY GRAPH x\r\nLATENCY HISTOGRAM nosuch\r\nLATENCY LATEST\r\n"},
		{"enabled-quiet", "CONFIG SET latency-monitor-threshold 1000\r\nLATENCY DOCTOR\r\nLATENCY LATEST\r\nCONFIG SET latency-monitor-threshold 0\r\n"},
	}
	for _, st := range steps {
		want, _ := exchange(t, rs.Addr, []byte(st.in), false)
		got, _ := exchange(t, addr, []byte(st.in), false)
		if got, want := normalizeHello(got), normalizeHello(want); string(got) != string(want) {
			t.Errorf("%s: input %q:\nmemshard: %q\nredis:    %q", st.name, st.in, got, want)
		}
	}
}

// LATENCY HISTOGRAM lists the same commands with the same call counts as
// redis-server after the same commands (including those EXEC ran and the
// subcommands of a container), and each histogram is cumulative over
// Redis's microsecond steps. Durations differ, so the steps are checked,
// not compared.
func TestDiffLatencyHistogram(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	ctx := context.Background()
	histograms := func(addr string, args ...any) map[string][2]any {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		defer rdb.Close()
		for _, cmd := range [][]any{{"PING"}, {"PING"}, {"ECHO", "a"}, {"SET", "k", "v"}, {"GET", "k"}, {"CONFIG", "GET", "x"}, {"CLIENT", "ID"}} {
			if err := rdb.Do(ctx, cmd...).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error { p.Incr(ctx, "n"); p.Get(ctx, "n"); return nil }); err != nil {
			t.Fatal(err)
		}
		v, err := rdb.Do(ctx, append([]any{"LATENCY", "HISTOGRAM"}, args...)...).Slice()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]any{}
		for i := 0; i+1 < len(v); i += 2 {
			h := v[i+1].([]any) // calls, n, histogram_usec, [usec, count]...
			out[v[i].(string)] = [2]any{h[1], h[3]}
		}
		return out
	}
	// Redis's steps: the highest value equivalent to 2^k ns, in us.
	steps := map[int64]bool{}
	for k := 10; k <= 30; k++ {
		v := int64(1) << k
		steps[(v+v>>7-1)/1000] = true
	}
	for _, args := range [][]any{nil, {"ping", "CONFIG", "nosuch", "client|id", "exec", "incr"}} {
		want, got := histograms(rs.Addr, args...), histograms(addr, args...)
		if len(want) == 0 {
			t.Fatalf("redis-server lists no histogram for %v", args)
		}
		for name, w := range want {
			g, ok := got[name]
			if !ok || g[0] != w[0] {
				t.Errorf("HISTOGRAM %v: %s: memshard calls %v (listed %v), redis %v", args, name, g[0], ok, w[0])
				continue
			}
			prev := int64(0)
			cdf := g[1].([]any)
			for i := 0; i+1 < len(cdf); i += 2 {
				usec, n := cdf[i].(int64), cdf[i+1].(int64)
				if !steps[usec] || n <= prev {
					t.Errorf("%s: step %d us with %d calls after %d: not one of Redis's cumulative steps", name, usec, n, prev)
				}
				prev = n
			}
			if prev != g[0].(int64) {
				t.Errorf("%s: the last step counts %d calls of %d", name, prev, g[0])
			}
		}
		if len(got) != len(want) {
			t.Errorf("HISTOGRAM %v: memshard lists %d commands, redis %d", args, len(got), len(want))
		}
	}
}

// histogram_usec's steps, from known durations: hdr_iter_log from 1024 ns
// by powers of two, each step only if it counts more (fillCommandCDF),
// the last one past the last counter for a clamped 1 s.
func TestHistogramCDF(t *testing.T) {
	var h latencyHistogram
	for _, ns := range []int64{500, 1500, 1500, 40000, 5e9} {
		h.record(ns)
	}
	var s histSnapshot
	h.snapshot(&s)
	want := [][2]int64{{1, 1}, {2, 3}, {66, 4}, {1073741, 5}}
	if got := s.cdf(); !slices.Equal(got, want) {
		t.Fatalf("cdf = %v, want %v", got, want)
	}
}

var graphDigits = regexp.MustCompile(`\d+`)

// LATENCY LATEST, HISTORY, GRAPH and DOCTOR render the same samples as
// redis-server does. Redis gets its samples from DEBUG SLEEP (commands
// slower than the threshold, a second or more apart); memshard gets the
// same samples, read back from Redis, put into its monitor; then both
// are asked within one second, the graphs' labels being ages in seconds.
func TestDiffLatencyRendering(t *testing.T) {
	rs := redisdiff.StartWith(t, "--enable-debug-command", "yes")
	s, addr := startServer(t, Config{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, Protocol: 2})
	defer rdb.Close()
	mdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer mdb.Close()
	pid, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`process_id:(\d+)`).FindStringSubmatch(pid); m != nil {
		saved := anonHugePages
		anonHugePages = func() int64 { return anonHugePagesOf("/proc/" + m[1] + "/smaps_rollup") }
		t.Cleanup(func() { anonHugePages = saved })
	}
	for _, db := range []*redis.Client{rdb, mdb} {
		if err := db.ConfigSet(ctx, "latency-monitor-threshold", "15").Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i, sleep := range []string{"0.02", "0.05", "0.03", "0.04"} {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // one sample a second
		}
		if err := rdb.Do(ctx, "DEBUG", "SLEEP", sleep).Err(); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := rdb.Do(ctx, "LATENCY", "LATEST").Slice()
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range latest {
		name := e.([]any)[0].(string)
		events = append(events, name)
		hist, err := rdb.Do(ctx, "LATENCY", "HISTORY", name).Slice()
		if err != nil {
			t.Fatal(err)
		}
		for _, smp := range hist {
			p := smp.([]any)
			s.latency.add(name, p[1].(int64), p[0].(int64))
		}
	}
	if !slices.Contains(events, "command") {
		t.Fatalf("redis-server sampled no command: LATEST %v", latest)
	}
	ask := func(db *redis.Client) []string {
		var out []string
		for _, cmd := range [][]any{{"LATENCY", "LATEST"}, {"LATENCY", "HISTORY", "command"}, {"LATENCY", "DOCTOR"}} {
			out = append(out, fmt.Sprint(db.Do(ctx, cmd...).Val()))
		}
		for _, e := range events {
			out = append(out, fmt.Sprint(db.Do(ctx, "LATENCY", "GRAPH", e).Val()))
		}
		return out
	}
	for try := 0; ; try++ {
		// Ask both in the middle of a second: the ages and periods they
		// print are whole seconds of each server's clock, and a reply
		// near a second's end came out a second apart once (CI).
		if now := time.Now(); now.Nanosecond() < 200e6 || now.Nanosecond() > 600e6 {
			time.Sleep(time.Until(now.Add(400 * time.Millisecond).Truncate(time.Second).Add(250 * time.Millisecond)))
		}
		before := time.Now().Unix()
		want, got := ask(rdb), ask(mdb)
		if time.Now().Unix() != before && try < 5 {
			continue // a second passed between them: the ages may differ
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("reply %d:\nmemshard:\n%s\nredis:\n%s", i, got[i], want[i])
			}
		}
		if !strings.Contains(want[2], "latency spikes") || !graphDigits.MatchString(want[3]) {
			t.Errorf("redis-server's report has no spikes: %q", want[2])
		}
		return
	}
}
