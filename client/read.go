package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	"google.golang.org/grpc/codes"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// Record is one record of a log.
type Record struct {
	ID      uint64
	Payload []byte
}

// Event is what a Reader delivers: a record, or a caught-up marker.
type Event struct {
	// Record is the next record; zero when CaughtUp is set.
	Record Record
	// CaughtUp marks that the reader has delivered every record committed
	// on the serving node, through LastID.
	CaughtUp bool
	LastID   uint64
}

// Reader delivers the records of one Read in ID order. It checks every
// record's CRC32C and that IDs are consecutive; a bad record ends the read
// with ErrCorrupt and is never returned. If its node fails (UNAVAILABLE,
// connection lost), the Reader reconnects to another endpoint and resumes
// at the next ID, without gaps or duplicates, until the Read's ctx ends.
//
// Next must be called from one goroutine at a time; Close may be called
// from any goroutine, also while Next waits.
type Reader struct {
	c            *Client
	ctx          context.Context // the Read call's ctx, bounding reconnects; see Read
	cancel       context.CancelFunc
	log          string
	from         uint64
	follow       bool
	linearizable bool
	limit        uint64 // 0: none
	closed       atomic.Bool

	// Owned by the goroutine calling Next:
	addr         string // endpoint of the current stream
	failed       string // endpoint whose stream broke last
	stream       quorumlogpb.LogService_ReadClient
	cancelStream context.CancelFunc
	buf          []*quorumlogpb.Record
	caughtUp     *quorumlogpb.CaughtUp
	next         uint64 // next expected ID; 0 before the first record if from was 0
	delivered    uint64
	retries      int
	err          error // sticky
}

// Read starts reading log from fromID (0: its first readable ID) on any
// node. Options: Follow, Limit, Linearizable. Errors of the server (such as
// ErrNotFound, or *RangeError for a trimmed fromID) come from the first
// Next. ctx bounds the whole read, reconnects included; the Reader keeps
// it. Close the Reader when done.
func (c *Client) Read(ctx context.Context, log string, fromID uint64, opts ...ReadOption) (*Reader, error) {
	o := readOpts(opts)
	ctx, cancel := context.WithCancel(ctx)
	r := &Reader{
		c:            c,
		ctx:          ctx,
		cancel:       cancel,
		log:          log,
		from:         fromID,
		follow:       o.follow,
		linearizable: o.linearizable,
		limit:        o.limit,
		next:         fromID,
	}
	if err := r.connect(); err != nil {
		cancel()
		return nil, err
	}
	return r, nil
}

// Next returns the next record or caught-up marker. It returns io.EOF when a
// read without Follow caught up, or after Limit records; ErrClosed after
// Close; the Read ctx's error when it ended. Caught-up markers below the
// last delivered ID (from a lagging node after a reconnect) are skipped.
func (r *Reader) Next() (Event, error) {
	for {
		if r.err != nil {
			return Event{}, r.err
		}
		if r.limit > 0 && r.delivered >= r.limit {
			r.stop(io.EOF)
			continue
		}
		if len(r.buf) > 0 {
			rec := r.buf[0]
			r.buf[0] = nil
			r.buf = r.buf[1:]
			if err := r.check(rec); err != nil {
				r.stop(err)
				continue
			}
			r.next = rec.GetId() + 1
			r.delivered++
			return Event{Record: Record{ID: rec.GetId(), Payload: rec.GetPayload()}}, nil
		}
		if m := r.caughtUp; m != nil {
			r.caughtUp = nil
			if r.next > 0 && m.GetLastId() < r.next-1 {
				continue
			}
			if !r.follow {
				r.stop(io.EOF)
			}
			return Event{CaughtUp: true, LastID: m.GetLastId()}, nil
		}
		if r.stream == nil {
			if err := r.reconnect(); err != nil {
				r.stop(err)
			}
			continue
		}
		resp, err := r.stream.Recv()
		if err == nil {
			r.buf, r.caughtUp, r.retries = resp.GetRecords(), resp.GetCaughtUp(), 0
			continue
		}
		r.closeStream()
		switch {
		case r.closed.Load():
			r.stop(ErrClosed)
		case r.ctx.Err() != nil:
			r.stop(r.ctx.Err())
		case err == io.EOF && !r.follow:
			r.stop(io.EOF)
		case err == io.EOF || retryableRead(err):
			r.c.logger.Debug("client: read stream broke, reconnecting", "peer", r.addr, "log", r.log, "id", r.next, "err", err)
			r.failed = r.addr
		default:
			r.stop(mapError(err))
		}
	}
}

// check verifies a record's ID and CRC32C.
func (r *Reader) check(rec *quorumlogpb.Record) error {
	if r.next != 0 && rec.GetId() != r.next {
		return fmt.Errorf("%w: log %q: got record %d, want %d", ErrCorrupt, r.log, rec.GetId(), r.next)
	}
	if got := CRC32C(rec.GetPayload()); got != rec.GetCrc32C() {
		return fmt.Errorf("%w: log %q record %d: crc32c %08x, want %08x", ErrCorrupt, r.log, rec.GetId(), got, rec.GetCrc32C())
	}
	return nil
}

func retryableRead(err error) bool {
	var se *StatusError
	err = mapError(err)
	if errors.As(err, &se) {
		return se.Code == codes.Unavailable || se.Code == codes.Canceled
	}
	return isNotSent(err)
}

// reconnect waits the backoff, then connects to the next endpoint.
func (r *Reader) reconnect() error {
	r.retries++
	if err := r.c.sleep(r.ctx, r.retries); err != nil {
		if r.closed.Load() {
			return ErrClosed
		}
		return err
	}
	return r.connect()
}

// connect opens the read stream on some node, resuming at r.next.
func (r *Reader) connect() error {
	req := &quorumlogpb.ReadRequest{
		Log:          r.log,
		FromId:       r.next,
		Follow:       r.follow,
		Linearizable: r.linearizable,
	}
	if r.limit > 0 {
		req.Max = r.limit - r.delivered
	}
	prev, skipped := r.failed, false
	return r.c.onAny(r.ctx, func(ctx context.Context, cn *conn) error {
		if cn.addr == prev && !skipped {
			// Try the node that just failed this reader last.
			skipped = true
			return &notSentError{fmt.Errorf("%s: just failed", cn.addr)}
		}
		sctx, cancel := context.WithCancel(r.ctx)
		st, err := cn.log.Read(sctx, req)
		if err != nil {
			cancel()
			return err
		}
		r.addr, r.stream, r.cancelStream = cn.addr, st, cancel
		return nil
	})
}

func (r *Reader) closeStream() {
	if r.cancelStream != nil {
		r.cancelStream()
	}
	r.stream, r.cancelStream = nil, nil
	r.buf, r.caughtUp = nil, nil
}

func (r *Reader) stop(err error) {
	r.closeStream()
	r.err = err
	r.cancel()
}

// Close ends the read and releases its stream. Next then returns ErrClosed
// (or the error that ended the read before). Close is idempotent.
func (r *Reader) Close() error {
	r.closed.Store(true)
	r.cancel()
	return nil
}

// All reads records until the read ends, and returns them; convenient for
// reads without Follow. It stops at the first error other than io.EOF.
func (r *Reader) All() ([]Record, error) {
	var recs []Record
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		if !ev.CaughtUp {
			recs = append(recs, Record{ID: ev.Record.ID, Payload: slices.Clip(ev.Record.Payload)})
		}
	}
}
