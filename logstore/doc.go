// Package logstore is the durable storage of QuorumLog's raft state machine:
// many named logs of records with dense IDs, trim, and tail waiters. It knows
// nothing of raft or protobuf.
//
// # Contract with the raft layer
//
// The raft layer calls Apply for every committed entry, in order. Apply
// writes to the page cache without fsync: the raft log is the durable copy.
// Sync (called when raft snapshots) fsyncs what was written and durably
// records a recovery point; Open recovers exactly the state of the last Sync
// (later writes, torn tails and logs created since are discarded, never
// served), and the raft layer replays entries above AppliedIndex. Every op
// is deterministic, so replaying from any Sync gives the same state, record
// IDs and checksums on every replica. Export and Restore move the whole state
// between machines (raft snapshot transfer).
//
// # Running checksum
//
// Each log carries a checksum of its records, c(0) = 0 and
//
//	c(n) = crc32c_update(c(n-1), le32(len(payload_n)) || le32(crc_n))
//
// where crc_n is the record's CRC-32C. It costs 8 bytes of hashing per record
// whatever the payload size, and a client can recompute it from what it read.
//
// # Files
//
//	<Dir>/CURRENT                        decimal generation of the live state, "\n"
//	<Dir>/state-<gen>/META               the state as of the last Sync
//	<Dir>/state-<gen>/logs/<num>/<id>.seg  segments of log number <num>, named by first ID
//	<Dir>/state-<gen>/trash/<num>/       a deleted log, until a Sync makes the delete durable
//
// Numbers and IDs in names are 20 zero-padded decimal digits. A log's
// directory is named by a number the store assigns (in Apply order, so the
// same on every replica), never by its name, which may be "." or "..".
// Restore builds state-<gen+1> and switches CURRENT to it with one rename.
//
// # Segment files
//
// A log's records live in segments; the last one is active and takes
// appends, and it is sealed once it reaches Config.SegmentBytes. All integers
// are little-endian.
//
//	+---------+---------+----------+-------------+
//	| "QLSG"  | version | reserved | first ID    |   segment header, 16 bytes
//	| 4 bytes | 1 byte  | 3 bytes  | u64         |   version = 1
//	+---------+---------+----------+-------------+
//	| frame | frame | ...                        |   one per record, IDs consecutive
//	+--------------------------------------------+
//
//	+-----+-----+-------------+------------+---------------+
//	| len | id  | payload crc | header crc | payload       |   frame
//	| u32 | u64 | u32         | u32        | len bytes     |
//	+-----+-----+-------------+------------+---------------+
//
// The header CRC is the CRC-32C of the 16 bytes before it, so a reader can
// trust len before reading the payload; the payload CRC is the writer's
// Record.CRC (end-to-end, verified by the caller of Apply and by every Read).
//
// # META
//
// META is rewritten by each Sync (temp file, fsync, rename, fsync dir):
//
//	+--------+---------+----------+---------------+-------------+-----------+
//	| "QLMT" | version | reserved | applied index | next number | log count |
//	| 4      | 1       | 3        | u64           | u64         | u32       |
//	+--------+---------+----------+---------------+-------------+-----------+
//	| log entries ...                                                       |
//	+-----------------------------------------------------------------------+
//	| crc32c of all preceding bytes, u32                                    |
//	+-----------------------------------------------------------------------+
//
//	log entry: name len u32 | name | number u64 | last ID u64 |
//	           trimmed through u64 | checksum u32 | segment count u32 |
//	           segment count x (first ID u64 | byte length u64)
//
// The last segment listed is the active one and its byte length is the
// recovery point: Open truncates the file to it. Listing every segment (not
// only the active one) lets Open know sizes and the segment list without
// scanning or stat-ing segments.
//
// # Images
//
// Export produces, and Restore consumes:
//
//	+--------+---------+----------+------------+------+-----------------+-------+
//	| "QLIM" | version | reserved | META len   | META | segment bytes   | crc   |
//	| 4      | 1       | 3        | u64        |      | ...             | u32   |
//	+--------+---------+----------+------------+------+-----------------+-------+
//
// The segment bytes are every segment listed in META, in META order, each
// exactly its listed length (header included). The final CRC-32C covers all
// bytes before it.
//
// # Locking
//
// Store.mu guards all in-memory state; Apply holds it for a whole entry
// (page-cache writes only), readers and Sync only to copy metadata.
// Store.syncMu serializes Sync, Restore and Close. Lock order:
//
//	syncMu -> mu   (a holder of syncMu may take mu; never the reverse)
package logstore
