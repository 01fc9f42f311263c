// Package glob matches glob patterns exactly as Redis's stringmatchlen
// does (KEYS, SCAN, ACL key and channel patterns).
package glob

// Match reports whether s matches the glob pattern exactly as Redis's
// stringmatchlen(pattern, s, nocase=0) does: *, ?, [abc], [^abc], [a-z]
// (bounds compared as signed chars, in either order), \ escapes, an
// unterminated [ taken as closed, and no match past 1000 nested *. KEYS,
// SCAN, HSCAN, SSCAN and ZSCAN all match with it.
func Match(pattern, s []byte) bool {
	skipLonger := false
	return stringMatchImpl(pattern, s, false, &skipLonger, 0)
}

// MatchNoCase is stringmatchlen(pattern, s, nocase=1), as FUNCTION
// LIST LIBRARYNAME matches: letters compared as C's tolower compares them.
func MatchNoCase(pattern, s []byte) bool {
	skipLonger := false
	return stringMatchImpl(pattern, s, true, &skipLonger, 0)
}

// stringMatchImpl is stringmatchlen_impl. C reads the byte after a
// pattern's end (the terminating NUL): at does the same.
func stringMatchImpl(pattern, str []byte, nocase bool, skipLonger *bool, nesting int) bool {
	fold := func(c byte) byte { // C's tolower in the "C" locale, if nocase
		if nocase && 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	if nesting > 1000 {
		return false
	}
	at := func(i int) byte {
		if i < len(pattern) {
			return pattern[i]
		}
		return 0
	}
	p, s := 0, 0
	for p < len(pattern) && s < len(str) {
		switch pattern[p] {
		case '*':
			for p < len(pattern) && at(p+1) == '*' {
				p++
			}
			if len(pattern)-p == 1 {
				return true
			}
			for s < len(str) {
				if stringMatchImpl(pattern[p+1:], str[s:], nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s++
			}
			// No match for the rest of the pattern anywhere in the rest of
			// the string: an earlier * trying longer matches cannot help.
			*skipLonger = true
			return false
		case '?':
			s++
		case '[':
			p++
			not := at(p) == '^'
			if not {
				p++
			}
			match := false
			for {
				if at(p) == '\\' && len(pattern)-p >= 2 {
					p++
					if fold(pattern[p]) == fold(str[s]) {
						match = true
					}
				} else if at(p) == ']' {
					break
				} else if p == len(pattern) {
					p--
					break
				} else if len(pattern)-p >= 3 && pattern[p+1] == '-' {
					lo, hi := int8(pattern[p]), int8(pattern[p+2])
					if lo > hi {
						lo, hi = hi, lo
					}
					// Folded after the swap, as Redis does.
					lo, hi, ch := int8(fold(byte(lo))), int8(fold(byte(hi))), int8(fold(str[s]))
					p += 2
					if ch >= lo && ch <= hi {
						match = true
					}
				} else if fold(pattern[p]) == fold(str[s]) {
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
			s++
		case '\\':
			if len(pattern)-p >= 2 {
				p++
			}
			if fold(pattern[p]) != fold(str[s]) {
				return false
			}
			s++
		default:
			if fold(pattern[p]) != fold(str[s]) {
				return false
			}
			s++
		}
		p++
		if s == len(str) {
			for at(p) == '*' {
				p++
			}
			break
		}
	}
	return p == len(pattern) && s == len(str)
}
