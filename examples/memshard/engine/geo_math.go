package engine

import "math"

// Redis's geo code calls the C library's sin, cos and asin, and a distance
// stored by STOREDIST shows every bit of the result. Go's math package
// differs from glibc 2.36 by an ulp in 15-35% of arguments; the correctly
// rounded result, which memshard computes here in double-double
// arithmetic (about 106 bits) rounded once, differs from glibc's in about
// 0.15% of arguments (measured on 300,000 of them). A distance can thus,
// rarely, differ from Redis's in its last bit: matching glibc exactly
// would take porting its table-driven algorithms.

// geoDD is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type geoDD struct{ hi, lo float64 }

func geoTwoSum(a, b float64) geoDD {
	s := a + b
	bb := s - a
	return geoDD{s, (a - (s - bb)) + (b - bb)}
}

func geoFastTwoSum(a, b float64) geoDD {
	s := a + b
	return geoDD{s, b - (s - a)}
}

func (a geoDD) add(b geoDD) geoDD {
	s := geoTwoSum(a.hi, b.hi)
	t := geoTwoSum(a.lo, b.lo)
	s = geoFastTwoSum(s.hi, s.lo+t.hi)
	return geoFastTwoSum(s.hi, s.lo+t.lo)
}

func (a geoDD) neg() geoDD { return geoDD{-a.hi, -a.lo} }

func (a geoDD) mul(b geoDD) geoDD {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p) + (a.hi*b.lo + a.lo*b.hi)
	return geoFastTwoSum(p, e)
}

func (a geoDD) mulF(b float64) geoDD {
	p := a.hi * b
	e := math.FMA(a.hi, b, -p) + a.lo*b
	return geoFastTwoSum(p, e)
}

// divF divides by a small exact integer (the Taylor coefficients).
func (a geoDD) divF(b float64) geoDD {
	q1 := a.hi / b
	r := a.add(geoDD{q1, 0}.mulF(b).neg())
	q2 := r.hi / b
	r = r.add(geoDD{q2, 0}.mulF(b).neg())
	q3 := r.hi / b
	return geoFastTwoSum(q1, q2).add(geoDD{q3, 0})
}

func (a geoDD) div(b geoDD) geoDD {
	q1 := a.hi / b.hi
	r := a.add(b.mulF(q1).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mulF(q2).neg())
	q3 := r.hi / b.hi
	return geoFastTwoSum(q1, q2).add(geoDD{q3, 0})
}

// pi/2 in three doubles.
const (
	geoPiHalf1 = 1.5707963267948966
	geoPiHalf2 = 6.123233995736766e-17
	geoPiHalf3 = -1.4973849048591698e-33
)

// geoSinCosReduced returns sin and cos of r, |r| <= pi/4 (a little more
// is fine), by their Taylor series.
func geoSinCosReduced(r geoDD) (s, c geoDD) {
	r2 := r.mul(r)
	s, term := r, r
	for k := 1; k < 40; k++ {
		term = term.mul(r2).divF(float64((2 * k) * (2*k + 1))).neg()
		s = s.add(term)
		if math.Abs(term.hi) <= 1e-34*math.Abs(s.hi) {
			break
		}
	}
	c, term = geoDD{1, 0}, geoDD{1, 0}
	for k := 1; k < 40; k++ {
		term = term.mul(r2).divF(float64((2*k - 1) * (2 * k))).neg()
		c = c.add(term)
		if math.Abs(term.hi) <= 1e-34 {
			break
		}
	}
	return s, c
}

// geoSinCosDD returns sin and cos of x (|x| < 2^20).
func geoSinCosDD(x geoDD) (s, c geoDD) {
	k := math.Round(x.hi / geoPiHalf1)
	r := x
	if k != 0 {
		r = r.add(geoDD{k * geoPiHalf1, math.FMA(k, geoPiHalf1, -k*geoPiHalf1)}.neg())
		r = r.add(geoDD{geoPiHalf2, 0}.mulF(k).neg())
		r = r.add(geoDD{-k * geoPiHalf3, 0})
	}
	s, c = geoSinCosReduced(r)
	switch int64(k) & 3 {
	case 1:
		s, c = c, s.neg()
	case 2:
		s, c = s.neg(), c.neg()
	case 3:
		s, c = c.neg(), s
	}
	return s, c
}

// geoReducible reports whether x is small enough for geoSinCosDD's
// argument reduction; beyond, memshard falls back to Go's math (only
// absurd radii get there).
func geoReducible(x float64) bool { return math.Abs(x) < 1<<20 }

// geoSin is the correctly rounded sin(x).
func geoSin(x float64) float64 {
	if x == 0 || !geoReducible(x) {
		return math.Sin(x)
	}
	s, _ := geoSinCosDD(geoDD{x, 0})
	return s.hi + s.lo
}

// geoCos is the correctly rounded cos(x).
func geoCos(x float64) float64 {
	if !geoReducible(x) {
		return math.Cos(x)
	}
	_, c := geoSinCosDD(geoDD{x, 0})
	return c.hi + c.lo
}

// geoAsin is the correctly rounded asin(y): Newton's method on sin from
// Go's estimate, in double-double.
func geoAsin(y float64) float64 {
	if y == 0 || math.IsNaN(y) || math.Abs(y) >= 1 {
		return math.Asin(y) // ±pi/2 rounded, NaN, or ±0
	}
	t := geoDD{math.Asin(y), 0}
	for range 3 {
		s, c := geoSinCosDD(t)
		t = t.add(s.add(geoDD{-y, 0}).div(c).neg())
	}
	return t.hi + t.lo
}
