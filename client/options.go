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
}

// IfLastID makes an Append conditional: it commits only if the log's last
// ID is id when the append is ordered, else it fails with a
// *ConditionError. A conditional append is retried after an unknown
// outcome, which makes it exactly-once; see AppendIf.
func IfLastID(id uint64) AppendOption {
	return func(o *appendOptions) { o.conditional, o.expectedLastID = true, id }
}
