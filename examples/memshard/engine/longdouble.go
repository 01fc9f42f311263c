package engine

import (
	"bytes"
	"math/big"
	"strings"
)

// Redis parses and adds INCRBYFLOAT and HINCRBYFLOAT operands as C long
// doubles and prints both results with ld2string(LD_STR_HUMAN). A long
// double is, on x86-64, the x87 80-bit format: a 64-bit significand with
// exponents down to
// 2^-16382 (normal) and 2^-16445 (subnormal), finite below 2^16384. A
// big.Float with 64 bits of precision, rounding to nearest even, gives the
// same results in the normal range; the subnormal range and overflow are
// handled explicitly.
const (
	ldPrec       = 64
	ldMaxExp     = 16384  // finite iff MantExp <= ldMaxExp
	ldMinNormExp = -16381 // |x| >= 2^-16382 iff MantExp >= ldMinNormExp
	ldSubShift   = 16445  // subnormals are multiples of 2^-16445
	ldMaxChars   = 5 * 1024
)

// parseLongDouble parses b as Redis's string2ld does: strtold over the
// whole string, no leading space, and no NaN, overflow or underflow to zero.
// Infinity literals are accepted.
func parseLongDouble(b []byte) (*big.Float, bool) {
	// strtold stops at a NUL, and string2ld wants every byte consumed.
	if len(b) == 0 || len(b) >= ldMaxChars || isCSpace(b[0]) || bytes.IndexByte(b, 0) >= 0 {
		return nil, false
	}
	s := string(b)
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var r *big.Rat
	var ok bool
	switch ls := strings.ToLower(s); {
	case ls == "inf" || ls == "infinity":
		return new(big.Float).SetInf(neg), true
	case strings.HasPrefix(ls, "0x"):
		r, ok = ldParseHex(ls[2:])
	default:
		r, ok = ldParseDecimal(ls)
	}
	if !ok {
		return nil, false
	}
	if neg {
		r.Neg(r)
	}
	return ldRound(r, neg)
}

// ldDigits splits s into a mantissa (digits, optional point, digits, at
// least one digit, in the given base) and the rest; frac is the number of
// digits after the point.
func ldDigits(s string, digit func(byte) bool) (digits string, frac int, rest string, ok bool) {
	i := 0
	var sb strings.Builder
	for i < len(s) && digit(s[i]) {
		sb.WriteByte(s[i])
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digit(s[i]) {
			sb.WriteByte(s[i])
			i++
			frac++
		}
	}
	if sb.Len() == 0 {
		return "", 0, "", false
	}
	return sb.String(), frac, s[i:], true
}

// ldExponent parses an exponent suffix ("e-12" without its letter):
// sign and decimal digits, saturating far beyond any meaningful range.
func ldExponent(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var e int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		if e < 1e12 {
			e = e*10 + int64(s[i]-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func ldIsHex(b byte) bool { return isDigit(b) || (b >= 'a' && b <= 'f') }

// ldParseDecimal parses lower-cased "digits[.digits][e[+-]digits]"
// exactly; a value certain to overflow or to underflow to zero fails.
func ldParseDecimal(s string) (*big.Rat, bool) {
	digits, frac, rest, ok := ldDigits(s, isDigit)
	if !ok {
		return nil, false
	}
	var exp int64
	if rest != "" {
		if rest[0] != 'e' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return new(big.Rat), true
	}
	exp -= int64(frac)
	// The value lies in [10^(exp+d-1), 10^(exp+d)).
	d := int64(len(digits))
	if exp+d-1 >= 4933 || exp+d <= -4952 {
		return nil, false
	}
	m, _ := new(big.Int).SetString(digits, 10)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(exp)), nil)
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Mul(m, p)), true
	}
	return new(big.Rat).SetFrac(m, p), true
}

// ldParseHex parses lower-cased "hexdigits[.hexdigits][p[+-]digits]"
// (after "0x") exactly, as ldParseDecimal.
func ldParseHex(s string) (*big.Rat, bool) {
	digits, frac, rest, ok := ldDigits(s, ldIsHex)
	if !ok {
		return nil, false
	}
	var exp int64
	if rest != "" {
		if rest[0] != 'p' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	m, _ := new(big.Int).SetString(digits, 16)
	if m.Sign() == 0 {
		return new(big.Rat), true
	}
	exp -= 4 * int64(frac)
	// The value lies in [2^(exp+bl-1), 2^(exp+bl)).
	bl := int64(m.BitLen())
	if exp+bl-1 >= ldMaxExp || exp+bl <= -ldSubShift-1 {
		return nil, false
	}
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Lsh(m, uint(exp))), true
	}
	return new(big.Rat).SetFrac(m, new(big.Int).Lsh(big.NewInt(1), uint(-exp))), true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// ldRound rounds the exact value r to a long double as strtold does
// (to nearest, ties to even), failing on overflow and on underflow to zero.
func ldRound(r *big.Rat, neg bool) (*big.Float, bool) {
	f := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).SetRat(r)
	if r.Sign() == 0 {
		if neg {
			f.Neg(f)
		}
		return f, true
	}
	exp := f.MantExp(nil)
	if exp > ldMaxExp {
		return nil, false
	}
	if exp > ldMinNormExp+1 {
		return f, true
	}
	minNormal := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), -ldMinNormExp+1))
	a := new(big.Rat).Abs(r)
	if a.Cmp(minNormal) >= 0 {
		return f, true
	}
	// Subnormal: round |r| * 2^16445 to an integer, ties to even.
	q := new(big.Rat).Mul(a, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), ldSubShift)))
	n, rem := new(big.Int).QuoRem(q.Num(), q.Denom(), new(big.Int))
	switch c := new(big.Int).Lsh(rem, 1).Cmp(q.Denom()); {
	case c > 0, c == 0 && n.Bit(0) == 1:
		n.Add(n, big.NewInt(1))
	}
	if n.Sign() == 0 {
		return nil, false
	}
	f = new(big.Float).SetPrec(ldPrec).SetInt(n)
	f.SetMantExp(f, -ldSubShift)
	if neg {
		f.Neg(f)
	}
	return f, true
}

// addLongDouble returns a+b (both finite) rounded to a long double, and
// false if the sum overflows to infinity.
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	sum := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Add(a, b)
	if sum.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return sum, true
}

// formatLongDouble formats x as ld2string(LD_STR_HUMAN): "%.17Lf"
// with trailing zeros (and a trailing point) removed, "-0" as "0".
func formatLongDouble(x *big.Float) []byte {
	s := x.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return []byte(s)
}
