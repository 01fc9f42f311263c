package engine

import (
	"math"
	"strconv"
)

// The stream commands of Redis 7.0 (t_stream.c) but for consumer groups
// (stream_group_cmds.go), XINFO STREAM and blocking reads: XREAD's BLOCK
// is accepted and answered as Redis answers it where a client may not
// block (inside MULTI): at once.

const (
	errStreamID       = "ERR Invalid stream ID specified as stream command argument"
	errStreamTopItem  = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamZeroID   = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamExhaused = "ERR The stream has exhausted the last possible ID, unable to add more items"
)

func streamCommands() []*Command {
	cmd := func(name string, arity int, flags []string, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	return append([]*Command{
		cmd("xadd", -5, []string{FlagWrite, FlagDenyOOM, FlagFast}, xaddCommand),
		cmd("xlen", 2, []string{FlagReadOnly, FlagFast}, xlenCommand),
		cmd("xrange", -4, []string{FlagReadOnly}, func(db *DB, c *Call) { xrangeCommand(db, c, false) }),
		cmd("xrevrange", -4, []string{FlagReadOnly}, func(db *DB, c *Call) { xrangeCommand(db, c, true) }),
		cmd("xdel", -3, []string{FlagWrite, FlagFast}, xdelCommand),
		cmd("xtrim", -4, []string{FlagWrite}, xtrimCommand),
		cmd("xsetid", -3, []string{FlagWrite, FlagDenyOOM, FlagFast}, xsetidCommand),
		{Name: "xread", Arity: -4, Flags: []string{FlagReadOnly, FlagBlocking, "movablekeys"}, KeysFunc: xreadKeys, Handler: xreadCommand},
	}, streamGroupCommands()...)
}

// streamParseUint is Redis's string2ull on a C string: string2ll for a
// non-negative number, else strtoull, which also takes leading spaces, a
// sign (a '-' negates, modulo 2^64) and leading zeros.
func streamParseUint(b []byte) (uint64, bool) {
	if v, ok := parseInt(b); ok {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		if !isDigit(b[i]) {
			return 0, false
		}
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// streamParseID parses an ID argument as Redis's
// streamGenericParseIDOrReply: "-" and "+" (unless strict), "ms" (with
// missingSeq), "ms-seq", and, if star, "ms-*" (seqGiven false). It replies
// the invalid-ID error when it fails.
func streamParseID(c *Call, arg []byte, missingSeq uint64, strict, star bool) (id streamID, seqGiven, ok bool) {
	if len(arg) > 127 {
		c.Out.Error(errStreamID)
		return id, false, false
	}
	buf := cString(arg)
	s := string(buf)
	if strict && (s == "-" || s == "+") {
		c.Out.Error(errStreamID)
		return id, false, false
	}
	switch s {
	case "-":
		return streamID{}, true, true
	case "+":
		return streamMaxID, true, true
	}
	msPart, seqPart, dash := buf, []byte(nil), false
	for i, b := range buf {
		if b == '-' {
			msPart, seqPart, dash = buf[:i], buf[i+1:], true
			break
		}
	}
	ms, ok := streamParseUint(msPart)
	if !ok {
		c.Out.Error(errStreamID)
		return id, false, false
	}
	seq, seqGiven := missingSeq, true
	if dash {
		if star && string(seqPart) == "*" {
			seq, seqGiven = 0, false
		} else if seq, ok = streamParseUint(seqPart); !ok {
			c.Out.Error(errStreamID)
			return id, false, false
		}
	}
	return streamID{ms, seq}, seqGiven, true
}

// streamParseInterval parses a range bound of XRANGE: an ID, or "(" and
// an ID (strict) for an exclusive bound.
func streamParseInterval(c *Call, arg []byte, missingSeq uint64) (id streamID, exclusive, ok bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, _, ok = streamParseID(c, arg[1:], missingSeq, true, false)
		return id, true, ok
	}
	id, _, ok = streamParseID(c, arg, missingSeq, false, false)
	return id, false, ok
}

// streamParseAddTrim parses the options of XADD (xadd) or XTRIM as
// Redis's streamParseAddOrTrimArgsOrReply. It returns the position of
// XADD's ID argument (or of the end of XTRIM's options), or -1 after
// replying an error.
func streamParseAddTrim(c *Call, xadd bool) (a streamTrimArgs, id streamID, idGiven, seqGiven, noMk bool, pos int) {
	argv := c.Argv
	limitGiven := false
	i := 2
	for ; i < len(argv); i++ {
		more := len(argv) - 1 - i
		opt := argv[i]
		switch {
		case xadd && string(cString(opt)) == "*":
		case (equalFold(opt, "maxlen") || equalFold(opt, "minid")) && more > 0:
			if a.strategy != "" {
				c.Out.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return a, id, false, false, false, -1
			}
			a.approx = false
			if next := string(cString(argv[i+1])); more >= 2 && (next == "~" || next == "=") {
				a.approx = next == "~"
				i++
			}
			if equalFold(opt, "maxlen") {
				n, ok := streamNonNegative(c, argv[i+1], "MAXLEN")
				if !ok {
					return a, id, false, false, false, -1
				}
				a.strategy, a.maxlen = "maxlen", n
			} else {
				minid, _, ok := streamParseID(c, argv[i+1], 0, true, false)
				if !ok {
					return a, id, false, false, false, -1
				}
				a.strategy, a.minid = "minid", minid
			}
			i++
			a.argIdx = i
			continue
		case equalFold(opt, "limit") && more > 0:
			n, ok := streamNonNegative(c, argv[i+1], "LIMIT")
			if !ok {
				return a, id, false, false, false, -1
			}
			a.limit, limitGiven = n, true
			i++
			continue
		case xadd && equalFold(opt, "nomkstream"):
			noMk = true
			continue
		case xadd:
			var ok bool
			if id, seqGiven, ok = streamParseID(c, opt, 0, true, true); !ok {
				return a, id, false, false, false, -1
			}
			idGiven = true
		default:
			c.Out.Error(ErrSyntax)
			return a, id, false, false, false, -1
		}
		break // the ID, "*" or its end
	}
	if a.limit != 0 && a.strategy == "" {
		c.Out.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return a, id, false, false, false, -1
	}
	if !xadd && a.strategy == "" {
		c.Out.Error("ERR syntax error, XTRIM must be called with a trimming strategy")
		return a, id, false, false, false, -1
	}
	switch {
	case c.Replay:
		// As a Redis replica obeys its master: the trim was rewritten to
		// be exact, and a LIMIT left in it means nothing.
		a.limit = 0
	case limitGiven && !a.approx:
		c.Out.Error("ERR syntax error, LIMIT cannot be used without the special ~ option")
		return a, id, false, false, false, -1
	case !limitGiven && a.approx:
		a.limit = streamTrimDefaultLimit
	case !limitGiven:
		a.limit = 0
	}
	return a, id, idGiven, seqGiven, noMk, i
}

// streamRewriteTrim turns an approximate trim in argv (a copy, for the
// effect) into the exact trim that leaves a replica with the entries it
// left: "~" becomes "=", and the threshold the length reached or the
// first ID left (as Redis's streamRewriteTrimArgument).
func streamRewriteTrim(argv [][]byte, a *streamTrimArgs, s *Stream) {
	argv[a.argIdx-1] = []byte("=")
	if a.strategy == "maxlen" {
		argv[a.argIdx] = strconv.AppendInt(nil, int64(s.length), 10)
	} else {
		argv[a.argIdx] = []byte(s.firstValid().String())
	}
}

// xaddCommand is XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold
// [LIMIT count]] *|id field value [field value ...].
func xaddCommand(db *DB, c *Call) {
	a, id, idGiven, seqGiven, noMk, idPos := streamParseAddTrim(c, true)
	if idPos < 0 {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Argv) - fieldPos; n < 2 || n%2 == 1 {
		c.Out.Error(ArityError("xadd"))
		return
	}
	if idGiven && seqGiven && id == (streamID{}) {
		c.Out.Error(errStreamZeroID)
		return
	}
	key := c.Argv[1]
	s, ok := lookupValue[*Stream](db, c, key)
	if !ok {
		return
	}
	if s == nil && noMk {
		c.Out.NullBulk()
		return
	}
	created := s == nil
	if created {
		s = &Stream{}
	}
	if s.lastID == streamMaxID {
		c.Out.Error(errStreamExhaused)
		return
	}
	// The new ID: as given; "ms-*" takes the next sequence of the last
	// ID if it has that ms, else 0; "*" is the call's time, or the last
	// ID's next when the clock is not past it.
	switch {
	case idGiven && !seqGiven:
		if s.lastID.ms == id.ms {
			if s.lastID.seq == math.MaxUint64 {
				c.Out.Error(errStreamTopItem)
				return
			}
			id = streamID{id.ms, s.lastID.seq + 1}
		}
	case !idGiven:
		if now := uint64(c.Now); now > s.lastID.ms {
			id = streamID{now, 0}
		} else {
			id, _ = s.lastID.incr()
		}
	}
	if id.cmp(s.lastID) <= 0 {
		c.Out.Error(errStreamTopItem)
		return
	}
	fields := make([]string, 0, len(c.Argv)-fieldPos)
	for _, f := range c.Argv[fieldPos:] {
		fields = append(fields, string(f))
	}
	s.add(id, fields)
	k := string(key)
	if created {
		db.Set(c, k, s, 0)
	} else {
		db.Touch(k)
	}
	db.signalReady(k) // every XADD serves blocked readers, not only a creation
	reply := []byte(id.String())
	c.Out.Bulk(reply)
	db.notify(c, NotifyStream, "xadd", key)

	effect := append([][]byte(nil), c.Argv...)
	if !idGiven || !seqGiven {
		effect[idPos] = reply
	}
	if a.strategy != "" {
		if s.trim(&a) > 0 {
			db.notify(c, NotifyStream, "xtrim", key)
		}
		if a.approx {
			streamRewriteTrim(effect, &a, s)
		}
	}
	c.PropagateOwned(effect)
}

// xlenCommand is XLEN key.
func xlenCommand(db *DB, c *Call) {
	s, ok := readValue[*Stream](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(s.length))
}

// streamReplyEntry writes one entry: [id, [field, value, ...]].
func streamReplyEntry(c *Call, e *streamEntry) {
	c.Out.Array(2)
	c.Out.BulkString(e.id.String())
	c.Out.Array(len(e.fields))
	for _, f := range e.fields {
		c.Out.BulkString(f)
	}
}

// streamReplyRange writes the live entries from start to end, at most
// count of them (0: all), as an array.
func streamReplyRange(c *Call, s *Stream, start, end streamID, count int64, reverse bool) {
	var out []*streamEntry
	s.rangeEntries(start, end, reverse, func(e *streamEntry) bool {
		out = append(out, e)
		return count == 0 || int64(len(out)) < count
	})
	c.Out.Array(len(out))
	for _, e := range out {
		streamReplyEntry(c, e)
	}
}

// xrangeCommand is XRANGE key start end [COUNT count] and XREVRANGE key
// end start [COUNT count].
func xrangeCommand(db *DB, c *Call, reverse bool) {
	startArg, endArg := c.Argv[2], c.Argv[3]
	if reverse {
		startArg, endArg = endArg, startArg
	}
	start, startEx, ok := streamParseInterval(c, startArg, 0)
	if !ok {
		return
	}
	if startEx {
		if start, ok = start.incr(); !ok {
			c.Out.Error("ERR invalid start ID for the interval")
			return
		}
	}
	end, endEx, ok := streamParseInterval(c, endArg, math.MaxUint64)
	if !ok {
		return
	}
	if endEx {
		if end, ok = end.decr(); !ok {
			c.Out.Error("ERR invalid end ID for the interval")
			return
		}
	}
	count := int64(-1)
	for j := 4; j < len(c.Argv); j++ {
		if !equalFold(c.Argv[j], "count") || j+1 >= len(c.Argv) {
			c.Out.Error(ErrSyntax)
			return
		}
		n, ok := parseInt(c.Argv[j+1])
		if !ok {
			c.Out.Error(ErrNotInteger)
			return
		}
		count = max(n, 0)
		j++
	}
	s, ok := readValue[*Stream](db, c, c.Argv[1])
	if !ok {
		return
	}
	switch {
	case s == nil:
		c.Out.Array(0)
	case count == 0:
		c.Out.NullArray()
	default:
		streamReplyRange(c, s, start, end, max(count, 0), reverse)
	}
}

// xdelCommand is XDEL key id [id ...].
func xdelCommand(db *DB, c *Call) {
	s, ok := lookupValue[*Stream](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Int(0)
		return
	}
	ids, ok := streamParseIDs(c, c.Argv[2:])
	if !ok {
		return
	}
	deleted := 0
	for _, id := range ids {
		if s.remove(id) {
			if id.cmp(s.maxDeleted) > 0 {
				s.maxDeleted = id
			}
			deleted++
		}
	}
	if deleted > 0 {
		db.Touch(string(c.Argv[1]))
		db.notify(c, NotifyStream, "xdel", c.Argv[1])
		c.PropagateAsIs()
	}
	c.Out.Int(int64(deleted))
}

// xtrimCommand is XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count].
func xtrimCommand(db *DB, c *Call) {
	a, _, _, _, _, pos := streamParseAddTrim(c, false)
	if pos < 0 {
		return
	}
	s, ok := lookupValue[*Stream](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Int(0)
		return
	}
	deleted := s.trim(&a)
	if deleted > 0 {
		db.Touch(string(c.Argv[1]))
		db.notify(c, NotifyStream, "xtrim", c.Argv[1])
		effect := append([][]byte(nil), c.Argv...)
		if a.approx {
			streamRewriteTrim(effect, &a, s)
		}
		c.PropagateOwned(effect)
	}
	c.Out.Int(deleted)
}

// xsetidCommand is XSETID key last-id [ENTRIESADDED entries-added]
// [MAXDELETEDID max-deleted-id].
func xsetidCommand(db *DB, c *Call) {
	id, _, ok := streamParseID(c, c.Argv[2], 0, true, false)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel streamID
	for i := 3; i < len(c.Argv); i += 2 {
		more := len(c.Argv) - 1 - i
		switch {
		case equalFold(c.Argv[i], "entriesadded") && more > 0:
			n, ok := parseInt(c.Argv[i+1])
			if !ok {
				c.Out.Error(ErrNotInteger)
				return
			}
			if n < 0 {
				c.Out.Error("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case equalFold(c.Argv[i], "maxdeletedid") && more > 0:
			if maxDel, _, ok = streamParseID(c, c.Argv[i+1], 0, true, false); !ok {
				return
			}
			if id.cmp(maxDel) < 0 {
				c.Out.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	e := db.Lookup(c, c.Argv[1])
	if e == nil {
		c.Out.Error(ErrNoSuchKey)
		return
	}
	s, ok := valueAs[*Stream](c, e)
	if !ok {
		return
	}
	if s.length > 0 {
		if id.cmp(s.lastValid()) < 0 {
			c.Out.Error("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && int64(s.length) > entriesAdded {
			c.Out.Error("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if maxDel != (streamID{}) {
		s.maxDeleted = maxDel
	}
	db.dirty++ // Redis signals no modification: WATCH and CLIENT TRACKING miss it
	c.PropagateAsIs()
	c.Out.OK()
	db.notify(c, NotifyStream, "xsetid", c.Argv[1])
}

// xreadKeys finds XREAD's keys as Redis's xreadGetKeys: the first half of
// the arguments after STREAMS.
func xreadKeys(argv [][]byte) [][]byte {
	for i := 1; i < len(argv); i++ {
		switch {
		case equalFold(argv[i], "block"), equalFold(argv[i], "count"):
			i++
		case equalFold(argv[i], "group"):
			i += 2
		case equalFold(argv[i], "noack"):
		case equalFold(argv[i], "streams"):
			n := len(argv) - i - 1
			if n == 0 || n%2 != 0 {
				return nil
			}
			return argv[i+1 : i+1+n/2 : i+1+n/2]
		default:
			return nil
		}
	}
	return nil
}

// xreadCommand is XREAD [COUNT count] [BLOCK milliseconds] STREAMS key
// [key ...] id [id ...]. It never blocks: with BLOCK and nothing to read
// it replies as Redis does where a client may not block (a null array).
func xreadCommand(db *DB, c *Call) {
	argv := c.Argv
	o, ok := parseXreadArgs(c, false)
	if !ok {
		return
	}
	count, streamsArg, block, deadline := o.count, o.streamsArg, o.block, o.deadline
	n := (len(argv) - streamsArg) / 2
	keys, idArgs := argv[streamsArg:streamsArg+n], argv[streamsArg+n:]
	ids := make([]streamID, n)
	// Redis looks each key up (a read) while parsing its ID, and again
	// when serving it.
	for i, key := range keys {
		s, ok := readValue[*Stream](db, c, key)
		if !ok {
			return
		}
		if string(idArgs[i]) == "$" {
			if s != nil {
				ids[i] = s.lastID
			}
			continue
		}
		if string(idArgs[i]) == ">" {
			c.Out.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
			return
		}
		id, _, ok := streamParseID(c, idArgs[i], 0, true, false)
		if !ok {
			return
		}
		ids[i] = id
	}
	type served struct {
		key   []byte
		s     *Stream
		start streamID
	}
	var out []served
	// Redis writes each stream served as it goes: the notifications of the
	// second lookups (a key missing) come after the streams served before.
	events, after := len(c.Events()), []int(nil)
	for i, key := range keys {
		e := db.lookupRead(c, key)
		for len(after) < len(c.Events())-events {
			after = append(after, len(out))
		}
		if e == nil {
			continue
		}
		s := e.Value.(*Stream)
		if s.length == 0 || s.lastValid().cmp(ids[i]) <= 0 {
			continue
		}
		start, _ := ids[i].incr()
		out = append(out, served{key, s, start})
	}
	if len(out) == 0 {
		if !block {
			c.Out.NullArray()
			return
		}
		// Wait for an entry past each key's ID ("$" resolved now), as
		// Redis's blockForKeys; served by ServeBlocked after an XADD.
		waited := make(map[string]streamID, n)
		for i, key := range keys {
			if _, seen := waited[string(key)]; !seen {
				waited[string(key)] = ids[i]
			}
		}
		serve := func(_ [][]byte, key []byte) [][]byte {
			out := [][]byte{[]byte("XREAD")}
			if count > 0 {
				out = append(out, []byte("COUNT"), []byte(strconv.FormatInt(count, 10)))
			}
			return append(out, []byte("STREAMS"), key, []byte(waited[string(key)].String()))
		}
		serveIf := func(key string, e *Entry) bool {
			s := e.Value.(*Stream)
			return s.length > 0 && s.lastValid().cmp(waited[key]) > 0
		}
		blockOrTimeOut(c, Block{Keys: keys, Type: TypeStream, Deadline: deadline, serve: serve, serveIf: serveIf}, false)
		return
	}
	place := func(served int) {
		for i, k := range after {
			if k == served {
				c.Events()[events+i].At = c.Out.Len()
			}
		}
	}
	place(0) // before the first stream served, and its (deferred) length
	if c.Out.Proto() == 2 {
		c.Out.Array(len(out))
	} else {
		c.Out.Map(len(out))
	}
	for k, sv := range out {
		if k > 0 {
			place(k)
		}
		if c.Out.Proto() == 2 {
			c.Out.Array(2)
		}
		c.Out.Bulk(sv.key)
		streamReplyRange(c, sv.s, sv.start, streamMaxID, count, false)
	}
	place(len(out))
}

// streamNonNegative parses a MAXLEN or LIMIT argument: an integer, not
// negative, with Redis's errors.
func streamNonNegative(c *Call, b []byte, what string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.Out.Error(ErrNotInteger)
		return 0, false
	}
	if n < 0 {
		c.Out.Error("ERR The " + what + " argument must be >= 0.")
		return 0, false
	}
	return n, true
}

// xreadArgs are XREAD's and XREADGROUP's options.
type xreadArgs struct {
	count           int64 // 0: all
	streamsArg      int   // index of the first key after STREAMS
	block           bool
	deadline        int64 // unix ms; 0: never (BLOCK 0)
	group, consumer []byte
	noack           bool
}

// parseXreadArgs parses XREAD's (or, with groups, XREADGROUP's) options
// left to right as Redis's xreadCommand, with its errors; STREAMS ends
// them.
func parseXreadArgs(c *Call, groups bool) (o xreadArgs, ok bool) {
	argv := c.Argv
	for i := 1; i < len(argv); i++ {
		more := len(argv) - i - 1
		switch {
		case equalFold(argv[i], "block") && more > 0:
			i++
			ms, ok := parseInt(argv[i])
			if !ok {
				c.Out.Error("ERR timeout is not an integer or out of range")
				return o, false
			}
			if ms < 0 {
				c.Out.Error("ERR timeout is negative")
				return o, false
			}
			o.block, o.deadline = true, 0
			if ms > 0 {
				o.deadline = c.Now + ms // wraps as Redis's does near 2^63
			}
		case equalFold(argv[i], "count") && more > 0:
			i++
			n, ok := parseInt(argv[i])
			if !ok {
				c.Out.Error(ErrNotInteger)
				return o, false
			}
			o.count = max(n, 0)
		case equalFold(argv[i], "streams") && more > 0:
			o.streamsArg = i + 1
			if (len(argv)-o.streamsArg)%2 != 0 {
				// Redis 7.0 names XREAD here for both commands.
				c.Out.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return o, false
			}
			i = len(argv)
		case equalFold(argv[i], "group") && more >= 2:
			if !groups {
				c.Out.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return o, false
			}
			o.group, o.consumer = argv[i+1], argv[i+2]
			i += 2
		case equalFold(argv[i], "noack"):
			if !groups {
				c.Out.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return o, false
			}
			o.noack = true
		default:
			c.Out.Error(ErrSyntax)
			return o, false
		}
	}
	if o.streamsArg == 0 {
		c.Out.Error(ErrSyntax)
		return o, false
	}
	return o, true
}

// streamParseIDs parses every ID of args (XDEL's, XACK's) before any is
// used, so that a bad one changes nothing; it replies the first error.
func streamParseIDs(c *Call, args [][]byte) ([]streamID, bool) {
	ids := make([]streamID, 0, len(args))
	for _, arg := range args {
		id, _, ok := streamParseID(c, arg, 0, true, false)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
