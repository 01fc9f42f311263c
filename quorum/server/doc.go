// Package server exposes a quorum.Node over gRPC: the quorumlog.v1
// LogService and ClusterService.
//
// Writes are served by the leader only; other nodes answer UNAVAILABLE with a
// NotLeader detail naming the leader, and the client follows it. Reads are
// served by every node from what it has applied; a linearizable read first
// obtains a read index from the leader and waits until it is applied here.
//
// Every error leaves through toStatus (status.go), the one place that maps
// errors to gRPC codes and typed details.
//
// Metrics (Config.Metrics): requests are counted and timed by the
// interceptors UnaryInterceptor and StreamInterceptor, which whoever builds
// the grpc.Server installs; AppendStream counts each append message itself.
package server
