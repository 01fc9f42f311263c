package server

import (
	"fmt"
	"hash/crc32"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxLogName is the longest log name accepted.
const maxLogName = 128

// maxAppendRecords bounds the records of one append.
const maxAppendRecords = 10_000

// maxAppendBytes bounds the payload bytes of one append: 16 records of the
// largest size, never less than 16 MiB and never more than 48 MiB. An
// append is one raft entry (or part of one), and with its framing (at most
// maxAppendRecords records) it must stay within the 64 MiB raft-wal reads
// back (see quorum's maxEntryBytes).
func maxAppendBytes(maxRecord int) int { return min(max(16*maxRecord, 16<<20), 48<<20) }

// MaxRecordBytesLimit is the largest --max-record-bytes: a record must fit
// in an append.
const MaxRecordBytesLimit = 32 << 20

// badRequest is an INVALID_ARGUMENT about one field.
type badRequest struct {
	field, description string
}

func (e *badRequest) Error() string { return e.field + ": " + e.description }

// validLogName reports whether name is 1–128 bytes of [A-Za-z0-9._-].
func validLogName(name string) error {
	if name == "" {
		return &badRequest{"log", "log name is empty"}
	}
	if len(name) > maxLogName {
		return &badRequest{"log", fmt.Sprintf("log name is %d bytes, more than %d", len(name), maxLogName)}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return &badRequest{"log", fmt.Sprintf("log name %q has byte %q at %d: only A-Z a-z 0-9 . _ - are allowed", name, c, i)}
		}
	}
	return nil
}

// appendOp validates req and turns it into a logstore operation. Payloads
// alias req's.
func (s *Service) appendOp(req *pb.AppendRequest) (logstore.Op, error) {
	if err := validLogName(req.GetLog()); err != nil {
		return logstore.Op{}, err
	}
	recs := req.GetRecords()
	switch {
	case len(recs) == 0:
		return logstore.Op{}, &badRequest{"records", "an append needs at least one record"}
	case len(recs) > maxAppendRecords:
		return logstore.Op{}, &badRequest{"records", fmt.Sprintf("%d records in one append, more than %d", len(recs), maxAppendRecords)}
	}
	op := logstore.Op{Kind: logstore.OpAppend, Log: req.GetLog(), Records: make([]logstore.Record, len(recs))}
	total := 0
	for i, r := range recs {
		p := r.GetPayload()
		switch {
		case len(p) == 0:
			return logstore.Op{}, &badRequest{fmt.Sprintf("records[%d].payload", i), "record is empty"}
		case len(p) > s.max:
			return logstore.Op{}, &badRequest{fmt.Sprintf("records[%d].payload", i),
				fmt.Sprintf("record is %d bytes, more than the limit of %d (--max-record-bytes)", len(p), s.max)}
		}
		if got := crc32.Checksum(p, castagnoli); got != r.GetCrc32C() {
			return logstore.Op{}, &badRequest{fmt.Sprintf("records[%d].crc32c", i),
				fmt.Sprintf("checksum mismatch: record says %08x, payload has %08x", r.GetCrc32C(), got)}
		}
		total += len(p)
		op.Records[i] = logstore.Record{Payload: p, CRC: r.GetCrc32C()}
	}
	if total > maxAppendBytes(s.max) {
		return logstore.Op{}, &badRequest{"records", fmt.Sprintf("append carries %d bytes, more than %d", total, maxAppendBytes(s.max))}
	}
	if req.IfLastId != nil {
		op.Conditional = true
		op.ExpectedLastID = req.GetIfLastId()
	}
	if req.IfChecksum != nil {
		if req.IfLastId == nil {
			return logstore.Op{}, &badRequest{"if_checksum", "if_checksum needs if_last_id"}
		}
		op.CheckChecksum = true
		op.ExpectedChecksum = req.GetIfChecksum()
	}
	return op, nil
}
