package cmdgen

// SORT in the random streams. Numeric SORT is left out: Redis reads errno
// after strtod without clearing it, so once any command left ERANGE in
// errno (a ZADD of 5e-324 does), a numeric SORT of a non-integer element
// fails until another command clears it; its own test (engine's
// TestSort_Scores) clears errno before each SORT instead. They compare as
// Sorted, which also keeps the generator from dropping ALPHA (a numeric
// SORT); the order of what STORE stored is compared by the LRANGEs that
// follow.
func init() {
	commands = append(commands,
		cSorted("", "SORT", func(g *Gen) []string { return sortArgs(g, true) }),
		cSorted("", "SORT_RO", func(g *Gen) []string { return sortArgs(g, false) }),
		cSorted("t", "SORT", func(g *Gen) []string { return []string{g.key(), "BY", "nosort"} }), // a set's own order
	)
}

// sortArgs draws SORT's arguments on a list or sorted set: ALPHA (maybe
// with LIMIT) or BY a constant, maybe DESC, maybe (store) STORE.
func sortArgs(g *Gen, store bool) []string {
	g.typ = g.pick("l", "z")
	args := []string{g.key(), g.pick("ALPHA", "ALPHA", "BY nosort")}
	if args[1] == "BY nosort" {
		args = []string{args[0], "BY", "nosort"}
	}
	args = append(args, g.opt("DESC")...)
	if args[1] == "ALPHA" {
		// Not with BY: a key renamed from a set would give a subset in
		// the set's own order, which Redis leaves undefined.
		args = append(args, g.opt("LIMIT", g.num(), g.num())...)
	}
	if store {
		args = append(args, g.opt("STORE", g.key())...)
	}
	return args
}
