package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// AppendResult is the outcome of a committed append.
type AppendResult struct {
	FirstID uint64 // ID of the first record of the call
	LastID  uint64 // ID of the last record; LastID-FirstID+1 records
	// Checksum is the log's running checksum after LastID (see Checksum).
	// It is 0 in the rare case of a conditional append confirmed by reading
	// it back (see AppendIf) after the log had already grown past it.
	Checksum uint32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C returns the CRC-32C (Castagnoli) of payload, the per-record
// checksum the client sends with every record and verifies on read.
func CRC32C(payload []byte) uint32 { return crc32.Checksum(payload, castagnoli) }

// Checksum continues a log's running checksum prev (0 before record 1) over
// one more record: CRC-32C continued from prev over the 8 bytes
// little-endian uint32(len(payload)) || CRC32C(payload). A reader that
// starts at ID 1 can compare its running checksum with LogInfo.Checksum.
func Checksum(prev uint32, payload []byte) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:8], CRC32C(payload))
	return crc32.Update(prev, castagnoli, b[:])
}

// Append commits payloads to log atomically, as consecutive records, and
// returns their IDs. The payloads must not be modified until Append returns.
//
// Concurrent Appends share one AppendStream to the leader (see
// Config.UnaryAppend). Append finds the leader and follows redirects until
// ctx ends; it retries only requests the cluster did not propose. If the
// outcome is unknown (the stream broke after sending, the leader lost
// leadership, ctx ended while waiting) it returns an error matching
// ErrOutcomeUnknown and does not retry: the records may or may not be in
// the log. With IfLastID the append is conditional and behaves as AppendIf.
//
// An empty payload list or an empty payload is ErrInvalidArgument, without
// an RPC. So is an append larger than the leader takes in one request (16
// records of its --max-record-bytes, and at least 16 MiB): the leader is
// asked its limit once, the first time an append is that large
// (appendsize.go).
func (c *Client) Append(ctx context.Context, log string, payloads [][]byte, opts ...AppendOption) (AppendResult, error) {
	var o appendOptions
	for _, opt := range opts {
		opt(&o)
	}
	req, err := newAppendRequest(log, payloads)
	if err != nil {
		if o.onQueued != nil {
			o.onQueued()
		}
		return AppendResult{}, err
	}
	if o.checkChecksum {
		if !o.conditional {
			return AppendResult{}, fmt.Errorf("%w: IfChecksum needs IfLastID", ErrInvalidArgument)
		}
		req.IfChecksum = &o.checksum
	}
	queued := onceFunc(o.onQueued)
	defer queued() // also when the append never reached a stream
	if o.conditional {
		return c.appendIf(ctx, req, o.expectedLastID, payloads, queued)
	}
	var resp *quorumlogpb.AppendResponse
	_, err = c.write(ctx, false, func(ctx context.Context, cn *conn) (err error) {
		resp, err = c.appendAttempt(ctx, cn, req, queued)
		return err
	})
	if err != nil {
		return AppendResult{}, err
	}
	return appendResult(resp), nil
}

// AppendIf appends payloads only if the log's last ID is expectedLastID
// when the append is ordered; otherwise it returns a *ConditionError
// (errors.Is ErrConditionFailed) with the actual last ID.
//
// AppendIf is exactly-once: after an unknown outcome it retries, because a
// duplicate cannot pass the condition. If a retry fails its condition with
// an actual last ID of at least expectedLastID+len(payloads), AppendIf reads
// those records back (linearizably); if they equal payloads, the first
// attempt committed and AppendIf reports success with their IDs, otherwise
// the *ConditionError. Only when ctx ends before this resolves does
// AppendIf return ErrOutcomeUnknown.
func (c *Client) AppendIf(ctx context.Context, log string, expectedLastID uint64, payloads [][]byte) (AppendResult, error) {
	return c.Append(ctx, log, payloads, IfLastID(expectedLastID))
}

func (c *Client) appendIf(ctx context.Context, req *quorumlogpb.AppendRequest, expected uint64, payloads [][]byte, queued func()) (AppendResult, error) {
	req.IfLastId = &expected
	var resp *quorumlogpb.AppendResponse
	uncertain, err := c.write(ctx, true, func(ctx context.Context, cn *conn) (err error) {
		resp, err = c.appendAttempt(ctx, cn, req, queued)
		return err
	})
	if err == nil {
		return appendResult(resp), nil
	}
	var ce *ConditionError
	if !uncertain || !errors.As(err, &ce) || ce.Actual < expected+uint64(len(payloads)) {
		return AppendResult{}, err
	}
	// An earlier attempt whose outcome was unknown may be the one that
	// moved the log on: look.
	res, ok, rerr := c.readBack(ctx, req.GetLog(), expected, payloads)
	switch {
	case rerr != nil:
		return AppendResult{}, outcomeUnknown(fmt.Errorf("read back ids %d..%d of %q: %w",
			expected+1, expected+uint64(len(payloads)), req.GetLog(), rerr))
	case ok:
		c.logger.Debug("client: conditional append confirmed by read-back", "log", req.GetLog(), "first_id", res.FirstID, "last_id", res.LastID)
		return res, nil
	}
	return AppendResult{}, err
}

// readBack reports whether records expected+1.. of log equal payloads.
func (c *Client) readBack(ctx context.Context, log string, expected uint64, payloads [][]byte) (AppendResult, bool, error) {
	n := uint64(len(payloads))
	r, err := c.Read(ctx, log, expected+1, Limit(n), Linearizable())
	if err != nil {
		return AppendResult{}, false, err
	}
	defer r.Close()
	for i := uint64(0); i < n; {
		ev, err := r.Next()
		if err == io.EOF {
			return AppendResult{}, false, fmt.Errorf("%w: log ended at id %d", ErrOutOfRange, expected+i)
		}
		if err != nil {
			return AppendResult{}, false, err
		}
		if ev.CaughtUp {
			continue
		}
		if !bytes.Equal(ev.Record.Payload, payloads[i]) {
			return AppendResult{}, false, nil
		}
		i++
	}
	res := AppendResult{FirstID: expected + 1, LastID: expected + n}
	if info, err := c.Describe(ctx, log, Linearizable()); err == nil && info.LastID == res.LastID {
		res.Checksum = info.Checksum
	}
	return res, true, nil
}

// appendAttempt sends req once to cn, over the shared stream or unary.
// queued is called once req is queued on the stream.
func (c *Client) appendAttempt(ctx context.Context, cn *conn, req *quorumlogpb.AppendRequest, queued func()) (*quorumlogpb.AppendResponse, error) {
	if c.cfg.UnaryAppend {
		if err := c.ready(ctx, cn); err != nil {
			return nil, err
		}
		if err := c.checkAppendSize(ctx, cn, req); err != nil {
			return nil, err
		}
		queued()
		resp, err := cn.log.Append(ctx, req)
		if status.Code(err) == codes.ResourceExhausted {
			// Too large for the node, which did not read it: it restarted
			// with a lower limit. Ask it, to say so clearly.
			cn.forgetMaxMessage()
			if err := c.checkAppendSize(ctx, cn, req); err != nil {
				return nil, err
			}
		}
		return resp, mapWriteError(err)
	}
	s, err := c.appendStream(ctx, cn)
	if err != nil {
		return nil, err
	}
	// After the stream is opened: opening it forgets the node's limit.
	if err := c.checkAppendSize(ctx, cn, req); err != nil {
		return nil, err
	}
	return s.do(ctx, req, queued)
}

// onceFunc returns a function that calls f (if not nil) the first time it
// is called and does nothing afterwards. Not safe for concurrent use: an
// append calls it from its own goroutine only.
func onceFunc(f func()) func() {
	return func() {
		if f != nil {
			g := f
			f = nil
			g()
		}
	}
}

func newAppendRequest(log string, payloads [][]byte) (*quorumlogpb.AppendRequest, error) {
	if len(payloads) == 0 {
		return nil, fmt.Errorf("%w: no records", ErrInvalidArgument)
	}
	recs := make([]quorumlogpb.Record, len(payloads))
	req := &quorumlogpb.AppendRequest{Log: log, Records: make([]*quorumlogpb.Record, len(payloads))}
	for i, p := range payloads {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: record %d is empty", ErrInvalidArgument, i)
		}
		recs[i].Payload = p
		recs[i].Crc32C = CRC32C(p)
		req.Records[i] = &recs[i]
	}
	return req, nil
}

func appendResult(r *quorumlogpb.AppendResponse) AppendResult {
	return AppendResult{FirstID: r.GetFirstId(), LastID: r.GetLastId(), Checksum: r.GetChecksum()}
}
