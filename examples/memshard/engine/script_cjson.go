package engine

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library of Redis 7.0's scripts: lua-cjson 2.1.0's encode and
// decode, with its defaults (numbers as "%.14g", '/' escaped, NaN and Inf
// refused, sparse arrays refused, nesting up to 1000).

type cjsonConfig struct {
	sparseConvert          bool
	sparseRatio            int
	sparseSafe             int
	encodeMaxDepth         int
	decodeMaxDepth         int
	precision              int
	encodeInvalidNumbers   bool
	decodeInvalidNumbers   bool
	encodeKeepBuffer       bool
	encodeDepth, decodeDep int
}

func defaultCjsonConfig() *cjsonConfig {
	return &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		precision: 14, decodeInvalidNumbers: true, encodeKeepBuffer: true}
}

func (s *luaState) openCjson(L *lua.LState, g *lua.LTable) {
	cfg := defaultCjsonConfig()
	s.cjsonNull = L.NewUserData()
	t := L.NewTable()
	intOpt := func(name string, field *int, min, max int, msg string) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() > 1 {
				luaArgError(L, 2, name, "found too many arguments")
			}
			if L.GetTop() == 1 {
				v := int(luaCheckNumber(L, 1, name))
				if v < min || v > max {
					luaArgError(L, 1, name, msg)
				}
				*field = v
			}
			L.Push(lua.LNumber(*field))
			return 1
		}
	}
	boolOpt := func(name string, field *bool) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				*field = lua.LVAsBool(L.Get(1))
			}
			L.Push(lua.LBool(*field))
			return 1
		}
	}
	fns := map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			if L.GetTop() != 1 {
				luaArgError(L, 1, "encode", "expected 1 argument")
			}
			var b strings.Builder
			cfg.encodeDepth = 0
			s.jsonEncode(L, cfg, &b, L.Get(1))
			L.Push(lua.LString(b.String()))
			return 1
		},
		"decode": func(L *lua.LState) int {
			if L.GetTop() != 1 {
				luaArgError(L, 1, "decode", "expected 1 argument")
			}
			str, ok := L.Get(1).(lua.LString)
			if !ok {
				if n, isNum := L.Get(1).(lua.LNumber); isNum {
					str, ok = lua.LString(fmtNumber14(float64(n))), true
				}
			}
			if !ok {
				luaArgError(L, 1, "decode", "string expected, got "+L.Get(1).Type().String())
			}
			if len(str) >= 2 && (str[0] == 0 || str[1] == 0) {
				L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
			}
			p := &jsonParser{L: L, s: s, cfg: cfg, data: string(str)}
			cfg.decodeDep = 0
			tok := p.next()
			v := p.value(tok)
			if tok = p.next(); tok.kind != tEnd {
				p.fail("the end", tok)
			}
			L.Push(v)
			return 1
		},
		"encode_sparse_array": func(L *lua.LState) int {
			if L.GetTop() >= 1 {
				cfg.sparseConvert = lua.LVAsBool(L.Get(1))
			}
			if L.GetTop() >= 2 {
				cfg.sparseRatio = int(luaCheckNumber(L, 2, "encode_sparse_array"))
			}
			if L.GetTop() >= 3 {
				cfg.sparseSafe = int(luaCheckNumber(L, 3, "encode_sparse_array"))
			}
			L.Push(lua.LBool(cfg.sparseConvert))
			L.Push(lua.LNumber(cfg.sparseRatio))
			L.Push(lua.LNumber(cfg.sparseSafe))
			return 3
		},
		"encode_max_depth":        intOpt("encode_max_depth", &cfg.encodeMaxDepth, 1, math.MaxInt32, "expected integer between 1 and 2147483647"),
		"decode_max_depth":        intOpt("decode_max_depth", &cfg.decodeMaxDepth, 1, math.MaxInt32, "expected integer between 1 and 2147483647"),
		"encode_number_precision": intOpt("encode_number_precision", &cfg.precision, 1, 14, "expected integer between 1 and 14"),
		"encode_keep_buffer":      boolOpt("encode_keep_buffer", &cfg.encodeKeepBuffer),
		"encode_invalid_numbers":  boolOpt("encode_invalid_numbers", &cfg.encodeInvalidNumbers),
		"decode_invalid_numbers":  boolOpt("decode_invalid_numbers", &cfg.decodeInvalidNumbers),
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("new", L.NewFunction(func(L *lua.LState) int {
		L.Push(t)
		return 1
	}))
	t.RawSetString("null", s.cjsonNull)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	g.RawSetString("cjson", t)
}

// jsonEscape is lua-cjson's char2escape: control characters, '"', '\\',
// '/' and DEL are escaped; every other byte is copied as is.
func jsonEscape(c byte) string {
	switch c {
	case '\b':
		return `\b`
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	case '"':
		return `\"`
	case '\\':
		return `\\`
	case '/':
		return `\/`
	}
	if c < 0x20 || c == 0x7f {
		return `\u00` + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&15, 16)
	}
	return ""
}

func jsonAppendString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if e := jsonEscape(s[i]); e != "" {
			b.WriteString(e)
		} else {
			b.WriteByte(s[i])
		}
	}
	b.WriteByte('"')
}

func (s *luaState) jsonEncodeError(L *lua.LState, v lua.LValue, reason string) {
	L.RaiseError("Cannot serialise %s: %s", v.Type().String(), reason)
}

func (s *luaState) jsonAppendNumber(L *lua.LState, cfg *cjsonConfig, b *strings.Builder, n lua.LNumber) {
	f := float64(n)
	if !cfg.encodeInvalidNumbers && (math.IsInf(f, 0) || math.IsNaN(f)) {
		s.jsonEncodeError(L, n, "must not be NaN or Inf")
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		b.WriteString(map[bool]string{true: "nan", false: "inf"}[math.IsNaN(f)])
		return
	}
	b.WriteString(fmtG(f, cfg.precision))
}

// jsonArrayLength is lua_array_length: the array's length, or -1 if the
// table is no array (a key that is no positive integer).
func (s *luaState) jsonArrayLength(L *lua.LState, cfg *cjsonConfig, t *lua.LTable) int {
	max, items := 0, 0
	isArray := true
	t.ForEach(func(k, _ lua.LValue) {
		if !isArray {
			return
		}
		if n, ok := k.(lua.LNumber); ok {
			f := float64(n)
			if math.Floor(f) == f && f >= 1 {
				if int(f) > max {
					max = int(f)
				}
				items++
				return
			}
		}
		isArray = false
	})
	if !isArray {
		return -1
	}
	if cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if !cfg.sparseConvert {
			s.jsonEncodeError(L, t, "excessively sparse array")
		}
		return -1
	}
	return max
}

func (s *luaState) jsonEncode(L *lua.LState, cfg *cjsonConfig, b *strings.Builder, v lua.LValue) {
	switch x := v.(type) {
	case lua.LString:
		jsonAppendString(b, string(x))
	case lua.LNumber:
		s.jsonAppendNumber(L, cfg, b, x)
	case lua.LBool:
		b.WriteString(strconv.FormatBool(bool(x)))
	case *lua.LNilType:
		b.WriteString("null")
	case *lua.LTable:
		cfg.encodeDepth++
		if cfg.encodeDepth > cfg.encodeMaxDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", cfg.encodeDepth)
		}
		if n := s.jsonArrayLength(L, cfg, x); n > 0 {
			b.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b.WriteByte(',')
				}
				s.jsonEncode(L, cfg, b, x.RawGetInt(i))
			}
			b.WriteByte(']')
		} else {
			b.WriteByte('{')
			first := true
			for k, val := x.Next(lua.LNil); k != lua.LNil; k, val = x.Next(k) {
				if !first {
					b.WriteByte(',')
				}
				first = false
				switch key := k.(type) {
				case lua.LNumber:
					b.WriteByte('"')
					s.jsonAppendNumber(L, cfg, b, key)
					b.WriteString(`":`)
				case lua.LString:
					jsonAppendString(b, string(key))
					b.WriteByte(':')
				default:
					s.jsonEncodeError(L, k, "table key must be a number or string")
				}
				s.jsonEncode(L, cfg, b, val)
			}
			b.WriteByte('}')
		}
		cfg.encodeDepth--
	case *lua.LUserData:
		if x == s.cjsonNull {
			b.WriteString("null")
			return
		}
		s.jsonEncodeError(L, v, "type not supported")
	default:
		s.jsonEncodeError(L, v, "type not supported")
	}
}

// JSON tokens, named as lua-cjson names them in its errors.
type jsonTokKind int

const (
	tObjBegin jsonTokKind = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var jsonTokNames = []string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
	"T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type jsonTok struct {
	kind  jsonTokKind
	index int
	str   string
	num   float64
	b     bool
	err   string
}

type jsonParser struct {
	L    *lua.LState
	s    *luaState
	cfg  *cjsonConfig
	data string
	i    int
}

func (p *jsonParser) at(i int) byte {
	if i < len(p.data) {
		return p.data[i]
	}
	return 0
}

func (p *jsonParser) fail(expected string, t jsonTok) {
	found := jsonTokNames[t.kind]
	if t.kind == tError {
		found = t.err
	}
	p.L.RaiseError("Expected %s but found %s at character %d", expected, found, t.index+1)
}

func (p *jsonParser) next() jsonTok {
	for p.i < len(p.data) && strings.IndexByte(" \t\n\r", p.data[p.i]) >= 0 {
		p.i++
	}
	t := jsonTok{index: p.i}
	if p.i >= len(p.data) {
		t.kind = tEnd
		return t
	}
	c := p.data[p.i]
	single := map[byte]jsonTokKind{'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ',': tComma, ':': tColon}
	if k, ok := single[c]; ok {
		p.i++
		t.kind = k
		return t
	}
	rest := p.data[p.i:]
	switch {
	case c == '"':
		return p.stringTok()
	case c == '-' || '0' <= c && c <= '9' || p.cfg.decodeInvalidNumbers && jsonInvalidNumber(rest):
		if !p.cfg.decodeInvalidNumbers && jsonInvalidNumber(rest) {
			t.kind, t.err = tError, "invalid number"
			return t
		}
		n, used := strtod(rest)
		if used == 0 {
			t.kind, t.err = tError, "invalid number"
			return t
		}
		p.i += used
		t.kind, t.num = tNumber, n
		return t
	case strings.HasPrefix(rest, "true"):
		p.i += 4
		t.kind, t.b = tBoolean, true
		return t
	case strings.HasPrefix(rest, "false"):
		p.i += 5
		t.kind = tBoolean
		return t
	case strings.HasPrefix(rest, "null"):
		p.i += 4
		t.kind = tNull
		return t
	}
	t.kind, t.err = tError, "invalid token"
	return t
}

// jsonInvalidNumber is json_is_invalid_number: what strtod takes but JSON
// does not (a '+', hex, leading zeros, inf, nan).
func jsonInvalidNumber(s string) bool {
	i := 0
	if strings.HasPrefix(s, "+") {
		return true
	}
	if strings.HasPrefix(s, "-") {
		i++
	}
	if i < len(s) && s[i] == '0' {
		if i+1 < len(s) && (s[i+1]|0x20 == 'x' || '0' <= s[i+1] && s[i+1] <= '9') {
			return true
		}
		return false
	}
	if i < len(s) && s[i] <= '9' {
		return false
	}
	r := strings.ToLower(s[i:])
	return strings.HasPrefix(r, "inf") || strings.HasPrefix(r, "nan")
}

// strtod reads the longest prefix of s that C's strtod reads as a number,
// and returns it and its length (0 if none).
func strtod(s string) (float64, int) {
	for n := min(len(s), 400); n > 0; n-- {
		pre := s[:n]
		if strings.ContainsAny(pre[len(pre)-1:], " \t\r\n") {
			continue
		}
		if f, err := strconv.ParseFloat(pre, 64); err == nil || errIsRange(err) {
			if strings.HasPrefix(strings.ToLower(strings.TrimLeft(pre, "+-")), "0x") && !strings.ContainsAny(pre, "pP") {
				if v, err := strconv.ParseInt(pre, 0, 64); err == nil {
					return float64(v), n
				}
			}
			return f, n
		}
	}
	return 0, 0
}

func errIsRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (p *jsonParser) stringTok() jsonTok {
	t := jsonTok{index: p.i}
	p.i++ // the opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.data) {
			t.kind, t.err, t.index = tError, "unexpected end of string", p.i
			return t
		}
		c := p.data[p.i]
		if c == '"' {
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			p.i++
			continue
		}
		esc := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r'}
		e := p.at(p.i + 1)
		if e == 'u' {
			r, used := jsonUnicodeEscape(p.data[p.i:])
			if used == 0 {
				t.kind, t.err, t.index = tError, "invalid unicode escape code", p.i
				return t
			}
			b.WriteString(r)
			p.i += used
			continue
		}
		ch, ok := esc[e]
		if !ok {
			t.kind, t.err, t.index = tError, "invalid escape code", p.i
			return t
		}
		b.WriteByte(ch)
		p.i += 2
	}
	p.i++ // the closing quote
	t.kind, t.str = tString, b.String()
	return t
}

// jsonUnicodeEscape decodes \uXXXX (a surrogate pair as two) at the start
// of s into UTF-8; used is 0 on error.
func jsonUnicodeEscape(s string) (string, int) {
	hex4 := func(i int) int {
		if i+4 > len(s) {
			return -1
		}
		v, err := strconv.ParseUint(s[i:i+4], 16, 32)
		if err != nil {
			return -1
		}
		return int(v)
	}
	cp := hex4(2)
	if cp < 0 {
		return "", 0
	}
	used := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || len(s) < 8 || s[6] != '\\' || s[7] != 'u' {
			return "", 0
		}
		low := hex4(8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return "", 0
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		used = 12
	}
	buf := make([]byte, 4)
	n := utf8.EncodeRune(buf, rune(cp))
	if cp >= 0xD800 && cp <= 0xDFFF { // lone surrogates are encoded as is
		buf = []byte{byte(cp>>12 | 0xE0), byte(cp>>6&0x3F | 0x80), byte(cp&0x3F | 0x80)}
		n = 3
	}
	return string(buf[:n]), used
}

func (p *jsonParser) descend(t jsonTok) {
	p.cfg.decodeDep++
	if p.cfg.decodeDep > p.cfg.decodeMaxDepth {
		p.L.RaiseError("Found too many nested data structures (%d) at character %d", p.cfg.decodeDep, t.index+1)
	}
}

func (p *jsonParser) value(t jsonTok) lua.LValue {
	L := p.L
	switch t.kind {
	case tString:
		return lua.LString(t.str)
	case tNumber:
		return lua.LNumber(t.num)
	case tBoolean:
		return lua.LBool(t.b)
	case tNull:
		return p.s.cjsonNull
	case tObjBegin:
		p.descend(t)
		obj := L.NewTable()
		tok := p.next()
		if tok.kind == tObjEnd {
			p.cfg.decodeDep--
			return obj
		}
		for {
			if tok.kind != tString {
				p.fail("object key string", tok)
			}
			key := tok.str
			if tok = p.next(); tok.kind != tColon {
				p.fail("colon", tok)
			}
			obj.RawSetString(key, p.value(p.next()))
			tok = p.next()
			if tok.kind == tObjEnd {
				p.cfg.decodeDep--
				return obj
			}
			if tok.kind != tComma {
				p.fail("comma or object end", tok)
			}
			tok = p.next()
		}
	case tArrBegin:
		p.descend(t)
		arr := L.NewTable()
		tok := p.next()
		if tok.kind == tArrEnd {
			p.cfg.decodeDep--
			return arr
		}
		for i := 1; ; i++ {
			arr.RawSetInt(i, p.value(tok))
			tok = p.next()
			if tok.kind == tArrEnd {
				p.cfg.decodeDep--
				return arr
			}
			if tok.kind != tComma {
				p.fail("comma or array end", tok)
			}
			tok = p.next()
		}
	}
	p.fail("value", t)
	return lua.LNil
}
