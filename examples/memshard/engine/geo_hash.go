package engine

import "math"

// The geohash behind Redis's GEO commands. A point is stored in a sorted
// set with a 52-bit score: 26 bits of longitude and 26 of latitude,
// interleaved (latitude in the even bits), each an index into 2^26 slices
// of its range. Searches look at a cell of the grid at a coarser step
// around the center and its eight neighbours, and scan each cell's score
// range. Every floating-point step follows Redis's order of operations:
// a coordinate or distance is visible to the last bit (GEOPOS, STOREDIST).

const (
	geoStepMax = 26 // bits per coordinate in a score
	geoLonMin  = -180.0
	geoLonMax  = 180.0
	// Web Mercator's limits: Redis refuses latitudes beyond.
	geoLatMin = -85.05112878
	geoLatMax = 85.05112878

	geoEarthRadius = 6372797.560856 // meters, Redis's quadratic mean radius
	geoMercatorMax = 20037726.37    // half the equator, in meters
)

// geoDegRad is Redis's D_R, M_PI/180 rounded once as a double (a Go
// constant expression would round the exact quotient instead).
var geoDegRad = func() float64 { pi := math.Pi; return pi / 180 }()

func geoDegToRad(d float64) float64 { return d * geoDegRad }
func geoRadToDeg(r float64) float64 { return r / geoDegRad }

// geoCell is a cell of the grid at some step: its interleaved bits. The
// zero geoCell (step 0) marks a neighbour left out of a search.
type geoCell struct {
	bits uint64
	step uint
}

// geoSpread moves the low 32 bits of v to the even bits.
func geoSpread(v uint32) uint64 {
	var out uint64
	for i := range 32 {
		out |= uint64(v>>i&1) << (2 * i)
	}
	return out
}

// geoSqueeze gathers the even bits of v.
func geoSqueeze(v uint64) uint32 {
	var out uint32
	for i := range 32 {
		out |= uint32(v>>(2*i)&1) << i
	}
	return out
}

// geoRanges are the coordinate ranges a grid divides: Redis's own (the
// Mercator latitudes) for scores, the standard ones for GEOHASH strings.
type geoRanges struct{ lonMin, lonMax, latMin, latMax float64 }

var (
	geoWGS84    = geoRanges{geoLonMin, geoLonMax, geoLatMin, geoLatMax}
	geoStandard = geoRanges{-180, 180, -90, 90}
)

// encode returns the cell of (lon, lat) at step; ok is false outside the
// ranges (or Redis's limits).
func (r geoRanges) encode(lon, lat float64, step uint) (geoCell, bool) {
	if lon > geoLonMax || lon < geoLonMin || lat > geoLatMax || lat < geoLatMin ||
		lat < r.latMin || lat > r.latMax || lon < r.lonMin || lon > r.lonMax {
		return geoCell{}, false
	}
	latOff := (lat - r.latMin) / (r.latMax - r.latMin)
	lonOff := (lon - r.lonMin) / (r.lonMax - r.lonMin)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	// C converts the offsets to uint32 by truncation; at the top of a
	// range the offset is 2^step, which carries into the next bit.
	return geoCell{geoSpread(uint32(latOff)) | geoSpread(uint32(lonOff))<<1, step}, true
}

// geoArea is the rectangle a cell covers.
type geoArea struct{ lonMin, lonMax, latMin, latMax float64 }

// decode returns the rectangle of cell c.
func (r geoRanges) decode(c geoCell) geoArea {
	ilat := geoSqueeze(c.bits)
	ilon := geoSqueeze(c.bits >> 1)
	div := float64(uint64(1) << c.step)
	latScale := r.latMax - r.latMin
	lonScale := r.lonMax - r.lonMin
	// float64() around each product keeps the compiler from fusing it
	// with the addition, which C (on x86-64) does not do either.
	return geoArea{
		latMin: r.latMin + float64(float64(ilat)/div*latScale),
		latMax: r.latMin + float64(float64(uint64(ilat)+1)/div*latScale),
		lonMin: r.lonMin + float64(float64(ilon)/div*lonScale),
		lonMax: r.lonMin + float64(float64(uint64(ilon)+1)/div*lonScale),
	}
}

// center is a rectangle's middle, clamped to Redis's limits.
func (a geoArea) center() (lon, lat float64) {
	lon = min(max((a.lonMin+a.lonMax)/2, geoLonMin), geoLonMax)
	lat = min(max((a.latMin+a.latMax)/2, geoLatMin), geoLatMax)
	return lon, lat
}

// geoScoreBits converts a score to uint64 as x86-64 C code does
// ((uint64_t)score): below 2^63 by a signed truncation (anything out of
// the int64 range gives 1<<63), at or above it by the same after
// subtracting 2^63, with the top bit flipped. A score not made by GEOADD
// (ZADD -1 m) thus decodes as Redis decodes it.
func geoScoreBits(s float64) uint64 {
	const two63 = 9223372036854775808.0
	trunc := func(f float64) uint64 {
		if !(f >= -two63 && f < two63) { // outside int64, or NaN
			return 1 << 63
		}
		return uint64(int64(f))
	}
	if s < two63 || math.IsNaN(s) {
		return trunc(s)
	}
	return trunc(s-two63) ^ 1<<63
}

// geoDecodeScore returns the point a score stands for: its cell's middle.
func geoDecodeScore(score float64) (lon, lat float64) {
	return geoWGS84.decode(geoCell{geoScoreBits(score), geoStepMax}).center()
}

// geoEncodeScore returns GEOADD's score for a valid point.
func geoEncodeScore(lon, lat float64) uint64 {
	c, _ := geoWGS84.encode(lon, lat, geoStepMax)
	return c.align52()
}

// align52 shifts a cell's bits to the top of 52 bits, the score of its
// first point.
func (c geoCell) align52() uint64 { return c.bits << (52 - 2*c.step) }

// move returns the cell d steps (-1, 0, 1) east and north of c, wrapping
// around the grid, with Redis's bit arithmetic.
func (c geoCell) move(dx, dy int) geoCell {
	shift := 64 - 2*c.step
	moveAxis := func(bits, axisMask uint64, d int) uint64 {
		axis := bits & axisMask
		other := bits &^ axisMask
		// fill holds ones in the other axis' bits of the cell's width, so
		// that carries and borrows cross them.
		fill := ^axisMask >> shift
		if d > 0 {
			axis += fill + 1
		} else {
			axis = (axis | fill) - (fill + 1)
		}
		return axis&(axisMask>>shift) | other
	}
	if dx != 0 {
		c.bits = moveAxis(c.bits, 0xaaaaaaaaaaaaaaaa, dx)
	}
	if dy != 0 {
		c.bits = moveAxis(c.bits, 0x5555555555555555, dy)
	}
	return c
}

// geoDistance is the haversine distance in meters on Redis's sphere.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := geoDegToRad(lat1), geoDegToRad(lon1)
	lat2r, lon2r := geoDegToRad(lat2), geoDegToRad(lon2)
	u := geoSin((lat2r - lat1r) / 2)
	v := geoSin((lon2r - lon1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * geoEarthRadius * geoAsin(math.Sqrt(a))
}
