package engine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The GEO commands compared with redis-server, reply by reply: replies,
// errors, the order of matches (the cells' scan order, or sorted, fully
// or partly, ties included), what the stores store, and the replica.

// geoCities are the centers of the test dataset.
var geoCities = []struct {
	name     string
	lon, lat float64
}{
	{"paris", 2.3522, 48.8566}, {"palermo", 13.361389, 38.115556}, {"nyc", -74.006, 40.7128},
	{"tokyo", 139.6917, 35.6895}, {"sydney", 151.2093, -33.8688}, {"quito", -78.4678, -0.1807},
	{"reykjavik", -21.9426, 64.1466}, {"fiji", 179.95, -17.7134}, {"samoa", -179.9, -13.759},
	{"north", 10, 84.9}, {"south", -60, -84.8}, {"null", 0, 0},
}

// geoDataset adds a few hundred points to key: around each city, spread
// over some hundred kilometers (deterministically), plus the cities.
func geoDataset(h *harness, key string, perCity int) {
	h.t.Helper()
	r := rand.New(rand.NewPCG(7, 11))
	for _, c := range geoCities {
		args := []string{"GEOADD", key, strconv.FormatFloat(c.lon, 'f', -1, 64), strconv.FormatFloat(c.lat, 'f', -1, 64), c.name}
		for i := range perCity {
			lon := c.lon + (r.Float64()-0.5)*4
			lat := c.lat + (r.Float64()-0.5)*3
			lon = min(max(lon, -180), 180)
			lat = min(max(lat, -85.05), 85.05)
			args = append(args, strconv.FormatFloat(lon, 'f', 6, 64), strconv.FormatFloat(lat, 'f', 6, 64), fmt.Sprintf("%s-%d", c.name, i))
		}
		h.diff(args...)
	}
}

func TestGeoAdd(t *testing.T) {
	h := newHarness(t)
	for _, argv := range [][]string{
		{"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
		{"GEOADD", "g", "13.361389", "38.115556", "Palermo"},
		{"GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo", "13.5", "38.1", "Catania", "1", "2", "new"},
		{"GEOADD", "g", "NX", "0", "0", "Palermo", "1", "1", "nx1"},
		{"GEOADD", "g", "XX", "0", "0", "Palermo", "1", "1", "xx1"},
		{"GEOADD", "g", "XX", "CH", "0", "0", "Palermo", "1", "1", "xx1"},
		{"GEOADD", "g", "ch", "nx", "ch", "5", "5", "Palermo", "6", "6", "nx2"},
		{"GEOADD", "g", "NX", "XX", "1", "1", "a"},
		{"GEOADD", "g", "NX", "XX", "CH"},
		{"GEOADD", "g", "CH", "CH", "CH"},
		{"GEOADD", "g", "CH", "CH", "CH", "1"},
		{"GEOADD", "g", "1", "1", "a", "2"},
		{"GEOADD", "g", "GT", "1", "1", "a"},
		{"GEOADD", "g", "GT", "1", "1"},
		{"GEOADD", "g", "x", "1", "a"}, {"GEOADD", "g", "1", "y", "a"}, {"GEOADD", "g", "nan", "1", "a"},
		{"GEOADD", "g", "200", "10", "a"}, {"GEOADD", "g", "-180.0001", "10", "a"}, {"GEOADD", "g", "10", "85.06", "a"},
		{"GEOADD", "g", "10", "-85.05112879", "a"}, {"GEOADD", "g", "inf", "0", "a"}, {"GEOADD", "g", "0", "-inf", "a"},
		{"GEOADD", "g", "1e300", "0", "a"}, {"GEOADD", "g", "1", "1", "ok", "500", "1", "bad"},
		{"GEOADD", "g", "180", "85.05112878", "corner", "-180", "-85.05112878", "corner2", "-0", "0", "zero"},
		{"GEOADD", "g", " 1", "1", "a"}, {"GEOADD", "g", "0x10", "1", "hex"}, {"GEOADD", "g", "1e1", "1.5e1", "exp"},
		{"EXISTS", "g2"}, {"GEOADD", "g2", "XX", "1", "1", "a"}, {"EXISTS", "g2"},
		{"SET", "str", "x"}, {"GEOADD", "str", "1", "1", "a"}, {"GEOADD", "str", "500", "1", "a"},
		{"ZRANGE", "g", "0", "-1", "WITHSCORES"}, {"OBJECT", "ENCODING", "g"},
		{"geoadd", "g"}, {"GEOADD", "g", "1", "1"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

func TestGeoPosHashDist(t *testing.T) {
	h := newHarness(t)
	geoDataset(h, "g", 5)
	h.diff("GEOADD", "g", "180", "85.05112878", "corner", "-180", "-85.05112878", "corner2", "-0", "0", "zero")
	// Scores GEOADD never makes decode as C's conversion to uint64 has it.
	h.diff("ZADD", "g", "-1", "neg", "inf", "pinf", "-inf", "ninf", "1e300", "huge", "4503599627370496", "2p52", "0.5", "half", "1e17", "big")
	members := []string{"paris", "palermo", "nyc", "tokyo", "sydney", "quito", "fiji", "samoa", "north", "south", "null",
		"paris-0", "fiji-3", "corner", "corner2", "zero", "neg", "pinf", "ninf", "huge", "2p52", "half", "big", "nosuch"}
	for _, proto := range []int{2, 3} {
		h.proto = proto
		h.redis.Do("HELLO", strconv.Itoa(proto))
		h.diff(append([]string{"GEOPOS", "g"}, members...)...)
		h.diff(append([]string{"GEOHASH", "g"}, members...)...)
		h.diff("GEOPOS", "nokey", "a", "b")
		h.diff("GEOHASH", "nokey", "a")
		h.diff("GEODIST", "nokey", "a", "b")
		h.diff("GEODIST", "g", "paris", "nosuch")
	}
	h.proto = 2
	h.redis.Do("HELLO", "2")
	for i, a := range members {
		for _, b := range members[i:] {
			h.diff("GEODIST", "g", a, b)
		}
		for _, unit := range []string{"m", "km", "ft", "mi", "KM", "Mi"} {
			h.diff("GEODIST", "g", a, "tokyo", unit)
		}
	}
	for _, argv := range [][]string{
		{"GEODIST", "g", "paris", "nyc", "yd"}, {"GEODIST", "g", "paris", "nyc", "km", "x"},
		{"GEODIST", "nokey", "paris", "nyc", "yd"}, {"GEODIST", "g", "paris"},
		{"SET", "str", "x"}, {"GEODIST", "str", "a", "b"}, {"GEOPOS", "str", "a"}, {"GEOHASH", "str", "a"},
		{"GEOPOS", "g"}, {"GEOHASH", "g"},
	} {
		h.diff(argv...)
	}
}

// geoSearchOptions are the option sets each search is run with: sorting,
// COUNT (sorting only part of the matches, or ANY: the first found) and
// the WITH* replies.
var geoSearchOptions = [][]string{
	nil, {"ASC"}, {"DESC"}, {"WITHDIST"}, {"WITHCOORD", "WITHHASH"}, {"WITHDIST", "WITHHASH", "WITHCOORD", "DESC"},
	{"COUNT", "3"}, {"COUNT", "3", "DESC", "WITHDIST"}, {"COUNT", "5", "ANY"}, {"COUNT", "5", "ANY", "ASC", "WITHCOORD"},
	{"COUNT", "1000"}, {"COUNT", "1000", "ANY", "WITHDIST", "WITHHASH"}, {"COUNT", "1", "ANY", "DESC"}, {"withdist", "asc", "count", "7"},
}

// TestGeoSearch runs GEOSEARCH, GEORADIUS, GEORADIUSBYMEMBER and their
// _RO forms around every city and some members, by radius and by box in
// every unit, with every option set, over a dataset kept in both of
// Redis's encodings.
func TestGeoSearch(t *testing.T) {
	h := newHarness(t)
	geoDataset(h, "big", 25) // a skiplist
	geoDataset(h, "small", 1)
	// Ties: the same point as paris (distance 0 between them, equal
	// distances from anywhere else), sorted fully or partly (COUNT).
	h.diff("GEOADD", "small", "2.3522", "48.8566", "paris-twin", "2.3522", "48.8566", "paris-triplet")
	h.diff("GEOADD", "big", "2.3522", "48.8566", "paris-twin", "2.3522", "48.8566", "paris-triplet")
	h.diff("OBJECT", "ENCODING", "big")
	h.diff("OBJECT", "ENCODING", "small")
	shapes := [][]string{ // radius (GEORADIUS's form) and box
		{"100", "km"}, {"500000", "m"}, {"30", "mi"}, {"200000", "ft"}, {"0", "km"}, {"3000", "km"}, {"15000", "km"},
	}
	boxes := [][]string{{"200", "100", "km"}, {"50", "50", "mi"}, {"1000000", "10000", "m"}, {"0", "0", "m"}, {"9000", "9000", "km"}}
	for _, key := range []string{"big", "small"} {
		for _, city := range geoCities {
			lon, lat := strconv.FormatFloat(city.lon, 'f', -1, 64), strconv.FormatFloat(city.lat, 'f', -1, 64)
			for i, opts := range geoSearchOptions {
				shape := shapes[i%len(shapes)]
				box := boxes[i%len(boxes)]
				for _, argv := range [][]string{
					append([]string{"GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", shape[0], shape[1]}, opts...),
					append([]string{"GEOSEARCH", key, "FROMMEMBER", city.name, "BYBOX", box[0], box[1], box[2]}, opts...),
					append([]string{"GEOSEARCH", key}, append(opts, "BYBOX", box[0], box[1], box[2], "FROMLONLAT", lon, lat)...),
					append([]string{"GEORADIUS", key, lon, lat, shape[0], shape[1]}, opts...),
					append([]string{"GEORADIUS_RO", key, lon, lat, shape[0], shape[1]}, opts...),
					append([]string{"GEORADIUSBYMEMBER", key, city.name, shape[0], shape[1]}, opts...),
					append([]string{"GEORADIUSBYMEMBER_RO", key, city.name, shape[0], shape[1]}, opts...),
				} {
					h.diff(argv...)
				}
			}
		}
	}
	h.proto = 3
	h.redis.Do("HELLO", "3")
	h.diff("GEOSEARCH", "small", "FROMMEMBER", "paris", "BYRADIUS", "5000", "km", "WITHCOORD", "WITHDIST", "WITHHASH", "ASC")
	h.diff("GEORADIUS", "big", "0", "0", "10000", "km", "WITHCOORD", "COUNT", "3")
}

// TestGeoSearchEdges: points on the edge of a radius (at the distance
// GEODIST reports, rounded either way, and at distance 0), near the poles
// and across the antimeridian.
func TestGeoSearchEdges(t *testing.T) {
	h := newHarness(t)
	h.diff("GEOADD", "g", "179.99", "0", "east", "-179.99", "0", "west", "179.999999", "10", "e2", "-179.999999", "10", "w2",
		"0", "85.05", "pole1", "90", "85.04", "pole2", "180", "85.05112878", "pole3", "-90", "84.9", "pole4",
		"0", "-85.05", "spole1", "120", "-85", "spole2", "10", "10", "c", "10.5", "10", "c1", "10", "10.5", "c2", "10", "10", "c-twin")
	for _, argv := range [][]string{
		{"GEORADIUSBYMEMBER", "g", "east", "3", "km", "ASC", "WITHDIST"},
		{"GEORADIUSBYMEMBER", "g", "w2", "2000", "km"},
		{"GEOSEARCH", "g", "FROMLONLAT", "180", "0", "BYBOX", "10", "10", "km", "WITHCOORD"},
		{"GEOSEARCH", "g", "FROMLONLAT", "-180", "5", "BYRADIUS", "1200", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "pole1", "BYRADIUS", "600", "km", "DESC", "WITHDIST"},
		{"GEOSEARCH", "g", "FROMMEMBER", "pole3", "BYRADIUS", "2000", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "pole3", "BYBOX", "20000", "100", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "spole1", "BYBOX", "5000", "1000", "km", "ASC"},
		{"GEOSEARCH", "g", "FROMLONLAT", "0", "-85.05112878", "BYRADIUS", "1000", "km", "WITHCOORD"},
		{"GEOSEARCH", "g", "FROMMEMBER", "c", "BYRADIUS", "0", "m", "WITHDIST"},
		{"GEOSEARCH", "g", "FROMMEMBER", "c", "BYBOX", "0", "0", "m", "ASC"},
		{"GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYRADIUS", "1e9", "km", "DESC"},
		{"GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYRADIUS", "inf", "km"},
		{"GEOSEARCH", "g", "FROMLONLAT", "10", "10", "BYBOX", "40000", "40000", "km"},
		{"GEORADIUS", "g", "0", "0", "20000", "km"},
		{"GEORADIUS", "g", "0", "0", "0.001", "m"},
	} {
		h.diff(argv...)
	}
	// At the distance GEODIST rounds to 4 decimals, and a little more.
	for _, m := range []string{"c1", "c2", "east", "pole2"} {
		from := "c"
		if m == "east" {
			from = "west"
		} else if m == "pole2" {
			from = "pole1"
		}
		reply := string(h.diff("GEODIST", "g", from, m, "m"))
		var n int
		var d string
		if _, err := fmt.Sscanf(reply, "$%d\r\n%s", &n, &d); err != nil {
			t.Fatalf("GEODIST reply %q", reply)
		}
		dist, _ := strconv.ParseFloat(d, 64)
		for _, r := range []float64{dist, dist + 0.0001, dist - 0.0001} {
			rs := strconv.FormatFloat(r, 'f', 4, 64)
			h.diff("GEORADIUSBYMEMBER", "g", from, rs, "m", "WITHDIST", "ASC")
			h.diff("GEOSEARCH", "g", "FROMMEMBER", from, "BYRADIUS", rs, "m")
			h.diff("GEOSEARCH", "g", "FROMMEMBER", from, "BYBOX", strconv.FormatFloat(2*r, 'f', 4, 64), strconv.FormatFloat(2*r, 'f', 4, 64), "m")
		}
	}
}

// TestGeoStore: GEORADIUS's STORE and STOREDIST, GEOSEARCHSTORE with and
// without STOREDIST: the reply, the set stored (scores, encoding, TTL
// gone), deleting the destination when nothing matches, and the replica.
func TestGeoStore(t *testing.T) {
	h := newHarness(t)
	geoDataset(h, "big", 25)
	geoDataset(h, "small", 2)
	h.diff("GEOADD", "long", "10", "10", "a", "10.1", "10", "b", "10", "10.1", fmt.Sprintf("%070d", 1))
	check := func(dst string) {
		t.Helper()
		h.diff("ZRANGE", dst, "0", "-1", "WITHSCORES")
		h.diff("OBJECT", "ENCODING", dst)
		h.diff("TTL", dst)
	}
	for _, argv := range [][]string{
		{"GEORADIUS", "big", "2.35", "48.85", "300", "km", "STORE", "d1"},
		{"GEORADIUS", "big", "2.35", "48.85", "300", "km", "STOREDIST", "d2"},
		{"GEORADIUS", "big", "2.35", "48.85", "300", "km", "STORE", "d3", "COUNT", "5"},
		{"GEORADIUS", "big", "2.35", "48.85", "300", "mi", "STOREDIST", "d4", "COUNT", "5", "DESC"},
		{"GEORADIUS", "big", "2.35", "48.85", "300", "km", "STORE", "x", "STOREDIST", "d5"},
		{"GEORADIUS", "big", "2.35", "48.85", "300", "km", "STOREDIST", "x", "STORE", "d6", "COUNT", "3", "ANY"},
		{"GEORADIUSBYMEMBER", "big", "tokyo", "200", "km", "STORE", "d7", "DESC"},
		{"GEORADIUSBYMEMBER", "big", "tokyo", "200", "ft", "STOREDIST", "d8"},
		{"GEOSEARCHSTORE", "d9", "big", "FROMMEMBER", "sydney", "BYBOX", "400", "400", "km"},
		{"GEOSEARCHSTORE", "d10", "big", "FROMMEMBER", "sydney", "BYBOX", "400", "400", "km", "STOREDIST"},
		{"GEOSEARCHSTORE", "d11", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "STOREDIST", "COUNT", "100", "DESC"},
		{"GEOSEARCHSTORE", "d12", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "COUNT", "200", "ANY"},
		{"GEOSEARCHSTORE", "d13", "small", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "STOREDIST"},
		{"GEOSEARCHSTORE", "d14", "long", "FROMLONLAT", "10", "10", "BYRADIUS", "100", "km"},
		{"GEOSEARCHSTORE", "d15", "long", "FROMLONLAT", "10", "10", "BYRADIUS", "1", "km"},
		// Same longitude as the center: the haversine all the same in 7.0.
		{"GEOSEARCHSTORE", "d16", "long", "FROMMEMBER", "a", "BYRADIUS", "100", "km", "STOREDIST"},
		{"GEORADIUSBYMEMBER", "long", "a", "100", "km", "STOREDIST", "d17"},
		{"GEOSEARCHSTORE", "big", "big", "FROMMEMBER", "quito", "BYRADIUS", "100", "km", "STOREDIST"},
	} {
		h.diff(argv...)
		dst := argv[len(argv)-1]
		for i, a := range argv {
			if a == "STORE" || a == "STOREDIST" && i+1 < len(argv) && argv[0] != "GEOSEARCHSTORE" {
				dst = argv[i+1]
			}
		}
		if argv[0] == "GEOSEARCHSTORE" {
			dst = argv[1]
		}
		check(dst)
	}
	// Nothing found, or no source: the destination goes (with its TTL).
	for _, argv := range [][]string{
		{"SET", "e1", "x", "EX", "100"}, {"GEOSEARCHSTORE", "e1", "small", "FROMLONLAT", "-30", "-40", "BYRADIUS", "1", "km"}, {"EXISTS", "e1"},
		{"SET", "e2", "x"}, {"GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "e2"}, {"EXISTS", "e2"},
		{"SET", "e3", "x"}, {"GEORADIUSBYMEMBER", "nokey", "m", "x", "km", "STOREDIST", "e3"}, {"EXISTS", "e3"},
		{"SET", "e4", "x"}, {"GEOSEARCHSTORE", "e4", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1", "km"}, {"EXISTS", "e4"},
		{"GEOSEARCHSTORE", "e5", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
		{"SET", "e6", "x", "EX", "100"}, {"GEORADIUS", "small", "0", "0", "500", "km", "STORE", "e6"}, {"TTL", "e6"}, {"TYPE", "e6"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

// TestGeoErrors: syntax errors, missing or conflicting FROM/BY options,
// COUNT's and ANY's rules, STORE with WITH* options, bad numbers and
// units, unknown members and wrong types, in Redis's order of checks.
func TestGeoErrors(t *testing.T) {
	h := newHarness(t)
	h.diff("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
	h.diff("SET", "str", "x")
	for _, argv := range [][]string{
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo"}, {"GEOSEARCH", "g", "BYRADIUS", "1", "km", "ASC"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "g", "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", "200", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "BYRADIUS", "1", "m"},
		{"GEOSEARCH", "g", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "0"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "-1"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT", "x"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "COUNT"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "ANY"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "ANY", "COUNT", "1"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STORE", "x"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STOREDIST"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "-1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "x", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "yd"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "x", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "x", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "-1", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "-1", "yd"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "yd"},
		{"GEOSEARCH", "g", "FROMLONLAT", "200", "1", "BYBOX", "1", "1", "km"},
		{"GEOSEARCH", "g", "FROMLONLAT", "x", "1", "BYBOX", "1", "1", "km"},
		{"GEOSEARCH", "g", "FROMLONLAT", "1", "BYBOX", "1", "1", "km"},
		{"GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "FOO"},
		{"GEOSEARCH", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "x", "km"},
		{"GEOSEARCH", "nokey", "FROMMEMBER", "Palermo"},
		{"GEOSEARCH", "str", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"},
		{"GEOSEARCH", "str", "FOO"},
		{"geosearch", "g", "frommember", "Palermo"},
		{"GEOSEARCH", "g", "FROMLONLAT", "1", "2"},
		{"GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "WITHDIST"},
		{"GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "STORE", "x"},
		{"GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Palermo", "WITHCOORD"},
		{"GEOSEARCHSTORE", "d", "g", "BYRADIUS", "1", "km"},
		{"GEOSEARCHSTORE", "d", "str", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"},
		{"GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "ANY"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "x", "WITHDIST"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "WITHHASH", "STOREDIST", "x"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STORE"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "FROMMEMBER", "Palermo"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "BYRADIUS", "1", "km"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST"},
		{"GEORADIUS", "g", "15", "37", "-200", "km"}, {"GEORADIUS", "g", "15", "37", "r", "km"}, {"GEORADIUS", "g", "15", "37", "1", "x"},
		{"GEORADIUS", "g", "15", "95", "200", "km"}, {"GEORADIUS", "g", "a", "37", "200", "km"},
		{"GEORADIUS", "nokey", "15", "95", "200", "km"}, {"GEORADIUS", "nokey", "15", "37", "200", "km", "FOO"},
		{"GEORADIUS", "str", "15", "95", "200", "km"},
		{"GEORADIUS", "g", "15", "37", "200", "km", "COUNT", "0"}, {"GEORADIUS", "g", "15", "37", "200", "km", "ANY"},
		{"GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "x"},
		{"GEORADIUS_RO", "g", "15", "37", "200", "km", "STOREDIST", "x"},
		{"GEORADIUSBYMEMBER", "g", "nosuch", "200", "km"},
		{"GEORADIUSBYMEMBER", "g", "Palermo", "x", "km"},
		{"GEORADIUSBYMEMBER", "nokey", "Palermo", "x", "yd", "WITHDIST"},
		{"GEORADIUSBYMEMBER", "nokey", "Palermo", "x", "yd", "BAD"},
		{"GEORADIUSBYMEMBER", "nokey", "Palermo", "x", "yd", "STORE", "x", "WITHDIST"},
		{"GEORADIUSBYMEMBER", "str", "Palermo", "200", "km"},
		{"GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "STORE", "x"},
		{"GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "ASC", "COUNT", "1", "any"},
		{"GEORADIUS", "g", "15", "37", "200"}, {"GEORADIUSBYMEMBER", "g", "Palermo", "200"},
	} {
		h.diff(argv...)
	}
	h.checkReplica()
}

// TestGeoSearchTies: many members on a few points, so that distances tie
// everywhere, searched with COUNT (Redis's partial quicksort) and without
// (glibc's merge sort), ascending and descending, seeded.
func TestGeoSearchTies(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		h.diff("DEL", "g")
		n := 2 + r.IntN(60)
		args := []string{"GEOADD", "g"}
		for i := range n {
			args = append(args, strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(3)), fmt.Sprintf("m%02d", i))
		}
		h.diff(args...)
		k := strconv.Itoa(1 + r.IntN(n))
		dir := []string{"ASC", "DESC"}[r.IntN(2)]
		h.diff("GEORADIUS", "g", "0.4", "0.3", "1000", "km", dir, "COUNT", k)
		h.diff("GEOSEARCH", "g", "FROMMEMBER", "m00", "BYBOX", "800", "800", "km", dir, "COUNT", k, "WITHDIST")
		h.diff("GEOSEARCH", "g", "FROMMEMBER", "m01", "BYRADIUS", "800", "km", dir)
		h.diff("GEOSEARCHSTORE", "dst", "g", "FROMLONLAT", "0.4", "0.3", "BYRADIUS", "800", "km", "COUNT", k, "STOREDIST")
		h.diff("ZRANGE", "dst", "0", "-1", "WITHSCORES")
	}
	h.checkReplica()
}
