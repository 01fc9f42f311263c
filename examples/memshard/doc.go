// Package memshard is the root of memshard, QuorumLog's reference consumer:
// a Redis-compatible in-memory shard whose durability, replication and
// failover all go through one QuorumLog log (with two small companions: the
// shard's members, and its Pub/Sub messages).
//
//	resp    RESP2/RESP3 reply writer
//	engine  the keyspace and the data commands; writes report deterministic effects;
//	        clients blocked on keys (BLPOP and friends)
//	server  connections: parsing with Redis's limits, pipelining, ordered held replies,
//	        connection and server commands, MULTI/EXEC/WATCH, Pub/Sub
//	migrate MIGRATE's sending side: the connections to its targets, Redis's exchange on them
//	shard   write-behind replication, client blocking layer, election and leases,
//	        off-box snapshots and recovery from snapshot + log, Pub/Sub between nodes
//
// memshard talks to QuorumLog only through the client package.
package memshard
