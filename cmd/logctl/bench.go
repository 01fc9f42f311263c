package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

var benchCommand = &command{
	name: "bench",
	args: "[--clients N] [--duration D] [--size B] [--conditional] [--one-log] [--log-prefix P] [--json] [--warmup D] [--max-ops N] [--unary]",
	summary: "measure append throughput and latency: N goroutines append B-byte records for D,\n" +
		"each on its own log P-<i> (created if missing) or all on log P with --one-log",
	run: runBench,
}

type benchConfig struct {
	clients     int
	duration    time.Duration
	warmup      time.Duration
	size        int
	conditional bool
	oneLog      bool
	prefix      string
	json        bool
	maxOps      uint64
	unary       bool
}

// benchResult is bench's report; with --json it is printed as is.
type benchResult struct {
	Clients     int               `json:"clients"`
	Size        int               `json:"size"`
	Conditional bool              `json:"conditional"`
	OneLog      bool              `json:"one_log"`
	Unary       bool              `json:"unary"`
	Seconds     float64           `json:"duration_s"`
	Ops         uint64            `json:"ops"`
	OpsPerSec   float64           `json:"ops_per_sec"`
	MBPerSec    float64           `json:"mb_per_sec"`
	Latency     latencyResult     `json:"latency_us"`
	Errors      map[string]uint64 `json:"errors"`
	Conflicts   uint64            `json:"conflicts"`
}

type latencyResult struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func runBench(e *env, fs *flag.FlagSet, args []string) error {
	var bc benchConfig
	fs.IntVar(&bc.clients, "clients", 16, "concurrent appenders")
	fs.DurationVar(&bc.duration, "duration", 10*time.Second, "measured run time")
	fs.DurationVar(&bc.warmup, "warmup", 0, "unmeasured run time before --duration")
	fs.IntVar(&bc.size, "size", 100, "record size in `bytes`")
	fs.BoolVar(&bc.conditional, "conditional", false, "chain conditional appends on the last ID each append returned")
	fs.BoolVar(&bc.oneLog, "one-log", false, "all clients append to one log, named by --log-prefix")
	fs.StringVar(&bc.prefix, "log-prefix", "bench", "log name, or prefix of the per-client log names")
	fs.BoolVar(&bc.json, "json", false, "print the result as one JSON object")
	fs.Uint64Var(&bc.maxOps, "max-ops", 0, "stop after `N` appends in all (0: no bound)")
	fs.BoolVar(&bc.unary, "unary", false, "one unary RPC per append instead of the shared append stream")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured run to `file` (go tool pprof)")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch {
	case bc.clients < 1:
		return usagef("--clients must be at least 1")
	case bc.duration <= 0:
		return usagef("--duration must be positive")
	case bc.warmup < 0:
		return usagef("--warmup must not be negative")
	case bc.size < 1:
		return usagef("--size must be at least 1")
	}
	c, err := e.client(func(cfg *client.Config) { cfg.UnaryAppend = bc.unary })
	if err != nil {
		return err
	}
	defer c.Close()
	logs, last, err := benchSetup(e, c, &bc)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res := benchRun(e, c, &bc, logs, last)
	if bc.json {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(res)
	}
	printBench(e.stdout, &bc, res)
	if res.Ops == 0 && len(res.Errors) > 0 {
		return fmt.Errorf("no append succeeded")
	}
	return nil
}

// benchSetup creates the logs and, for --conditional, reads their last IDs.
func benchSetup(e *env, c *client.Client, bc *benchConfig) (logs []string, last []uint64, err error) {
	ctx, cancel := e.opCtx()
	defer cancel()
	names := map[string]bool{}
	for i := range bc.clients {
		name := fmt.Sprintf("%s-%d", bc.prefix, i)
		if bc.oneLog {
			name = bc.prefix
		}
		logs = append(logs, name)
		if names[name] {
			continue
		}
		names[name] = true
		if err := c.CreateLog(ctx, name); err != nil && !errors.Is(err, client.ErrAlreadyExists) {
			return nil, nil, fmt.Errorf("create %s: %w", name, err)
		}
	}
	last = make([]uint64, len(logs))
	if bc.conditional {
		for i, name := range logs {
			info, err := c.Describe(ctx, name, client.Linearizable())
			if err != nil {
				return nil, nil, fmt.Errorf("describe %s: %w", name, err)
			}
			last[i] = info.LastID
		}
	}
	return logs, last, nil
}

// benchWorker is one appender's tally; only its goroutine touches it.
type benchWorker struct {
	hist      histogram
	errors    map[string]uint64
	conflicts uint64
}

func benchRun(e *env, c *client.Client, bc *benchConfig, logs []string, last []uint64) *benchResult {
	start := time.Now()
	measureFrom := start.Add(bc.warmup)
	ctx, cancel := context.WithDeadline(e.ctx, measureFrom.Add(bc.duration))
	defer cancel()

	var claimed, done, failed atomic.Uint64
	workers := make([]benchWorker, bc.clients)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.errors = map[string]uint64{}
		payload := make([]byte, bc.size)
		for j := range payload {
			payload[j] = byte('a' + (i+j)%26)
		}
		wg.Go(func() {
			payloads := [][]byte{payload}
			lastID := last[i]
			for ctx.Err() == nil {
				if bc.maxOps > 0 && claimed.Add(1) > bc.maxOps {
					return
				}
				t0 := time.Now()
				var res client.AppendResult
				var err error
				if bc.conditional {
					res, err = c.AppendIf(ctx, logs[i], lastID, payloads)
				} else {
					res, err = c.Append(ctx, logs[i], payloads)
				}
				lat := time.Since(t0)
				if err != nil && ctx.Err() != nil {
					return // cut off by the end of the run: not a result
				}
				measured := !t0.Before(measureFrom)
				var ce *client.ConditionError
				switch {
				case err == nil:
					lastID = res.LastID
					done.Add(1)
					if measured {
						w.hist.record(lat)
					}
				case errors.As(err, &ce):
					lastID = ce.Actual
					failed.Add(1)
					if measured && bc.oneLog {
						w.conflicts++
					} else if measured {
						w.errors[errorKind(err)]++
					}
				default:
					failed.Add(1)
					if measured {
						w.errors[errorKind(err)]++
					}
				}
			}
		})
	}
	stopProgress := startProgress(e.stderr, start, &done, &failed)
	wg.Wait()
	stopProgress()
	elapsed := time.Since(measureFrom)
	if elapsed <= 0 {
		elapsed = time.Since(start)
	}

	var h histogram
	res := &benchResult{
		Clients: bc.clients, Size: bc.size, Conditional: bc.conditional, OneLog: bc.oneLog, Unary: bc.unary,
		Seconds: elapsed.Seconds(),
		Errors:  map[string]uint64{},
	}
	for i := range workers {
		h.merge(&workers[i].hist)
		for k, n := range workers[i].errors {
			res.Errors[k] += n
		}
		res.Conflicts += workers[i].conflicts
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	res.Ops = h.n
	res.OpsPerSec = float64(h.n) / elapsed.Seconds()
	res.MBPerSec = res.OpsPerSec * float64(bc.size) / 1e6
	res.Latency = latencyResult{
		Mean: us(h.mean()), P50: us(h.quantile(0.5)), P99: us(h.quantile(0.99)),
		P999: us(h.quantile(0.999)), Max: us(h.max),
	}
	return res
}

// errorKind names an error for bench's error counts.
func errorKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{client.ErrConditionFailed, "condition_failed"},
		{client.ErrOutcomeUnknown, "outcome_unknown"},
		{client.ErrUnavailable, "unavailable"},
		{client.ErrNotFound, "not_found"},
		{client.ErrInvalidArgument, "invalid_argument"},
		{client.ErrCorrupt, "corrupt"},
		{client.ErrClosed, "closed"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return strings.ToLower(client.ErrorCode(err))
}

// startProgress prints a progress line on w once per second when w is a
// terminal, and returns a function that stops it and waits for it.
func startProgress(w io.Writer, start time.Time, done, failed *atomic.Uint64) (stop func()) {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var prev uint64
		for {
			select {
			case <-quit:
				fmt.Fprint(f, "\r\033[K")
				return
			case now := <-t.C:
				n := done.Load()
				fmt.Fprintf(f, "\r\033[K%5.0fs  %10d ops  %9d ops/s  %d errors",
					now.Sub(start).Seconds(), n, n-prev, failed.Load())
				prev = n
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

func printBench(w io.Writer, bc *benchConfig, r *benchResult) {
	nlogs := bc.clients
	if bc.oneLog {
		nlogs = 1
	}
	ms := func(us float64) string {
		return time.Duration(us * float64(time.Microsecond)).Round(time.Microsecond).String()
	}
	fmt.Fprintf(w, "clients %d, %d-byte records, %d log(s), conditional %t, unary %t, measured %.1fs\n",
		bc.clients, bc.size, nlogs, bc.conditional, bc.unary, r.Seconds)
	fmt.Fprintf(w, "ops:       %d (%.0f ops/s, %.2f MB/s)\n", r.Ops, r.OpsPerSec, r.MBPerSec)
	fmt.Fprintf(w, "latency:   p50 %s  p99 %s  p999 %s  max %s  mean %s\n",
		ms(r.Latency.P50), ms(r.Latency.P99), ms(r.Latency.P999), ms(r.Latency.Max), ms(r.Latency.Mean))
	errs := "none"
	if len(r.Errors) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			parts = append(parts, fmt.Sprintf("%s=%d", k, r.Errors[k]))
		}
		errs = strings.Join(parts, " ")
	}
	fmt.Fprintf(w, "errors:    %s\n", errs)
	if bc.conditional && bc.oneLog {
		fmt.Fprintf(w, "conflicts: %d\n", r.Conflicts)
	}
}
