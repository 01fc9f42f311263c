package cmdgen

import "fmt"

// The stream commands in the random streams, on keys x0 and x1 (and the
// shared m0, m1). IDs are explicit, or "ms-*", never "*": an ID from the
// clock would differ between the two servers. Their milliseconds are few,
// so that IDs collide (errors) and ranges find entries; the values are
// the generator's, integers among them, and at times long, so that
// Redis's nodes fill by bytes as well as by count and approximate trims
// have nodes to take. XREAD's BLOCK is left out: Redis would block.
func init() {
	commands = append(commands,
		c("x", "XADD", func(g *Gen) []string {
			args := []string{g.key()}
			args = append(args, g.opt("NOMKSTREAM")...)
			if g.r.IntN(3) == 0 {
				args = append(args, streamTrimArgs(g)...)
			}
			args = append(args, g.pick(streamID(g), streamMs(g)+"-*", streamMs(g)+"-*"))
			for range 1 + g.r.IntN(3) {
				args = append(args, g.pick("f", "g", "name", g.member()), streamValue(g))
			}
			return args
		}),
		c("x", "XADD", func(g *Gen) []string { // a long run of entries in one
			args := []string{g.key()}
			for range 1 + g.r.IntN(3) {
				args = append(args, g.pick("f", "g", "name"), streamValue(g))
			}
			return append(args[:1:1], append([]string{streamMs(g) + "-*"}, args[1:]...)...)
		}),
		c("x", "XLEN", func(g *Gen) []string { return []string{g.key()} }),
		c("x", "XRANGE", func(g *Gen) []string {
			return append([]string{g.key(), streamBound(g, "-"), streamBound(g, "+")}, g.opt("COUNT", g.num())...)
		}),
		c("x", "XREVRANGE", func(g *Gen) []string {
			return append([]string{g.key(), streamBound(g, "+"), streamBound(g, "-")}, g.opt("COUNT", g.num())...)
		}),
		c("x", "XDEL", func(g *Gen) []string {
			return append([]string{g.key()}, g.some(3, func() []string { return []string{streamID(g)} })...)
		}),
		c("x", "XTRIM", func(g *Gen) []string { return append([]string{g.key()}, streamTrimArgs(g)...) }),
		c("x", "XSETID", func(g *Gen) []string {
			args := []string{g.key(), g.pick(streamID(g), "1000-0", "999999")}
			args = append(args, g.opt("ENTRIESADDED", g.pick("0", "5", "1000", "-1"))...)
			return append(args, g.opt("MAXDELETEDID", streamID(g))...)
		}),
		c("x", "XREAD", func(g *Gen) []string {
			args := g.opt("COUNT", g.num())
			keys := g.keys(2)
			args = append(append(args, "STREAMS"), keys...)
			for range keys {
				args = append(args, g.pick(streamID(g), "$", "0", "0-0"))
			}
			return args
		}),
	)
	// Consumer groups, on groups g1 and g2 and consumers c1 to c3. Replies
	// showing idle times (XPENDING's extended form, XINFO CONSUMERS) are
	// left out; so is XREADGROUP's BLOCK. Claims set delivery times now or
	// long ago (TIME 1000, IDLE of 30 years) and ask for no idle time or
	// one of a day: both servers claim the same entries.
	group := func(g *Gen) string { return g.pick("g1", "g2") }
	consumer := func(g *Gen) string { return g.pick("c1", "c2", "c3") }
	ids := func(g *Gen) []string { return g.some(3, func() []string { return []string{streamID(g)} }) }
	commands = append(commands,
		c("x", "XGROUP", func(g *Gen) []string {
			args := []string{"CREATE", g.key(), group(g), g.pick("$", "0", streamID(g))}
			args = append(args, g.opt("MKSTREAM")...)
			return append(args, g.opt("ENTRIESREAD", g.pick("0", "3", "-1", "100"))...)
		}),
		c("x", "XGROUP", func(g *Gen) []string {
			args := []string{"SETID", g.key(), group(g), g.pick("$", "0", streamID(g))}
			return append(args, g.opt("ENTRIESREAD", g.pick("0", "3", "-1"))...)
		}),
		c("x", "XGROUP", func(g *Gen) []string { return []string{"DESTROY", g.key(), group(g)} }),
		c("x", "XGROUP", func(g *Gen) []string { return []string{"CREATECONSUMER", g.key(), group(g), consumer(g)} }),
		c("x", "XGROUP", func(g *Gen) []string { return []string{"DELCONSUMER", g.key(), group(g), consumer(g)} }),
		c("x", "XREADGROUP", func(g *Gen) []string {
			args := []string{"GROUP", group(g), consumer(g)}
			args = append(args, g.opt("COUNT", g.pick("1", "2", "5", "0"))...)
			args = append(args, g.opt("NOACK")...)
			keys := g.keys(2)
			args = append(append(args, "STREAMS"), keys...)
			for range keys {
				args = append(args, g.pick(">", ">", "0", streamID(g)))
			}
			return args
		}),
		c("x", "XACK", func(g *Gen) []string { return append([]string{g.key(), group(g)}, ids(g)...) }),
		c("x", "XPENDING", func(g *Gen) []string { return []string{g.key(), group(g)} }),
		c("x", "XCLAIM", func(g *Gen) []string {
			args := append([]string{g.key(), group(g), consumer(g), g.pick("0", "86400000")}, ids(g)...)
			args = append(args, g.opt("IDLE", g.pick("0", "1000000000000"))...)
			args = append(args, g.opt("TIME", "1000")...)
			args = append(args, g.opt("RETRYCOUNT", g.pick("0", "5"))...)
			args = append(args, g.opt("FORCE")...)
			args = append(args, g.opt("JUSTID")...)
			return append(args, g.opt("LASTID", streamID(g))...)
		}),
		c("x", "XAUTOCLAIM", func(g *Gen) []string {
			args := []string{g.key(), group(g), consumer(g), g.pick("0", "86400000"), streamBound(g, "-")}
			args = append(args, g.opt("COUNT", g.pick("1", "2", "10"))...)
			return append(args, g.opt("JUSTID")...)
		}),
		c("x", "XINFO", func(g *Gen) []string { return []string{"GROUPS", g.key()} }),
		// XINFO STREAM FULL shows clock times: only the short form.
		c("x", "XINFO", func(g *Gen) []string { return []string{"STREAM", g.key()} }),
	)
}

// streamMs is an ID's milliseconds.
func streamMs(g *Gen) string { return fmt.Sprint(1 + g.r.IntN(60)) }

// streamID is an explicit ID, now and then only its milliseconds.
func streamID(g *Gen) string {
	if g.r.IntN(4) == 0 {
		return streamMs(g)
	}
	return fmt.Sprintf("%s-%d", streamMs(g), g.r.IntN(4))
}

// streamBound is a range bound: the end given, an ID, or an exclusive one.
func streamBound(g *Gen, end string) string {
	switch g.r.IntN(3) {
	case 0:
		return end
	case 1:
		return "(" + streamID(g)
	}
	return streamID(g)
}

// streamValue is an entry's value: mostly the generator's, at times long.
func streamValue(g *Gen) string {
	if g.r.IntN(6) == 0 {
		return fmt.Sprintf("%0*d", 50+g.r.IntN(400), g.r.IntN(1000))
	}
	return g.value()
}

// streamTrimArgs is a trimming strategy, exact or approximate.
func streamTrimArgs(g *Gen) []string {
	var args []string
	if g.r.IntN(3) > 0 {
		args = []string{"MAXLEN", g.pick("~", "=", "~", ""), g.pick("0", "1", "5", "50", "100", "150", g.num())}
	} else {
		args = []string{"MINID", g.pick("~", "=", "~", ""), streamID(g)}
	}
	if args[1] == "" {
		args = append(args[:1], args[2])
	}
	if args[1] == "~" && g.r.IntN(3) == 0 {
		args = append(args, "LIMIT", g.pick("0", "10", "100", "1000"))
	}
	return args
}
