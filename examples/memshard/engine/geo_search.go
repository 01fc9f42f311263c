package engine

import "math"

// The search of geoSearchGeneric: the cells to scan around the center and
// the matches in them, in the order Redis finds them.

// geoEstimateStep returns the grid step whose cells are about the size
// of a search of radius meters around latitude lat.
func geoEstimateStep(meters, lat float64) uint {
	if meters == 0 {
		return geoStepMax
	}
	step := 1
	for meters < geoMercatorMax {
		meters *= 2
		step++
	}
	step -= 2 // leave room for most searches
	// Meridians converge: cells are narrower towards the poles.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), geoStepMax))
}

// bounds returns the shape's bounding box in degrees, as Redis estimates it.
func (s *geoShape) bounds() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.radius, s.radius
	if s.box {
		height, width = s.height/2, s.width/2
	}
	height *= s.toMeters
	width *= s.toMeters
	latDelta := geoRadToDeg(height / geoEarthRadius)
	lonDeltaTop := geoRadToDeg(width / geoEarthRadius / geoCos(geoDegToRad(s.lat+latDelta)))
	lonDeltaBottom := geoRadToDeg(width / geoEarthRadius / geoCos(geoDegToRad(s.lat-latDelta)))
	// The box is wider on the side nearer the pole.
	lonDelta := lonDeltaTop
	if s.lat < 0 {
		lonDelta = lonDeltaBottom
	}
	return s.lon - lonDelta, s.lat - latDelta, s.lon + lonDelta, s.lat + latDelta
}

// geoSearchCells returns the nine cells Redis scans, in its order: the
// center's, then north, south, east, west, north-east, north-west,
// south-east, south-west; a cell the search cannot reach is the zero
// geoCell.
func geoSearchCells(s *geoShape) [9]geoCell {
	minLon, minLat, maxLon, maxLat := s.bounds()
	meters := s.radius
	if s.box {
		meters = math.Sqrt(float64(s.width/2*(s.width/2)) + float64(s.height/2*(s.height/2)))
	}
	meters *= s.toMeters
	step := geoEstimateStep(meters, s.lat)
	cells := func(step uint) (center geoCell, nb [8]geoCell) {
		center, _ = geoWGS84.encode(s.lon, s.lat, step)
		nb = [8]geoCell{center.move(0, 1), center.move(0, -1), center.move(1, 0), center.move(-1, 0),
			center.move(1, 1), center.move(-1, 1), center.move(1, -1), center.move(-1, -1)}
		return center, nb
	}
	const n, so, e, w, ne, nw, se, sw = 0, 1, 2, 3, 4, 5, 6, 7
	center, nb := cells(step)
	// A step too fine for the box, whose edge reaches past a neighbour:
	// one coarser.
	if step > 1 && (geoWGS84.decode(nb[n]).latMax < maxLat || geoWGS84.decode(nb[so]).latMin > minLat ||
		geoWGS84.decode(nb[e]).lonMax < maxLon || geoWGS84.decode(nb[w]).lonMin > minLon) {
		step--
		center, nb = cells(step)
	}
	area := geoWGS84.decode(center)
	if step >= 2 { // leave out the neighbours beyond the box
		drop := func(is ...int) {
			for _, i := range is {
				nb[i] = geoCell{}
			}
		}
		if area.latMin < minLat {
			drop(so, sw, se)
		}
		if area.latMax > maxLat {
			drop(n, ne, nw)
		}
		if area.lonMin < minLon {
			drop(w, sw, nw)
		}
		if area.lonMax > maxLon {
			drop(e, se, ne)
		}
	}
	return [9]geoCell{center, nb[n], nb[so], nb[e], nb[w], nb[ne], nb[nw], nb[se], nb[sw]}
}

// within reports whether the point is in the shape, and its distance
// from the center in meters.
func (s *geoShape) within(lon, lat float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.lon, s.lat, lon, lat)
		return d, !(d > s.radius*s.toMeters)
	}
	widthM, heightM := s.width*s.toMeters, s.height*s.toMeters
	lonDist := geoDistance(lon, lat, s.lon, lat)
	latDist := geoDistance(lon, lat, lon, s.lat)
	if lonDist > widthM/2 || latDist > heightM/2 {
		return 0, false
	}
	return geoDistance(s.lon, s.lat, lon, lat), true
}

// geoSearchPoints returns the members of z in the shape, cell by cell,
// each cell's in sorted-set order; with limit > 0 it stops once it has
// that many (ANY).
func geoSearchPoints(z *ZSet, s *geoShape, limit int) []geoPoint {
	var out []geoPoint
	cells := geoSearchCells(s)
	last := 0 // the index of the cell scanned last; 0 also means none
	for i, cell := range cells {
		if cell == (geoCell{}) {
			continue
		}
		// Near the poles or with huge radii neighbours coincide: a cell
		// equal to the one just scanned is skipped (Redis never compares
		// with the center's, index 0).
		if last != 0 && cell == cells[last] {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		lo := float64(cell.align52())
		hi := float64(geoCell{cell.bits + 1, cell.step}.align52())
		r := zsetScoreRange{min: lo, max: hi, maxex: true}
		for x, _ := z.firstInScore(&r); x != nil && r.lteMax(x.score); x = x.level[0].forward {
			lon, lat := geoDecodeScore(x.score)
			if d, ok := s.within(lon, lat); ok {
				out = append(out, geoPoint{member: x.member, score: x.score, lon: lon, lat: lat, dist: d})
				if limit > 0 && len(out) >= limit {
					break
				}
			}
		}
		last = i
	}
	return out
}

// geoSortPartly orders p so that p[:n] holds the first n points by cmp,
// in order, leaving the rest in whatever order the work left them. It
// is the Bentley-McIlroy quicksort of Redis's pqsort, which skips the
// parts of the array outside the wanted range: with equal distances, the
// order of the ties depends on the algorithm's steps, and memshard takes
// the same ones to give the same answer. Redis 7.0's version (unlike
// later ones) does not switch to insertion sort when a partition swapped
// nothing, as TestGeoSearchTies checks against redis-server.
func geoSortPartly(p []geoPoint, n int, cmp func(a, b *geoPoint) int) {
	c := func(i, j int) int { return cmp(&p[i], &p[j]) }
	swap := func(i, j int) { p[i], p[j] = p[j], p[i] }
	swapRun := func(i, j, k int) { // exchange p[i:i+k] and p[j:j+k]
		for x := range k {
			swap(i+x, j+x)
		}
	}
	insertion := func(base, cnt int) {
		for m := base + 1; m < base+cnt; m++ {
			for l := m; l > base && c(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	med3 := func(a, b, d int) int {
		if c(a, b) < 0 {
			switch {
			case c(b, d) < 0:
				return b
			case c(a, d) < 0:
				return d
			}
			return a
		}
		switch {
		case c(b, d) > 0:
			return b
		case c(a, d) < 0:
			return a
		}
		return d
	}
	lo, hi := 0, n-1 // the wanted range
	outside := func(base, cnt int) bool { return hi < base || lo >= base+cnt }
	var sortRange func(base, cnt int)
	sortRange = func(base, cnt int) {
		for {
			if cnt < 7 {
				insertion(base, cnt)
				return
			}
			m := base + cnt/2
			if cnt > 7 {
				l, r := base, base+cnt-1
				if cnt > 40 {
					d := cnt / 8
					l, m, r = med3(l, l+d, l+2*d), med3(m-d, m, m+d), med3(r-2*d, r-d, r)
				}
				m = med3(l, m, r)
			}
			swap(base, m)
			// Partition around p[base]: equal keys gather at both ends
			// (pa, pd), smaller ones after them on the left, larger on
			// the right; then the equal runs move to the middle.
			pa, pb := base+1, base+1
			pc, pd := base+cnt-1, base+cnt-1
			for {
				for pb <= pc {
					r := c(pb, base)
					if r > 0 {
						break
					}
					if r == 0 {
						swap(pa, pb)
						pa++
					}
					pb++
				}
				for pb <= pc {
					r := c(pc, base)
					if r < 0 {
						break
					}
					if r == 0 {
						swap(pc, pd)
						pd--
					}
					pc--
				}
				if pb > pc {
					break
				}
				swap(pb, pc)
				pb++
				pc--
			}
			end := base + cnt
			k := min(pa-base, pb-pa)
			swapRun(base, pb-k, k)
			k = min(pd-pc, end-pd-1)
			swapRun(pb, end-k, k)
			if k := pb - pa; k > 1 && !outside(base, k) {
				sortRange(base, k)
			}
			k = pd - pc
			if k <= 1 || outside(end-k, k) {
				return
			}
			base, cnt = end-k, k
		}
	}
	sortRange(0, len(p))
}
