package server

import (
	"context"
	"crypto/tls"
	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

const (
	readSize     = 16 * 1024  // PROTO_IOBUF_LEN
	batchBytes   = 64 * 1024  // replies handed to the writer at once, at most (about)
	batchReplies = 256        // same, in replies
	writeChunk   = 256 * 1024 // the writer writes once it has this much ready
	keepReadBuf  = 64 * 1024  // a larger idle input buffer is released
	keepWriteBuf = 1 << 20    // a larger idle output buffer is released
)

// CLIENT REPLY's state: independent flags, as in Redis, whose order of
// setting and clearing (CLIENT REPLY ON clears OFF and SKIP, not SKIP_NEXT)
// replies inside EXEC can show.
const (
	replyOff      = 1 << iota // CLIENT_REPLY_OFF
	replySkipNext             // CLIENT_REPLY_SKIP_NEXT: set by CLIENT REPLY SKIP
	replySkip                 // CLIENT_REPLY_SKIP: hide this command's reply
)

// conn is one client connection: a reader goroutine (serve) that parses and
// executes requests, and a writer goroutine (writeLoop) that releases the
// replies in order as their tickets settle.
type conn struct {
	// monitoring: the connection sent MONITOR (monitor.go).
	monitoring atomic.Bool
	// monitorFeed shows the backend's commands to MONITOR connections;
	// ConnState.Monitor holds it only while there is one (dispatch).
	monitorFeed func(argv [][]byte, script bool)
	// inExec: EXEC is running the connection's queued commands.
	inExec     bool
	s          *Server
	nc         net.Conn // raw, or a *tls.Conn over it
	raw        net.Conn // the accepted connection
	id         int64
	created    time.Time
	addr       string
	laddr      string
	fd         int
	q          *replyQueue
	ctx        context.Context // ends when the connection is killed or the server closes
	cancel     context.CancelFunc
	writerDone chan struct{}
	closeOnce  sync.Once
	killed     atomic.Bool
	// deletingUsers: the connection runs ACL DELUSER, and is closed after
	// its reply if it deletes its own user, not at once.
	deletingUsers atomic.Bool

	// Reader goroutine only.
	state    ConnState
	p        parser
	w        *resp.Writer // replies of the requests being executed
	segs     []seg        // where each of w's replies ends, and its ticket
	authed   bool
	userName string // the connection's user (user, for other goroutines)
	// seenUsers is the users set the connection last checked against, and
	// seenUser its user in it (nil: deleted).
	seenUsers *acl.Users
	seenUser  *acl.User
	// scriptACLFn is scriptACL, made once: state.ScriptACL while the user
	// is restricted.
	scriptACLFn func(argv [][]byte, log bool) string
	// scriptReplies: what scriptCalled noted of the errors in the replies
	// of the scripts the request runs, until recordCall.
	scriptReplies []scriptReplyNote
	multi         bool
	multiErr      bool       // a command failed while queueing: EXEC aborts
	queued        [][][]byte // MULTI's commands, copied
	watching      bool
	closing       bool    // stop reading; close once the replies so far are sent
	replyFlags    int     // replyOff, replySkipNext, replySkip
	replyStart    int     // w.Len() when the current command started
	replyKept     bool    // the command's reply already lacks what replyFlags hid (EXEC)
	redacted      []int   // arguments of the running command the slow log must not show
	execRedact    [][]int // the same, for each command EXEC ran
	// Input read while a blocking command waited (blocking.go), for the
	// read loop to parse next; inputGone: the client disconnected then.
	blockedInput []byte
	inputGone    bool
	subs         connSubs // Pub/Sub subscriptions (pubsub.go)
	// holdingMessages: a subscription made since the last flush, or a
	// keyspace notification of the connection's own command, holds its
	// messages back (replyQueue.holdMessages).
	holdingMessages bool
	// trackPending: invalidations this connection's command caused for
	// itself, sent after its reply (tracking.go).
	trackPending []pendingPush
	// pauseTurn ends the turn of a command that was postponed by CLIENT
	// PAUSE, so that the next one runs (pause.go).
	pauseTurn func()
	// The keyspace notifications the running command sends to this
	// connection, placed in its reply (notify.go); pushesFirst puts them
	// before it; notifyReached, if set, is closed once the others have
	// theirs.
	selfPushes    []selfPush
	pushesFirst   bool
	notifyReached chan struct{}

	// What CLIENT LIST shows of the connection, read by other connections.
	mu         sync.Mutex
	name       string
	user       string // the connection's user
	lastCmd    string
	lastActive time.Time
	proto      int
	readOnly   bool
	multiLen   int // -1 outside MULTI
	// unblock ends the wait of the blocking command the connection is
	// blocked in (CLIENT UNBLOCK); nil when it is not blocked.
	unblock context.CancelCauseFunc
	// postponedCmd: the connection's command waits for a CLIENT PAUSE to
	// end (pause.go); it shows as blocked.
	postponedCmd bool
	// subCounts: channels, patterns and shard channels subscribed to.
	subCounts [numKinds]int
}

type seg struct {
	end    int
	ticket Ticket
}

// newConn returns the connection over raw: nc is raw itself, or the TLS
// connection over it.
func newConn(s *Server, raw, nc net.Conn) *conn {
	id := s.nextID.Add(1)
	c := &conn{
		s:          s,
		nc:         nc,
		raw:        raw,
		id:         id,
		created:    time.Now(),
		addr:       raw.RemoteAddr().String(),
		laddr:      raw.LocalAddr().String(),
		fd:         connFD(raw),
		q:          newReplyQueue(maxQueuedReplyBytes, maxQueuedReplies),
		writerDone: make(chan struct{}),
		state:      ConnState{ID: id, Memory: s.processMemory},
		p:          parser{maxBulk: s.config.protoMaxBulkLen.Load(), maxMultibulk: s.cfg.MaxMultibulkLen},
		w:          resp.NewWriter(2),
		authed:     s.defaultAuthed(),
		userName:   defaultUsername,
		user:       defaultUsername,
		lastActive: time.Now(),
		proto:      2,
		multiLen:   -1,
	}
	c.scriptACLFn = c.scriptACL
	c.state.ScriptCalled = c.scriptCalled
	c.ctx, c.cancel = context.WithCancel(s.ctx)
	c.state.owner = c
	c.monitorFeed = func(argv [][]byte, script bool) {
		var redacted []int
		if !script {
			redacted = c.redacted // MIGRATE's passwords (dispatch)
		}
		s.feedMonitors(c, argv, script, redacted)
	}
	return c
}

func connFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	_ = raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// kill closes the connection at once, dropping pending replies.
func (c *conn) kill() {
	c.killed.Store(true)
	c.cancel()
	c.q.close()
	c.closeNet()
}

// closeNet closes the socket. A TLS connection ends without a close_notify
// alert, as Redis's (which frees its SSL without SSL_shutdown): sending
// one could block a killer on a client that reads nothing.
func (c *conn) closeNet() { c.closeOnce.Do(func() { c.raw.Close() }) }

// serve is the reader goroutine.
func (c *conn) serve() {
	defer c.s.wg.Done()
	if tc, ok := c.nc.(*tls.Conn); !ok || c.handshake(tc) {
		c.readLoop()
	}
	c.q.finish()
	<-c.writerDone
	c.closeNet()
	c.cancel()
	if c.watching {
		c.s.backend.Unwatch(&c.state)
	}
	c.unsubscribeAll()
	c.stopMonitoring()
	c.s.tracker.disable(c)
	c.s.removeConn(c)
}

func (c *conn) readLoop() {
	buf := make([]byte, readSize)
	start, end := 0, 0
	for {
		limit := c.s.config.queryBufLimit.Load() // CONFIG SET may change it
		if end == len(buf) {
			if start > 0 {
				end = copy(buf, buf[start:end])
				start = 0
			}
			if end == len(buf) {
				if int64(end) >= limit {
					c.s.log.Warn("closing client that reached max query buffer length", "id", c.id, "addr", c.addr, "bytes", end)
					return
				}
				size := 2 * len(buf)
				if need := c.p.need(); need > int64(size) {
					size = int(min(need, limit))
				}
				buf = append(buf[:end], make([]byte, size-end)...)
				buf = buf[:cap(buf)]
			}
		}
		// Read as Redis does, PROTO_IOBUF_LEN at a time unless a large bulk
		// is known to be coming: its limits on lines depend on it.
		want := readSize
		if need := c.p.need() - int64(end-start); need > int64(want) {
			want = int(min(need, int64(len(buf)-end)))
		}
		if c.s.config.idleTimeout.Load() > 0 {
			c.armIdleTimeout()
		}
		n, err := c.nc.Read(buf[end:min(len(buf), end+want)])
		if n == 0 && err != nil && c.keepAfterDeadline(err) {
			continue // timeout's deadline passed, but the connection is not idle
		}
		end += n
		c.s.stats.netIn.Add(int64(n))
		c.s.stats.info.reads.Add(1)
		c.p.maxBulk = c.s.config.protoMaxBulkLen.Load() // CONFIG SET may change it
		for !c.closing {
			argv, k, perr := c.p.next(buf[start:end], c.authRequired())
			if perr != nil {
				c.beginReply()
				c.w.Error(perr.Error())
				c.s.countError(c.w.Bytes()[c.replyStart:])
				c.endReply(0)
				c.closing = true
				c.s.log.Debug("protocol error", "id", c.id, "addr", c.addr, "err", perr)
				break
			}
			if k == 0 {
				break
			}
			start += k
			if len(argv) > 0 {
				c.execute(argv)
			}
			if c.inputGone {
				c.closing = true // as Redis frees a client that closed: the rest is not run
			} else if len(c.blockedInput) > 0 {
				buf, start, end = appendInput(buf, start, end, c.blockedInput)
				c.blockedInput = nil
			}
		}
		if !c.flush() || c.closing || err != nil {
			return
		}
		if start == end {
			start, end = 0, 0
			if len(buf) > keepReadBuf {
				buf = make([]byte, readSize)
			}
		}
	}
}

// appendInput appends more to the unparsed input buf[start:end], moving
// it to the front or into a larger buffer if it does not fit.
func appendInput(buf []byte, start, end int, more []byte) ([]byte, int, int) {
	if end+len(more) > len(buf) {
		end = copy(buf, buf[start:end])
		start = 0
		if end+len(more) > len(buf) {
			grown := make([]byte, max(2*len(buf), end+len(more)))
			copy(grown, buf[:end])
			buf = grown
		}
	}
	end += copy(buf[end:], more)
	return buf, start, end
}

// replyHidden reports whether CLIENT REPLY hides what is written now.
func (c *conn) replyHidden() bool { return c.replyFlags&(replyOff|replySkip) != 0 }

// beginReply marks the start of a command's reply.
func (c *conn) beginReply() { c.replyStart = c.w.Len() }

// endReply ends the reply of one command, which may leave once t settles.
func (c *conn) endReply(t Ticket) {
	hidden, kept := c.replyHidden(), c.replyKept
	// Redis's resetClient: a skip lasts one command.
	c.replyKept = false
	c.replyFlags &^= replySkip
	if c.replyFlags&replySkipNext != 0 {
		c.replyFlags = c.replyFlags&^replySkipNext | replySkip
	}
	if hidden && !kept {
		c.w.Truncate(c.replyStart)
		return
	}
	c.segs = append(c.segs, seg{end: c.w.Len(), ticket: t})
	if c.w.Len() >= batchBytes || len(c.segs) >= batchReplies {
		if !c.flush() {
			c.closing = true
		}
	}
}

// flush hands the replies written so far to the writer, blocking while its
// queue is full. It reports false if the writer has gone.
func (c *conn) flush() bool {
	ok := c.handOver()
	if c.holdingMessages {
		c.q.release() // Pub/Sub confirmations are with the writer (or sent): their messages may follow
		c.holdingMessages = false
	}
	return ok
}

// handOver is flush's work: it passes the replies to the writer.
func (c *conn) handOver() bool {
	if len(c.segs) == 0 {
		c.w.Reset()
		return true
	}
	if c.q.idle() && !slices.ContainsFunc(c.segs, func(sg seg) bool { return sg.ticket != 0 }) {
		// Replies that wait for nothing, with nothing queued ahead of
		// them (reads, mostly), are written here: the writer would cost
		// a goroutine switch per request.
		out := c.w.Bytes()
		c.segs = c.segs[:0]
		ok := c.write(&out)
		c.w.Reset()
		return ok
	}
	data := slices.Clone(c.w.Bytes())
	items := make([]reply, 0, len(c.segs))
	prev, itemStart := 0, 0
	for _, sg := range c.segs {
		if sg.ticket == 0 && len(items) > 0 {
			items[len(items)-1].data = data[itemStart:sg.end:sg.end]
		} else {
			itemStart = prev
			items = append(items, reply{data: data[prev:sg.end:sg.end], ticketLen: sg.end - prev, ticket: sg.ticket})
		}
		prev = sg.end
	}
	c.w.Reset()
	c.segs = c.segs[:0]
	return c.q.push(items, len(data))
}

// writeLoop is the writer goroutine: it releases replies strictly in
// request order, each once the backend has settled its ticket, and writes
// every reply that is ready in one write.
//
// Tickets are monotone in the shard: once a ticket has settled, so have
// all smaller ones. Of the replies at hand, the writer waits first for the
// earliest unsettled ticket alone, so that the oldest reply leaves as soon
// as it may; any later wait in the same run is for the largest ticket of
// the rest, so a pipeline of writes costs one more wait and one more write,
// not one per reply. Before each wait, what is ready is written. Each
// reply's own outcome is then asked of Wait, which no longer blocks. A
// backend whose tickets settle out of order is still served correctly,
// only later: no reply leaves before its own ticket has settled.
func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	defer close(c.writerDone)
	defer c.q.close() // unblock the reader if the writer stops first
	var (
		batch   []reply
		out     []byte
		settled Ticket // with monotone tickets, every ticket up to this one has settled
		ok      bool
	)
	for {
		batch, ok = c.q.take(batch)
		if !ok {
			return
		}
		n := 0
		waited := false
		for i := range batch {
			r := &batch[i]
			n += len(r.data)
			var errMsg string
			if r.ticket != 0 {
				known := false
				if r.ticket > settled {
					if len(out) > 0 && !c.write(&out) {
						return
					}
					target := r.ticket
					if waited {
						for _, later := range batch[i+1:] {
							target = max(target, later.ticket)
						}
					}
					waited = true
					res := c.s.backend.Wait(c.ctx, target)
					settled = max(settled, target)
					if target == r.ticket {
						errMsg, known = res, true
					}
				}
				if !known {
					errMsg = c.s.backend.Wait(c.ctx, r.ticket)
				}
				if c.ctx.Err() != nil {
					return
				}
			}
			if errMsg != "" {
				w := resp.Writer{}
				w.Error(errMsg)
				out = append(out, w.Bytes()...)
				out = append(out, r.data[r.ticketLen:]...)
			} else {
				out = append(out, r.data...)
			}
			if len(out) >= writeChunk && !c.write(&out) {
				return
			}
		}
		if len(out) > 0 && !c.write(&out) {
			return
		}
		if cap(out) > keepWriteBuf {
			out = nil
		}
		clear(batch)
		c.q.written(n, len(batch))
	}
}

// write writes *out and empties it. On failure it kills the connection.
func (c *conn) write(out *[]byte) bool {
	n, err := c.nc.Write(*out)
	c.s.stats.netOut.Add(int64(n))
	c.s.stats.info.writes.Add(1)
	*out = (*out)[:0]
	if err != nil {
		c.kill()
		return false
	}
	return true
}
