// Package client is the Go client of QuorumLog: named, quorum-replicated,
// append-only logs.
//
// Create one Client per process and share it; it is safe for concurrent use:
//
//	c, err := client.New(ctx, client.Config{
//		Endpoints: []string{"10.0.1.1:7101", "10.0.2.1:7101", "10.0.3.1:7101"},
//	})
//	if err != nil {
//		// only a bad Config fails here: New does not wait for the network
//	}
//	defer c.Close()
//
// The Client finds the leader itself (from Status, then from the NotLeader
// hints of followers), learns the other members from Status, keeps one
// connection per address, and sends concurrent appends over one pipelined
// AppendStream per leader connection.
//
// # Timeouts
//
// Every call takes a ctx and waits (retrying, following the leader) until
// it gets an answer or ctx ends, so give each call a deadline:
//
//	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//	res, err := c.Append(ctx, "orders", [][]byte{payload})
//	cancel()
//
// Config.DialTimeout bounds only connecting to one endpoint. A Reader keeps
// the ctx of its Read: with Follow, use a ctx that lives as long as the tail
// read, and Close the Reader to stop it.
//
// Cancellation stops the wait, not the write: an append whose ctx ends after
// it was sent may still commit.
//
// # Errors
//
// Errors are mapped from the gRPC code and the type of the status detail,
// never from message text. Test with errors.Is and errors.As:
//
//	_, err := c.AppendIf(ctx, "orders", lastID, recs)
//	var ce *client.ConditionError
//	switch {
//	case errors.As(err, &ce):
//		// someone else appended: the log's last ID is ce.Actual
//	case errors.Is(err, client.ErrOutcomeUnknown):
//		// only if ctx ended before the client could find out
//	case errors.Is(err, client.ErrNotFound):
//		// no such log
//	case err != nil:
//		// ErrUnavailable (no leader before ctx ended), ErrInvalidArgument, …
//	}
//
// Server errors are *StatusError values that keep the gRPC code and message
// (ErrorCode returns the code name); they unwrap to the sentinels
// ErrConditionFailed (*ConditionError), ErrNotFound, ErrAlreadyExists,
// ErrOutOfRange (*RangeError), ErrInvalidArgument, ErrUnavailable and
// ErrCorrupt (DATA_LOSS). Other codes, such as RESOURCE_EXHAUSTED, are
// *StatusError only.
//
// # Unknown outcomes and retries
//
// Writes are at most once, etcd's rule. The client retries a write only
// when it was not proposed: the node answered NotLeader, or no connection
// to it could be made, or the append stream broke before the request was
// written. When a request was sent and its fate is unknown (the stream or
// connection broke, the leader lost leadership after proposing, ctx ended
// while waiting), a plain Append returns an error matching
// ErrOutcomeUnknown and is not retried: the records may be in the log once
// or not at all. Re-read the log to find out.
//
// Conditional appends (AppendIf, or Append with IfLastID) are exactly-once:
// the client retries them after an unknown outcome, because a duplicate
// fails its condition, and when the retry fails its condition it reads back
// the IDs the append would have taken; if they hold its payloads, the first
// attempt committed and the call reports success with those IDs. Writers
// that must not duplicate records, and elections and fencing, use them.
//
// CreateLog, DeleteLog and Trim are retried after an unknown outcome too.
// Trim is idempotent. A CreateLog retry that finds the log existing returns
// an error matching both ErrAlreadyExists and ErrOutcomeUnknown (and a
// DeleteLog retry that finds it gone, ErrNotFound and ErrOutcomeUnknown):
// the log is in the wanted state, but whether this call did it is unknown.
//
// # Reading
//
// Read streams records in ID order from any node; the Reader verifies each
// record's CRC32C and that IDs are consecutive, and never returns a bad
// record (ErrCorrupt). Caught-up events mark that everything committed on
// the serving node has been delivered. A Reader whose node fails reconnects
// to another endpoint and resumes at the next ID, with no gap and no
// duplicate. Describe and Read take Linearizable to see every append
// acknowledged before the call.
//
// # Batching and backpressure
//
// Appends from many goroutines share one AppendStream per leader connection:
// each call queues a tagged request and waits on its own channel; a sender
// goroutine writes queued requests back to back and a receiver goroutine
// hands each response to its call. At most Config.MaxInFlight appends are
// queued or unanswered; further calls wait, so a slow cluster slows its
// writers down instead of growing memory. Config.UnaryAppend sends one
// unary RPC per append instead.
//
// # Locks
//
// Lock order (A -> B: B may be taken while holding A):
// conn.openMu -> Client.mu -> appendStream.mu. Client.mu is never held while
// taking appendStream.mu in the other direction; appendStream.mu is never
// held while taking Client.mu.
//
// # Goroutines
//
// The only long-lived goroutines are each append stream's sender and
// receiver; Close ends them and waits for them. Readers start none.
package client
