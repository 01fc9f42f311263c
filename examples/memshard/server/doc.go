// Package server is memshard's connection layer: it speaks RESP2/RESP3 to
// Redis clients and hands data commands to a Backend.
//
// Each connection has a reader goroutine and a writer goroutine. The reader
// parses requests with Redis 7.0's rules and limits (parse.go), executes
// each in order — connection, server, transaction and cluster commands
// here, data commands through Backend.Do — and queues the replies, each
// with its Ticket. The writer releases them strictly in request order, each
// only once Backend.Wait says its ticket has settled (or with the error Wait
// returns in its place), coalescing every ready reply into one write. The
// queue between them is bounded (queue.go): a client that pipelines without
// reading stops being read.
//
// memshard presents its shard as a one-shard Redis Cluster (cluster.go):
// HELLO says mode "cluster", CLUSTER SLOTS/SHARDS/NODES list the primary
// owning all 16384 slots and its replicas, a replica answers MOVED for
// commands with keys (reads are served on READONLY connections), and a node
// that is not serving answers data commands with CLUSTERDOWN, which cluster
// clients retry. Unlike Redis Cluster it serves cross-slot commands and
// keeps SELECT's standalone error ("DB index is out of range").
//
// Standalone is a Backend without durability, for tests and --standalone.
//
// Keyspace notifications (notify.go) come from the backend with the ticket
// of the command that raised them and are published on this node once it
// has settled, in execution order.
//
// Lock order: Server.mu → replyQueue.mu (Close kills connections under
// Server.mu); the backend's lock (Standalone.mu, the shard's) → notifier.mu
// → pubsubRegistry.mu → replyQueue.mu (keyspace notifications are handed
// over, and may be published, as the backend runs the command). conn.mu,
// Server.mu and Standalone.mu are otherwise never held together;
// configState.mu is never held with another.
package server
