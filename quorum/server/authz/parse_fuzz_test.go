package authz

import (
	"errors"
	"testing"
)

// FuzzParse: any input parses or fails with a *ParseError naming a line
// of it, never panics; parsed rules answer without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cn:a read,append shard-* orders\n* read pub # c\n",
		"dns:n cluster\nuri:spiffe://x/y all *\n",
		"cn:a read [", "cn:a cluster x", "x", "cn: read x", "cn:a read,,x y",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("f", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line < 0 || pe.Line > len(data)+1 {
				t.Fatalf("line %d out of the input", pe.Line)
			}
			return
		}
		c := cert("a", []string{"n"}, "spiffe://x/y")
		for _, p := range []Permission{Read, Append, Trim, Create, Delete, Cluster} {
			r.Allowed(c, p, "shard-1")
			r.Allowed(nil, p, "x")
		}
	})
}
