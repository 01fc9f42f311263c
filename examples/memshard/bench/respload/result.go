package main

import (
	"fmt"
	"time"
)

// Result is a load run's outcome.
type Result struct {
	Requests     int             // asked for
	Done         int             // requests whose replies were all read
	Failed       int             // done requests that failed
	FirstFailure string          // why the first failed request failed
	Elapsed      time.Duration   // from the clients' start to the last one's end
	Latencies    []time.Duration // of the done requests, sorted
	Stopped      string          // if the run stopped before every request: why
}

// OpsPerSec is done requests per second over the run.
func (r *Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done) / r.Elapsed.Seconds()
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of the
// latencies: the smallest one that at least p of them do not exceed, that
// is the ceil(p*n)-th; 0 if there are none.
func (r *Result) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	// Ranks are computed in thousandths so that 0.999*n is exact.
	k := (int64(p*1000+0.5)*int64(n) + 999) / 1000
	return r.Latencies[min(max(k, 1), int64(n))-1]
}

// ms formats d in milliseconds with 3 decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

// Plain is the machine line: ops/s p50 p99 p999 failed (ms).
func (r *Result) Plain() string {
	return fmt.Sprintf("%.0f %s %s %s %d", r.OpsPerSec(), ms(r.Percentile(0.5)), ms(r.Percentile(0.99)), ms(r.Percentile(0.999)), r.Failed)
}

// Human is the result for a person, naming the load.
func (r *Result) Human(cfg Config) string {
	what := "SET"
	if cfg.Wait > 0 {
		what = fmt.Sprintf("SET+WAIT %d %d", cfg.Wait, cfg.WaitTimeout)
	}
	return fmt.Sprintf("%s: %d requests, %d clients, %d-byte values, %d keys: %.0f ops/s, latency p50 %s ms, p99 %s ms, p999 %s ms; %d failed",
		what, r.Done, cfg.Clients, cfg.Size, cfg.Keyspace, r.OpsPerSec(),
		ms(r.Percentile(0.5)), ms(r.Percentile(0.99)), ms(r.Percentile(0.999)), r.Failed)
}
