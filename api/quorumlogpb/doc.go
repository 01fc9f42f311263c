// Package quorumlogpb holds QuorumLog's protobuf API (proto package
// quorumlog.v1) and the Go code generated from it. Edit the .proto files and
// run `make proto`; never edit the generated *.pb.go files by hand.
package quorumlogpb
