package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// logLoad is a paced load on a cluster for fault tests: plain appends on
// one log, conditional appenders racing each other on another (as
// memshard's would-be primaries do), and linearizable Describes, four
// describers per node, each asking only its node, so that a node cut off,
// frozen or far away is asked too. It records every operation for
// porcupine, and check verifies the cluster and the history at the end.
type logLoad struct {
	c     *cluster
	logs  []string // plain appends go to logs[0], conditional ones to logs[1]
	start time.Time
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu      sync.Mutex
	history []porcupine.Operation // operations with a known outcome
	pending []porcupine.Operation // appends of unknown outcome
	acked   map[string]uint64     // value -> ID
	failed  map[string]bool       // appends certainly not applied
	unknown map[string]bool       // appends of unknown outcome
}

// Paced, so that the history stays small enough to check (about 600
// operations a second) while spanning several faults.
const loadAppenders, loadCondAppenders, loadMaxOps, loadPace = 4, 2, 2000, 15 * time.Millisecond

// startLogLoad creates the logs "plain" and "raced" on c and starts the
// load; call finish to end it.
func startLogLoad(c *cluster) *logLoad {
	t := c.t
	t.Helper()
	l := &logLoad{
		c: c, logs: []string{"plain", "raced"}, start: time.Now(),
		acked: map[string]uint64{}, failed: map[string]bool{}, unknown: map[string]bool{},
	}
	cl := c.client()
	for _, name := range l.logs {
		if err := cl.CreateLog(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}
	var describers []*client.Client
	for i := range c.nodes {
		for range 4 {
			describers = append(describers, c.nodeClient(i))
		}
	}
	ctx, stop := context.WithCancel(t.Context())
	l.stop = stop
	for w := range loadAppenders + loadCondAppenders {
		l.wg.Go(func() { l.appender(ctx, cl, w, w >= loadAppenders) })
	}
	for i, d := range describers {
		l.wg.Go(func() { l.describer(ctx, d, loadAppenders+loadCondAppenders+i) })
	}
	return l
}

// now returns the time since the load started, the clock of its history.
func (l *logLoad) now() int64 { return int64(time.Since(l.start)) }

// ackedCount returns how many appends have been acknowledged so far.
func (l *logLoad) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func (l *logLoad) appender(ctx context.Context, cl *client.Client, w int, conditional bool) {
	var expected uint64 // a conditional appender's idea of the last ID
	for n := 0; ctx.Err() == nil && n < loadMaxOps; n++ {
		op := porcupine.Operation{ClientId: w, Call: l.now()}
		in := logInput{log: l.logs[0], op: opAppend, value: fmt.Sprintf("w%d.%d", w, n)}
		var opts []client.AppendOption
		if conditional {
			in.log, in.op, in.expected = l.logs[1], opCondAppend, expected
			opts = append(opts, client.IfLastID(expected))
		}
		op.Input = in
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err := cl.Append(octx, in.log, [][]byte{[]byte(in.value)}, opts...)
		cancel()
		op.Output = logOutput{id: res.LastID}
		var ce *client.ConditionError
		l.mu.Lock()
		switch {
		case err == nil:
			l.acked[in.value], expected = res.LastID, res.LastID
		case errors.As(err, &ce):
			op.Output, err = logOutput{id: ce.Actual, failed: true}, nil
			l.failed[in.value], expected = true, ce.Actual
		case errors.Is(err, client.ErrOutcomeUnknown):
			// It may take effect at any time from its call on, or never:
			// resolved from the final log by check.
			op.Return = math.MaxInt64
			l.pending = append(l.pending, op)
			l.unknown[in.value] = true
		default:
			l.failed[in.value] = true
		}
		if err == nil {
			op.Return = l.now()
			l.history = append(l.history, op)
		}
		l.mu.Unlock()
		pace(ctx)
	}
}

func (l *logLoad) describer(ctx context.Context, cl *client.Client, w int) {
	for n := 0; ctx.Err() == nil && n < loadMaxOps; n++ {
		op := porcupine.Operation{ClientId: w, Call: l.now()}
		in := logInput{log: l.logs[n%2], op: opDescribe}
		op.Input = in
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := cl.Describe(octx, in.log, client.Linearizable())
		cancel()
		if err == nil {
			op.Output = logOutput{id: info.LastID, sum: info.Checksum}
			op.Return = l.now()
			l.mu.Lock()
			l.history = append(l.history, op)
			l.mu.Unlock()
		}
		pace(ctx)
	}
}

// hold waits for d, or until the test ends.
func hold(t *testing.T, d time.Duration) {
	select {
	case <-time.After(d):
	case <-t.Context().Done():
	}
}

func pace(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(loadPace):
	}
}

// finish stops the load and waits for its operations to return.
func (l *logLoad) finish() {
	l.stop()
	l.wg.Wait()
}

// check, after finish, verifies that every running node holds the same
// logs, with every acknowledged append at its ID, once, and no append the
// client called failed; and that the history is linearizable (porcupine;
// name names the visualization kept if it is not).
func (l *logLoad) check(name string) {
	t := l.c.t
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.acked) < 100 {
		t.Fatalf("only %d appends acknowledged: the load did not run", len(l.acked))
	}
	// Every node is compared up to the same ID per log, the one they all
	// agreed on first: an append whose outcome its caller never learned
	// may still land after the load stopped (seen: four, a second after,
	// once the frozen leader had been thawed), and a node read later would
	// then hold more than one read earlier. Such appends are left out of
	// the history, as appends that never happened: no operation of it
	// could have seen them.
	upTo := map[string]uint64{}
	for _, log := range l.logs {
		upTo[log] = l.c.waitConverged(log, 0).LastID
	}
	applied := map[string]uint64{}            // value -> ID, as every node has it
	firstRecs := map[string][]client.Record{} // the first node's, by log: shown if another differs
	first := true
	for i, nd := range l.c.nodes {
		if !nd.running() {
			continue
		}
		seen := map[string]bool{}
		for _, log := range l.logs {
			recs, err := readAll(t.Context(), l.c.nodeClient(i), log, 1)
			if err != nil || uint64(len(recs)) < upTo[log] {
				t.Fatalf("%s: log %s: %d records, %v; want at least %d", nd.id, log, len(recs), err, upTo[log])
			}
			if late := recs[upTo[log]:]; len(late) > 0 {
				t.Logf("%s: log %s: %d records landed after the load stopped, from ID %d", nd.id, log, len(late), late[0].ID)
			}
			recs = recs[:upTo[log]]
			if first {
				firstRecs[log] = recs
			} else if i := diverges(recs, firstRecs[log]); i >= 0 {
				t.Errorf("%s: log %s differs from the first node's from ID %d:\n%s", nd.id, log, recs[i].ID,
					sideBySide(firstRecs[log], recs, i))
			}
			checkRecords(t, nd.id, recs, seen, applied, l.acked, l.failed, l.unknown, first)
		}
		first = false
		for v, id := range l.acked {
			if !seen[v] {
				t.Fatalf("%s: acknowledged %q (ID %d) is missing", nd.id, v, id)
			}
		}
	}
	// An append of unknown outcome took effect at the ID the log has it at,
	// at some time after its call, or never: its output is that ID (its
	// return time stays open), or it leaves the history.
	resolved, dropped := 0, 0
	checked := l.history
	for _, op := range l.pending {
		id := applied[op.Input.(logInput).value]
		if id == 0 {
			dropped++
			continue
		}
		op.Output = logOutput{id: id}
		checked = append(checked, op)
		resolved++
	}
	condOK, condFailed := 0, 0
	for _, op := range l.history {
		if op.Input.(logInput).op == opCondAppend {
			if op.Output.(logOutput).failed {
				condFailed++
			} else {
				condOK++
			}
		}
	}
	t.Logf("%d operations checked: %d appends acknowledged (%d conditional; %d conditions failed), %d of unknown outcome (%d applied, %d not), %d other failures",
		len(checked), len(l.acked), condOK, condFailed, len(l.unknown), resolved, dropped, len(l.failed)-condFailed)
	proctest.CheckLinearizable(t, logModel, checked, 2*time.Minute, name)
}

// diverges returns the index of the first record where recs and want
// differ, or -1.
func diverges(recs, want []client.Record) int {
	for i := range min(len(recs), len(want)) {
		if recs[i].ID != want[i].ID || string(recs[i].Payload) != string(want[i].Payload) {
			return i
		}
	}
	if len(recs) != len(want) {
		return min(len(recs), len(want))
	}
	return -1
}

// sideBySide shows the records of two nodes' copies of a log around index
// i: what a divergence looks like, for the next one to be understood.
func sideBySide(a, b []client.Record, i int) string {
	var sb strings.Builder
	for j := max(i-5, 0); j < i+10 && (j < len(a) || j < len(b)); j++ {
		show := func(recs []client.Record) string {
			if j >= len(recs) {
				return "-"
			}
			return fmt.Sprintf("%d %q", recs[j].ID, recs[j].Payload)
		}
		fmt.Fprintf(&sb, "  first: %-24s this: %s\n", show(a), show(b))
	}
	return sb.String()
}

// checkRecords checks one log's records as node id holds them: no value
// twice (seen spans the node's logs), none whose append failed or was
// never made, each acknowledged one at its ID. The first node's IDs are
// noted in applied; every other node's must match them.
func checkRecords(t *testing.T, id string, recs []client.Record, seen map[string]bool, applied, acked map[string]uint64, failed, unknown map[string]bool, first bool) {
	t.Helper()
	for _, r := range recs {
		v := string(r.Payload)
		switch {
		case seen[v]:
			t.Fatalf("%s: %q appears twice", id, v)
		case failed[v]:
			t.Fatalf("%s: %q is in the log, but its append failed", id, v)
		case acked[v] == 0 && !unknown[v]:
			t.Fatalf("%s: %q was never appended", id, v)
		case acked[v] != 0 && acked[v] != r.ID:
			t.Fatalf("%s: %q at ID %d, acknowledged at %d", id, v, r.ID, acked[v])
		case !first && applied[v] != r.ID:
			t.Fatalf("%s: %q at ID %d, the first node has it at %d", id, v, r.ID, applied[v])
		}
		seen[v] = true
		applied[v] = r.ID
	}
}
