package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// FUNCTION DUMP and RESTORE: the payload is Redis's, byte for byte (LZF
// included) for one library; each server restores what the other
// dumped; crafted payloads get Redis's errors.

func TestRedisCRC64(t *testing.T) {
	// Redis's own self-test (crc64.c).
	if got := redisCRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(0, \"123456789\") = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	// Chained, as Redis's crc64(crc, ...) continues a CRC.
	if got := redisCRC64(redisCRC64(0, []byte("1234")), []byte("56789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("chained crc64 = %#x", got)
	}
}

func TestLZF_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{21, 22, 40, 100, 1000, 9000, 70000} {
		for _, kind := range []string{"text", "random", "runs"} {
			in := make([]byte, n)
			for i := range in {
				switch kind {
				case "text":
					const text = "redis.register_function('f', function() end)\n"
					in[i] = text[(i*7+i/50)%len(text)]
				case "random":
					in[i] = byte(r.Uint32())
				case "runs":
					in[i] = byte(i / 300)
				}
			}
			comp := lzfCompress(in, n-4)
			if comp == nil {
				if kind != "random" && n >= 100 {
					t.Errorf("%s of %d bytes: not compressed", kind, n)
				}
				continue
			}
			out, ok := lzfDecompress(comp, uint64(n))
			if !ok || !bytes.Equal(out, in) {
				t.Errorf("%s of %d bytes: decompressed %v, equal %v", kind, n, ok, bytes.Equal(out, in))
			}
		}
	}
}

// TestFunctionDumpDiff: FUNCTION DUMP of one library is redis-server's,
// byte for byte, over code of every size (LZF compressed or not); of
// several, each server restores the other's (Redis orders them as its
// dict does), with the same FUNCTION LIST WITHCODE after.
func TestFunctionDumpDiff(t *testing.T) {
	h := newFunctionHarness(t, 2)
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 5, 20, 60, 200, 1000, 5000, 20000} {
		var body strings.Builder
		for i := 0; body.Len() < n; i++ {
			fmt.Fprintf(&body, "redis.register_function('f%d_%d', function(keys, args) return %d end)\n", n, i, r.IntN(1000))
		}
		if n == 0 {
			body.WriteString("redis.register_function('f0', function() end)")
		}
		h.diff("FUNCTION", "FLUSH")
		h.diff("FUNCTION", "LOAD", fmt.Sprintf("#!lua name=size%d\n%s", n, body.String()))
		h.diff("FUNCTION", "DUMP")
	}
	h.diff("FUNCTION", "FLUSH")
	h.diff("FUNCTION", "DUMP")
	for _, code := range []string{testLibrary,
		"#!lua name=small\nredis.register_function('small', function() return 1 end)",
		"#!lua name=described\nredis.register_function{function_name='desc', callback=function() return 1 end, description='x', flags={'no-writes'}}",
	} {
		h.diff("FUNCTION", "LOAD", code)
	}
	list := []string{"FUNCTION", "LIST", "WITHCODE"}
	mine, theirs := h.exec("FUNCTION", "DUMP"), h.redis.Do("FUNCTION", "DUMP")
	before := canonicalList(h.exec(list...))
	bulk := func(reply []byte) string { return string(reply[bytes.Index(reply, []byte("\r\n"))+2 : len(reply)-2]) }
	for _, policy := range [][]string{{"FLUSH"}, {"REPLACE"}, {}} {
		if len(policy) == 0 { // APPEND, into nothing
			h.diff("FUNCTION", "FLUSH")
		}
		if got := h.redis.Do(append([]string{"FUNCTION", "RESTORE", bulk(mine)}, policy...)...); string(got) != "+OK\r\n" {
			t.Fatalf("redis-server restoring memshard's dump %q: %q", policy, got)
		}
		if got := h.exec(append([]string{"FUNCTION", "RESTORE", bulk(theirs)}, policy...)...); string(got) != "+OK\r\n" {
			t.Fatalf("memshard restoring redis-server's dump %q: %q", policy, got)
		}
		if got, want := canonicalList(h.exec(list...)), canonicalList(h.redis.Do(list...)); !bytes.Equal(got, before) || !bytes.Equal(want, before) {
			t.Fatalf("after restoring the other's dump %q:\nmemshard %q\nredis    %q\nwant     %q", policy, got, want, before)
		}
	}
	h.diffFunction("FCALL", "small", "0")
	h.checkReplica()
}

// payload builds a FUNCTION RESTORE payload: body, then the version and
// Redis's CRC (wrong if bad).
func payload(body []byte, version uint16, bad bool) string {
	p := binary.LittleEndian.AppendUint16(bytes.Clone(body), version)
	crc := redisCRC64(0, p)
	if bad {
		crc ^= 1
	}
	return string(binary.LittleEndian.AppendUint64(p, crc))
}

// rawString is an RDB string stored as it is, never compressed.
func rawString(s string) []byte { return append(appendRDBLen(nil, uint64(len(s))), s...) }

func lib2(name, fn string) []byte {
	return append([]byte{rdbOpcodeFunction2}, rawString("#!lua name="+name+"\nredis.register_function('"+fn+"', function() return 1 end)")...)
}

// TestFunctionRestoreDiff: FUNCTION RESTORE of crafted payloads, and its
// policies, compared with redis-server.
func TestFunctionRestoreDiff(t *testing.T) {
	h := newFunctionHarness(t, 2)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	preGA := func(name, engine string, desc []byte, code string) []byte {
		return cat([]byte{rdbOpcodeFunction}, rawString(name), rawString(engine), desc, rawString(code))
	}
	long := "#!lua name=zip\nredis.register_function('zip', function() return '" + strings.Repeat("ab", 40) + "' end)"
	zipped := append([]byte{rdbOpcodeFunction2}, appendRDBString(nil, []byte(long))...)
	if zipped[1] != 0xC3 {
		t.Fatalf("the long library is not compressed: %q", zipped[:4])
	}
	lzfBad := cat([]byte{rdbOpcodeFunction2, 0xC3}, appendRDBLen(nil, uint64(len(zipped)-4)), appendRDBLen(nil, uint64(len(long)+1)), zipped[4:])
	rfCode := "redis.register_function('pf', function() return 1 end)"
	for _, tc := range []struct {
		name   string
		body   []byte
		ver    uint16
		bad    bool
		policy []string
	}{
		{name: "empty", ver: 10},
		{name: "one", body: lib2("a", "fa"), ver: 10},
		{name: "again", body: lib2("a", "fa"), ver: 10},
		{name: "again, APPEND", body: lib2("a", "fa"), ver: 10, policy: []string{"append"}},
		{name: "bad CRC", body: lib2("b", "fb"), ver: 10, bad: true},
		{name: "version 11", body: lib2("b", "fb"), ver: 11},
		{name: "version 9", body: lib2("b", "fb"), ver: 9},
		{name: "version 0", body: lib2("c", "fc"), ver: 0},
		{name: "not a function", body: cat([]byte{0}, lib2("d", "fd")[1:]), ver: 10},
		{name: "after a library, not a function", body: cat(lib2("d", "fd"), []byte{7}, rawString("x")), ver: 10},
		{name: "no functions", body: cat([]byte{rdbOpcodeFunction2}, rawString("#!lua name=e\nreturn 1")), ver: 10},
		{name: "no metadata", body: cat([]byte{rdbOpcodeFunction2}, rawString("return 1")), ver: 10},
		{name: "twice the same library", body: cat(lib2("f", "ff"), lib2("f", "ff2")), ver: 10},
		{name: "twice the same function", body: cat(lib2("g", "gg"), lib2("h", "gg")), ver: 10},
		{name: "a function that exists", body: lib2("i", "fa"), ver: 10},
		{name: "a bad library, then a bad element", body: cat(lib2("j", "fa"), []byte{7}), ver: 10},
		{name: "int8", body: []byte{rdbOpcodeFunction2, 0xC0, 5}, ver: 10},
		{name: "int16", body: []byte{rdbOpcodeFunction2, 0xC1, 0x39, 0x30}, ver: 10},
		{name: "int32", body: []byte{rdbOpcodeFunction2, 0xC2, 0xff, 0xff, 0xff, 0xff}, ver: 10},
		{name: "the opcode alone", body: []byte{rdbOpcodeFunction2}, ver: 10},
		{name: "a length past the end", body: cat([]byte{rdbOpcodeFunction2, 0x80, 0x7f, 0xff, 0xff, 0xff}, []byte("abc")), ver: 10},
		{name: "a 64-bit length", body: cat([]byte{rdbOpcodeFunction2, 0x81}, binary.BigEndian.AppendUint64(nil, 10), []byte("#!lua name")), ver: 10},
		{name: "a bad string encoding", body: []byte{rdbOpcodeFunction2, 0xC4, 'a', 'b', 'c'}, ver: 10},
		{name: "a bad length encoding", body: []byte{rdbOpcodeFunction2, 0x82, 'a', 'b', 'c'}, ver: 10},
		{name: "compressed", body: zipped, ver: 10},
		{name: "compressed, the wrong length", body: lzfBad, ver: 10},
		{name: "compressed to nothing", body: []byte{rdbOpcodeFunction2, 0xC3, 1, 0, 0}, ver: 10},
		{name: "compressed, a reference before the start", body: []byte{rdbOpcodeFunction2, 0xC3, 3, 5, 0x20, 0x05, 0x00}, ver: 10},
		{name: "a string into the footer", body: []byte{rdbOpcodeFunction2, 4, '#', '!'}, ver: 10},
		{name: "release candidate", body: preGA("prega", "LUA", []byte{0}, rfCode), ver: 10},
		{name: "release candidate, described", body: preGA("prega2", "LUA", cat([]byte{1}, rawString("desc")), strings.ReplaceAll(rfCode, "pf", "pf2")), ver: 10},
		{name: "release candidate, no engine", body: cat([]byte{rdbOpcodeFunction}, rawString("x")), ver: 10},
		{name: "release candidate, no description indicator", body: cat([]byte{rdbOpcodeFunction}, rawString("x"), rawString("LUA"), []byte{0x82}), ver: 10},
		{name: "release candidate, no description", body: cat([]byte{rdbOpcodeFunction}, rawString("x"), rawString("LUA"), []byte{1, 0x82}), ver: 10},
		{name: "release candidate, no code", body: cat([]byte{rdbOpcodeFunction}, rawString("x"), rawString("LUA"), []byte{0, 0x82}), ver: 10},
		{name: "release candidate, a bad name", body: preGA("a-b", "LUA", []byte{0}, rfCode), ver: 10},
		{name: "release candidate, NUL in the name", body: preGA("q\x00r", "LUA", []byte{0}, rfCode), ver: 10},
		{name: "replace", body: lib2("a", "fa"), ver: 10, policy: []string{"REPLACE"}},
		{name: "replace, a function of another library", body: lib2("z", "fa"), ver: 10, policy: []string{"Replace"}},
		{name: "replace two, functions swapped", body: cat(lib2("a", "fb"), lib2("b", "fa")), ver: 10, policy: []string{"REPLACE"}},
		{name: "flush", body: lib2("z", "fa"), ver: 10, policy: []string{"FLUSH"}},
		{name: "flush, failing", body: cat([]byte{rdbOpcodeFunction2}, rawString("#!lua name=e\nreturn 1")), ver: 10, policy: []string{"flush"}},
		{name: "flush, nothing", ver: 10, policy: []string{"FLUSH"}},
	} {
		h.diff(append([]string{"FUNCTION", "RESTORE", payload(tc.body, tc.ver, tc.bad)}, tc.policy...)...)
		if t.Failed() {
			t.Fatalf("at %s", tc.name)
		}
		h.diffFunction("FUNCTION", "LIST", "WITHCODE")
	}
	for _, p := range []string{"", "123456789", strings.Repeat("x", 10)} {
		h.diff("FUNCTION", "RESTORE", p)
	}
	h.checkReplica()
}

// FuzzFunctionPayload: FUNCTION RESTORE's decoder never panics, and the
// libraries it reads encode to a payload it reads back the same. Each
// input is decoded as it is and, so that mutations reach the parser past
// the checksum, with its last 10 bytes replaced by a right footer. Seeded
// with memshard's dumps and, in testdata, redis-server's.
func FuzzFunctionPayload(f *testing.F) {
	for _, codes := range [][]string{{}, {testLibrary}, {"#!lua name=a\nredis.register_function('a', function() return 1 end)", testLibrary}} {
		var b [][]byte
		for _, c := range codes {
			b = append(b, []byte(c))
		}
		f.Add(encodeFunctionPayload(b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPayloadDecoder(t, data)
		if len(data) >= 10 {
			checkPayloadDecoder(t, []byte(payload(data[:len(data)-10], binary.LittleEndian.Uint16(data[len(data)-10:]), false)))
		}
	})
}

// checkPayloadDecoder checks what decodeFunctionPayload makes of data.
func checkPayloadDecoder(t *testing.T, data []byte) {
	codes, err := decodeFunctionPayload(data)
	if err != "" && err != errBadFunctionDump && !strings.HasPrefix(err, "Failed loading") && err != "given type is not a function" {
		t.Fatalf("unexpected error %q", err)
	}
	again, err2 := decodeFunctionPayload(encodeFunctionPayload(codes))
	if err2 != "" || len(again) != len(codes) {
		t.Fatalf("re-encoded: %d codes, %q; want %d", len(again), err2, len(codes))
	}
	for i := range codes {
		if !bytes.Equal(again[i], codes[i]) {
			t.Fatalf("code %d re-encoded as %q, was %q", i, again[i], codes[i])
		}
	}
}
