package hashslot

import "testing"

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
