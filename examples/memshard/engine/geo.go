package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE and the
// older GEORADIUS, GEORADIUSBYMEMBER and their _RO forms, as Redis 7.0's
// geo.c answers them. A geo set is a sorted set whose scores are geohashes
// (see geo_hash.go). GEOADD propagates as the ZADD it amounts to; the
// stores propagate as sent (a replica holds the same source and searches
// it the same way).

const (
	geoErrUnit    = "ERR unsupported unit provided. please use M, KM, FT, MI"
	geoErrMember  = "ERR could not decode requested zset member"
	geoErrCount   = "ERR COUNT must be > 0"
	geoErrAnyNeed = "ERR the ANY argument requires COUNT argument"
)

func geoCommands() []*Command {
	w := []string{FlagWrite, FlagDenyOOM}
	wm := []string{FlagWrite, FlagDenyOOM, "movablekeys"}
	ro := []string{FlagReadOnly}
	key1 := func(name string, arity int, flags []string, h func(db *DB, c *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	radius := func(name string, arity int, flags []string, how geoSearchFlags) *Command {
		cmd := key1(name, arity, flags, func(db *DB, c *Call) { geoSearchGeneric(db, c, 1, how) })
		if how&geoNoStore == 0 {
			base := 5 // the first option of GEORADIUSBYMEMBER
			if how&geoFromCoords != 0 {
				base = 6
			}
			cmd.KeysFunc = func(argv [][]byte) [][]byte { return geoRadiusKeys(argv, base) }
		}
		return cmd
	}
	return []*Command{
		key1("geoadd", -5, w, geoaddCommand),
		key1("geodist", -4, ro, geodistCommand),
		key1("geohash", -2, ro, geohashCommand),
		key1("geopos", -2, ro, geoposCommand),
		radius("georadius", -6, wm, geoFromCoords),
		radius("georadius_ro", -6, ro, geoFromCoords|geoNoStore),
		radius("georadiusbymember", -5, wm, geoFromMember),
		radius("georadiusbymember_ro", -5, ro, geoFromMember|geoNoStore),
		key1("geosearch", -7, ro, func(db *DB, c *Call) { geoSearchGeneric(db, c, 1, geoSearch) }),
		{Name: "geosearchstore", Arity: -8, Flags: w, FirstKey: 1, LastKey: 2, Step: 1,
			Handler: func(db *DB, c *Call) { geoSearchGeneric(db, c, 2, geoSearch|geoSearchStore) }},
	}
}

// geoRadiusKeys returns GEORADIUS's keys: the source, then the key of
// the last STORE or STOREDIST (the one the command writes), as Redis's
// georadiusGetKeys finds it.
func geoRadiusKeys(argv [][]byte, base int) [][]byte {
	keys := [][]byte{argv[1]}
	store := -1
	for i := base; i+1 < len(argv); i++ {
		if equalFold(argv[i], "store") || equalFold(argv[i], "storedist") {
			store = i + 1
			i++
		}
	}
	if store > 0 {
		keys = append(keys, argv[store])
	}
	return keys
}

// geoFormatF is C's "%f" (inf and nan spelled as glibc does).
func geoFormatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoParseLonLat reads a longitude and a latitude, refusing points
// outside Redis's limits.
func geoParseLonLat(c *Call, lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = zsetParseFloat(lonArg); !ok {
		c.Out.Error(ErrNotFloat)
		return 0, 0, false
	}
	if lat, ok = zsetParseFloat(latArg); !ok {
		c.Out.Error(ErrNotFloat)
		return 0, 0, false
	}
	if lon < geoLonMin || lon > geoLonMax || lat < geoLatMin || lat > geoLatMax {
		c.Out.Error("ERR invalid longitude,latitude pair " + geoFormatF(lon) + "," + geoFormatF(lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoParseUnit returns the meters in one unit.
func geoParseUnit(c *Call, b []byte) (float64, bool) {
	switch {
	case equalFold(b, "m"):
		return 1, true
	case equalFold(b, "km"):
		return 1000, true
	case equalFold(b, "ft"):
		return 0.3048, true
	case equalFold(b, "mi"):
		return 1609.34, true
	}
	c.Out.Error(geoErrUnit)
	return 0, false
}

// geoParseFloatOr parses a float argument, replying msg (or Redis's
// generic message) if it is none.
func geoParseFloatOr(c *Call, b []byte, msg string) (float64, bool) {
	v, ok := zsetParseFloat(b)
	if !ok {
		c.Out.Error(msg)
	}
	return v, ok
}

func geoaddCommand(db *DB, c *Call) {
	argv := c.Argv
	var f zaddFlags
	i := 2
	for ; i < len(argv); i++ {
		switch a := argv[i]; {
		case equalFold(a, "nx"):
			f.nx = true
			continue
		case equalFold(a, "xx"):
			f.xx = true
			continue
		case equalFold(a, "ch"):
			f.ch = true
			continue
		}
		break
	}
	if (len(argv)-i)%3 != 0 || (f.nx && f.xx) {
		c.Out.Error(ErrSyntax)
		return
	}
	if i == len(argv) { // only options: ZADD's own complaint
		c.Out.Error(ErrSyntax)
		return
	}
	// The ZADD this amounts to: the options as sent, then score-member pairs.
	zadd := append([][]byte{[]byte("ZADD")}, argv[1:i]...)
	scores := make([]float64, 0, (len(argv)-i)/3)
	for j := i; j < len(argv); j += 3 {
		lon, lat, ok := geoParseLonLat(c, argv[j], argv[j+1])
		if !ok {
			return
		}
		s := geoEncodeScore(lon, lat)
		scores = append(scores, float64(s))
		zadd = append(zadd, strconv.AppendUint(nil, s, 10), argv[j+2])
	}
	key := argv[1]
	z, ok := lookupValue[*ZSet](db, c, key)
	if !ok {
		return
	}
	created := z == nil && !f.xx
	if created {
		z = NewZSet()
	}
	var added, updated int
	if z != nil {
		for k, s := range scores {
			a, u, _, _, _ := z.add(s, string(argv[i+3*k+2]), f)
			added += zsetB2i(a)
			updated += zsetB2i(u)
		}
	}
	if added+updated > 0 {
		if created {
			db.Set(c, string(key), z, 0)
		} else {
			db.Touch(string(key))
		}
		c.PropagateOwned(zadd)
	}
	if f.ch {
		c.Out.Int(int64(added + updated))
	} else {
		c.Out.Int(int64(added))
	}
	if added+updated > 0 {
		db.notify(c, NotifyZSet, "zadd", key) // GEOADD is ZADD, in Redis
	}
}

// geoWriteDistance writes a distance as Redis does: a bulk "%.4f".
func geoWriteDistance(c *Call, d float64) {
	c.Out.BulkString(strconv.FormatFloat(d, 'f', 4, 64))
}

// geoWriteCoord writes a coordinate as addReplyHumanLongDouble: "%.17Lf"
// without trailing zeros, a bulk string in RESP2 and a double in RESP3.
func geoWriteCoord(c *Call, v float64) {
	s := strconv.FormatFloat(v, 'f', 17, 64) // a double is exact as a long double
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	if c.Out.Proto() == 3 {
		c.Out.Raw([]byte("," + s + "\r\n"))
		return
	}
	c.Out.BulkString(s)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func geodistCommand(db *DB, c *Call) {
	toMeters := 1.0
	if len(c.Argv) == 5 {
		var ok bool
		if toMeters, ok = geoParseUnit(c, c.Argv[4]); !ok {
			return
		}
	} else if len(c.Argv) > 5 {
		c.Out.Error(ErrSyntax)
		return
	}
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Out.NullBulk()
		return
	}
	s1, ok1 := z.Score(string(c.Argv[2]))
	s2, ok2 := z.Score(string(c.Argv[3]))
	if !ok1 || !ok2 {
		c.Out.NullBulk()
		return
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	geoWriteDistance(c, geoDistance(lon1, lat1, lon2, lat2)/toMeters)
}

// geoHashAlphabet is the standard geohash base32 alphabet.
const geoHashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geoMemberScore returns member's score in z (nil: a missing key).
func geoMemberScore(z *ZSet, member []byte) (float64, bool) {
	if z == nil {
		return 0, false
	}
	return z.Score(string(member))
}

func geohashCommand(db *DB, c *Call) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	c.Out.Array(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		score, ok := geoMemberScore(z, m)
		if !ok {
			c.Out.NullBulk()
			continue
		}
		// Scores use Mercator's latitudes; the standard geohash string
		// uses ±90, so the point is encoded again.
		lon, lat := geoDecodeScore(score)
		cell, _ := geoStandard.encode(lon, lat, geoStepMax)
		var buf [11]byte
		for i := range buf {
			idx := uint64(0) // 52 bits make 10 characters; the 11th is 0
			if i < 10 {
				idx = cell.bits >> (52 - (i+1)*5) & 0x1f
			}
			buf[i] = geoHashAlphabet[idx]
		}
		c.Out.Bulk(buf[:])
	}
}

func geoposCommand(db *DB, c *Call) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	c.Out.Array(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		score, ok := geoMemberScore(z, m)
		if !ok {
			c.Out.NullArray()
			continue
		}
		lon, lat := geoDecodeScore(score)
		c.Out.Array(2)
		geoWriteCoord(c, lon)
		geoWriteCoord(c, lat)
	}
}

// geoSearchFlags say which command geoSearchGeneric serves.
type geoSearchFlags int

const (
	geoFromCoords  geoSearchFlags = 1 << iota // GEORADIUS: center lon lat
	geoFromMember                             // GEORADIUSBYMEMBER: center member
	geoNoStore                                // the _RO forms: no STORE
	geoSearch                                 // GEOSEARCH's FROM*/BY* options
	geoSearchStore                            // GEOSEARCHSTORE: STOREDIST flag
)

// geoShape is a search area: a circle (radius) or a box (width, height)
// around lon, lat, in a unit of toMeters meters.
type geoShape struct {
	box                   bool
	lon, lat              float64
	radius, width, height float64
	toMeters              float64
}

// geoPoint is a match: its member, score, position and distance.
type geoPoint struct {
	member   string
	score    float64
	lon, lat float64
	dist     float64 // meters until the reply converts it
}

func geoSearchGeneric(db *DB, c *Call, srcIdx int, how geoSearchFlags) {
	argv := c.Argv
	z, ok := readValue[*ZSet](db, c, argv[srcIdx])
	if !ok {
		return
	}
	var shape geoShape
	var storeKey []byte
	storeDist := false
	base := 0
	parseDistance := func(at int) bool {
		r, ok := geoParseFloatOr(c, argv[at], "ERR need numeric radius")
		if !ok {
			return false
		}
		if r < 0 {
			c.Out.Error("ERR radius cannot be negative")
			return false
		}
		shape.radius = r
		shape.toMeters, ok = geoParseUnit(c, argv[at+1])
		return ok
	}
	switch {
	case how&geoFromCoords != 0:
		base = 6
		if shape.lon, shape.lat, ok = geoParseLonLat(c, argv[2], argv[3]); !ok {
			return
		}
		if !parseDistance(4) {
			return
		}
	case how&geoFromMember != 0:
		base = 5
		// With no source, Redis parses neither member nor radius, only
		// the options, to know which empty reply to give.
		if z != nil {
			if !geoMemberPos(c, z, argv[2], &shape) || !parseDistance(3) {
				return
			}
		}
	default:
		base = 2
		if how&geoSearchStore != 0 {
			base = 3
			storeKey = argv[1]
		}
	}

	var withDist, withHash, withCoord, any, fromMember, fromLoc, byRadius, byBox bool
	sortDir := 0 // 1 ascending, -1 descending
	var count int64
	for i := base; i < len(argv); i++ {
		a := argv[i]
		left := len(argv) - i - 1 // arguments after this one
		search := how&geoSearch != 0
		storeOK := how&geoNoStore == 0 && !search
		switch {
		case equalFold(a, "withdist"):
			withDist = true
		case equalFold(a, "withhash"):
			withHash = true
		case equalFold(a, "withcoord"):
			withCoord = true
		case equalFold(a, "any"):
			any = true
		case equalFold(a, "asc"):
			sortDir = 1
		case equalFold(a, "desc"):
			sortDir = -1
		case equalFold(a, "count") && left >= 1:
			if count, ok = argInt(c, argv[i+1], ""); !ok {
				return
			}
			if count <= 0 {
				c.Out.Error(geoErrCount)
				return
			}
			i++
		case equalFold(a, "store") && left >= 1 && storeOK:
			storeKey, storeDist = argv[i+1], false
			i++
		case equalFold(a, "storedist") && left >= 1 && storeOK:
			storeKey, storeDist = argv[i+1], true
			i++
		case equalFold(a, "storedist") && how&geoSearchStore != 0:
			storeDist = true
		case equalFold(a, "frommember") && left >= 1 && search && !fromLoc:
			if z != nil && !geoMemberPos(c, z, argv[i+1], &shape) {
				return
			}
			fromMember = true
			i++
		case equalFold(a, "fromlonlat") && left >= 2 && search && !fromMember:
			if shape.lon, shape.lat, ok = geoParseLonLat(c, argv[i+1], argv[i+2]); !ok {
				return
			}
			fromLoc = true
			i += 2
		case equalFold(a, "byradius") && left >= 2 && search && !byBox:
			if !parseDistance(i + 1) {
				return
			}
			shape.box = false
			byRadius = true
			i += 2
		case equalFold(a, "bybox") && left >= 3 && search && !byRadius:
			wd, ok := geoParseFloatOr(c, argv[i+1], "ERR need numeric width")
			if !ok {
				return
			}
			ht, ok := geoParseFloatOr(c, argv[i+2], "ERR need numeric height")
			if !ok {
				return
			}
			if ht < 0 || wd < 0 {
				c.Out.Error("ERR height or width cannot be negative")
				return
			}
			shape.width, shape.height = wd, ht
			if shape.toMeters, ok = geoParseUnit(c, argv[i+3]); !ok {
				return
			}
			shape.box = true
			byBox = true
			i += 3
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}

	if storeKey != nil && (withDist || withHash || withCoord) {
		what := "STORE option in GEORADIUS"
		if how&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.Out.Error("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	if how&geoSearch != 0 && !fromMember && !fromLoc {
		c.Out.Error(fmt.Sprintf("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", cString(argv[0])))
		return
	}
	if how&geoSearch != 0 && !byRadius && !byBox {
		c.Out.Error(fmt.Sprintf("ERR exactly one of BYRADIUS and BYBOX can be specified for %s", cString(argv[0])))
		return
	}
	if any && count == 0 {
		c.Out.Error(geoErrAnyNeed)
		return
	}

	if z == nil {
		if storeKey != nil {
			if db.Delete(string(storeKey)) {
				db.notify(c, NotifyGeneric, "del", storeKey)
				c.PropagateAsIs()
			}
			c.Out.Int(0)
		} else {
			c.Out.Array(0)
		}
		return
	}
	// COUNT keeps the nearest, so it sorts; with ANY it keeps the first found.
	if count != 0 && sortDir == 0 && !any {
		sortDir = 1
	}
	limit := 0
	if any {
		limit = int(min(count, math.MaxInt32))
	}
	points := geoSearchPoints(z, &shape, limit)
	if len(points) == 0 && storeKey == nil {
		c.Out.Array(0)
		return
	}
	n := len(points)
	if count != 0 && int64(n) > count {
		n = int(count)
	}
	// Sorting all, Redis calls glibc's qsort, a stable merge sort; with
	// COUNT below the number of matches, its own partial quicksort, whose
	// steps decide the order of equal distances.
	if sortDir != 0 {
		cmp := func(a, b *geoPoint) int { return sortDir * cmpFloat(a.dist, b.dist) }
		if n == len(points) {
			slices.SortStableFunc(points, func(a, b geoPoint) int { return cmp(&a, &b) })
		} else {
			geoSortPartly(points, n, cmp)
		}
	}
	points = points[:n]

	if storeKey == nil {
		opts := b2i(withDist) + b2i(withHash) + b2i(withCoord)
		c.Out.Array(n)
		for _, p := range points {
			if opts > 0 {
				c.Out.Array(opts + 1)
			}
			c.Out.BulkString(p.member)
			if withDist {
				geoWriteDistance(c, p.dist/shape.toMeters)
			}
			if withHash {
				c.Out.Int(int64(p.score))
			}
			if withCoord {
				c.Out.Array(2)
				geoWriteCoord(c, p.lon)
				geoWriteCoord(c, p.lat)
			}
		}
		return
	}
	changed := false
	if n > 0 {
		members := make([]string, n)
		scores := make([]float64, n)
		for i, p := range points {
			members[i] = p.member
			scores[i] = p.score
			if storeDist {
				scores[i] = p.dist / shape.toMeters
			}
		}
		db.Set(c, string(storeKey), zsetFromPairs(members, scores), 0)
		changed = true
		event := "georadiusstore"
		if how&geoSearch != 0 {
			event = "geosearchstore"
		}
		db.notify(c, NotifyZSet, event, storeKey)
	} else if changed = db.Delete(string(storeKey)); changed {
		db.notify(c, NotifyGeneric, "del", storeKey)
	}
	if changed {
		c.PropagateAsIs()
	}
	c.Out.Int(int64(n))
}

// cmpFloat orders distances as Redis's comparator does (no NaNs here).
func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// geoMemberPos sets the shape's center to member's position, or replies
// Redis's error if member is not in z.
func geoMemberPos(c *Call, z *ZSet, member []byte, shape *geoShape) bool {
	score, ok := z.Score(string(member))
	if !ok {
		c.Out.Error(geoErrMember)
		return false
	}
	shape.lon, shape.lat = geoDecodeScore(score)
	return true
}
