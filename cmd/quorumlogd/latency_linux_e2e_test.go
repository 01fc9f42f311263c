//go:build linux

package main

import (
	"slices"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// Zones a and b are close; zone c is farOneWay from both (proctest.Delay
// on every connection between them, raft's and the nodes' gRPC calls
// alike). Under a logLoad, the non-leader of a and b is killed (kill -9),
// so that every commit needs zone c, and restarted; then the leader is
// killed and a new one is elected across the latency, and it too is
// restarted. At the end every node holds every acknowledged append at its
// ID, once, and the history is linearizable (logLoad.check).
//
// While only the leader and one node in another zone were up, no append
// can have been acknowledged sooner than the round trip between the two:
// that is the ack rule (a majority, in two zones, has it), not a speed
// bound, and a leader that answered on its own disk would break it. The
// append latencies of each phase are logged.
func TestE2E_CrossZoneLatency(t *testing.T) {
	proctest.NeedIptables(t)
	const farOneWay = 25 * time.Millisecond
	hosts := []string{"127.0.0.21", "127.0.0.22", "127.0.0.23"} // zones a, b, c
	for _, near := range hosts[:2] {
		proctest.Delay(t, farOneWay, near, hosts[2])
	}
	c := newCluster(t, clusterOptions{hosts: hosts})
	load := startLogLoad(c)
	type phase struct {
		name       string
		from, to   int64 // load.now() bounds of the appends' calls and returns
		leaderZone string
	}
	var phases []phase
	mark := func(name string, d time.Duration) {
		l := c.leader()
		from := load.now()
		hold(t, d)
		phases = append(phases, phase{name, from, load.now(), c.nodes[l].zone})
	}

	mark("all up", 2*time.Second)
	l := c.leader()
	victim := 0 // a near node that is not the leader
	if l == 0 {
		victim = 1
	}
	c.kill9(victim)
	mark("one near node down: commits need zone c", 3*time.Second)
	c.restart(victim)
	mark("restarted", 2*time.Second)
	l = c.leader()
	c.kill9(l)
	t.Logf("killed the leader %s (zone %s)", c.nodes[l].id, c.nodes[l].zone)
	mark("leader down", 2*time.Second)
	c.restart(l)
	mark("restarted", time.Second)
	load.finish()
	load.check("quorumlog-latency")

	cross := phases[1]
	var crossChecked int
	for i, p := range phases {
		var lat []time.Duration
		firstFast := int64(-1) // the call of the first append acknowledged within the round trip
		for _, op := range load.history {
			in := op.Input.(logInput)
			if in.op == opDescribe || op.Output.(logOutput).failed || op.Call < p.from || op.Return > p.to {
				continue
			}
			d := time.Duration(op.Return - op.Call)
			lat = append(lat, d)
			if d < 2*farOneWay && (firstFast < 0 || op.Call < firstFast) {
				firstFast = op.Call
			}
			if p == cross {
				crossChecked++
				if d < 2*farOneWay {
					t.Errorf("%s: append of %q acknowledged in %v, sooner than the %v round trip to the only other node up",
						p.name, in.value, d, 2*farOneWay)
				}
			}
		}
		slices.Sort(lat)
		if len(lat) == 0 {
			t.Logf("phase %d (%s; leader in zone %s): no append acknowledged", i, p.name, p.leaderZone)
			continue
		}
		q := func(f float64) time.Duration { return lat[int(f*float64(len(lat)-1))].Round(100 * time.Microsecond) }
		fast := "none"
		if firstFast >= 0 {
			fast = "+" + time.Duration(firstFast-p.from).Round(time.Millisecond).String()
		}
		t.Logf("phase %d (%s; leader in zone %s): %d appends acknowledged, latency p50 %v p99 %v max %v; the first within the round trip called at %s",
			i, p.name, p.leaderZone, len(lat), q(0.5), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond), fast)
	}
	if crossChecked < 50 {
		t.Fatalf("only %d appends acknowledged while commits needed zone c: the check did not run", crossChecked)
	}
}
