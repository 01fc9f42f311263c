package engine

import "bytes"

// Redis reads arguments as C strings in places (option names, %s in
// errors, strtoul and strtold): these helpers give the C library's view.

// cString returns b up to its first NUL: Redis compares options as C
// strings, so "NX\x00junk" reads as NX.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// cStringN is C's "%.*s" of b with precision n: up to n bytes, stopping at
// a NUL.
func cStringN(b []byte, n int) []byte {
	b = cString(b)
	return b[:min(len(b), n)]
}

// isCSpace is C's isspace in the C locale.
func isCSpace(b byte) bool {
	return b == ' ' || (b >= '\t' && b <= '\r')
}

// isDigit is C's isdigit.
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// equalFold reports whether b, read as a C string, equals the lower-case
// ASCII word s, ignoring ASCII case: Redis compares option names with
// strcasecmp, so "NX\x00junk" is NX.
func equalFold(b []byte, s string) bool {
	b = cString(b)
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
