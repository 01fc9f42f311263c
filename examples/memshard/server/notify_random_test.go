package server

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/cmdgen"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestNotifyRandom runs cmdgen's random streams on redis-server 7.0 and
// memshard with every keyspace notification enabled (AKEnm) and compares
// the notifications each command sends, in order, as well as its reply.
// A command now and then runs inside EVAL (redis.pcall), and the blocking
// pops run with a short timeout, so that their notifications (served at
// once, or none) are compared too.
//
// Even seeds read the notifications on a separate RESP2 connection
// subscribed to __key*__:*, up to a marker published after each command;
// odd seeds send the commands on a RESP3 connection that is itself
// subscribed, and compare everything it reads up to a PING after each
// command: the notifications of its own command come inside its reply,
// where Redis writes them.
//
// MEMSHARD_NOTIFY_SEEDS and MEMSHARD_NOTIFY_STEPS hunt with more seeds
// and longer streams, from MEMSHARD_RANDOM_SEED_BASE; NOTIFY_DEBUG=1 logs
// every step and what both servers sent.
func TestNotifyRandom(t *testing.T) {
	runNotifyRandom(t, func(seed int) notifyMode {
		if seed%2 == 1 {
			return notifySelf
		}
		return notifySubscriber
	})
}

// TestTrackingRandom runs cmdgen's random streams as TestNotifyRandom
// does, on a RESP3 connection with CLIENT TRACKING ON instead (and no
// keyspace notifications): the invalidations it reads, for the keys its
// own reads remembered and the two connections' writes changed, must be
// Redis's, in the same places among its replies.
func TestTrackingRandom(t *testing.T) {
	runNotifyRandom(t, func(int) notifyMode { return notifyTracking })
}

// notifyMode is how a notifySide reads what a command sent.
type notifyMode int

const (
	notifySubscriber notifyMode = iota // a separate connection subscribed to __key*__:*
	notifySelf                         // the command's connection is subscribed itself (RESP3)
	notifyTracking                     // the command's connection tracks keys (RESP3)
)

func runNotifyRandom(t *testing.T, modeOf func(seed int) notifyMode) {
	rs := redisdiff.Start(t)
	srv, addr := startServer(t, Config{})
	seeds, steps := 4, 600
	if testing.Short() {
		seeds, steps = 2, 300
	}
	if s := os.Getenv("MEMSHARD_NOTIFY_SEEDS"); s != "" {
		seeds, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("MEMSHARD_NOTIFY_STEPS"); s != "" {
		steps, _ = strconv.Atoi(s)
	}
	base := randomSeedBase()
	for seed := base; seed < base+seeds; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			flushBoth(t, rs.Addr, addr)
			how := modeOf(seed)
			r := newNotifySide(t, rs.Addr, how)
			m := newNotifySide(t, addr, how)
			g := cmdgen.New(uint64(seed))
			g.Watchers = true
			var sent [][]string
			for i := range steps {
				cmd := g.Draw()
				if cmdgen.Unspecified(cmd, r.cmd[1].Do) { // cmd[1]: never subscribed nor in MULTI
					continue
				}
				if !g.InTransaction() && !cmd.Other {
					cmd.Args = notifyWrap(cmd)
				}
				c := 0
				if cmd.Other {
					c = 1
					sent = append(sent, append([]string{"(second connection)"}, cmd.Args...))
				} else {
					sent = append(sent, cmd.Args)
				}
				mode := famModes[cmd.Mode]
				scan := cmd.Mode == cmdgen.FullScan
				marker := fmt.Sprintf("notify-marker-%d", i) // no generated value looks like it
				if os.Getenv("NOTIFY_DEBUG") != "" {
					t.Logf("step %d %q", i, shortArgs(cmd.Args))
				}
				want := r.run(c, cmd.Args, scan, marker)
				got := m.run(c, cmd.Args, scan, marker)
				if os.Getenv("NOTIFY_DEBUG") != "" {
					t.Logf("  memshard %s\n  redis %s", got, want)
				}
				if !notifyEqual(mode, got, want) {
					t.Fatalf("step %d %q:\nmemshard: %s\nredis:    %s\nthe commands before it:\n%s",
						i, shortArgs(cmd.Args), got, want, lastCommands(sent[:i], 25))
				}
			}
			checkSlotCounts(t, srv)
		})
	}
}

// notifySide is one server's connections in TestNotifyRandom.
type notifySide struct {
	t    *testing.T
	cmd  [2]*redisdiff.Conn // the commands; cmd[0] subscribed if self
	sub  *redisdiff.Conn    // the subscriber (not self)
	self bool
	// multi: cmd[0] is in MULTI, where a marker would be queued.
	multi bool
}

func newNotifySide(t *testing.T, addr string, mode notifyMode) *notifySide {
	s := &notifySide{t: t, cmd: [2]*redisdiff.Conn{dial(t, addr), dial(t, addr)}, self: mode != notifySubscriber}
	if mode == notifyTracking {
		s.cmd[1].Do("CONFIG", "SET", "notify-keyspace-events", "")
		s.cmd[0].Do("HELLO", "3")
		if got := s.cmd[0].Do("CLIENT", "TRACKING", "ON"); string(got) != "+OK\r\n" {
			t.Fatalf("CLIENT TRACKING ON on %s = %q", addr, got)
		}
		return s
	}
	if got := s.cmd[1].Do("CONFIG", "SET", "notify-keyspace-events", "AKEnm"); string(got) != "+OK\r\n" {
		t.Fatalf("CONFIG SET notify-keyspace-events on %s = %q", addr, got)
	}
	if s.self {
		s.cmd[0].Do("HELLO", "3")
		s.cmd[0].Do("PSUBSCRIBE", "__key*__:*")
		return s
	}
	s.sub = dial(t, addr)
	s.sub.Do("PSUBSCRIBE", "__key*__:*")
	s.sub.Do("SUBSCRIBE", "notify-marker")
	return s
}

// notifyOutput is what one command gave: its reply and the notifications
// (raw), or, for a connection subscribed itself, everything it read.
type notifyOutput struct {
	reply, notes []byte
	self         bool
}

func (o notifyOutput) String() string {
	if o.self {
		return fmt.Sprintf("read %s", showPushes(o.reply))
	}
	return fmt.Sprintf("reply %q, notifications %s", o.reply, showPushes(o.notes))
}

// run sends args on connection c (a SCAN-family command at cursor 0 is
// run to its end, on cmd[1]) and returns its reply and the notifications
// it sent.
func (s *notifySide) run(c int, args []string, scan bool, marker string) notifyOutput {
	if s.self && c == 0 && !scan {
		name := strings.ToUpper(args[0])
		ends := name == "EXEC" || name == "DISCARD"
		if s.multi && !ends || name == "MULTI" {
			// Queued, or opening the block: no notification, one reply.
			reply := s.cmd[0].Do(args...)
			if name == "MULTI" && string(reply) == "+OK\r\n" {
				s.multi = true
			}
			return notifyOutput{reply: reply, self: true}
		}
		if ends {
			s.multi = false
		}
		s.cmd[0].Send(append(redisdiff.Encode(args...), redisdiff.Encode("PING", marker)...))
		return notifyOutput{reply: s.untilMarker(marker), self: true}
	}
	var reply []byte
	switch {
	case scan:
		elems, errReply := fullScan(s.cmd[1], args)
		reply = append([]byte(strings.Join(elems, "\n")), errReply...)
	default:
		reply = s.cmd[c].Do(args...)
	}
	if s.self {
		s.cmd[0].Send(redisdiff.Encode("PING", marker))
		return notifyOutput{reply: reply, notes: s.untilMarker(marker)}
	}
	// The reply is here, so every notification of the command has been
	// published: Redis publishes as it runs the command, and memshard's
	// standalone backend (ticket 0) before its reply.
	s.cmd[1].Do("PUBLISH", "notify-marker", marker)
	var notes []byte
	for {
		v := s.sub.Read()
		if bytes.Contains(v, []byte("notify-marker")) {
			if !isBulkSuffix(v, marker) {
				s.t.Fatalf("marker %q, want %q", v, marker)
			}
			break
		}
		notes = append(notes, v...)
	}
	return notifyOutput{reply: reply, notes: notes}
}

// untilMarker reads cmd[0] up to the reply of PING marker.
func (s *notifySide) untilMarker(marker string) []byte {
	return s.cmd[0].ReadUntil(fmt.Appendf(nil, "$%d\r\n%s\r\n", len(marker), marker))
}

// showPushes renders raw replies for a failure message: each
// notification as "[channel message]" (its pattern left out), the rest
// quoted.
func showPushes(b []byte) string {
	var out []string
	for len(b) > 0 {
		n := rawReplyLen(b)
		if n <= 0 {
			out = append(out, fmt.Sprintf("%q", b))
			break
		}
		v := b[:n]
		b = b[n:]
		parts := strings.Split(string(v), "\r\n")
		if (v[0] == '>' || v[0] == '*') && len(parts) >= 9 && (parts[2] == "pmessage" || parts[2] == "message") {
			if parts[2] == "pmessage" {
				out = append(out, "["+parts[6]+" "+parts[8]+"]")
			} else {
				out = append(out, "["+parts[4]+" "+parts[6]+"]")
			}
			continue
		}
		out = append(out, fmt.Sprintf("%q", v))
	}
	return strings.Join(out, " ")
}

func isBulkSuffix(v []byte, s string) bool {
	return strings.HasSuffix(string(v), fmt.Sprintf("$%d\r\n%s\r\n", len(s), s))
}

// notifyEqual compares two outputs: notifications exactly; replies as
// mode says. Everything a subscribed connection read is compared
// exactly for an exact reply; otherwise its pushes exactly and the rest
// as mode says.
func notifyEqual(mode famMode, got, want notifyOutput) bool {
	if !bytes.Equal(got.notes, want.notes) {
		return false
	}
	if !got.self || mode == famExact {
		return rawEqual(mode, got.reply, want.reply)
	}
	gp, gr := splitPushes(got.reply)
	wp, wr := splitPushes(want.reply)
	return bytes.Equal(gp, wp) && rawEqual(mode, gr, wr)
}

// splitPushes separates the top-level pushes of b from the rest.
func splitPushes(b []byte) (pushes, rest []byte) {
	for len(b) > 0 {
		n := rawReplyLen(b)
		if n <= 0 {
			return pushes, append(rest, b...)
		}
		if b[0] == '>' {
			pushes = append(pushes, b[:n]...)
		} else {
			rest = append(rest, b[:n]...)
		}
		b = b[n:]
	}
	return pushes, rest
}

// notifyWrap returns cmd's arguments or, now and then, a command built on
// them that cmdgen leaves out and whose notifications are worth
// comparing: the command run by a script, or a blocking pop that finds
// something or waits a little.
func notifyWrap(cmd cmdgen.Cmd) []string {
	args := cmd.Args
	switch h := hashArgs(args) % 40; {
	case h == 0 && cmd.Mode == cmdgen.Exact && len(args) > 0:
		// The script's reply is 1 whatever the command answers.
		return append([]string{"EVAL", "redis.pcall(unpack(ARGV)) return 1", "0"}, args...)
	case h == 1 && len(args) > 1 && strings.HasPrefix(args[1], "l"):
		return []string{"BLPOP", args[1], "0.01"}
	case h == 2 && len(args) > 1 && strings.HasPrefix(args[1], "l"):
		return []string{"BLMOVE", args[1], "l1", "RIGHT", "LEFT", "0.01"}
	case h == 3 && len(args) > 1 && strings.HasPrefix(args[1], "z"):
		return []string{"BZPOPMIN", args[1], "0.01"}
	case h == 4 && len(args) > 1 && strings.HasPrefix(args[1], "l"):
		return []string{"BLMPOP", "0.01", "2", args[1], "l0", "LEFT", "COUNT", "2"}
	case h == 5 && len(args) > 1 && strings.HasPrefix(args[1], "z"):
		return []string{"BZMPOP", "0.01", "1", args[1], "MAX", "COUNT", "3"}
	case h == 6 && len(args) > 1 && strings.HasPrefix(args[1], "l"):
		return []string{"BRPOPLPUSH", args[1], "l0", "0.01"}
	}
	return args
}

// hashArgs is a cheap deterministic hash of args.
func hashArgs(args []string) uint32 {
	h := uint32(2166136261)
	for _, a := range args {
		for i := 0; i < len(a); i++ {
			h = (h ^ uint32(a[i])) * 16777619
		}
		h = (h ^ 0xff) * 16777619
	}
	return h
}

// shortArgs is args for a failure message: at most 12 of them.
func shortArgs(args []string) []string {
	if len(args) > 12 {
		return append(args[:12:12], fmt.Sprintf("... (%d arguments)", len(args)))
	}
	return args
}
