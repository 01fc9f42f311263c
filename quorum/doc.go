// Package quorum runs one hashicorp/raft node whose state machine is a
// logstore.Store: every named log of the cluster lives in one raft group.
//
// Write path: Propose queues an operation; one sequencer goroutine takes
// everything queued, encodes it as one raft entry (group commit) and calls
// raft.Apply, so entries enter the raft log in queue order; up to
// Config.Proposers entries are in flight while waiter goroutines wait for
// their futures, and throughput grows with the number of concurrent writers.
// The FSM decodes each committed entry and applies its operations in order
// through logstore.Store.Apply; conditional appends are evaluated there, on
// every replica, never as a pre-check on the leader. Each operation's result
// travels back through the entry's future.
//
// Durability: raft-boltdb (or raft-wal) fsyncs the raft log before an entry
// counts toward a commit. The logstore does not fsync on apply; a raft
// snapshot is logstore.Store.Sync (fsync plus a small manifest), so the raft
// log stays short and no data is copied. On restart the logstore recovers
// the state of its last Sync and raft replays the entries above it; entries
// at or below the store's applied index are skipped, so nothing applies twice.
//
// Membership: each member's zone and gRPC address are kept in a reserved
// internal log (MembersLog), replicated like any other log. Voter sets in
// which one zone holds a majority are refused unless explicitly allowed.
//
// Lock order: Node.mu is never held while calling into raft or the store.
package quorum
