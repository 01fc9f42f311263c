package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// errMaxDuration is the cause of a run stopped by --max-duration.
var errMaxDuration = errors.New("respload: --max-duration reached")

// load runs cfg's load: it dials every client, then starts the clock and
// the clients. It returns an error, and no result, if a dial or a
// connection fails; a run stopped by ctx or cfg.MaxDuration returns the
// result of the requests done (Result.Stopped says why).
func load(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conns := make([]net.Conn, 0, cfg.Clients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var d net.Dialer
	for i := range cfg.Clients {
		c, err := d.DialContext(ctx, "tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("client %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}

	// A connection error cancels run with that error as cause; the
	// duration bound and ctx cancel it with theirs. Cancelling unblocks
	// every client's read or write through its connection's deadline.
	run, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(cfg.MaxDuration, func() { cancel(errMaxDuration) })
	defer timer.Stop()
	stop := context.AfterFunc(run, func() {
		for _, c := range conns {
			_ = c.SetDeadline(time.Now())
		}
	})
	defer stop()

	var next atomic.Int64 // requests handed out
	clients := make([]*client, cfg.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range conns {
		cl := &client{
			conn: c, r: bufio.NewReaderSize(c, 16<<10), req: newRequest(cfg), wait: cfg.Wait,
			rng: newRand(seed, i),
			// Room for twice a client's share: the clients take requests
			// from one counter, and growing the slice mid-run would stall one.
			lats: make([]time.Duration, 0, min(cfg.Requests, 2*(cfg.Requests/cfg.Clients)+16)),
		}
		clients[i] = cl
		wg.Go(func() {
			for next.Add(1) <= int64(cfg.Requests) {
				if err := cl.do(cfg.Keyspace); err != nil {
					if run.Err() == nil { // not a deadline set by the cancel
						cancel(fmt.Errorf("client %d: %w", i, err))
					}
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(run); err != nil && !errors.Is(err, errMaxDuration) && ctx.Err() == nil {
		return nil, err
	}

	res := &Result{Requests: cfg.Requests, Elapsed: elapsed}
	if ctx.Err() != nil {
		res.Stopped = context.Cause(ctx).Error()
	} else if errors.Is(context.Cause(run), errMaxDuration) {
		res.Stopped = fmt.Sprintf("--max-duration %v reached", cfg.MaxDuration)
	}
	for _, cl := range clients {
		res.Latencies = append(res.Latencies, cl.lats...)
		res.Failed += cl.failed
		if res.FirstFailure == "" {
			res.FirstFailure = cl.firstFailure
		}
	}
	res.Done = len(res.Latencies)
	slices.Sort(res.Latencies)
	return res, nil
}

// newRand is client i's random numbers: distinct streams from one seed.
func newRand(seed uint64, i int) *rand.Rand { return rand.New(rand.NewPCG(seed, uint64(i))) }

// client is one connection's closed loop. Only its goroutine touches it
// until load's WaitGroup is done.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	req  *request
	wait int // WAIT's numreplicas; 0: no WAIT
	rng  *rand.Rand

	lats         []time.Duration // one per done request
	failed       int             // done requests that failed
	firstFailure string          // why the first failed one did
}

// do sends one request and reads its replies. Its error is the
// connection's (or a broken reply stream); a failed request is counted,
// not returned.
func (cl *client) do(keyspace int64) error {
	cl.req.setKey(uint64(cl.rng.Int64N(keyspace)))
	t0 := time.Now()
	if _, err := cl.conn.Write(cl.req.buf); err != nil {
		return err
	}
	set, err := readReply(cl.r)
	if err != nil {
		return err
	}
	why := setFailure(set)
	if cl.wait > 0 {
		wait, err := readReply(cl.r)
		if err != nil {
			return err
		}
		if w := waitFailure(wait, cl.wait); why == "" {
			why = w
		}
	}
	cl.lats = append(cl.lats, time.Since(t0))
	if why != "" {
		cl.failed++
		if cl.firstFailure == "" {
			cl.firstFailure = why
		}
	}
	return nil
}

// setFailure says why SET's reply is not +OK, or returns "".
func setFailure(r reply) string {
	if r.kind == '+' && string(r.text) == "OK" {
		return ""
	}
	return "SET replied " + describe(r)
}

// waitFailure says why WAIT's reply is not an integer of at least n, or
// returns "".
func waitFailure(r reply, n int) string {
	switch {
	case r.kind != ':':
		return "WAIT replied " + describe(r)
	case r.n < int64(n):
		return fmt.Sprintf("WAIT %d replied %d: the write was not acknowledged by %d replicas in time", n, r.n, n)
	}
	return ""
}

// describe shows a reply in a failure message (only on a failure: it allocates).
func describe(r reply) string {
	switch r.kind {
	case '$', '*', '~', '>', '%', '|', '=', '!':
		return fmt.Sprintf("%c%d...", r.kind, r.n)
	}
	return fmt.Sprintf("%c%s", r.kind, r.text)
}
