package server

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// CLIENT TRACKING: server-assisted client-side caching, as Redis 7.0's
// tracking.c. A tracking connection's reads remember their keys (or, in
// BCAST mode, it names key prefixes); a change of such a key sends it an
// invalidation: a RESP3 push on the connection, or a Pub/Sub message on
// __redis__:invalidate to the connection it redirects to.
//
// Tracking is per node, as in Redis: a replica invalidates the keys its
// clients read when it applies the primary's changes from the log. On a
// primary a change is invalidated when it is made, before it commits: the
// client's next read of the key waits for the commit (the client blocking
// layer), so a cache is never filled from a write that could be lost.
//
// Ordering is what makes a cache correct: an invalidation must not reach
// a client before the reply of a read that preceded the change, or the
// client would cache the old value after dropping it. The backend
// remembers a command's keys once it has run, under the lock the command
// ran under (Modifications.Ran; a script's, as its reads happen), in order
// with the changes, so no change falls between the read and the
// remembering; and a tracking connection holds back the messages sent to
// it while it executes commands (replyQueue.holdMessages) until their
// replies are queued. An invalidation for the connection's own change
// follows that command's reply, as Redis 7.0 sends it.

// trackingChannel is where invalidations go for a RESP2 redirect target.
const trackingChannel = "__redis__:invalidate"

// trackState is one tracking connection's CLIENT TRACKING state, guarded
// by tracker.mu.
type trackState struct {
	c                            *conn
	bcast, optin, optout, noloop bool
	caching                      bool // CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command
	redirect                     int64
	brokenRedir                  bool
	prefixes                     []string // BCAST prefixes, sorted
}

// tracker is the node's tracking table (Redis's TrackingTable and
// PrefixTable).
type tracker struct {
	s *Server
	// used is set once a connection has enabled tracking: until then the
	// backend's reports return at once (Redis has no table yet).
	used atomic.Bool

	mu      sync.Mutex
	clients map[int64]*trackState         // tracking connections by ID
	keys    map[string]map[int64]struct{} // key → IDs of the connections that read it
	items   int                           // the sum of the keys' ID sets
	// prefixes: BCAST prefix → IDs of its connections; pending: the keys
	// under each prefix changed by the report being handled, with who
	// changed each (for NOLOOP).
	prefixes map[string]map[int64]struct{}
}

func newTracker(s *Server) *tracker {
	return &tracker{s: s, clients: map[int64]*trackState{}, keys: map[string]map[int64]struct{}{},
		prefixes: map[string]map[int64]struct{}{}}
}

// state returns c's tracking state, nil if it does not track.
func (t *tracker) state(c *conn) *trackState {
	if !t.used.Load() {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.clients[c.id]
}

// clientTrackingCmd is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]...
// [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with Redis 7.0's checks in its order.
func clientTrackingCmd(c *conn, argv [][]byte) Ticket {
	var (
		redir                                int64
		bcast, optin, optout, noloop, redirs bool
		prefixes                             []string
	)
	for j := 3; j < len(argv); j++ {
		more := j < len(argv)-1
		switch {
		case equalFold(argv[j], "redirect") && more:
			j++
			if redirs {
				c.errorReply("ERR A client can only redirect to a single other client")
				return 0
			}
			id, ok := string2ll(argv[j])
			if !ok {
				c.errorReply("ERR value is not an integer or out of range")
				return 0
			}
			if c.s.connByID(id) == nil {
				c.errorReply("ERR The client ID you want redirect to does not exist")
				return 0
			}
			redir, redirs = id, id != 0
		case equalFold(argv[j], "bcast"):
			bcast = true
		case equalFold(argv[j], "optin"):
			optin = true
		case equalFold(argv[j], "optout"):
			optout = true
		case equalFold(argv[j], "noloop"):
			noloop = true
		case equalFold(argv[j], "prefix") && more:
			j++
			prefixes = append(prefixes, string(argv[j]))
		default:
			c.errorReply("ERR syntax error")
			return 0
		}
	}
	t := c.s.tracker
	switch {
	case equalFold(argv[2], "on"):
		t.mu.Lock()
		defer t.mu.Unlock()
		st := t.clients[c.id]
		switch {
		case !bcast && len(prefixes) > 0:
			c.errorReply("ERR PREFIX option requires BCAST mode to be enabled")
		case st != nil && st.bcast != bcast:
			c.errorReply("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
		case bcast && (optin || optout):
			c.errorReply("ERR OPTIN and OPTOUT are not compatible with BCAST")
		case optin && optout:
			c.errorReply("ERR You can't specify both OPTIN mode and OPTOUT mode")
		case st != nil && (optin && st.optout || optout && st.optin):
			c.errorReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
		case bcast && !t.checkPrefixesLocked(c, st, prefixes):
		default:
			t.enableLocked(c, st, redir, bcast, optin, optout, noloop, prefixes)
			c.w.OK()
		}
	case equalFold(argv[2], "off"):
		t.disable(c)
		c.w.OK()
	default:
		c.errorReply("ERR syntax error")
	}
	return 0
}

// checkPrefixesLocked is checkPrefixCollisionsOrReply: no two prefixes of
// a connection may overlap (one a prefix of the other). Where Redis 7.0
// finds two of the new prefixes overlapping past the first, it replies the
// error, then enables tracking and replies OK as well (two replies to one
// command); memshard refuses with the error alone.
func (t *tracker) checkPrefixesLocked(c *conn, st *trackState, prefixes []string) bool {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range prefixes {
		if st != nil {
			for _, old := range st.prefixes {
				if overlap(old, p) {
					c.errorReply(fmt.Sprintf("ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not overlap.", cString([]byte(p), len(p)), cString([]byte(old), len(old))))
					return false
				}
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				c.errorReply(fmt.Sprintf("ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must not overlap.", cString([]byte(p), len(p)), cString([]byte(q), len(q))))
				return false
			}
		}
	}
	return true
}

// enableLocked is enableTracking: modes are set anew, prefixes added.
func (t *tracker) enableLocked(c *conn, st *trackState, redir int64, bcast, optin, optout, noloop bool, prefixes []string) {
	if st == nil {
		st = &trackState{c: c}
		t.clients[c.id] = st
		c.state.Tracking = true
		t.used.Store(true)
	}
	st.bcast, st.optin, st.optout, st.noloop = bcast, optin, optout, noloop
	st.redirect, st.brokenRedir = redir, false
	if bcast && len(prefixes) == 0 {
		prefixes = []string{""}
	}
	for _, p := range prefixes {
		if !slices.Contains(st.prefixes, p) {
			st.prefixes = append(st.prefixes, p)
		}
		if t.prefixes[p] == nil {
			t.prefixes[p] = map[int64]struct{}{}
		}
		t.prefixes[p][c.id] = struct{}{}
	}
	slices.Sort(st.prefixes)
}

// disable is disableTracking (CLIENT TRACKING OFF, RESET, a closed
// connection). The keys it read stay in the table until they change or
// are flushed, as in Redis.
func (t *tracker) disable(c *conn) {
	if !c.state.Tracking {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c.id]
	if st == nil {
		return
	}
	for _, p := range st.prefixes {
		delete(t.prefixes[p], c.id)
		if len(t.prefixes[p]) == 0 {
			delete(t.prefixes, p)
		}
	}
	delete(t.clients, c.id)
	c.state.Tracking = false
}

// rememberLocked is trackingRememberKeys, for the keys a command of st's
// connection read (Modified.Read): OPTIN needs CLIENT CACHING YES first,
// OPTOUT remembers unless CLIENT CACHING NO came first, BCAST remembers
// nothing.
func (t *tracker) rememberLocked(st *trackState, keys []string) {
	if st.bcast || st.optin && !st.caching || st.optout && st.caching {
		return
	}
	id := st.c.id
	for _, k := range keys {
		ids := t.keys[k]
		if ids == nil {
			ids = map[int64]struct{}{}
			t.keys[k] = ids
		}
		if _, ok := ids[id]; !ok {
			ids[id] = struct{}{}
			t.items++
		}
	}
	t.limitLocked()
}

// limitLocked is trackingLimitUsedSlots: past tracking-table-max-keys (0:
// no limit), keys are invalidated, chosen at random, until the table is
// back within it. Redis does this from its cron, with bounded effort per
// run; here the reads that add keys do it at once.
func (t *tracker) limitLocked() {
	max, _ := strconv.Atoi(t.s.configValue("tracking-table-max-keys"))
	for key := range t.keys { // Go's map order: random enough
		if max == 0 || len(t.keys) <= max {
			return
		}
		t.invalidateKeyLocked(key, 0)
	}
}

// invalidateKeyLocked is trackingInvalidateKey's work for the keys table:
// every connection that read key (by's own unless it asked for NOLOOP)
// gets an invalidation, and key leaves the table.
func (t *tracker) invalidateKeyLocked(key string, byID int64) {
	ids, ok := t.keys[key]
	if !ok {
		return
	}
	var msg []byte
	for id := range ids {
		st := t.clients[id]
		if st == nil || st.bcast || st.noloop && id == byID {
			continue
		}
		if msg == nil {
			msg = keysArray([]string{key})
		}
		t.sendLocked(st, byID, msg)
	}
	t.items -= len(ids)
	delete(t.keys, key)
}

// setCaching is CLIENT CACHING's effect; endCommand clears it.
func (t *tracker) setCaching(c *conn, on bool) {
	t.mu.Lock()
	if st := t.clients[c.id]; st != nil {
		st.caching = on
	}
	t.mu.Unlock()
}

// modified is the backend's report (Backend.OnModified): trackingInvalidateKey
// for each changed key, trackingInvalidateKeysOnFlush for each flush, then
// the BCAST invalidations, which Redis sends before it sleeps, batched per
// prefix and sorted: here, once per report. Called with the backend's lock
// held, so changes are invalidated in the order they were made.
func (t *tracker) modified(by *ConnState, mods []Modified) {
	if !t.used.Load() {
		return
	}
	byID := int64(0)
	if by != nil {
		byID = by.ID
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var bcastKeys map[string]map[string]int64 // prefix → key → who changed it
	for _, m := range mods {
		if m.Read {
			if st := t.clients[byID]; st != nil {
				t.rememberLocked(st, []string{m.Key})
			}
			continue
		}
		if m.Flushed {
			for _, st := range t.sortedClientsLocked() {
				t.sendLocked(st, byID, nullFor(st.c.protocol()))
			}
			t.keys, t.items = map[string]map[int64]struct{}{}, 0
			continue
		}
		for p := range t.prefixes {
			if strings.HasPrefix(m.Key, p) {
				if bcastKeys == nil {
					bcastKeys = map[string]map[string]int64{}
				}
				if bcastKeys[p] == nil {
					bcastKeys[p] = map[string]int64{}
				}
				bcastKeys[p][m.Key] = byID
			}
		}
		t.invalidateKeyLocked(m.Key, byID)
	}
	for _, p := range slices.Sorted(maps.Keys(bcastKeys)) {
		changed := bcastKeys[p]
		all := slices.Sorted(maps.Keys(changed))
		for id := range t.prefixes[p] {
			st := t.clients[id]
			keys := all
			if st.noloop {
				keys = slices.DeleteFunc(slices.Clone(all), func(k string) bool { return changed[k] == id })
			}
			if len(keys) > 0 {
				t.sendLocked(st, byID, keysArray(keys))
			}
		}
	}
}

// nullFor is the null of a flush's invalidation: in the protocol of the
// tracking connection, even when a redirect carries it (as Redis sends it).
func nullFor(proto int) []byte {
	if proto == 3 {
		return []byte("_\r\n")
	}
	return []byte("$-1\r\n")
}

// keysArray is the "value" of an invalidation: an array of keys.
func keysArray(keys []string) []byte {
	w := resp.NewWriter(2)
	w.Array(len(keys))
	for _, k := range keys {
		w.BulkString(k)
	}
	return w.Bytes()
}

func (t *tracker) sortedClientsLocked() []*trackState {
	out := make([]*trackState, 0, len(t.clients))
	for _, st := range t.clients {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *trackState) int { return int(a.c.id - b.c.id) })
	return out
}

// sendLocked is sendTrackingMessage: body (the keys, or a null) goes to
// st's connection as a RESP3 push, or to the connection it redirects to
// (as a push, or as a Pub/Sub message if that one speaks RESP2 and is
// subscribed); a RESP2 connection without a redirect gets nothing. An
// invalidation for the connection whose command made the change follows
// that command's reply (Redis 7.0's tracking_pending_keys).
func (t *tracker) sendLocked(st *trackState, byID int64, body []byte) {
	to, redirected := st.c, false
	if st.redirect != 0 {
		r := t.s.connByID(st.redirect)
		if r == nil {
			st.brokenRedir = true
			if st.c.protocol() == 3 {
				w := resp.NewWriter(3)
				w.Push(2)
				w.BulkString("tracking-redir-broken")
				w.Int(st.redirect)
				t.deliverLocked(st, byID, st.c, w.Bytes())
			}
			return
		}
		to, redirected = r, true
	}
	w := resp.NewWriter(3)
	switch {
	case to.protocol() == 3:
		w.Push(2)
		w.BulkString("invalidate")
	case redirected && to.isPubSub():
		w.SetProto(2)
		w.Array(3)
		w.BulkString("message")
		w.BulkString(trackingChannel)
	default:
		return
	}
	t.deliverLocked(st, byID, to, append(w.Bytes(), body...))
}

// deliverLocked sends msg to to, or, if st's connection is running the
// command that caused it, after that command's reply.
func (t *tracker) deliverLocked(st *trackState, byID int64, to *conn, msg []byte) {
	if st.c.id == byID {
		st.c.trackPending = append(st.c.trackPending, pendingPush{to: to, msg: msg})
		return
	}
	to.deliver(msg)
}

// pendingPush is an invalidation held until the reply of the command that
// caused it (conn.trackPending).
type pendingPush struct {
	to  *conn
	msg []byte
}

// trackedRead reports whether a command's keys are remembered (by the
// backend, once it has run: Modifications.Ran): read-only commands but the
// read-only script commands, whose inner reads are remembered instead.
func trackedRead(dc *engine.Command) bool {
	switch dc.Name {
	case "eval_ro", "evalsha_ro", "fcall_ro", "spublish":
		return false
	}
	return dc.HasFlag(engine.FlagReadOnly)
}

// trackAfterCommand runs after each command of a tracking connection: it
// queues the invalidations the command caused for this connection after
// its reply, and ends a CLIENT CACHING that applied to it (not inside
// MULTI, and not after a CLIENT subcommand, as Redis's resetClient).
func (c *conn) trackAfterCommand(argv [][]byte) {
	if !c.multi && !equalFold(argv[0], "client") {
		c.s.tracker.setCaching(c, false)
	}
}

// flushTrackPending queues the invalidations held for after the reply of
// the command just run.
func (c *conn) flushTrackPending() {
	if len(c.trackPending) == 0 {
		return
	}
	c.beginReply()
	for _, p := range c.trackPending {
		if p.to == c {
			c.w.Raw(p.msg)
		} else {
			p.to.deliver(p.msg)
		}
	}
	clear(c.trackPending)
	c.trackPending = c.trackPending[:0]
	c.segs = append(c.segs, seg{end: c.w.Len()})
}

// trackFlags are the CLIENT LIST flags of c's tracking: t, R and B.
func (t *tracker) flags(c *conn) (flags string, redir int64) {
	st := t.state(c)
	if st == nil {
		return "", -1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	flags = "t"
	if st.brokenRedir {
		flags += "R"
	}
	if st.bcast {
		flags += "B"
	}
	return flags, st.redirect
}

// clientCachingCmd is CLIENT CACHING YES|NO.
func clientCachingCmd(c *conn, argv [][]byte) Ticket {
	st := c.s.tracker.state(c)
	if st == nil {
		c.errorReply("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return 0
	}
	c.s.tracker.mu.Lock()
	optin, optout := st.optin, st.optout
	c.s.tracker.mu.Unlock()
	switch {
	case equalFold(argv[2], "yes") && optin, equalFold(argv[2], "no") && optout:
		c.s.tracker.setCaching(c, true)
		c.w.OK()
	case equalFold(argv[2], "yes"):
		c.errorReply("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
	case equalFold(argv[2], "no"):
		c.errorReply("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
	default:
		c.errorReply("ERR syntax error")
	}
	return 0
}

// clientGetRedirCmd is CLIENT GETREDIR: the redirect ID, 0 if none, -1
// when not tracking.
func clientGetRedirCmd(c *conn, argv [][]byte) Ticket {
	_, redir := c.s.tracker.flags(c)
	c.w.Int(redir)
	return 0
}

// clientTrackingInfoCmd is CLIENT TRACKINGINFO.
func clientTrackingInfoCmd(c *conn, argv [][]byte) Ticket {
	t := c.s.tracker
	st := t.state(c)
	flags, redir, prefixes := []string{"off"}, int64(-1), []string(nil)
	if st != nil {
		t.mu.Lock()
		flags, redir, prefixes = []string{"on"}, st.redirect, slices.Clone(st.prefixes)
		if st.bcast {
			flags = append(flags, "bcast")
		}
		if st.optin {
			flags = append(flags, "optin")
			if st.caching {
				flags = append(flags, "caching-yes")
			}
		}
		if st.optout {
			flags = append(flags, "optout")
			if st.caching {
				flags = append(flags, "caching-no")
			}
		}
		if st.noloop {
			flags = append(flags, "noloop")
		}
		if st.brokenRedir {
			flags = append(flags, "broken_redirect")
		}
		t.mu.Unlock()
	}
	c.w.Map(3)
	c.w.BulkString("flags")
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("redirect")
	c.w.Int(redir)
	c.w.BulkString("prefixes")
	c.w.Array(len(prefixes))
	for _, p := range prefixes {
		c.w.BulkString(p)
	}
	return 0
}

// info returns INFO's tracking figures: clients, keys, items, prefixes.
func (t *tracker) info() (clients, keys, items, prefixes string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := func(n int) string { return strconv.Itoa(n) }
	return i(len(t.clients)), i(len(t.keys)), i(t.items), i(len(t.prefixes))
}
