package server

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// The value parsers of Redis 7.0's config.c and util.c, as CONFIG SET
// applies them. Several work on C strings (the value is cut at its first
// NUL byte), others on the whole binary value; each says which. They
// return Redis's error text (without "ERR") or "" on success.

// cstr is value as a C string: up to its first NUL.
func cstr(v string) string {
	if i := strings.IndexByte(v, 0); i >= 0 {
		return v[:i]
	}
	return v
}

// asciiLower lowers A-Z only, as strcasecmp and tolower do in the C locale
// (strings.ToLower would also fold non-ASCII letters, such as the Kelvin
// sign, into ASCII ones).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// strcaseEqual is strcasecmp(a, b) == 0 on C strings.
func strcaseEqual(a, b string) bool { return asciiLower(cstr(a)) == asciiLower(cstr(b)) }

// splitConfigArgs is sdssplitlen(v, " "): a multi-argument parameter's
// arguments. An empty value has none; every space separates, so two
// spaces make an empty argument between them.
func splitConfigArgs(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

// memtoull is util.c's memory-size parser, on a C string: decimal digits
// and an optional unit (b, k, kb, m, mb, g, gb, any case). Like Redis it
// saturates digits beyond 2^64-1 and lets the unit's product wrap.
func memtoull(v string) (uint64, bool) {
	s := cstr(v)
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	var mul uint64
	switch asciiLower(s[n:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if n >= 128 { // the digits must fit Redis's buffer
		return 0, false
	}
	var val uint64 // strtoull: "" is 0; too many digits saturate (ERANGE is not checked)
	for i := 0; i < n; i++ {
		hi, lo := bits.Mul64(val, 10)
		sum, carry := bits.Add64(lo, uint64(s[i]-'0'), 0)
		if hi != 0 || carry != 0 {
			val = math.MaxUint64
			break
		}
		val = sum
	}
	return val * mul, true
}

// strtoll is strtoll(s, &end, 10) on a C string, returning the value and
// what follows the number (all of s if there is no number). Out-of-range
// values saturate, as strtoll's do.
func strtoll(v string) (n int64, rest string) {
	n, rest, _ = strtollBase(v, 10)
	return n, rest
}

// strtollBase is strtoll in base 10 or 8; overflow says whether it
// saturated (ERANGE).
func strtollBase(v string, base uint64) (n int64, rest string, overflow bool) {
	s := cstr(v)
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	for i < len(s) && s[i] >= '0' && s[i] < '0'+byte(base) {
		if !overflow {
			hi, lo := bits.Mul64(u, base)
			sum, carry := bits.Add64(lo, uint64(s[i]-'0'), 0)
			if hi != 0 || carry != 0 {
				overflow = true
			}
			u = sum
		}
		i++
	}
	if i == start {
		return 0, s, false
	}
	switch {
	case neg && (overflow || u > 1<<63):
		return math.MinInt64, s[i:], true
	case neg:
		return -int64(u), s[i:], false
	case overflow || u > math.MaxInt64:
		return math.MaxInt64, s[i:], true
	}
	return int64(u), s[i:], false
}

// string2d is util.c's string2d: the whole value must be one number as
// strtod reads it (decimal, hexadecimal or inf; not nan), with no leading
// space, not overflowing and not underflowing to zero.
func string2d(s string) (float64, bool) {
	if s == "" || isSpace(s[0]) {
		return 0, false
	}
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	var f float64
	switch lower := asciiLower(body); {
	case lower == "inf" || lower == "infinity":
		f = math.Inf(1)
	case strings.HasPrefix(lower, "0x"):
		mant, exp, ok := splitHexFloat(lower[2:])
		if !ok {
			return 0, false
		}
		v, err := strconv.ParseFloat("0x"+mant+"p"+exp, 64)
		if err != nil && !isRangeErr(err) || math.IsInf(v, 0) || v == 0 && hasNonZeroDigit(mant) {
			return 0, false
		}
		f = v
	default:
		if !isDecimalFloat(lower) {
			return 0, false
		}
		v, err := strconv.ParseFloat(lower, 64)
		if err != nil && !isRangeErr(err) || math.IsInf(v, 0) || v == 0 && hasNonZeroDigit(mantissa(lower)) {
			return 0, false
		}
		f = v
	}
	if neg {
		f = -f
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimalFloat matches strtod's decimal form in full: digits with an
// optional point (at least one digit), then an optional exponent.
func isDecimalFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && s[i] == 'e' {
		k, ok := exponentEnd(s, i+1)
		if !ok { // "1e" reads as 1 and leaves "e": not the whole value
			return false
		}
		i = k
	}
	return i == len(s)
}

// exponentEnd returns the end of the signed decimal exponent that starts at
// s[j]; ok is false if it has no digit.
func exponentEnd(s string, j int) (end int, ok bool) {
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	return k, k > j
}

// splitHexFloat splits the part after "0x" of a hexadecimal float into its
// mantissa and binary exponent ("0" if absent); ok is false unless all of
// it is one.
func splitHexFloat(s string) (mant, exp string, ok bool) {
	i, digits := 0, 0
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
	for i < len(s) && isHex(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHex(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return "", "", false
	}
	mant, exp = s[:i], "0"
	if i < len(s) && s[i] == 'p' {
		k, ok := exponentEnd(s, i+1)
		if !ok {
			return "", "", false
		}
		exp, i = s[i+1:k], k
	}
	return mant, exp, i == len(s)
}

// mantissa is a decimal float without its exponent.
func mantissa(s string) string {
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		return s[:i]
	}
	return s
}

func hasNonZeroDigit(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '0' && r != '.' })
}

// formatPercentile is "%f" of p with trailing zeros (and point) removed,
// as Redis prints latency-tracking-info-percentiles.
func formatPercentile(p float64) string {
	s := strconv.FormatFloat(p, 'f', 6, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// keyspace event classes (notify.c): the flag of each character, in the
// order keyspaceEventsFlagsToString prints them. 'A' stands for the ten
// classes before 'n'.
var notifyClasses = []struct {
	c    byte
	flag int
}{
	{'g', engine.NotifyGeneric}, {'$', engine.NotifyString}, {'l', engine.NotifyList}, {'s', engine.NotifySet},
	{'h', engine.NotifyHash}, {'z', engine.NotifyZSet}, {'x', engine.NotifyExpired}, {'e', engine.NotifyEvicted},
	{'t', engine.NotifyStream}, {'d', engine.NotifyModule}, {'n', engine.NotifyNew},
}

// parseNotifyEvents is keyspaceEventsStringToFlags then
// keyspaceEventsFlagsToString, on a C string: the value CONFIG GET
// shows and the flags (engine.Notify...), or false for an unknown class
// character.
func parseNotifyEvents(v string) (string, int, bool) {
	flags := 0
	for _, c := range []byte(cstr(v)) {
		switch c {
		case 'A':
			flags |= engine.NotifyAll
		case 'K':
			flags |= engine.NotifyKeyspace
		case 'E':
			flags |= engine.NotifyKeyevent
		case 'm':
			flags |= engine.NotifyKeyMiss
		default:
			i := bytes.IndexByte([]byte("g$lshzxetdn"), c)
			if i < 0 {
				return "", 0, false
			}
			flags |= notifyClasses[i].flag
		}
	}
	var b strings.Builder
	if flags&engine.NotifyAll == engine.NotifyAll {
		b.WriteByte('A') // and 'n', if set, is not shown (as in Redis)
	} else {
		for _, nc := range notifyClasses {
			if flags&nc.flag != 0 {
				b.WriteByte(nc.c)
			}
		}
	}
	if flags&engine.NotifyKeyspace != 0 {
		b.WriteByte('K')
	}
	if flags&engine.NotifyKeyevent != 0 {
		b.WriteByte('E')
	}
	if flags&engine.NotifyKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String(), flags, true
}

// Multi-argument parameters. Each takes the current value (those that
// update part of it need it) and the arguments, and returns the new value
// as CONFIG GET shows it, or Redis's error.

// parseSave validates save's "<seconds> <changes> ..." pairs
// (setConfigSaveOption) and returns them as CONFIG GET would show them.
func parseSave(_ string, args []string) (string, string) {
	if len(args)%2 != 0 {
		return "", "Invalid save parameters"
	}
	out := make([]string, len(args))
	for j, a := range args {
		n, rest := strtoll(a)
		if rest != "" || j%2 == 0 && n < 1 || j%2 == 1 && n < 0 {
			return "", "Invalid save parameters"
		}
		if j%2 == 1 {
			n = int64(int32(n)) // changes is an int
		}
		out[j] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), ""
}

// clientClasses are the classes of client-output-buffer-limit, in the
// order CONFIG GET lists them.
var clientClasses = []string{"normal", "slave", "pubsub"}

// parseClientOutputBufferLimit is updateClientOutputBufferLimit: groups of
// <class> <hard> <soft> <soft seconds>, each replacing its class's limits.
func parseClientOutputBufferLimit(cur string, args []string) (string, string) {
	if len(args)%4 != 0 {
		return "", "Wrong number of arguments in buffer limit configuration."
	}
	limits := strings.Fields(cur) // "normal h s secs slave h s secs pubsub h s secs"
	for j := 0; j < len(args); j += 4 {
		class := -1
		switch asciiLower(cstr(args[j])) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		}
		if class < 0 {
			return "", "Invalid client class specified in buffer limit configuration."
		}
		hard, okHard := memtoull(args[j+1])
		soft, okSoft := memtoull(args[j+2])
		secs, rest := strtoll(args[j+3])
		if !okHard || !okSoft || int32(secs) < 0 || rest != "" { // soft_seconds is an int
			return "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		limits[4*class+1] = strconv.FormatUint(hard, 10)
		limits[4*class+2] = strconv.FormatUint(soft, 10)
		limits[4*class+3] = strconv.Itoa(int(int32(secs)))
	}
	return strings.Join(limits, " "), ""
}

// parseOOMScoreAdjValues is setConfigOOMScoreAdjValuesOption: three
// integers in [-2000, 2000].
func parseOOMScoreAdjValues(_ string, args []string) (string, string) {
	if len(args) != 3 {
		return "", "wrong number of arguments"
	}
	out := make([]string, 3)
	for i, a := range args {
		n, rest := strtoll(a)
		if rest != "" || n < -2000 || n > 2000 {
			return "", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
		}
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), ""
}

// parseBind is setConfigBindOption: up to 16 addresses (C strings).
func parseBind(_ string, args []string) (string, string) {
	if len(args) > 16 {
		return "", "Too many bind addresses specified."
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = cstr(a)
	}
	return strings.Join(out, " "), ""
}

// parseLatencyPercentiles is
// setConfigLatencyTrackingInfoPercentilesOutputOption: numbers in
// [0, 100], shown as "%f" without trailing zeros.
func parseLatencyPercentiles(_ string, args []string) (string, string) {
	out := make([]string, len(args))
	for i, a := range args {
		p, ok := string2d(a)
		if !ok {
			return "", "Invalid latency-tracking-info-percentiles parameters"
		}
		if p > 100 || p < 0 {
			return "", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		out[i] = formatPercentile(p)
	}
	return strings.Join(out, " "), ""
}

// parseNotify is setConfigNotifyKeyspaceEventsOption.
func parseNotify(_ string, args []string) (string, string) {
	v, _, ok := parseNotifyEvents(args[0])
	if !ok {
		return "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
	}
	return v, ""
}

// Validators of string parameters (config.c's is_valid_fn), on C strings.

// validHostname is isValidAnnouncedHostname.
func validHostname(v string) string {
	if len(v) >= 256 { // NET_HOST_STR_LEN
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// procTitleVars are the variables of proc-title-template with the values
// memshard gives them when validating one: a template is valid if it
// expands (sdstemplate, every variable known) to something other than
// spaces, with an empty {title}.
func procTitleVars(port int, bind string) map[string]string {
	first, _, _ := strings.Cut(bind, " ")
	if first == "" {
		first = "*"
	}
	return map[string]string{
		"title":       "",
		"listen-addr": fmt.Sprintf("%s:%d", first, port),
		"server-mode": "[cluster]", // memshard presents itself as a cluster node
		"config-file": "-",
		"port":        strconv.Itoa(port),
		"tls-port":    "0",
		"unixsocket":  "",
	}
}

// expandTemplate is sdstemplate: "{name}" is a variable, "{{" a literal
// '{'; an unknown variable or an unterminated one fails.
func expandTemplate(tmpl string, vars map[string]string) (string, bool) {
	var b strings.Builder
	p := tmpl
	for p != "" {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		p = p[i+1:]
		if p == "" {
			return "", false
		}
		if p[0] == '{' {
			b.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return "", false
		}
		v, ok := vars[p[:j]]
		if !ok {
			return "", false
		}
		b.WriteString(v)
		p = p[j+1:]
	}
	return b.String(), true
}
