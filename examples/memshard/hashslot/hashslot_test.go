package hashslot

import (
	"testing"
	"testing/quick"
)

func TestOf(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x31C3 {
		t.Errorf("CRC16(123456789) = %#x, want 0x31c3", got)
	}
	for key, want := range map[string]int{
		"foo": 12182, "bar": 5061, "{user1000}.following": 3443, "{user1000}.followers": 3443,
		"{}foo": Of("{}foo"), "foo{}{bar}": Of("foo{}{bar}"), "{foo": Of("{foo"),
		"a{bar}b": 5061, "": 0,
	} {
		if got := Of([]byte(key)); got != want {
			t.Errorf("Of(%q) = %d, want %d", key, got, want)
		}
		if got := Of(key); got != want {
			t.Errorf("Of(string %q) = %d, want %d", key, got, want)
		}
	}
	if Of("{}foo") == Of("foo") {
		t.Errorf("Of({}foo) hashed only foo")
	}
}

// keyHashSlot is cluster.c's keyHashSlot, transcribed loop for loop: the
// reference Of must agree with.
func keyHashSlot(key []byte) int {
	s := 0
	for s < len(key) && key[s] != '{' {
		s++
	}
	if s == len(key) {
		return int(CRC16(key) & 0x3FFF)
	}
	e := s + 1
	for e < len(key) && key[e] != '}' {
		e++
	}
	if e == len(key) || e == s+1 {
		return int(CRC16(key) & 0x3FFF)
	}
	return int(CRC16(key[s+1:e]) & 0x3FFF)
}

func TestOf_AgreesWithRedis(t *testing.T) {
	// Keys drawn over a small alphabet, so that braces come up often.
	f := func(raw []byte) bool {
		key := make([]byte, len(raw))
		for i, b := range raw {
			key[i] = "{}ab"[b%4]
		}
		return Of(key) == keyHashSlot(key) && Of(string(key)) == keyHashSlot(key)
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
	for _, k := range []string{"", "{", "}", "{}", "}{", "{{}}", "{a}{b}", "a{b}}", "{}{a}", "x{}y{z}"} {
		if got, want := Of(k), keyHashSlot([]byte(k)); got != want {
			t.Errorf("Of(%q) = %d, want %d", k, got, want)
		}
	}
}

// BenchmarkOf hashes a key as the keyspace does when it creates one (a
// 16-byte key, as redis-benchmark's "key:000000000123").
func BenchmarkOf(b *testing.B) {
	key := "key:000000000123"
	n := 0
	for b.Loop() {
		n += Of(key)
	}
	_ = n
}
