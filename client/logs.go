package client

import (
	"context"
	"errors"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// LogInfo describes a log.
type LogInfo struct {
	Name string
	// FirstID is the first readable ID: TrimmedThrough + 1.
	FirstID uint64
	// LastID is the last assigned ID; 0 for a log never appended to.
	LastID uint64
	// Records is the number of readable records.
	Records uint64
	// Bytes is the size on disk of the log's stored segments.
	Bytes uint64
	// Checksum is the running checksum after record LastID; see Checksum.
	Checksum       uint32
	TrimmedThrough uint64
}

// TrimResult is the readable range of a log after a Trim.
type TrimResult struct {
	FirstID uint64 // first readable ID after the trim
	LastID  uint64
}

func logInfoFromProto(p *quorumlogpb.LogInfo) LogInfo {
	return LogInfo{
		Name:           p.GetName(),
		FirstID:        p.GetFirstId(),
		LastID:         p.GetLastId(),
		Records:        p.GetRecords(),
		Bytes:          p.GetBytes(),
		Checksum:       p.GetChecksum(),
		TrimmedThrough: p.GetTrimmedThrough(),
	}
}

// CreateLog creates an empty log; ErrAlreadyExists if it exists.
//
// CreateLog is retried after an unknown outcome. If a retry then finds the
// log existing, the error matches both ErrAlreadyExists and
// ErrOutcomeUnknown: the log exists, but whether this call or another
// created it cannot be told. Callers that only need the log to exist test
// errors.Is(err, ErrAlreadyExists).
func (c *Client) CreateLog(ctx context.Context, log string) error {
	uncertain, err := c.write(ctx, true, func(ctx context.Context, cn *conn) error {
		if err := c.ready(ctx, cn); err != nil {
			return err
		}
		_, err := cn.log.CreateLog(ctx, &quorumlogpb.CreateLogRequest{Log: log})
		return mapWriteError(err)
	})
	if uncertain && errors.Is(err, ErrAlreadyExists) {
		return outcomeUnknown(err)
	}
	return err
}

// DeleteLog deletes a log and its records; ErrNotFound if it does not
// exist. Like CreateLog it is retried after an unknown outcome, and a retry
// that finds no log returns an error matching ErrNotFound and
// ErrOutcomeUnknown.
func (c *Client) DeleteLog(ctx context.Context, log string) error {
	uncertain, err := c.write(ctx, true, func(ctx context.Context, cn *conn) error {
		if err := c.ready(ctx, cn); err != nil {
			return err
		}
		_, err := cn.log.DeleteLog(ctx, &quorumlogpb.DeleteLogRequest{Log: log})
		return mapWriteError(err)
	})
	if uncertain && errors.Is(err, ErrNotFound) {
		return outcomeUnknown(err)
	}
	return err
}

// Trim makes every record with ID <= throughID unreadable. Trim is
// idempotent and monotone, so it is retried freely, also after an unknown
// outcome; a throughID beyond the last ID trims through the last ID.
func (c *Client) Trim(ctx context.Context, log string, throughID uint64) (TrimResult, error) {
	var res TrimResult
	_, err := c.write(ctx, true, func(ctx context.Context, cn *conn) error {
		if err := c.ready(ctx, cn); err != nil {
			return err
		}
		resp, err := cn.log.Trim(ctx, &quorumlogpb.TrimRequest{Log: log, ThroughId: throughID})
		if err != nil {
			return mapWriteError(err)
		}
		res = TrimResult{FirstID: resp.GetFirstId(), LastID: resp.GetLastId()}
		return nil
	})
	if err != nil {
		return TrimResult{}, err
	}
	return res, nil
}

// ListLogs describes every log, as the serving node knows them.
func (c *Client) ListLogs(ctx context.Context) ([]LogInfo, error) {
	var infos []LogInfo
	err := c.onAny(ctx, func(ctx context.Context, cn *conn) error {
		resp, err := cn.log.ListLogs(ctx, &quorumlogpb.ListLogsRequest{})
		if err != nil {
			return err
		}
		infos = make([]LogInfo, 0, len(resp.GetLogs()))
		for _, l := range resp.GetLogs() {
			infos = append(infos, logInfoFromProto(l))
		}
		return nil
	})
	return infos, err
}

// Describe returns a log's IDs, size and running checksum from any node;
// with Linearizable, the answer reflects every append acknowledged before
// the call. ErrNotFound if there is no such log.
func (c *Client) Describe(ctx context.Context, log string, opts ...ReadOption) (LogInfo, error) {
	o := readOpts(opts)
	var info LogInfo
	err := c.onAny(ctx, func(ctx context.Context, cn *conn) error {
		resp, err := cn.log.DescribeLog(ctx, &quorumlogpb.DescribeLogRequest{Log: log, Linearizable: o.linearizable})
		if err != nil {
			return err
		}
		info = logInfoFromProto(resp.GetInfo())
		return nil
	})
	return info, err
}
