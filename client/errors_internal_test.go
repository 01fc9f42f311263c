package client

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// TestFromStatus_MapsByDetailTypeNotText uses messages that lie, to show
// that only the code and the detail type count.
func TestFromStatus_MapsByDetailTypeNotText(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   codes.Code
		msg    string
		detail protoadapt.MessageV1
		is     error
		notIs  error
	}{
		{"condition", codes.Aborted, "not found", &quorumlogpb.ConditionFailed{ActualLastId: 5}, ErrConditionFailed, ErrNotFound},
		{"aborted without detail", codes.Aborted, "condition failed", nil, nil, ErrConditionFailed},
		{"not leader", codes.Unavailable, "outcome unknown", &quorumlogpb.NotLeader{LeaderAddr: "x:1"}, ErrUnavailable, ErrOutcomeUnknown},
		{"outcome unknown", codes.Unavailable, "not leader", &quorumlogpb.OutcomeUnknown{}, ErrOutcomeUnknown, ErrUnavailable},
		{"range", codes.OutOfRange, "", &quorumlogpb.Range{FirstId: 3}, ErrOutOfRange, nil},
		{"bad request", codes.InvalidArgument, "", &quorumlogpb.BadRequest{Field: "log"}, ErrInvalidArgument, nil},
		{"data loss", codes.DataLoss, "", nil, ErrCorrupt, nil},
		{"not found", codes.NotFound, "already exists", nil, ErrNotFound, ErrAlreadyExists},
		{"exhausted", codes.ResourceExhausted, "", nil, nil, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := status.New(tc.code, tc.msg)
			if tc.detail != nil {
				var err error
				if st, err = st.WithDetails(tc.detail); err != nil {
					t.Fatal(err)
				}
			}
			for _, err := range []error{mapError(st.Err()), fromStreamError(streamErrorOf(st))} {
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%v does not match %v", err, tc.is)
				}
				if tc.notIs != nil && errors.Is(err, tc.notIs) {
					t.Errorf("%v matches %v", err, tc.notIs)
				}
				if s, ok := status.FromError(err); !ok || s.Code() != tc.code {
					t.Errorf("status.FromError(%v) = %v, want code %v", err, s, tc.code)
				}
			}
		})
	}
}

func streamErrorOf(st *status.Status) *quorumlogpb.StreamError {
	se := &quorumlogpb.StreamError{Code: int32(st.Code()), Message: st.Message()}
	for _, d := range st.Proto().GetDetails() {
		se.Details = append(se.Details, &quorumlogpb.Any{TypeUrl: d.GetTypeUrl(), Value: d.GetValue()})
	}
	return se
}

func TestChecksum(t *testing.T) {
	// c(1) over "a": CRC-32C continued from 0 over le32(1) || le32(crc32c("a")).
	if got, want := CRC32C([]byte("a")), uint32(0xc1d04330); got != want {
		t.Errorf("CRC32C(a) = %08x, want %08x", got, want)
	}
	c1 := Checksum(0, []byte("a"))
	if c1 == 0 || Checksum(c1, []byte("b")) == Checksum(0, []byte("b")) {
		t.Errorf("Checksum does not chain: c1 = %08x", c1)
	}
}
