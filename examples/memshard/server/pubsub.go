package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Pub/Sub as Redis 7.0 answers it: SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE,
// their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB. Messages are not data:
// they go to the subscribers connected at the time, on this node at once
// and on the shard's other nodes through the backend (Backend.Publish), as
// Redis Cluster sends a PUBLISH to every node; the count PUBLISH replies
// is this node's receivers, as in Redis Cluster.
//
// A message is put on the subscriber's reply queue by the publisher
// (conn.deliver), between whole replies. A subscription is registered at
// once, but the messages that come for the connection are held back
// (replyQueue.holdMessages) until its confirmation has been queued (at the
// next flush): none overtakes it, and none published once the client has
// it is missed. An unsubscription is unregistered before its confirmation
// is written, and a publisher delivers under the registry's lock, so no
// message follows it.

// subKind is the kind of a subscription.
type subKind int

const (
	kindChannel subKind = iota // SUBSCRIBE
	kindPattern                // PSUBSCRIBE
	kindShard                  // SSUBSCRIBE
	numKinds
)

// subWords are each kind's words in confirmations and messages.
var subWords = [numKinds]struct{ sub, unsub, message string }{
	{"subscribe", "unsubscribe", "message"},
	{"psubscribe", "punsubscribe", "pmessage"},
	{"ssubscribe", "sunsubscribe", "smessage"},
}

// pubsubRegistry is the server's subscriptions: for each kind, each
// channel's (or pattern's) subscribers in the order they subscribed, and
// the patterns in the order they were first subscribed to (the order
// PUBLISH tries them in; Redis's is its dict's, which no client can rely
// on).
type pubsubRegistry struct {
	mu       sync.RWMutex
	subs     [numKinds]map[string][]*conn
	patterns []string
}

func newPubsubRegistry() *pubsubRegistry {
	r := &pubsubRegistry{}
	for k := range r.subs {
		r.subs[k] = make(map[string][]*conn)
	}
	return r
}

func (r *pubsubRegistry) add(k subKind, name string, c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.subs[k][name]) == 0 && k == kindPattern {
		r.patterns = append(r.patterns, name)
	}
	r.subs[k][name] = append(r.subs[k][name], c)
}

func (r *pubsubRegistry) remove(k subKind, name string, c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cs := slices.DeleteFunc(r.subs[k][name], func(x *conn) bool { return x == c })
	if len(cs) > 0 {
		r.subs[k][name] = cs
		return
	}
	delete(r.subs[k], name)
	if k == kindPattern {
		r.patterns = slices.DeleteFunc(r.patterns, func(p string) bool { return p == name })
	}
}

// publish delivers message on channel to this node's subscribers (shard
// channel subscribers for a sharded message; otherwise the channel's, then
// the matching patterns') and returns how many received it. A message for
// self, the publishing connection (nil for a message from another node),
// goes in its reply at once, before PUBLISH's count, as in Redis.
func (r *pubsubRegistry) publish(self *conn, sharded bool, channel, message []byte) int {
	var enc messageEncodings
	return r.each(sharded, channel, func(c *conn, word string, pattern []byte) {
		c.deliverFrom(self, enc.get(c, word, pattern, channel, message))
	})
}

// publishExcept is publish of a message for every subscriber but skip
// (nil: none), which takes its copy itself (messagesFor).
func (r *pubsubRegistry) publishExcept(skip *conn, channel, message []byte) {
	var enc messageEncodings
	r.each(false, channel, func(c *conn, word string, pattern []byte) {
		if c != skip {
			c.deliver(enc.get(c, word, pattern, channel, message))
		}
	})
}

// messagesFor appends to out the encoded messages c would receive if
// message were published on channel, in the order publish delivers them.
func (r *pubsubRegistry) messagesFor(c *conn, out [][]byte, channel, message []byte) [][]byte {
	var enc messageEncodings
	r.each(false, channel, func(x *conn, word string, pattern []byte) {
		if x == c {
			out = append(out, enc.get(c, word, pattern, channel, message))
		}
	})
	return out
}

// each calls f, under the registry's lock, for each subscription a
// message on channel reaches, in delivery order (see publish), with the
// message's kind word and pattern (nil for a channel subscription); it
// returns how many there were.
func (r *pubsubRegistry) each(sharded bool, channel []byte, f func(c *conn, word string, pattern []byte)) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k := kindChannel
	if sharded {
		k = kindShard
	}
	n := 0
	for _, c := range r.subs[k][string(channel)] {
		f(c, subWords[k].message, nil)
		n++
	}
	if sharded {
		return n
	}
	for _, pat := range r.patterns {
		if !globMatch(pat, string(channel), false) {
			continue
		}
		for _, c := range r.subs[kindPattern][pat] {
			f(c, "pmessage", []byte(pat))
			n++
		}
	}
	return n
}

// counts returns the numbers of channels, patterns and shard channels
// with subscribers (INFO's pubsub_channels, pubsub_patterns,
// pubsubshard_channels).
func (r *pubsubRegistry) counts() (channels, patterns, shard int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.subs[kindChannel]), len(r.subs[kindPattern]), len(r.subs[kindShard])
}

// names returns the channels of kind k with subscribers that match
// pattern (all if it is nil), and their subscriber counts.
func (r *pubsubRegistry) names(k subKind, pattern []byte) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for name := range r.subs[k] {
		if pattern == nil || globMatch(string(pattern), name, false) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func (r *pubsubRegistry) numSubs(k subKind, name string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.subs[k][name])
}

// messageEncodings encodes one published message once per protocol.
type messageEncodings struct {
	resp2, resp3 []byte
}

func (e *messageEncodings) get(c *conn, word string, pattern, channel, message []byte) []byte {
	proto := c.protocol()
	b := &e.resp2
	if proto == 3 {
		b = &e.resp3
	}
	if *b == nil || pattern != nil { // pattern messages differ by pattern
		w := resp.NewWriter(proto)
		n := 3
		if pattern != nil {
			n = 4
		}
		w.Push(n)
		w.BulkString(word)
		if pattern != nil {
			w.Bulk(pattern)
		}
		w.Bulk(channel)
		w.Bulk(message)
		if pattern != nil {
			return w.Bytes()
		}
		*b = w.Bytes()
	}
	return *b
}

// connSubs is a connection's subscriptions, kept by its reader goroutine:
// per kind, the names in the order subscribed.
type connSubs struct {
	names [numKinds][]string
}

func (s *connSubs) has(k subKind, name string) bool { return slices.Contains(s.names[k], name) }

// count is the number a confirmation of kind k carries: channels and
// patterns together, or shard channels (Redis's clientSubscriptionsCount
// and clientShardSubscriptionsCount).
func (s *connSubs) count(k subKind) int {
	if k == kindShard {
		return len(s.names[kindShard])
	}
	return len(s.names[kindChannel]) + len(s.names[kindPattern])
}

func (s *connSubs) total() int {
	return len(s.names[kindChannel]) + len(s.names[kindPattern]) + len(s.names[kindShard])
}

// subscribeCmd is SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE.
func subscribeCmd(k subKind) func(c *conn, argv [][]byte) Ticket {
	return func(c *conn, argv [][]byte) Ticket {
		for _, a := range argv[1:] {
			name := string(a)
			if !c.subs.has(k, name) {
				c.q.holdMessages()
				c.holdingMessages = true
				c.subs.names[k] = append(c.subs.names[k], name)
				c.s.pubsub.add(k, name, c)
			}
			c.w.Push(3)
			c.w.BulkString(subWords[k].sub)
			c.w.Bulk(a)
			c.w.Int(int64(c.subs.count(k)))
		}
		c.noteSubs()
		c.replyKept = true // pushes: CLIENT REPLY OFF does not hide them
		return 0
	}
}

// unsubscribeCmd is UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE: of the
// names given, or of every subscription of the kind.
func unsubscribeCmd(k subKind) func(c *conn, argv [][]byte) Ticket {
	return func(c *conn, argv [][]byte) Ticket {
		c.replyKept = true // pushes: CLIENT REPLY OFF does not hide them
		names := make([]string, 0, len(argv)-1)
		for _, a := range argv[1:] {
			names = append(names, string(a))
		}
		if len(argv) == 1 {
			names = slices.Clone(c.subs.names[k])
			if len(names) == 0 {
				c.w.Push(3)
				c.w.BulkString(subWords[k].unsub)
				c.w.NullBulk()
				c.w.Int(int64(c.subs.count(k)))
				return 0
			}
		}
		for _, name := range names {
			c.unsubscribe(k, name)
			c.w.Push(3)
			c.w.BulkString(subWords[k].unsub)
			c.w.BulkString(name)
			c.w.Int(int64(c.subs.count(k)))
		}
		c.noteSubs()
		return 0
	}
}

// unsubscribe ends the connection's subscription to name, if it has one.
func (c *conn) unsubscribe(k subKind, name string) {
	i := slices.Index(c.subs.names[k], name)
	if i < 0 {
		return
	}
	c.subs.names[k] = slices.Delete(c.subs.names[k], i, i+1)
	c.s.pubsub.remove(k, name, c)
}

// unsubscribeAll ends every subscription (RESET, and the connection's end).
func (c *conn) unsubscribeAll() {
	for k := range numKinds {
		for _, name := range slices.Clone(c.subs.names[k]) {
			c.unsubscribe(k, name)
		}
	}
	c.noteSubs()
}

// noteSubs publishes the subscription counts for CLIENT LIST and for the
// RESP2 subscribed-mode check.
func (c *conn) noteSubs() {
	c.mu.Lock()
	c.subCounts = [numKinds]int{len(c.subs.names[kindChannel]), len(c.subs.names[kindPattern]), len(c.subs.names[kindShard])}
	c.mu.Unlock()
}

// inPubSubMode reports whether the connection has a subscription (Redis's
// CLIENT_PUBSUB flag). Reader goroutine only.
func (c *conn) inPubSubMode() bool { return c.subs.total() > 0 }

// deliverFrom delivers msg to c, published by self (nil: not by a
// connection of this node): into the publisher's own reply if c is the
// publisher, else on c's queue.
func (c *conn) deliverFrom(self *conn, msg []byte) {
	if c == self {
		c.w.Raw(msg)
		return
	}
	c.deliver(msg)
}

// deliver puts a message on the connection's reply queue, between whole
// replies. It never blocks the publisher: a subscriber whose queue is over
// the pubsub class's client-output-buffer-limit is closed, as Redis closes
// it.
func (c *conn) deliver(msg []byte) {
	hard, soft, secs := c.s.config.pubsubLimits()
	if !c.q.pushMessage(msg, hard, soft, time.Duration(secs)*time.Second) {
		c.s.log.Warn("closing pubsub client over its output buffer limit", "id", c.id, "addr", c.addr)
		c.kill()
	}
}

// publishCmd is PUBLISH and SPUBLISH.
func publishCmd(sharded bool) func(c *conn, argv [][]byte) Ticket {
	return func(c *conn, argv [][]byte) Ticket {
		n := c.s.pubsub.publish(c, sharded, argv[1], argv[2])
		c.s.backend.Publish(sharded, argv[1], argv[2])
		if c.replyHidden() {
			// A message to this connection is a push, which CLIENT REPLY
			// OFF does not hide; the count is not.
			c.replyKept = true
			return 0
		}
		c.w.Int(int64(n))
		return 0
	}
}

// allowedWhileSubscribed are the commands a RESP2 connection in Pub/Sub
// mode may send.
var allowedWhileSubscribed = map[string]bool{
	"ping": true, "subscribe": true, "ssubscribe": true, "psubscribe": true, "unsubscribe": true,
	"sunsubscribe": true, "punsubscribe": true, "quit": true, "reset": true,
}

func pubsubModeError(name string) string {
	return fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", name)
}

func pubsubSubcommands() map[string]*connCommand {
	f := []string{"pubsub", "loading", "stale"}
	a := []string{"@pubsub", "@slow"}
	return subTable(
		&connCommand{name: "channels", arity: -2, flags: f, acl: a, handler: pubsubChannelsCmd(kindChannel)},
		&connCommand{name: "shardchannels", arity: -2, flags: f, acl: a, handler: pubsubChannelsCmd(kindShard)},
		&connCommand{name: "numsub", arity: -2, flags: f, acl: a, handler: pubsubNumsubCmd(kindChannel)},
		&connCommand{name: "shardnumsub", arity: -2, flags: f, acl: a, handler: pubsubNumsubCmd(kindShard)},
		&connCommand{name: "numpat", arity: 2, flags: f, acl: a, handler: pubsubNumpatCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, handler: pubsubHelpCmd},
	)
}

// pubsubChannelsCmd: PUBSUB CHANNELS|SHARDCHANNELS [pattern].
func pubsubChannelsCmd(k subKind) func(c *conn, argv [][]byte) Ticket {
	return func(c *conn, argv [][]byte) Ticket {
		if len(argv) > 3 {
			c.errorReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try PUBSUB HELP.", cString(argv[1], 128)))
			return 0
		}
		var pattern []byte
		if len(argv) == 3 {
			pattern = argv[2]
		}
		names := c.s.pubsub.names(k, pattern)
		c.w.Array(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
		return 0
	}
}

// pubsubNumsubCmd: PUBSUB NUMSUB|SHARDNUMSUB [channel ...]: each channel
// and its number of subscribers (patterns not counted).
func pubsubNumsubCmd(k subKind) func(c *conn, argv [][]byte) Ticket {
	return func(c *conn, argv [][]byte) Ticket {
		c.w.Array(2 * (len(argv) - 2))
		for _, a := range argv[2:] {
			c.w.Bulk(a)
			c.w.Int(int64(c.s.pubsub.numSubs(k, string(a))))
		}
		return 0
	}
}

func pubsubNumpatCmd(c *conn, argv [][]byte) Ticket {
	_, n, _ := c.s.pubsub.counts()
	c.w.Int(int64(n))
	return 0
}

func pubsubHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
	return 0
}

// pubsubLimits returns the pubsub class's client-output-buffer-limit:
// hard and soft bytes (0: none) and soft seconds.
func (cs *configState) pubsubLimits() (hard, soft, secs int64) {
	p := cs.pubsubLimit.Load()
	return p[0], p[1], p[2]
}

// setPubsubLimits parses the pubsub class out of a
// client-output-buffer-limit value ("normal h s secs slave ... pubsub ...").
func (cs *configState) setPubsubLimits(v string) {
	f := strings.Fields(v)
	var l [3]int64
	for i, c := range clientClasses {
		if c == "pubsub" && len(f) >= 4*i+4 {
			for j := range 3 {
				l[j], _ = strconv.ParseInt(f[4*i+1+j], 10, 64)
			}
		}
	}
	cs.pubsubLimit.Store(&l)
}
