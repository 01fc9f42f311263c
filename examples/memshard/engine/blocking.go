package engine

import (
	"context"
	"math"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// The blocking commands (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP), as Redis 7.0 runs them. A command that
// finds something to take takes it at once, as its non-blocking form, and
// propagates as that form. One that finds nothing either answers as a
// timeout (inside MULTI, or wherever Call.MayBlock is unset: Redis's
// CLIENT_DENY_BLOCKING) or asks to block (Call.Blocked): the owner of the
// DB registers a Waiter, and Table.ServeBlocked serves it after a later
// command creates one of its keys with a value of the type it waits for.

// Block says what a command that asked to block waits for.
type Block struct {
	Keys [][]byte // in the command's order; served from the first that is ready
	Type string   // TypeList or TypeZSet: a key holding another type does not serve
	// Deadline is when the command times out, in unix ms; 0 never. A
	// deadline that overflowed (a timeout near 2^63 ms) is negative and,
	// as in Redis, never passes either.
	Deadline int64

	argv [][]byte // the command, copied (the caller's argv is its input buffer)
	// serve rewrites argv to take from one ready key.
	serve func(argv [][]byte, key []byte) [][]byte
	// serveIf, if set, says whether key (of the right type) has what the
	// client waits for: a stream reader waits for an entry past an ID.
	serveIf func(key string, e *Entry) bool
}

// Expired reports whether the block's deadline has passed at now (unix ms).
func (b *Block) Expired(now int64) bool { return b.Deadline > 0 && b.Deadline < now }

// Waiter is a client blocked on keys, registered with DB.AddWaiter.
type Waiter struct {
	Out   *resp.Writer // the blocked client's: receives the reply
	Block Block
	Owner any // the DB owner's (the blocked connection)
	// Ticket is set by the owner when it serves the waiter (the
	// backend's ticket for the effects of the pop), Redirect when it
	// cancels it because this node no longer serves the keys.
	Ticket   uint64
	Redirect bool

	db     *DB
	served bool // served or cancelled: done is closed
	done   chan struct{}
}

// NewWaiter returns the waiter for c, a call that asked to block.
func NewWaiter(c *Call, owner any) *Waiter {
	return &Waiter{Out: c.Out, Block: *c.Blocked, Owner: owner, done: make(chan struct{})}
}

// Done is closed once the waiter has been served or cancelled.
func (w *Waiter) Done() <-chan struct{} { return w.done }

// WaitOutcome says how a Waiter's wait ended.
type WaitOutcome int

const (
	Served     WaitOutcome = iota // the reply is in Out; Ticket is set
	TimedOut                      // Out has the timeout's null array
	Cancelled                     // the caller's ctx ended first; Out has nothing
	Redirected                    // the owner cancelled the wait (CancelWaiters); Out has nothing
)

// Wait waits until w is served or cancelled, its deadline passes or ctx
// ends. The caller has registered w with AddWaiter and released mu, the
// lock that guards the DB; Wait takes it to settle a timeout or a
// cancellation against a serve racing with it, and returns without it.
func (w *Waiter) Wait(ctx context.Context, mu sync.Locker) WaitOutcome {
	var timeout <-chan time.Time
	if w.Block.Deadline > 0 {
		// Redis times a client out once its deadline is in the past.
		t := time.NewTimer(time.Until(time.UnixMilli(w.Block.Deadline + 1)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-w.done:
	case <-timeout:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case w.served && w.Redirect:
		return Redirected
	case w.served:
		return Served
	}
	w.db.RemoveWaiter(w)
	if ctx.Err() != nil {
		return Cancelled
	}
	w.Out.NullArray() // every blocking command times out with one (replyToBlockedClientTimedOut)
	return TimedOut
}

// AddWaiter registers w on each of its keys, behind the clients already
// blocked there (Redis serves a key's clients in the order they blocked).
func (db *DB) AddWaiter(w *Waiter) {
	if db.waiting == nil {
		db.waiting = make(map[string][]*Waiter)
	}
	w.db = db
	for _, k := range w.Block.Keys {
		key := string(k)
		if !slices.Contains(db.waiting[key], w) { // BLPOP k k blocks once on k
			db.waiting[key] = append(db.waiting[key], w)
		}
	}
}

// RemoveWaiter unregisters w (timed out, or its client went away) unless
// it was already served or cancelled.
func (db *DB) RemoveWaiter(w *Waiter) {
	if w.served {
		return
	}
	db.dropWaiter(w)
	w.served = true
	close(w.done)
}

func (db *DB) dropWaiter(w *Waiter) {
	for _, k := range w.Block.Keys {
		key := string(k)
		ws := slices.DeleteFunc(db.waiting[key], func(x *Waiter) bool { return x == w })
		if len(ws) == 0 {
			delete(db.waiting, key)
		} else {
			db.waiting[key] = ws
		}
	}
}

// CancelWaiters ends every wait, marking each waiter Redirect: the node
// no longer serves these keys (a primary stepping down), and the client
// must be told where to go.
func (db *DB) CancelWaiters() {
	for _, ws := range db.waiting {
		for _, w := range ws {
			if !w.served {
				w.served, w.Redirect = true, true
				close(w.done)
			}
		}
	}
	db.waiting, db.ready, db.readySet = nil, nil, nil
}

// signalReady notes that key was created holding a list or sorted set
// (Redis's dbAdd → signalKeyAsReady): if a client waits on it, the next
// ServeBlocked looks at it. Each key is noted once until served.
func (db *DB) signalReady(key string) {
	if len(db.waiting[key]) == 0 || db.readySet[key] {
		return
	}
	if db.readySet == nil {
		db.readySet = make(map[string]bool)
	}
	db.readySet[key] = true
	db.ready = append(db.ready, key)
}

// HasReady reports whether ServeBlocked has something to look at.
func (db *DB) HasReady() bool { return len(db.ready) > 0 }

// ServeBlocked serves the clients blocked on the keys created since the
// last call, as Redis's handleClientsBlockedOnKeys does after each command
// (after EXEC, for a transaction): keys in the order they were created,
// each key's clients in the order they blocked, a client whose type the
// key does not hold skipped, until the key is gone. Each client served
// runs its command against that one key with its own writer, and served is
// called with it (under the owner's lock) before it is woken: the owner
// takes its effects and sets its Ticket. A served BLMOVE may create
// another ready key, served in the same call.
func (t Table) ServeBlocked(db *DB, now int64, served func(w *Waiter, c *Call)) {
	for len(db.ready) > 0 {
		keys := db.ready
		db.ready = nil
		for _, key := range keys {
			delete(db.readySet, key)
			for _, w := range slices.Clone(db.waiting[key]) {
				e := db.keys.get(key)
				if e == nil || expired(e, now) {
					break
				}
				if e.TypeName() != w.Block.Type || w.Block.serveIf != nil && !w.Block.serveIf(key, e) {
					continue
				}
				db.dropWaiter(w)
				w.served = true
				c := &Call{Argv: w.Block.serve(w.Block.argv, []byte(key)), Out: w.Out, Now: now, MayBlock: true}
				t.Exec(db, c)
				served(w, c)
				close(w.done)
			}
		}
	}
}

// blockTimeout parses a blocking command's timeout in seconds as Redis
// 7.0's getTimeoutFromObjectOrReply: a long double, times 1000 in long
// double arithmetic, rounded up to whole milliseconds (so a timeout under
// 1 ms waits 1 ms, and one in (-1 ms, 0] is 0, forever), then made
// absolute. An infinite or too large
// timeout converts, as on x86-64, to the minimum int64: negative.
func blockTimeout(c *Call, arg []byte) (deadline int64, ok bool) {
	f, ok := parseLongDouble(arg)
	if !ok {
		c.Out.Error("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := int64(math.MinInt64)
	if !f.IsInf() {
		p := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
		p.Mul(f, big.NewFloat(1000))
		// ceill: a timeout under 1 ms waits 1 ms, not forever.
		i, _ := p.Int(nil) // truncated toward zero
		if p.Sign() > 0 && new(big.Float).SetInt(i).Cmp(p) != 0 {
			i.Add(i, big.NewInt(1))
		}
		if i.IsInt64() {
			ms = i.Int64()
		}
	}
	if ms < 0 {
		c.Out.Error("ERR timeout is negative")
		return 0, false
	}
	if ms > 0 {
		ms += c.Now // wraps as Redis's does for a timeout near 2^63 ms
	}
	return ms, true
}

// blockOrTimeOut ends a blocking command that found nothing: it asks to
// block, or, where it may not, replies as a timeout would (nullBulk: with a
// null bulk string, as BLMOVE and BRPOPLPUSH do inside MULTI).
func blockOrTimeOut(c *Call, b Block, nullBulk bool) {
	if c.MayBlock {
		b.argv = make([][]byte, len(c.Argv))
		for i, a := range c.Argv {
			b.argv[i] = slices.Clone(a)
		}
		keys := make([][]byte, len(b.Keys))
		for i, k := range b.Keys {
			keys[i] = slices.Clone(k)
		}
		b.Keys = keys
		c.Blocked = &b
		return
	}
	if nullBulk {
		c.Out.NullBulk()
	} else {
		c.Out.NullArray()
	}
}

// oneKeyServe rewrites a command whose keys run from argv[first] to
// argv[last] (inclusive) to name only key, for ServeBlocked.
func oneKeyServe(first, last int) func(argv [][]byte, key []byte) [][]byte {
	return func(argv [][]byte, key []byte) [][]byte {
		out := slices.Clone(argv[:first])
		out = append(out, key)
		return append(out, argv[last+1:]...)
	}
}

// firstHolding returns the first of keys that holds a T (an existing
// list or sorted set is never empty). ok is false, WRONGTYPE replied, if a
// key of another type comes before it; found is false if there is none.
func firstHolding[T *List | *ZSet](db *DB, c *Call, keys [][]byte) (key []byte, v T, found, ok bool) {
	for _, k := range keys {
		if v, ok = lookupValue[T](db, c, k); !ok || v != nil {
			return k, v, ok && v != nil, ok
		}
	}
	return nil, nil, false, true
}

// blpopCommand is BLPOP and BRPOP: key [key ...] timeout.
func blpopCommand(db *DB, c *Call, front bool) {
	last := len(c.Argv) - 1
	deadline, ok := blockTimeout(c, c.Argv[last])
	if !ok {
		return
	}
	keys := c.Argv[1:last]
	key, l, found, ok := firstHolding[*List](db, c, keys)
	if !ok {
		return
	}
	if !found {
		blockOrTimeOut(c, Block{Keys: keys, Type: TypeList, Deadline: deadline, serve: oneKeyServe(1, last-1)}, false)
		return
	}
	var v string
	pop := "RPOP"
	if front {
		v, pop = l.PopFront(), "LPOP"
	} else {
		v = l.PopBack()
	}
	c.Out.Array(2)
	c.Out.Bulk(key)
	c.Out.BulkString(v)
	listPopped(db, c, string(key), l, front)
	c.Propagate([]byte(pop), key)
}

// blmoveCommand is BLMOVE source destination LEFT|RIGHT LEFT|RIGHT
// timeout; brpoplpushCommand is BRPOPLPUSH source destination timeout.
func blmoveCommand(db *DB, c *Call) {
	if from, to, ok := listWheres(c); ok {
		blockingMove(db, c, c.Argv[5], from, to)
	}
}

func brpoplpushCommand(db *DB, c *Call) { blockingMove(db, c, c.Argv[3], false, true) }

func blockingMove(db *DB, c *Call, timeout []byte, from, to bool) {
	deadline, ok := blockTimeout(c, timeout)
	if !ok {
		return
	}
	src, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if src != nil {
		listMove(db, c, from, to)
		return
	}
	serve := func(argv [][]byte, _ []byte) [][]byte { return argv } // one source key
	blockOrTimeOut(c, Block{Keys: c.Argv[1:2], Type: TypeList, Deadline: deadline, serve: serve}, true)
}

// bzpopCommand is BZPOPMIN and BZPOPMAX: key [key ...] timeout.
func bzpopCommand(db *DB, c *Call, max bool) {
	last := len(c.Argv) - 1
	deadline, ok := blockTimeout(c, c.Argv[last])
	if !ok {
		return
	}
	keys := c.Argv[1:last]
	key, z, found, ok := firstHolding[*ZSet](db, c, keys)
	if !ok {
		return
	}
	if !found {
		blockOrTimeOut(c, Block{Keys: keys, Type: TypeZSet, Deadline: deadline, serve: oneKeyServe(1, last-1)}, false)
		return
	}
	x, pop := z.zsl.first(), "ZPOPMIN"
	if max {
		x, pop = z.zsl.tail, "ZPOPMAX"
	}
	member, score := x.member, x.score
	z.remove(member)
	c.Out.Array(3)
	c.Out.Bulk(key)
	db.notify(c, NotifyZSet, zpopEvent(max), key)
	c.Out.BulkString(member)
	c.Out.Double(score)
	zsetRemoved(db, c, key, z, "")
	c.Propagate([]byte(pop), key)
}

// blmpopCommand is BLMPOP timeout numkeys key [key ...] LEFT|RIGHT
// [COUNT count]; bzmpopCommand the same with MIN|MAX.
func blmpopCommand(db *DB, c *Call) { blockingMpop(db, c, TypeList, "left", "right") }

func bzmpopCommand(db *DB, c *Call) { blockingMpop(db, c, TypeZSet, "min", "max") }

func blockingMpop(db *DB, c *Call, typ, first, second string) {
	deadline, ok := blockTimeout(c, c.Argv[1])
	if !ok {
		return
	}
	keys, isFirst, count, ok := mpopArgs(c, 2, first, second)
	if !ok {
		return
	}
	var replied bool
	if typ == TypeList {
		replied = lmpopFrom(db, c, keys, isFirst, count)
	} else {
		replied = zmpopFrom(db, c, keys, isFirst, count)
	}
	if replied {
		return
	}
	n := len(keys)
	serve := func(argv [][]byte, key []byte) [][]byte {
		out := append(slices.Clone(argv[:2]), []byte("1"), key)
		return append(out, argv[3+n:]...)
	}
	blockOrTimeOut(c, Block{Keys: keys, Type: typ, Deadline: deadline, serve: serve}, false)
}

func blockingCommands() []*Command {
	w := func(name string, arity int, flags []string, last int, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: last, Step: 1, Handler: h}
	}
	return []*Command{
		w("blpop", -3, []string{FlagWrite, FlagNoScript, FlagBlocking}, -2, func(db *DB, c *Call) { blpopCommand(db, c, true) }),
		w("brpop", -3, []string{FlagWrite, FlagNoScript, FlagBlocking}, -2, func(db *DB, c *Call) { blpopCommand(db, c, false) }),
		w("brpoplpush", 4, []string{FlagWrite, FlagDenyOOM, FlagNoScript, FlagBlocking}, 2, brpoplpushCommand),
		w("blmove", 6, []string{FlagWrite, FlagDenyOOM, FlagNoScript, FlagBlocking}, 2, blmoveCommand),
		{Name: "blmpop", Arity: -5, Flags: []string{FlagWrite, FlagBlocking, "movablekeys"}, KeysFunc: blockingMpopKeys, Handler: blmpopCommand},
		w("bzpopmin", -3, []string{FlagWrite, FlagNoScript, FlagBlocking, FlagFast}, -2, func(db *DB, c *Call) { bzpopCommand(db, c, false) }),
		w("bzpopmax", -3, []string{FlagWrite, FlagNoScript, FlagBlocking, FlagFast}, -2, func(db *DB, c *Call) { bzpopCommand(db, c, true) }),
		{Name: "bzmpop", Arity: -5, Flags: []string{FlagWrite, FlagBlocking, "movablekeys"}, KeysFunc: blockingMpopKeys, Handler: bzmpopCommand},
	}
}
