package engine

import (
	"math"
	"strconv"
)

// Sorted-set argument parsing with the C library's rules that Redis relies
// on: strtod (decimal and hexadecimal forms, "inf"/"infinity", leading
// whitespace, longest valid prefix) for scores and score ranges, and
// Redis's own "[", "(", "-", "+" items for lexicographic ranges.

func zsetIsHex(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// zsetHasFold reports whether s starts with lower-case word, ignoring case.
func zsetHasFold(s []byte, word string) bool {
	if len(s) < len(word) {
		return false
	}
	for i := 0; i < len(word); i++ {
		if s[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}

// zsetStrtod is C's strtod without whitespace skipping: it returns the
// value of the longest prefix of s that strtod converts, the prefix
// length (0: no conversion), and erange when strtod would set ERANGE
// with a zero or infinite result (the cases Redis rejects).
func zsetStrtod(s []byte) (v float64, n int, erange bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	switch {
	case zsetHasFold(s[i:], "infinity"):
		return zsetSigned(math.Inf(1), neg), i + 8, false
	case zsetHasFold(s[i:], "inf"):
		return zsetSigned(math.Inf(1), neg), i + 3, false
	case zsetHasFold(s[i:], "nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isDigit(s[k]) || s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z' || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), j, false
	}
	if i+1 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' {
		if v, n, erange, ok := zsetStrtodHex(s, i+2, neg); ok {
			return v, n, erange
		}
		return zsetSigned(0, neg), i + 1, false // just the "0"
	}
	start := i
	nonzero := false
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		nonzero = nonzero || s[i] != '0'
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			nonzero = nonzero || s[i] != '0'
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	i = zsetExponent(s, i, 'e')
	f, err := strconv.ParseFloat(string(s[start:i]), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0, false // cannot happen: the prefix was validated
	}
	return zsetSigned(f, neg), i, math.IsInf(f, 0) || (f == 0 && nonzero)
}

// zsetStrtodHex parses the hexadecimal form after "0x" at s[i:].
func zsetStrtodHex(s []byte, i int, neg bool) (v float64, n int, erange, ok bool) {
	mant := []byte("0x")
	nonzero := false
	digits := 0
	for i < len(s) && zsetIsHex(s[i]) {
		nonzero = nonzero || s[i] != '0'
		mant = append(mant, s[i])
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		mant = append(mant, '.')
		i++
		for i < len(s) && zsetIsHex(s[i]) {
			nonzero = nonzero || s[i] != '0'
			mant = append(mant, s[i])
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false, false
	}
	end := zsetExponent(s, i, 'p')
	if end > i {
		mant = append(mant, s[i:end]...)
	} else {
		mant = append(mant, "p0"...)
	}
	f, err := strconv.ParseFloat(string(mant), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0, false, false
	}
	return zsetSigned(f, neg), end, math.IsInf(f, 0) || (f == 0 && nonzero), true
}

// zsetExponent returns the end of an optional exponent (letter e or p,
// optional sign, at least one decimal digit) starting at s[i].
func zsetExponent(s []byte, i int, letter byte) int {
	if i >= len(s) || s[i]|0x20 != letter {
		return i
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return i
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j
}

func zsetSigned(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// zsetParseFloat parses a score or weight as Redis's string2d: the whole
// argument, no leading space, no NaN, no overflow or underflow to zero.
func zsetParseFloat(s []byte) (float64, bool) {
	if len(s) == 0 || isCSpace(s[0]) {
		return 0, false
	}
	v, n, erange := zsetStrtod(s)
	if n != len(s) || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// zsetParseBound parses one end of a score range as zslParseRange does:
// strtod after skipping whitespace, accepted when it stops at the end or
// at a NUL byte; out-of-range values saturate; NaN is refused.
func zsetParseBound(s []byte) (v float64, exclusive, ok bool) {
	if len(s) > 0 && s[0] == '(' {
		s = s[1:]
		exclusive = true
	}
	v, end, _ := strtodC(s)
	if (end < len(s) && s[end] != 0) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, exclusive, true
}

// strtodC is strtod as C code calls it: leading whitespace skipped, end
// where it stopped (0, the start, if it converted nothing), erange as
// zsetStrtod reports it.
func strtodC(s []byte) (v float64, end int, erange bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	v, n, erange := zsetStrtod(s[i:])
	if n == 0 {
		return 0, 0, false
	}
	return v, i + n, erange
}

// zsetScoreRange is zrangespec: min and max, each possibly exclusive.
type zsetScoreRange struct {
	min, max     float64
	minex, maxex bool
}

func zsetParseScoreRange(min, max []byte) (r zsetScoreRange, ok bool) {
	var ok1, ok2 bool
	r.min, r.minex, ok1 = zsetParseBound(min)
	r.max, r.maxex, ok2 = zsetParseBound(max)
	return r, ok1 && ok2
}

func (r *zsetScoreRange) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zsetScoreRange) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// empty reports whether no score can be in the range.
func (r *zsetScoreRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minex || r.maxex))
}

// zsetLexBound is one end of a lex range: kind -1 is "-", +1 is "+",
// 0 a string value.
type zsetLexBound struct {
	kind int
	val  string
	ex   bool
}

// zsetLexRange is zlexrangespec.
type zsetLexRange struct{ min, max zsetLexBound }

func zsetParseLexBound(s []byte) (zsetLexBound, bool) {
	if len(s) == 0 {
		return zsetLexBound{}, false
	}
	switch s[0] {
	case '+', '-':
		// Redis tests the byte after the sign against NUL.
		if len(s) > 1 && s[1] != 0 {
			return zsetLexBound{}, false
		}
		if s[0] == '+' {
			return zsetLexBound{kind: 1, ex: true}, true
		}
		return zsetLexBound{kind: -1, ex: true}, true
	case '(':
		return zsetLexBound{val: string(s[1:]), ex: true}, true
	case '[':
		return zsetLexBound{val: string(s[1:])}, true
	}
	return zsetLexBound{}, false
}

func zsetParseLexRange(min, max []byte) (r zsetLexRange, ok bool) {
	var ok1, ok2 bool
	r.min, ok1 = zsetParseLexBound(min)
	r.max, ok2 = zsetParseLexBound(max)
	return r, ok1 && ok2
}

// zsetLexCmp compares two bounds as sdscmplex does (with "-" lowest and
// "+" highest).
func zsetLexCmp(a, b zsetLexBound) int {
	if a.kind != 0 || b.kind != 0 {
		switch {
		case a.kind == b.kind:
			return 0
		case a.kind == -1 || b.kind == 1:
			return -1
		}
		return 1
	}
	switch {
	case a.val < b.val:
		return -1
	case a.val > b.val:
		return 1
	}
	return 0
}

func (r *zsetLexRange) gteMin(v string) bool {
	c := zsetLexCmp(zsetLexBound{val: v}, r.min)
	if r.min.ex {
		return c > 0
	}
	return c >= 0
}

func (r *zsetLexRange) lteMax(v string) bool {
	c := zsetLexCmp(zsetLexBound{val: v}, r.max)
	if r.max.ex {
		return c < 0
	}
	return c <= 0
}

func (r *zsetLexRange) empty() bool {
	c := zsetLexCmp(r.min, r.max)
	return c > 0 || (c == 0 && (r.min.ex || r.max.ex))
}

// zsetFormatScore formats a score as Redis's %.17g (with "inf"/"-inf"),
// the text of ZSCAN's scores and of propagated scores.
func zsetFormatScore(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}
