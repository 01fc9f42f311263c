package server

import (
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
)

func rec(p string) *pb.Record {
	return &pb.Record{Payload: []byte(p), Crc32C: crc32.Checksum([]byte(p), castagnoli)}
}

func TestAppendOp_Validation(t *testing.T) {
	s := &Service{max: 8}
	last := uint64(4)
	tests := []struct {
		name  string
		req   *pb.AppendRequest
		field string // "" means valid
	}{
		{"valid", &pb.AppendRequest{Log: "a.B_c-9", Records: []*pb.Record{rec("x")}}, ""},
		{"conditional", &pb.AppendRequest{Log: "l", Records: []*pb.Record{rec("x")}, IfLastId: &last}, ""},
		{"empty name", &pb.AppendRequest{Log: "", Records: []*pb.Record{rec("x")}}, "log"},
		{"space in name", &pb.AppendRequest{Log: "a b", Records: []*pb.Record{rec("x")}}, "log"},
		{"slash in name", &pb.AppendRequest{Log: "../x", Records: []*pb.Record{rec("x")}}, "log"},
		{"long name", &pb.AppendRequest{Log: strings.Repeat("a", 129), Records: []*pb.Record{rec("x")}}, "log"},
		{"no records", &pb.AppendRequest{Log: "l"}, "records"},
		{"empty record", &pb.AppendRequest{Log: "l", Records: []*pb.Record{rec("x"), {}}}, "records[1].payload"},
		{"oversized", &pb.AppendRequest{Log: "l", Records: []*pb.Record{rec("123456789")}}, "records[0].payload"},
		{"bad crc", &pb.AppendRequest{Log: "l", Records: []*pb.Record{{Payload: []byte("x"), Crc32C: 1}}}, "records[0].crc32c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := s.appendOp(tt.req)
			var bad *badRequest
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("appendOp = %v, want valid", err)
			case tt.field == "":
				if op.Conditional != (tt.req.IfLastId != nil) || len(op.Records) != len(tt.req.Records) {
					t.Fatalf("appendOp = %+v, does not match the request", op)
				}
			case !errors.As(err, &bad) || bad.field != tt.field:
				t.Fatalf("appendOp = %v, want a bad request about %q", err, tt.field)
			}
		})
	}
}

// FuzzAppendValidation: validation never panics, and whatever it accepts has
// a valid name, 1..max-byte records and matching CRCs.
func FuzzAppendValidation(f *testing.F) {
	f.Add("orders", []byte("payload"), uint32(0), true)
	f.Add("", []byte{}, uint32(7), false)
	f.Add("a/b", []byte("x"), uint32(0), true)
	s := &Service{max: 64}
	f.Fuzz(func(t *testing.T, log string, payload []byte, crc uint32, fixCRC bool) {
		if fixCRC {
			crc = crc32.Checksum(payload, castagnoli)
		}
		op, err := s.appendOp(&pb.AppendRequest{Log: log, Records: []*pb.Record{{Payload: payload, Crc32C: crc}}})
		if err != nil {
			return
		}
		if validLogName(op.Log) != nil || len(op.Records) != 1 {
			t.Fatalf("accepted %+v", op)
		}
		r := op.Records[0]
		if len(r.Payload) == 0 || len(r.Payload) > s.max || crc32.Checksum(r.Payload, castagnoli) != r.CRC {
			t.Fatalf("accepted a bad record %+v", r)
		}
	})
}
