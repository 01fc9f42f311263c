package engine

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// The consumer group commands of Redis 7.0 (t_stream.c): XGROUP,
// XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO GROUPS and
// CONSUMERS. Their effects are deterministic: a delivery or a claim is
// propagated as the XCLAIM ... FORCE JUSTID that sets the pending entry
// as it is now (owner, delivery time, count), a move of a group's last
// ID as XGROUP SETID with its entries read, an entry dropped from a PEL
// as XACK. XREADGROUP's BLOCK is accepted and answered at once, as Redis
// answers where a client may not block.

func streamGroupCommands() []*Command {
	keyed := func(name string, arity int, flags []string, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 2, LastKey: 2, Step: 1, Handler: h}
	}
	xgroup := &Command{Name: "xgroup", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range []*Command{
		keyed("xgroup|create", -5, []string{FlagWrite, FlagDenyOOM}, xgroupCommand),
		keyed("xgroup|setid", -5, []string{FlagWrite}, xgroupCommand),
		keyed("xgroup|destroy", 4, []string{FlagWrite}, xgroupCommand),
		keyed("xgroup|createconsumer", 5, []string{FlagWrite, FlagDenyOOM}, xgroupCommand),
		keyed("xgroup|delconsumer", 5, []string{FlagWrite}, xgroupCommand),
		{Name: "xgroup|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: xgroupCommand},
	} {
		xgroup.Subcommands[strings.TrimPrefix(s.Name, "xgroup|")] = s
	}
	xinfo := &Command{Name: "xinfo", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range []*Command{
		keyed("xinfo|groups", 3, []string{FlagReadOnly}, xinfoCommand),
		keyed("xinfo|consumers", 4, []string{FlagReadOnly}, xinfoCommand),
		keyed("xinfo|stream", -3, []string{FlagReadOnly}, xinfoCommand),
		{Name: "xinfo|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: xinfoCommand},
	} {
		xinfo.Subcommands[strings.TrimPrefix(s.Name, "xinfo|")] = s
	}
	// The key of a container, for the blocking layer and routing.
	containerKey := func(argv [][]byte) [][]byte {
		if len(argv) >= 3 {
			return argv[2:3]
		}
		return nil
	}
	xgroup.KeysFunc, xinfo.KeysFunc = containerKey, containerKey
	cmd := func(name string, arity int, flags []string, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	return []*Command{
		xgroup, xinfo,
		{Name: "xreadgroup", Arity: -7, Flags: []string{FlagWrite, FlagBlocking, "movablekeys"}, KeysFunc: xreadKeys, Handler: xreadgroupCommand},
		cmd("xack", -4, []string{FlagWrite, FlagFast}, xackCommand),
		cmd("xpending", -3, []string{FlagReadOnly}, xpendingCommand),
		cmd("xclaim", -6, []string{FlagWrite, FlagFast}, xclaimCommand),
		cmd("xautoclaim", -6, []string{FlagWrite, FlagFast}, xautoclaimCommand),
	}
}

// streamSubcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func streamSubcommandSyntaxError(c *Call) {
	c.Out.Error("ERR unknown subcommand or wrong number of arguments for '" + string(cStringN(c.Argv[1], 128)) +
		"'. Try " + strings.ToUpper(string(cString(c.Argv[0]))) + " HELP.")
}

// streamNoGroup is the NOGROUP error naming a group and its key.
func streamNoGroup(c *Call, group, key []byte) {
	c.Out.Error("NOGROUP No such consumer group '" + string(cString(group)) + "' for key name '" + string(cString(key)) + "'")
}

// streamNoKeyOrGroup is the NOGROUP error of XPENDING, XCLAIM and
// XAUTOCLAIM (and XREADGROUP's, with suffix).
func streamNoKeyOrGroup(c *Call, key, group []byte, suffix string) {
	c.Out.Error("NOGROUP No such key '" + string(cString(key)) + "' or consumer group '" + string(cString(group)) + "'" + suffix)
}

// xgroupCommand is every XGROUP subcommand, checked in the order of
// Redis's xgroupCommand: CREATE's and SETID's options, the key's type,
// the key and the group, then each subcommand's arguments.
func xgroupCommand(db *DB, c *Call) {
	argv := c.Argv
	sub := argv[1]
	isCreate, isSetID := equalFold(sub, "create"), equalFold(sub, "setid")
	mkstream := false
	entriesRead := int64(streamInvalidRead)
	var s *Stream
	var g *streamGroup
	if len(argv) >= 4 {
		if isCreate || isSetID {
			for i := 5; i < len(argv); {
				switch {
				case isCreate && equalFold(argv[i], "mkstream"):
					mkstream = true
					i++
				case equalFold(argv[i], "entriesread") && i+1 < len(argv):
					n, ok := parseInt(argv[i+1])
					if !ok {
						c.Out.Error(ErrNotInteger)
						return
					}
					if n < 0 && n != streamInvalidRead {
						c.Out.Error("ERR value for ENTRIESREAD must be positive or -1")
						return
					}
					entriesRead = n
					i += 2
				default:
					streamSubcommandSyntaxError(c)
					return
				}
			}
		}
		var ok bool
		if s, ok = lookupValue[*Stream](db, c, argv[2]); !ok {
			return
		}
	}
	if len(argv) >= 4 && !mkstream {
		if s == nil {
			c.Out.Error("ERR The XGROUP subcommand requires the key to exist. " +
				"Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return
		}
		if g = s.group(argv[3]); g == nil && !isCreate && !equalFold(sub, "destroy") {
			streamNoGroup(c, argv[3], argv[2])
			return
		}
	}
	key, name := []byte(nil), []byte(nil)
	if len(argv) >= 4 {
		key, name = argv[2], argv[3]
	}
	switch {
	case len(argv) == 2 && equalFold(sub, "help"):
		helpReply(c, "XGROUP", []string{
			"CREATE <key> <groupname> <id|$> [option]",
			"    Create a new consumer group. Options are:",
			"    * MKSTREAM",
			"      Create the empty stream if it does not exist.",
			"    * ENTRIESREAD entries_read",
			"      Set the group's entries_read counter (internal use).",
			"CREATECONSUMER <key> <groupname> <consumer>",
			"    Create a new consumer in the specified group.",
			"DELCONSUMER <key> <groupname> <consumer>",
			"    Remove the specified consumer.",
			"DESTROY <key> <groupname>",
			"    Remove the specified group.",
			"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
			"    Set the current group ID and entries_read counter.",
		})
	case isCreate && len(argv) >= 5 && len(argv) <= 8:
		var id streamID
		if string(cString(argv[4])) == "$" {
			if s != nil {
				id = s.lastID
			}
		} else {
			var ok bool
			if id, _, ok = streamParseID(c, argv[4], 0, true, false); !ok {
				return
			}
		}
		created := s == nil
		if created {
			s = &Stream{}
			db.Set(c, string(key), s, 0)
			db.Touch(string(key))
		}
		if s.groups[string(name)] != nil {
			c.Out.Error("BUSYGROUP Consumer Group name already exists")
			return
		}
		if s.groups == nil {
			s.groups = make(map[string]*streamGroup)
		}
		s.groups[string(name)] = &streamGroup{lastID: id, entriesRead: entriesRead, consumers: map[string]*streamConsumer{}}
		db.dirty++
		g := s.groups[string(name)]
		effect := streamSetIDEffect(key, name, g)
		effect[1] = []byte("CREATE")
		if created {
			effect = append(effect, []byte("MKSTREAM"))
		}
		c.PropagateOwned(effect)
		c.Out.OK()
		db.notify(c, NotifyStream, "xgroup-create", key)
	case isSetID && (len(argv) == 5 || len(argv) == 7):
		id := s.lastID
		if string(cString(argv[4])) != "$" {
			var ok bool
			if id, _, ok = streamParseID(c, argv[4], 0, false, false); !ok {
				return
			}
		}
		g.lastID, g.entriesRead = id, entriesRead
		db.dirty++
		c.PropagateOwned(streamSetIDEffect(key, name, g))
		c.Out.OK()
		db.notify(c, NotifyStream, "xgroup-setid", key)
	case equalFold(sub, "destroy") && len(argv) == 4:
		if g == nil {
			c.Out.Int(0)
			return
		}
		delete(s.groups, string(name))
		db.dirty++
		c.PropagateAsIs()
		c.Out.Int(1)
		db.notify(c, NotifyStream, "xgroup-destroy", key)
	case equalFold(sub, "createconsumer") && len(argv) == 5:
		_, created := g.consumer(string(argv[4]), c.Now, false)
		if created {
			db.dirty++
			db.notify(c, NotifyStream, "xgroup-createconsumer", key)
			c.PropagateAsIs()
			c.Out.Int(1)
		} else {
			c.Out.Int(0)
		}
	case equalFold(sub, "delconsumer") && len(argv) == 5:
		pending := 0
		if cons := g.consumers[string(argv[4])]; cons != nil {
			pending = len(cons.pel)
			for _, n := range cons.pel {
				g.pel.remove(n.id)
			}
			delete(g.consumers, cons.name)
			c.PropagateAsIs()
			db.notify(c, NotifyStream, "xgroup-delconsumer", key)
		}
		db.dirty++
		c.Out.Int(int64(pending))
	default:
		streamSubcommandSyntaxError(c)
	}
}

// xreadgroupCommand is XREADGROUP GROUP group consumer [COUNT count]
// [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]: ">"
// delivers entries the group has not delivered yet, another ID reads the
// consumer's own pending entries after it.
func xreadgroupCommand(db *DB, c *Call) {
	argv := c.Argv
	o, ok := parseXreadArgs(c, true)
	if !ok {
		return
	}
	count, streamsArg, block, deadline := o.count, o.streamsArg, o.block, o.deadline
	group, consumer, noack := o.group, o.consumer, o.noack
	if group == nil {
		c.Out.Error("ERR Missing GROUP option for XREADGROUP")
		return
	}
	n := (len(argv) - streamsArg) / 2
	keys, idArgs := argv[streamsArg:streamsArg+n], argv[streamsArg+n:]
	// ids[i] is the ID after which key i is read; streamMaxID stands for
	// ">" (so does that ID given explicitly, as in Redis).
	ids := make([]streamID, n)
	for i, key := range keys {
		s, ok := readValue[*Stream](db, c, key)
		if !ok {
			return
		}
		if s == nil || s.group(group) == nil {
			streamNoKeyOrGroup(c, key, group, " in XREADGROUP with GROUP option")
			return
		}
		switch string(cString(idArgs[i])) {
		case "$":
			c.Out.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of " +
				"this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
			return
		case ">":
			ids[i] = streamMaxID
			continue
		}
		id, _, ok := streamParseID(c, idArgs[i], 0, true, false)
		if !ok {
			return
		}
		ids[i] = id
	}
	// The streams served are written to body first: the reply's length
	// comes before them.
	out, body := c.Out, resp.NewWriter(c.Out.Proto())
	c.Out = body
	events := len(c.Events())
	served := 0
	for i, key := range keys {
		e := db.lookupRead(c, key)
		if e == nil {
			continue
		}
		s := e.Value.(*Stream)
		g := s.group(group)
		history := ids[i] != streamMaxID
		after := ids[i]
		if !history {
			if s.length == 0 || s.lastValid().cmp(g.lastID) <= 0 {
				continue
			}
			after = g.lastID
		}
		served++
		if c.Out.Proto() == 2 {
			c.Out.Array(2)
		}
		c.Out.Bulk(key)
		cons, created := g.consumer(string(consumer), c.Now, true)
		if created {
			db.notify(c, NotifyStream, "xgroup-createconsumer", key)
			c.Propagate([]byte("XGROUP"), []byte("CREATECONSUMER"), key, group, consumer)
		}
		start, _ := after.incr()
		if history {
			streamReadPEL(c, s, cons, start, count, key, group)
		} else {
			streamDeliver(c, s, g, cons, start, count, noack, key, group)
		}
		db.dirty++
	}
	c.Out = out
	if served == 0 && block {
		// Every stream was read with ">" and had nothing new: wait, as
		// XREAD BLOCK does, for an entry past the group's last ID (the
		// consumer is made when served, as in Redis 7.0).
		xreadgroupBlock(c, keys, group, consumer, count, noack, deadline)
		return
	}
	if served == 0 {
		c.Out.NullArray()
		return
	}
	if c.Out.Proto() == 2 {
		c.Out.Array(served)
	} else {
		c.Out.Map(served)
	}
	c.shiftEvents(events, c.Out.Len()) // raised as body was written
	c.Out.Raw(body.Bytes())
}

// streamDeliver replies the entries of s from start on (at most count, 0:
// all), new to group g, as delivered to cons: each moves the group's last
// ID and, unless noack, becomes cons's pending entry.
func streamDeliver(c *Call, s *Stream, g *streamGroup, cons *streamConsumer, start streamID, count int64, noack bool, key, group []byte) {
	var entries []*streamEntry
	s.rangeEntries(start, streamMaxID, false, func(e *streamEntry) bool {
		entries = append(entries, e)
		return count == 0 || int64(len(entries)) < count
	})
	moved := false
	c.Out.Array(len(entries))
	for _, e := range entries {
		if e.id.cmp(g.lastID) > 0 {
			// The entries-read counter follows while nothing after it
			// may have been deleted; else it is estimated (Redis's rule).
			if g.entriesRead != streamInvalidRead && !s.hasTombstones(e.id) {
				g.entriesRead++
			} else if s.entriesAdded != 0 {
				g.entriesRead = s.estimateRead(e.id)
			}
			g.lastID = e.id
			moved = true
		}
		streamReplyEntry(c, e)
		if noack {
			continue
		}
		// The entry may be pending already (the group's ID was set
		// back): it is delivered anew, to this consumer.
		n := g.pel.find(e.id)
		if n == nil {
			n = &streamNACK{id: e.id}
			g.pel.insert(n)
		}
		n.assign(cons)
		n.deliveryTime, n.deliveryCount = c.Now, 1
		c.PropagateOwned(streamClaimEffect(key, group, n, nil))
	}
	if moved {
		c.PropagateOwned(streamSetIDEffect(key, group, g))
	}
}

// streamReadPEL replies cons's pending entries from start on (at most
// count, 0: all): each is delivered again, but for one the stream no
// longer holds, which reads as its ID and a null.
func streamReadPEL(c *Call, s *Stream, cons *streamConsumer, start streamID, count int64, key, group []byte) {
	var nacks []*streamNACK
	for _, n := range cons.pel[cons.pel.search(start):] {
		if count != 0 && int64(len(nacks)) >= count {
			break
		}
		nacks = append(nacks, n)
	}
	c.Out.Array(len(nacks))
	for _, n := range nacks {
		var entry *streamEntry
		s.rangeEntries(n.id, n.id, false, func(e *streamEntry) bool { entry = e; return false })
		if entry == nil {
			c.Out.Array(2)
			c.Out.BulkString(n.id.String())
			c.Out.NullArray()
			continue
		}
		streamReplyEntry(c, entry)
		n.deliveryTime = c.Now
		n.deliveryCount++
		c.PropagateOwned(streamClaimEffect(key, group, n, nil))
	}
}

// xackCommand is XACK key group id [id ...].
func xackCommand(db *DB, c *Call) {
	s, ok := readValue[*Stream](db, c, c.Argv[1])
	if !ok {
		return
	}
	var g *streamGroup
	if s != nil {
		g = s.group(c.Argv[2])
	}
	if g == nil {
		c.Out.Int(0)
		return
	}
	// Every ID is parsed before any is acknowledged: all or nothing.
	ids, ok := streamParseIDs(c, c.Argv[3:])
	if !ok {
		return
	}
	acked := 0
	for _, id := range ids {
		if n := g.pel.find(id); n != nil {
			g.ack(n)
			acked++
		}
	}
	if acked > 0 {
		db.dirty += uint64(acked)
		c.PropagateAsIs()
	}
	c.Out.Int(int64(acked))
}

// xpendingCommand is XPENDING key group [[IDLE min-idle-time] start end
// count [consumer]].
func xpendingCommand(db *DB, c *Call) {
	argv := c.Argv
	if len(argv) != 3 && (len(argv) < 6 || len(argv) > 9) {
		c.Out.Error(ErrSyntax)
		return
	}
	var start, end streamID
	var count, minIdle int64
	var consumer []byte
	if len(argv) >= 6 {
		at := 3
		if equalFold(argv[3], "idle") {
			var ok bool
			if minIdle, ok = parseInt(argv[4]); !ok {
				c.Out.Error(ErrNotInteger)
				return
			}
			if len(argv) < 8 {
				c.Out.Error(ErrSyntax)
				return
			}
			at += 2
		}
		var ok bool
		if count, ok = parseInt(argv[at+2]); !ok {
			c.Out.Error(ErrNotInteger)
			return
		}
		count = max(count, 0)
		var ex bool
		if start, ex, ok = streamParseInterval(c, argv[at], 0); !ok {
			return
		}
		if ex {
			if start, ok = start.incr(); !ok {
				c.Out.Error("ERR invalid start ID for the interval")
				return
			}
		}
		if end, ex, ok = streamParseInterval(c, argv[at+1], math.MaxUint64); !ok {
			return
		}
		if ex {
			if end, ok = end.decr(); !ok {
				c.Out.Error("ERR invalid end ID for the interval")
				return
			}
		}
		if at+3 < len(argv) {
			consumer = argv[at+3] // arguments after it are ignored, as by Redis
		}
	}
	s, ok := readValue[*Stream](db, c, argv[1])
	if !ok {
		return
	}
	var g *streamGroup
	if s != nil {
		g = s.group(argv[2])
	}
	if g == nil {
		streamNoKeyOrGroup(c, argv[1], argv[2], "")
		return
	}
	if len(argv) == 3 {
		c.Out.Array(4)
		c.Out.Int(int64(len(g.pel)))
		if len(g.pel) == 0 {
			c.Out.NullBulk()
			c.Out.NullBulk()
			c.Out.NullArray()
			return
		}
		c.Out.BulkString(g.pel[0].id.String())
		c.Out.BulkString(g.pel[len(g.pel)-1].id.String())
		var owners []*streamConsumer
		for _, cons := range g.sortedConsumers() {
			if len(cons.pel) > 0 {
				owners = append(owners, cons)
			}
		}
		c.Out.Array(len(owners))
		for _, cons := range owners {
			c.Out.Array(2)
			c.Out.BulkString(cons.name)
			c.Out.BulkInt(int64(len(cons.pel)))
		}
		return
	}
	pel := g.pel
	if consumer != nil {
		cons := g.consumers[string(consumer)]
		if cons == nil {
			c.Out.Array(0)
			return
		}
		pel = cons.pel
	}
	var out []*streamNACK
	for _, n := range pel[pel.search(start):] {
		if count == 0 || n.id.cmp(end) > 0 {
			break
		}
		if minIdle != 0 && c.Now-n.deliveryTime < minIdle {
			continue
		}
		out = append(out, n)
		count--
	}
	c.Out.Array(len(out))
	for _, n := range out {
		c.Out.Array(4)
		c.Out.BulkString(n.id.String())
		c.Out.BulkString(n.consumer.name)
		c.Out.Int(max(c.Now-n.deliveryTime, 0))
		c.Out.Int(n.deliveryCount)
	}
}

// streamClaimGroup looks up XCLAIM's and XAUTOCLAIM's key and group,
// replying the error if there is none.
func streamClaimGroup(db *DB, c *Call, s *Stream) *streamGroup {
	var g *streamGroup
	if s != nil {
		g = s.group(c.Argv[2])
	}
	if g == nil {
		streamNoKeyOrGroup(c, c.Argv[1], c.Argv[2], "")
	}
	return g
}

// xclaimCommand is XCLAIM key group consumer min-idle-time id [id ...]
// [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE]
// [JUSTID] [LASTID lastid].
func xclaimCommand(db *DB, c *Call) {
	argv := c.Argv
	s, ok := readValue[*Stream](db, c, argv[1])
	if !ok {
		return
	}
	g := streamClaimGroup(db, c, s)
	if g == nil {
		return
	}
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.Out.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	// The IDs run up to the first argument that is not one: the options.
	var ids []streamID
	j := 5
	for ; j < len(argv); j++ {
		id, ok := streamParseStrictIDQuiet(argv[j])
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.Now
	var lastID streamID
	retry, deliveryTime := int64(-1), int64(-1)
	force, justID := false, false
	for ; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch opt := argv[j]; {
		case equalFold(opt, "force"):
			force = true
		case equalFold(opt, "justid"):
			justID = true
		case equalFold(opt, "idle") && more > 0:
			j++
			idle, ok := parseInt(argv[j])
			if !ok {
				c.Out.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - idle
		case equalFold(opt, "time") && more > 0:
			j++
			if deliveryTime, ok = parseInt(argv[j]); !ok {
				c.Out.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
		case equalFold(opt, "retrycount") && more > 0:
			j++
			if retry, ok = parseInt(argv[j]); !ok {
				c.Out.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
		case equalFold(opt, "lastid") && more > 0:
			j++
			if lastID, _, ok = streamParseID(c, argv[j], 0, true, false); !ok {
				return
			}
		default:
			c.Out.Error("ERR Unrecognized XCLAIM option '" + string(cString(opt)) + "'")
			return
		}
	}
	moved := false
	if lastID.cmp(g.lastID) > 0 {
		g.lastID = lastID
		moved = true
	}
	// A bogus delivery time (in the future, negative) is now, as Redis
	// has it; but a replayed effect keeps the primary's time, whatever
	// this clock says.
	if deliveryTime < 0 || deliveryTime > now && !c.Replay {
		deliveryTime = now
	}
	var cons *streamConsumer
	out, body := c.Out, resp.NewWriter(c.Out.Proto())
	c.Out = body
	events := len(c.Events())
	claimed := 0
	for _, id := range ids {
		n := g.pel.find(id)
		// A pending entry the stream no longer holds leaves the PEL. A
		// replayed XCLAIM FORCE (an effect, a snapshot) takes it as it
		// says: the replica's PEL must match the primary's.
		if !c.Replay && !s.entryExists(id) {
			if n != nil {
				g.ack(n)
				db.dirty++
				c.Propagate([]byte("XACK"), argv[1], argv[2], []byte(id.String()))
			}
			continue
		}
		if force && n == nil {
			n = &streamNACK{id: id, deliveryCount: 1} // as Redis's streamCreateNACK
			g.pel.insert(n)
		}
		if n == nil {
			continue
		}
		if n.consumer != nil && minIdle != 0 && now-n.deliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = streamClaimConsumer(db, c, g, argv[3], argv[1], now)
		}
		n.assign(cons)
		n.deliveryTime = deliveryTime
		if retry >= 0 {
			n.deliveryCount = retry
		} else if !justID {
			n.deliveryCount++
		}
		if justID {
			c.Out.BulkString(id.String())
		} else {
			streamReplyClaimed(c, s, id)
		}
		claimed++
		db.dirty++
		c.PropagateOwned(streamClaimEffect(argv[1], argv[2], n, nil))
	}
	if moved {
		db.dirty++
		c.PropagateOwned(streamSetIDEffect(argv[1], argv[2], g))
	}
	c.Out = out
	c.Out.Array(claimed)
	c.shiftEvents(events, c.Out.Len()) // raised as body was written
	c.Out.Raw(body.Bytes())
}

// streamReplyClaimed writes the claimed entry id, or a null if the stream
// does not hold it (only a replayed XCLAIM gets here then).
func streamReplyClaimed(c *Call, s *Stream, id streamID) {
	found := false
	s.rangeEntries(id, id, false, func(e *streamEntry) bool { streamReplyEntry(c, e); found = true; return false })
	if !found {
		c.Out.NullBulk()
	}
}

// streamParseStrictIDQuiet parses a strict ID (no "-" or "+") without
// replying: XCLAIM's IDs end where an argument is not one.
func streamParseStrictIDQuiet(arg []byte) (streamID, bool) {
	c := &Call{Out: resp.NewWriter(2)}
	id, _, ok := streamParseID(c, arg, 0, true, false)
	return id, ok
}

// streamAutoclaimAttempts is how many PEL entries XAUTOCLAIM looks at per
// entry it may claim.
const streamAutoclaimAttempts = 10

// xautoclaimCommand is XAUTOCLAIM key group consumer min-idle-time start
// [COUNT count] [JUSTID].
func xautoclaimCommand(db *DB, c *Call) {
	argv := c.Argv
	// The key is read first (a keyspace hit or miss), its type checked
	// after the arguments.
	e := db.lookupRead(c, argv[1])
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.Out.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := streamParseInterval(c, argv[5], 0)
	if !ok {
		return
	}
	if ex {
		if start, ok = start.incr(); !ok {
			c.Out.Error("ERR invalid start ID for the interval")
			return
		}
	}
	count, justID := int64(100), false
	for j := 6; j < len(argv); j++ {
		switch {
		case equalFold(argv[j], "count") && j+1 < len(argv):
			n, ok := parseInt(argv[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.Out.Error("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case equalFold(argv[j], "justid"):
			justID = true
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	s, ok := valueAs[*Stream](c, e)
	if !ok {
		return
	}
	g := streamClaimGroup(db, c, s)
	if g == nil {
		return
	}
	// Redis allocates 16 bytes per COUNT for the deleted IDs, which fails
	// past the address space (47 bits on x86-64 Linux): the bound is the
	// machine's, this is where it lies on a usual one.
	if count > 1<<47/16 {
		c.Out.Error("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")
		return
	}
	now := c.Now
	attempts := count * streamAutoclaimAttempts
	var cons *streamConsumer
	var deleted []streamID
	out, body := c.Out, resp.NewWriter(c.Out.Proto())
	c.Out = body
	events := len(c.Events())
	claimed := 0
	// The PEL is walked by ID: an entry acknowledged on the way shifts
	// the positions, not the IDs.
	next := start
	cursor := streamID{}
	for {
		i := g.pel.search(next)
		if i == len(g.pel) {
			break
		}
		if attempts == 0 || count == 0 {
			cursor = g.pel[i].id
			break
		}
		attempts--
		n := g.pel[i]
		var more bool
		next, more = n.id.incr()
		switch {
		case !s.entryExists(n.id):
			g.ack(n)
			db.dirty++
			c.Propagate([]byte("XACK"), argv[1], argv[2], []byte(n.id.String()))
			deleted = append(deleted, n.id)
			count--
		case minIdle != 0 && now-n.deliveryTime < minIdle:
		default:
			if cons == nil {
				cons = streamClaimConsumer(db, c, g, argv[3], argv[1], now)
			}
			n.assign(cons)
			n.deliveryTime = now
			if !justID {
				n.deliveryCount++
			}
			if justID {
				c.Out.BulkString(n.id.String())
			} else {
				streamReplyClaimed(c, s, n.id)
			}
			claimed++
			count--
			db.dirty++
			c.PropagateOwned(streamClaimEffect(argv[1], argv[2], n, nil))
		}
		if !more {
			break // the greatest ID: nothing can follow
		}
	}
	c.Out = out
	c.Out.Array(3)
	c.Out.BulkString(cursor.String())
	c.Out.Array(claimed)
	c.shiftEvents(events, c.Out.Len()) // raised as body was written
	c.Out.Raw(body.Bytes())
	c.Out.Array(len(deleted))
	for _, id := range deleted {
		c.Out.BulkString(id.String())
	}
}

// xinfoCommand is XINFO GROUPS key, XINFO CONSUMERS key group, XINFO
// STREAM key [FULL [COUNT count]] (stream_info.go) and XINFO HELP.
func xinfoCommand(db *DB, c *Call) {
	argv := c.Argv
	if equalFold(argv[1], "help") {
		helpReply(c, "XINFO", []string{
			"CONSUMERS <key> <groupname>",
			"    Show consumers of <groupname>.",
			"GROUPS <key>",
			"    Show the stream consumer groups.",
			"STREAM <key> [FULL [COUNT <count>]",
			"    Show information about the stream.",
		})
		return
	}
	e := db.lookupRead(c, argv[2])
	if e == nil {
		c.Out.Error(ErrNoSuchKey)
		return
	}
	s, ok := valueAs[*Stream](c, e)
	if !ok {
		return
	}
	if equalFold(argv[1], "stream") {
		xinfoStream(c, s)
		return
	}
	if equalFold(argv[1], "consumers") {
		g := s.group(argv[3])
		if g == nil {
			streamNoGroup(c, argv[3], argv[2])
			return
		}
		conss := g.sortedConsumers()
		c.Out.Array(len(conss))
		for _, cons := range conss {
			c.Out.Map(3)
			c.Out.BulkString("name")
			c.Out.BulkString(cons.name)
			c.Out.BulkString("pending")
			c.Out.Int(int64(len(cons.pel)))
			c.Out.BulkString("idle")
			c.Out.Int(c.Now - cons.seenTime)
		}
		return
	}
	names := s.groupNames()
	c.Out.Array(len(names))
	for _, name := range names {
		g := s.groups[name]
		c.Out.Map(6)
		c.Out.BulkString("name")
		c.Out.BulkString(name)
		c.Out.BulkString("consumers")
		c.Out.Int(int64(len(g.consumers)))
		c.Out.BulkString("pending")
		c.Out.Int(int64(len(g.pel)))
		streamReplyGroupPosition(c, s, g)
	}
}

// streamReplyGroupPosition writes the fields of XINFO GROUPS and XINFO
// STREAM FULL that say where group g stands: last-delivered-id,
// entries-read and lag (null when unknown).
func streamReplyGroupPosition(c *Call, s *Stream, g *streamGroup) {
	c.Out.BulkString("last-delivered-id")
	c.Out.BulkString(g.lastID.String())
	c.Out.BulkString("entries-read")
	if g.entriesRead != streamInvalidRead {
		c.Out.Int(g.entriesRead)
	} else {
		c.Out.NullBulk()
	}
	c.Out.BulkString("lag")
	if lag, ok := s.lag(g); ok {
		c.Out.Int(lag)
	} else {
		c.Out.NullBulk()
	}
}

// streamClaimConsumer returns the consumer XCLAIM or XAUTOCLAIM assigns
// entries to, made (and "xgroup-createconsumer" raised) if it is new.
func streamClaimConsumer(db *DB, c *Call, g *streamGroup, name, key []byte, now int64) *streamConsumer {
	cons, created := g.consumer(string(name), now, true)
	if created {
		db.notify(c, NotifyStream, "xgroup-createconsumer", key)
	}
	return cons
}

// xreadgroupBlock asks to block an XREADGROUP whose streams (all read
// with ">") have nothing new for the group: a stream serves it once it
// has an entry past the group's last delivered ID, by running the command
// again for that stream.
func xreadgroupBlock(c *Call, keys [][]byte, group, consumer []byte, count int64, noack bool, deadline int64) {
	group, consumer = bytes.Clone(group), bytes.Clone(consumer) // argv is the connection's input buffer
	serve := func(_ [][]byte, key []byte) [][]byte {
		out := [][]byte{[]byte("XREADGROUP"), []byte("GROUP"), group, consumer}
		if count > 0 {
			out = append(out, []byte("COUNT"), []byte(strconv.FormatInt(count, 10)))
		}
		if noack {
			out = append(out, []byte("NOACK"))
		}
		return append(out, []byte("STREAMS"), key, []byte(">"))
	}
	serveIf := func(_ string, e *Entry) bool {
		s := e.Value.(*Stream)
		g := s.group(group)
		return g != nil && s.length > 0 && s.lastValid().cmp(g.lastID) > 0
	}
	blockOrTimeOut(c, Block{Keys: keys, Type: TypeStream, Deadline: deadline, serve: serve, serveIf: serveIf}, false)
}
