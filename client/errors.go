package client

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// Errors returned by the client. Test for them with errors.Is; errors with
// data (*ConditionError, *RangeError, *StatusError) with errors.As. They are
// mapped from the gRPC code and the type of the status detail, never from
// message text. A server error that maps to none of them is still a
// *StatusError carrying the gRPC code and message.
var (
	// ErrConditionFailed: a conditional append found a different last ID.
	// The error is also a *ConditionError with the actual last ID.
	ErrConditionFailed = errors.New("client: condition failed")
	// ErrOutcomeUnknown: a write was sent (or proposed) but whether it
	// committed is unknown: the stream or connection broke after sending,
	// the leader lost leadership after proposing, or ctx ended while
	// waiting. The client never retries such a plain append; re-read the
	// log to find out, or use conditional appends, which resolve it.
	ErrOutcomeUnknown = errors.New("client: outcome unknown")
	// ErrNotFound: no such log.
	ErrNotFound = errors.New("client: not found")
	// ErrAlreadyExists: the log already exists.
	ErrAlreadyExists = errors.New("client: already exists")
	// ErrOutOfRange: the ID is trimmed or beyond the tail. The error is also
	// a *RangeError when the server said which IDs are readable.
	ErrOutOfRange = errors.New("client: out of range")
	// ErrInvalidArgument: a bad log name, an empty record list, an empty or
	// oversized record, a bad checksum. Detected locally when possible.
	ErrInvalidArgument = errors.New("client: invalid argument")
	// ErrUnavailable: no node or no leader could serve the request before
	// ctx ended. Nothing was proposed.
	ErrUnavailable = errors.New("client: unavailable")
	// ErrCorrupt: a record read failed its CRC32C or broke the ID sequence,
	// or the server reported DATA_LOSS. The bad record is never returned.
	ErrCorrupt = errors.New("client: corrupt")
	// ErrPermissionDenied: the server's authorization rules
	// (--tls-authz-file) do not grant this client's certificate the call.
	// Nothing was done, and the client never retries it: only a change of
	// the rules or of the certificate can make it pass.
	ErrPermissionDenied = errors.New("client: permission denied")
	// ErrClosed: the Client or Reader was closed.
	ErrClosed = errors.New("client: closed")
)

// ConditionError is the error of a conditional append whose expected last
// ID did not match. errors.Is(err, ErrConditionFailed) is true for it.
type ConditionError struct {
	Log            string
	Expected       uint64 // the expected last ID the append carried
	Actual         uint64 // the log's last ID when the append was ordered
	ActualChecksum uint32 // the log's running checksum after Actual
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("client: condition failed on log %q: expected last id %d, actual %d", e.Log, e.Expected, e.Actual)
}

// Is reports whether target is ErrConditionFailed.
func (e *ConditionError) Is(target error) bool { return target == ErrConditionFailed }

// RangeError is the error of a read or trim outside the readable IDs.
// errors.Is(err, ErrOutOfRange) is true for it.
type RangeError struct {
	FirstID uint64 // first readable ID
	LastID  uint64 // last assigned ID
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("client: out of range: readable ids %d..%d", e.FirstID, e.LastID)
}

// Is reports whether target is ErrOutOfRange.
func (e *RangeError) Is(target error) bool { return target == ErrOutOfRange }

// StatusError is an error reported by a server: its gRPC code and message,
// and the client error it maps to (a sentinel of this package,
// *ConditionError or *RangeError; nil if none fits), which errors.Is and
// errors.As reach through Unwrap. It implements GRPCStatus, so
// status.FromError works on it.
type StatusError struct {
	Code    codes.Code
	Message string
	// Err is the mapped client error, or nil.
	Err error

	st        *status.Status
	notLeader *quorumlogpb.NotLeader // set for UNAVAILABLE + NotLeader
}

// Error returns the canonical code name and the server's message, e.g.
// "ABORTED: condition failed: expected last id 3, actual 5".
func (e *StatusError) Error() string { return CodeName(e.Code) + ": " + e.Message }

// Unwrap returns the mapped client error.
func (e *StatusError) Unwrap() error { return e.Err }

// GRPCStatus returns the status the server sent.
func (e *StatusError) GRPCStatus() *status.Status { return e.st }

// CodeName returns the canonical upper-case name of a gRPC code, as in
// google/rpc/code.proto: "NOT_FOUND", "ABORTED".
func CodeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("CODE(%d)", uint32(c))
}

var codeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

// ErrorCode returns the canonical gRPC code name of err: the server's code
// for a *StatusError in err's chain, else the code the client's own errors
// stand for ("CANCELLED" and "DEADLINE_EXCEEDED" for ctx errors), else
// "UNKNOWN". It lets tools such as logctl print codes without importing gRPC.
func ErrorCode(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return CodeName(codes.OK)
	case errors.As(err, &se):
		return CodeName(se.Code)
	case errors.Is(err, ErrConditionFailed):
		return CodeName(codes.Aborted)
	case errors.Is(err, ErrInvalidArgument):
		return CodeName(codes.InvalidArgument)
	case errors.Is(err, ErrNotFound):
		return CodeName(codes.NotFound)
	case errors.Is(err, ErrAlreadyExists):
		return CodeName(codes.AlreadyExists)
	case errors.Is(err, ErrOutOfRange):
		return CodeName(codes.OutOfRange)
	case errors.Is(err, ErrCorrupt):
		return CodeName(codes.DataLoss)
	case errors.Is(err, ErrOutcomeUnknown), errors.Is(err, ErrUnavailable):
		return CodeName(codes.Unavailable)
	case errors.Is(err, ErrClosed), errors.Is(err, context.Canceled):
		return CodeName(codes.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		return CodeName(codes.DeadlineExceeded)
	}
	return CodeName(codes.Unknown)
}

// fromStatus maps a server status to a *StatusError by code and detail type.
func fromStatus(st *status.Status) *StatusError {
	e := &StatusError{Code: st.Code(), Message: st.Message(), st: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *quorumlogpb.ConditionFailed:
			if e.Code == codes.Aborted {
				e.Err = &ConditionError{Log: d.GetLog(), Expected: d.GetExpectedLastId(), Actual: d.GetActualLastId(), ActualChecksum: d.GetActualChecksum()}
			}
		case *quorumlogpb.Range:
			if e.Code == codes.OutOfRange {
				e.Err = &RangeError{FirstID: d.GetFirstId(), LastID: d.GetLastId()}
			}
		case *quorumlogpb.NotLeader:
			if e.Code == codes.Unavailable {
				e.notLeader = d
				e.Err = ErrUnavailable
			}
		case *quorumlogpb.OutcomeUnknown:
			if e.Code == codes.Unavailable {
				e.Err = ErrOutcomeUnknown
			}
		}
	}
	if e.Err != nil {
		return e
	}
	switch e.Code {
	case codes.InvalidArgument:
		e.Err = ErrInvalidArgument
	case codes.NotFound:
		e.Err = ErrNotFound
	case codes.AlreadyExists:
		e.Err = ErrAlreadyExists
	case codes.OutOfRange:
		e.Err = ErrOutOfRange
	case codes.Unavailable:
		e.Err = ErrUnavailable
	case codes.DataLoss:
		e.Err = ErrCorrupt
	case codes.PermissionDenied:
		e.Err = ErrPermissionDenied
	}
	return e
}

// fromStreamError converts a StreamError carried in an AppendStreamResponse.
func fromStreamError(se *quorumlogpb.StreamError) *StatusError {
	st := status.New(codes.Code(se.GetCode()), se.GetMessage())
	if len(se.GetDetails()) > 0 {
		p := st.Proto()
		for _, d := range se.GetDetails() {
			p.Details = append(p.Details, anyOf(d))
		}
		st = status.FromProto(p)
	}
	return fromStatus(st)
}

// mapError maps an error of a read-only RPC: server statuses to
// *StatusError, ctx errors to themselves.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	return fromStatus(st)
}

// mapWriteError maps the error of a write RPC that was sent on a ready
// connection: anything that leaves its fate open becomes ErrOutcomeUnknown.
func mapWriteError(err error) error {
	err = mapError(err)
	var se *StatusError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return outcomeUnknown(err)
	case errors.As(err, &se):
		if se.Code == codes.Unavailable && se.notLeader == nil && se.Err != ErrOutcomeUnknown {
			// The connection broke after the request went out.
			return outcomeUnknown(se)
		}
		return se
	}
	return outcomeUnknown(err)
}

// unknownError is ErrOutcomeUnknown with its cause.
type unknownError struct{ cause error }

func outcomeUnknown(cause error) error { return &unknownError{cause: cause} }

func (e *unknownError) Error() string        { return ErrOutcomeUnknown.Error() + ": " + e.cause.Error() }
func (e *unknownError) Unwrap() error        { return e.cause }
func (e *unknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// notSentError says the request never left the client (no ready connection,
// stream failed before the request was written): always safe to retry.
type notSentError struct{ cause error }

func (e *notSentError) Error() string { return "not sent: " + e.cause.Error() }
func (e *notSentError) Unwrap() error { return e.cause }

func isNotSent(err error) bool {
	var ns *notSentError
	return errors.As(err, &ns)
}

// notLeaderOf returns the NotLeader detail of err, if any.
func notLeaderOf(err error) (*quorumlogpb.NotLeader, bool) {
	var se *StatusError
	if errors.As(err, &se) && se.notLeader != nil {
		return se.notLeader, true
	}
	return nil, false
}

// unavailable is the error of a request that found no node to serve it.
func unavailable(last error, ctxErr error) error {
	if last == nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, ctxErr)
	}
	return fmt.Errorf("%w: %w (last error: %v)", ErrUnavailable, ctxErr, last)
}

// anyOf converts the API's mirror of google.protobuf.Any.
func anyOf(a *quorumlogpb.Any) *anypb.Any {
	return &anypb.Any{TypeUrl: a.GetTypeUrl(), Value: a.GetValue()}
}
