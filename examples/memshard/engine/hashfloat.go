package engine

// HINCRBYFLOAT computes in C long double (x87 80-bit: a 64-bit mantissa and
// a 15-bit exponent) and prints with "%.17Lf". This file reproduces that
// with math/big floats of 64-bit precision.

import (
	"bytes"
	"math/big"
	"strings"
)

const (
	hashLDPrec   = 64
	hashLDMaxExp = 16384  // |x| < 2**16384 (big.Float exponents: 0.5 <= mant < 1)
	hashLDMinExp = -16445 // half the smallest denormal, 2**-16446 = 0.5 * 2**-16445, rounds to 0
)

// hashParseLD parses b as Redis's string2ld (strtold, which must consume
// all of b; no leading space; NaN, overflow and underflow to zero are
// errors). It returns a nil value for
// infinities, with inf set to +1 or -1.
func hashParseLD(b []byte) (f *big.Float, inf int, ok bool) {
	if len(b) == 0 || len(b) >= 5*1024 {
		return nil, 0, false
	}
	if bytes.IndexByte(b, 0) >= 0 || hashIsSpace(b[0]) {
		return nil, 0, false
	}
	s := string(b)
	body, neg := s, false
	if body[0] == '+' || body[0] == '-' {
		neg, body = body[0] == '-', body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return nil, -1, true
		}
		return nil, 1, true
	}
	base := 10
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		base = 0
		if !hashFloatSyntax(body[2:], true) {
			return nil, 0, false
		}
	} else if !hashFloatSyntax(body, false) {
		return nil, 0, false
	}
	if base == 0 && !strings.ContainsAny(body, "pP") {
		s += "p0"
	}
	f = new(big.Float).SetPrec(hashLDPrec)
	if _, _, err := f.Parse(s, base); err != nil {
		return nil, 0, false
	}
	if f.Sign() != 0 {
		m := new(big.Float)
		e := f.MantExp(m)
		if e > hashLDMaxExp || e < hashLDMinExp || e == hashLDMinExp && m.Abs(m).Cmp(big.NewFloat(0.5)) == 0 {
			return nil, 0, false // ERANGE: overflow, or underflow to zero
		}
	}
	return f, 0, true
}

// hashFloatSyntax reports whether s is a complete strtold number body:
// digits with an optional point (at least one digit), then an optional
// exponent (e or, for hex, p; sign; at least one decimal digit).
func hashFloatSyntax(s string, hex bool) bool {
	isDigit := func(c byte) bool {
		if hex {
			return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		}
		return '0' <= c && c <= '9'
	}
	i, digits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if e := s[i] | 0x20; (hex && e == 'p') || (!hex && e == 'e') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n > 0 && i == len(s)
	}
	return false
}

// hashAddLD returns a+b rounded to long double, and false on overflow.
func hashAddLD(a, b *big.Float) (*big.Float, bool) {
	r := new(big.Float).SetPrec(hashLDPrec).SetMode(big.ToNearestEven).Add(a, b)
	if r.Sign() != 0 && r.MantExp(nil) > hashLDMaxExp {
		return nil, false
	}
	return r, true
}

// hashFormatLD formats f as ld2string(LD_STR_HUMAN): "%.17Lf" without
// trailing zeros (or point), "-0" as "0".
func hashFormatLD(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
