// Command respload is a closed-loop RESP load generator, like
// redis-benchmark's SET test, that can also send WAIT with every SET.
//
// It opens --clients connections to --addr; each keeps exactly one request
// outstanding until --requests requests are done in total. A request is
//
//	SET key:<12-digit random number in [0, --keyspace)> <--size bytes>
//
// and, with --wait N (N > 0), that SET followed by WAIT N <--wait-timeout>
// in the same write (pipelined); it is done when both replies are read.
// redis-benchmark cannot send SET+WAIT as one request, and SET+WAIT is how a
// client of a replicated Redis asks for a write acknowledged by N replicas,
// which is what respload exists to measure (examples/memshard/bench/bench-durable.sh).
//
// A request fails if a reply is an error, the SET's reply is not +OK, or
// WAIT's reply is below N (the write was not acknowledged by N replicas in
// time). Every done request's latency, from before its write to after its
// last reply, is kept; p50, p99 and p999 are exact nearest-rank percentiles
// of them (the smallest latency that at least that fraction of the requests
// did not exceed), and ops/s is done requests over the whole run's time.
//
// Output: one human line on stdout; with --plain, one machine line on stdout
//
//	ops/s p50 p99 p999 failed
//
// (latencies in ms, 3 decimals) and the human line on stderr.
//
// Exit status: 0 when every request was done and none failed; 1 when a
// connection fails (nothing is printed but the error), a request failed, or
// the run stopped before --requests (at --max-duration, default 5m, or a
// signal), the result being printed first; 2 for bad flags.
package main
