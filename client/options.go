package client

// ReadOption changes one Read or Describe call.
type ReadOption func(*readOptions)

type readOptions struct {
	follow       bool
	limit        uint64
	linearizable bool
}

// Follow keeps a Read open after it caught up: it delivers records as they
// commit, until ctx ends or the Reader is closed. Ignored by Describe.
func Follow() ReadOption { return func(o *readOptions) { o.follow = true } }

// Limit ends a Read after n records (0: no limit). Ignored by Describe.
func Limit(n uint64) ReadOption { return func(o *readOptions) { o.limit = n } }

// Linearizable makes a Read start, or a Describe answer, only once the
// serving node has applied every append acknowledged before the call: a
// round trip to the leader more.
func Linearizable() ReadOption { return func(o *readOptions) { o.linearizable = true } }

func readOpts(opts []ReadOption) readOptions {
	var o readOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// AppendOption changes one Append call.
type AppendOption func(*appendOptions)

type appendOptions struct {
	conditional    bool
	expectedLastID uint64
	checkChecksum  bool
	checksum       uint32
	onQueued       func()
}

// IfLastID makes an Append conditional: it commits only if the log's last
// ID is id when the append is ordered, else it fails with a
// *ConditionError. A conditional append is retried after an unknown
// outcome, which makes it exactly-once; see AppendIf.
func IfLastID(id uint64) AppendOption {
	return func(o *appendOptions) { o.conditional, o.expectedLastID = true, id }
}

// IfChecksum adds to IfLastID the condition that the log's running checksum
// (see Checksum) equals sum. A writer that pipelines conditional appends
// conditions each on the ID and checksum its previous append will leave:
// if that one fails because another writer took its place, the next fails
// too instead of landing after the other writer's record.
func IfChecksum(sum uint32) AppendOption {
	return func(o *appendOptions) { o.checkChecksum, o.checksum = true, sum }
}

// OnQueued calls f once the append has been queued on the leader's append
// stream (not for Config.UnaryAppend). Appends queued one after another on
// the same stream reach the leader, and are ordered in the log, in that
// order, unless a retry intervenes; a pipelining writer waits for OnQueued
// (or for the append to return) before issuing its next append.
func OnQueued(f func()) AppendOption {
	return func(o *appendOptions) { o.onQueued = f }
}
