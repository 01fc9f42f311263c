package acl

import "testing"

// BenchmarkCheck measures one permission check: the default user's
// (skipped: it may do anything), a user checked against a command bit and
// a key pattern, and one with a selector besides.
func BenchmarkCheck(b *testing.B) {
	cat := Redis()
	get := cat.Lookup("get")
	argv := [][]byte{[]byte("GET"), []byte("k1")}
	for _, tc := range []struct {
		name  string
		rules []string
	}{
		{"open", []string{"on", "nopass", "+@all", "~*", "&*"}},
		{"key", []string{"on", "nopass", "-@all", "+get", "~k*"}},
		{"selector", []string{"on", "nopass", "-@all", "+set", "~x*", "(+get ~k*)"}},
	} {
		u, err := NewUser(cat, "u").Set(cat, tc.rules...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r, _ := u.Check(get, argv); r != OK {
					b.Fatalf("Check = %v", r)
				}
			}
		})
	}
}
