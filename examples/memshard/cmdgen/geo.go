package cmdgen

// The GEO commands in the random streams, on the sorted-set keys (where
// ZADD's scores, not only GEOADD's, meet them). The points are few and
// fixed, so that searches find some; none is at the same distance from
// another point or center as a third (Redis's partial sort under COUNT
// leaves such ties in an order of its own).
func init() {
	commands = append(commands,
		c("z", "GEOADD", func(g *Gen) []string {
			args := []string{g.key()}
			for range 1 + g.r.IntN(2) {
				args = append(args, g.pick("NX", "XX", "CH"))
			}
			if g.r.IntN(3) > 0 {
				args = args[:1+g.r.IntN(2)] // mostly fewer options
			}
			return append(args, g.some(3, func() []string { return append(geoPoint(g), g.member()) })...)
		}),
		c("z", "GEODIST", func(g *Gen) []string {
			return append([]string{g.key(), g.member(), g.member()}, g.opt(g.pick("m", "km", "ft", "MI", "yd"))...)
		}),
		c("z", "GEOPOS", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
		c("z", "GEOHASH", func(g *Gen) []string { return append([]string{g.key()}, g.members(3)...) }),
		c("z", "GEOSEARCH", func(g *Gen) []string { return append([]string{g.key()}, geoSearchArgs(g, false)...) }),
		c("z", "GEOSEARCHSTORE", func(g *Gen) []string {
			return append([]string{g.key(), g.key()}, geoSearchArgs(g, true)...)
		}),
		c("z", "GEORADIUS", func(g *Gen) []string {
			return append(append([]string{g.key()}, geoPoint(g)...), geoRadiusOptions(g, true)...)
		}),
		c("z", "GEORADIUS_RO", func(g *Gen) []string {
			return append(append([]string{g.key()}, geoPoint(g)...), geoRadiusOptions(g, false)...)
		}),
		c("z", "GEORADIUSBYMEMBER", func(g *Gen) []string {
			return append([]string{g.key(), g.member()}, geoRadiusOptions(g, true)...)
		}),
		c("z", "GEORADIUSBYMEMBER_RO", func(g *Gen) []string {
			return append([]string{g.key(), g.member()}, geoRadiusOptions(g, false)...)
		}),
	)
}

// geoPoint returns a longitude and a latitude: mostly one of a few points
// some tens to thousands of kilometers apart, now and then an invalid one.
func geoPoint(g *Gen) []string {
	if g.r.IntN(15) == 0 {
		return []string{g.pick("181", "x", "0"), g.pick("86", "0", "-90", "y")}
	}
	p := [][]string{{"13.361389", "38.115556"}, {"15.087269", "37.502669"}, {"2.3522", "48.8566"}, {"-0.1276", "51.5072"},
		{"12.4964", "41.9028"}, {"179.9", "-16.5"}, {"-179.8", "-16.9"}, {"0.7", "84.9"}, {"-73.9", "40.7"}}
	return p[g.r.IntN(len(p))]
}

// geoShapeArgs returns BYRADIUS or BYBOX with its sizes.
func geoShapeArgs(g *Gen) []string {
	unit := g.pick("km", "km", "m", "mi", "ft", "KM")
	if g.r.IntN(2) == 0 {
		return []string{"BYRADIUS", g.pick("100", "300", "1500", "5000", "20000", "0", "-1"), unit}
	}
	return []string{"BYBOX", g.pick("200", "800", "4000", "0"), g.pick("300", "1000", "6000", "x"), unit}
}

// geoResultOptions returns sorting, COUNT (maybe ANY) and, when with is
// set, WITH* options, in a random order.
func geoResultOptions(g *Gen, with bool) []string {
	var opts [][]string
	if g.r.IntN(2) == 0 {
		opts = append(opts, []string{g.pick("ASC", "DESC")})
	}
	if g.r.IntN(2) == 0 {
		cnt := []string{"COUNT", g.pick("1", "2", "3", "10", "0")}
		if g.r.IntN(3) == 0 {
			cnt = append(cnt, "ANY")
		}
		opts = append(opts, cnt)
	} else if g.r.IntN(10) == 0 {
		opts = append(opts, []string{"ANY"})
	}
	if with || g.r.IntN(10) == 0 {
		for _, w := range []string{"WITHDIST", "WITHCOORD", "WITHHASH"} {
			if g.r.IntN(3) == 0 {
				opts = append(opts, []string{w})
			}
		}
	}
	g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	var out []string
	for _, o := range opts {
		out = append(out, o...)
	}
	return out
}

// geoSearchArgs returns GEOSEARCH's (or GEOSEARCHSTORE's) options.
func geoSearchArgs(g *Gen, store bool) []string {
	from := []string{"FROMMEMBER", g.member()}
	if g.r.IntN(2) == 0 {
		from = append([]string{"FROMLONLAT"}, geoPoint(g)...)
	}
	parts := [][]string{from, geoShapeArgs(g), geoResultOptions(g, !store)}
	if store {
		parts = append(parts, g.opt("STOREDIST"))
	}
	if g.r.IntN(20) == 0 { // a FROM or BY missing
		parts = parts[1:]
	}
	g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// geoRadiusOptions returns GEORADIUS's radius, unit and options, with
// (store) STORE or STOREDIST now and then.
func geoRadiusOptions(g *Gen, store bool) []string {
	args := []string{g.pick("100", "300", "1500", "5000", "0"), g.pick("km", "m", "mi", "ft", "km")}
	args = append(args, geoResultOptions(g, !store || g.r.IntN(4) == 0)...)
	if store && g.r.IntN(2) == 0 {
		args = append(args, g.pick("STORE", "STOREDIST"), g.key())
	}
	return args
}
