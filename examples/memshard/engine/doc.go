// Package engine is memshard's keyspace and its data commands, with Redis
// 7.0 semantics and replies.
//
// A DB is not safe for concurrent use: its owner serializes every call, as
// Redis's single thread does. Exec runs one command: it checks the name and
// arity, runs the handler, writes the reply to Call.Out and, for a write,
// records its *effects* in Call: deterministic commands (Redis's replication
// stream) that reproduce the change exactly when replayed with Replay set on
// another DB. Relative expiries become PEXPIREAT/PXAT, SPOP becomes SREM,
// INCRBYFLOAT becomes SET ... KEEPTTL, a passive expiry becomes DEL.
//
// A command also raises Redis's keyspace notifications (notify.go) for the
// classes enabled on the DB, kept on the Call with Call.Events; the engine
// publishes nothing itself.
//
// Time comes from Call.Now (unix milliseconds), fixed by the caller, never
// from the clock inside a command.
//
// Values track what Redis's internal encodings make visible, without
// copying Redis's structures: whether a set, hash or sorted set would be
// compact (intset, listpack) in Redis, which decides how SCAN pages it,
// how a lex range over mixed scores reads and whether a -0 score is kept;
// how a string came to be (int, embstr, raw); and when a key was last
// accessed. OBJECT ENCODING, REFCOUNT and IDLETIME report them as Redis
// does.
package engine
