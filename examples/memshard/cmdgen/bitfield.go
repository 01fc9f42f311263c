package cmdgen

// BITFIELD and BITFIELD_RO in the random streams, on the string keys: a
// few fields of any width at small offsets (so that they overlap, grow the
// string and read what SET, APPEND or SETBIT left), values at and past the
// limits of their type, and OVERFLOW switches between them.
func init() {
	commands = append(commands,
		c("s", "BITFIELD", func(g *Gen) []string { return bitfieldArgs(g, false) }),
		c("s", "BITFIELD_RO", func(g *Gen) []string { return bitfieldArgs(g, true) }),
	)
}

// bitfieldArgs draws the key and up to four operations: only GETs (and
// OVERFLOWs) for BITFIELD_RO, mostly.
func bitfieldArgs(g *Gen, readOnly bool) []string {
	args := []string{g.key()}
	for range g.r.IntN(5) {
		typ := g.pick("i", "u") + g.pick("1", "3", "8", "8", "13", "16", "32", "63")
		if g.r.IntN(10) == 0 {
			typ = g.pick("i64", "u64", "i0", "u1")
		}
		off := g.pick("0", "1", "7", "8", "20", "#1", "#3", "64", g.num())
		op := g.pick("GET", "GET", "SET", "INCRBY", "INCRBY", "OVERFLOW")
		if readOnly && op != "OVERFLOW" && g.r.IntN(8) > 0 {
			op = "GET"
		}
		switch op {
		case "GET":
			args = append(args, op, typ, off)
		case "OVERFLOW":
			args = append(args, op, g.pick("WRAP", "SAT", "FAIL"))
		default:
			val := g.num()
			if g.r.IntN(3) == 0 { // around the limits of a byte
				val = g.pick("127", "128", "-128", "-129", "255", "256")
			}
			args = append(args, op, typ, off, val)
		}
	}
	return args
}
