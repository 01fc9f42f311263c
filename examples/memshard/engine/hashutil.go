package engine

// Argument parsing, glob matching and SCAN helpers shared by the hash, list
// and set families, as Redis 7.0's util.c and object.c do them.

import (
	"fmt"
	"math"
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// hashParseInt parses b as Redis's string2ll: an optional '-', then digits
// without a leading zero (except "0" itself), no '+', no spaces, in int64.
func hashParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '-' {
		neg, i = true, 1
		if i == len(b) {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(d-'0') {
			return 0, false
		}
		v += uint64(d - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// hashArgInt parses an integer argument as getLongLongFromObjectOrReply:
// on failure it replies msg (prefixed "ERR ") or ErrNotInteger.
func hashArgInt(c *Call, b []byte, msg string) (int64, bool) {
	v, ok := hashParseInt(b)
	if !ok {
		if msg != "" {
			c.Out.Error("ERR " + msg)
		} else {
			c.Out.Error(ErrNotInteger)
		}
	}
	return v, ok
}

// hashArgRange is getRangeLongFromObjectOrReply.
func hashArgRange(c *Call, b []byte, lo, hi int64, msg string) (int64, bool) {
	v, ok := hashArgInt(c, b, msg)
	if !ok {
		return 0, false
	}
	if v < lo || v > hi {
		if msg != "" {
			c.Out.Error("ERR " + msg)
		} else {
			c.Out.Error(fmt.Sprintf("ERR value is out of range, value must between %d and %d", lo, hi))
		}
		return 0, false
	}
	return v, true
}

// hashArgPositive is getPositiveLongFromObjectOrReply.
func hashArgPositive(c *Call, b []byte, msg string) (int64, bool) {
	if msg == "" {
		msg = "value is out of range, must be positive"
	}
	return hashArgRange(c, b, 0, math.MaxInt64, msg)
}

// hashEqualFold reports whether b equals the lower-case ASCII word s,
// ignoring case (strcasecmp).
func hashEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x := b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != s[i] {
			return false
		}
	}
	return true
}

// hashParseCursor parses a SCAN cursor as parseScanCursorOrReply does with
// strtoul: an optional sign (a negative value wraps), digits up to the end
// or a NUL byte; an empty string is 0.
func hashParseCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && hashIsSpace(b[0]) {
		return 0, false
	}
	i, neg := 0, false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start { // no digits: strtoul leaves the end pointer at the start
		return 0, len(b) == 0 || b[0] == 0
	}
	if i < len(b) && b[i] != 0 || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func hashIsSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

// hashScanOpts are the COUNT and MATCH options of HSCAN and SSCAN.
type hashScanOpts struct {
	count  int64
	pat    []byte
	usePat bool
}

// hashScanOptions parses the options after the cursor as scanGenericCommand
// does, replying with the error if they are invalid.
func hashScanOptions(c *Call, args [][]byte) (hashScanOpts, bool) {
	o := hashScanOpts{count: 10}
	for i := 0; i < len(args); {
		more := len(args) - i
		switch {
		case hashEqualFold(args[i], "count") && more >= 2:
			n, ok := hashArgInt(c, args[i+1], "")
			if !ok {
				return o, false
			}
			if n < 1 {
				c.Out.Error(ErrSyntax)
				return o, false
			}
			o.count = n
			i += 2
		case hashEqualFold(args[i], "match") && more >= 2:
			o.pat = args[i+1]
			o.usePat = !(len(o.pat) == 1 && o.pat[0] == '*')
			i += 2
		default:
			c.Out.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// match reports whether s passes the MATCH option.
func (o *hashScanOpts) match(s string) bool {
	return !o.usePat || hashMatch(o.pat, []byte(s))
}

// hashWriteScan writes a SCAN reply: the cursor and the elements.
func hashWriteScan(w *resp.Writer, cursor uint64, elems []string) {
	w.Array(2)
	w.BulkString(strconv.FormatUint(cursor, 10))
	w.Array(len(elems))
	for _, e := range elems {
		w.BulkString(e)
	}
}

// hashMatch is Redis's stringmatchlen (case-sensitive glob: * ? [...] \).
func hashMatch(pat, s []byte) bool {
	skip := false
	return hashMatchAt(pat, s, &skip)
}

// hashMatchAt follows stringmatchlen_impl step by step, including its reads
// of the pattern's NUL terminator (at returns 0 past the end).
func hashMatchAt(pat, s []byte, skipLonger *bool) bool {
	at := func(i int) byte {
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	p, i := 0, 0
	for p < len(pat) && i < len(s) {
		switch pat[p] {
		case '*':
			for p < len(pat) && at(p+1) == '*' {
				p++
			}
			if len(pat)-p == 1 {
				return true
			}
			for i < len(s) {
				if hashMatchAt(pat[p+1:], s[i:], skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				i++
			}
			*skipLonger = true
			return false
		case '?':
			i++
		case '[':
			p++
			not := at(p) == '^'
			if not {
				p++
			}
			match := false
			for {
				if at(p) == '\\' && len(pat)-p >= 2 {
					p++
					if pat[p] == s[i] {
						match = true
					}
				} else if at(p) == ']' {
					break
				} else if p >= len(pat) {
					p--
					break
				} else if len(pat)-p >= 3 && pat[p+1] == '-' {
					lo, hi, ch := int(int8(pat[p])), int(int8(pat[p+2])), int(int8(s[i]))
					if lo > hi {
						lo, hi = hi, lo
					}
					p += 2
					if ch >= lo && ch <= hi {
						match = true
					}
				} else if pat[p] == s[i] {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			i++
		case '\\':
			if len(pat)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if pat[p] != s[i] {
				return false
			}
			i++
		}
		p++
		if i == len(s) {
			for at(p) == '*' {
				p++
			}
			break
		}
	}
	return p >= len(pat) && i == len(s)
}
