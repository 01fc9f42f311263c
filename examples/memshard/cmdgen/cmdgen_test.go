package cmdgen

import (
	"bytes"
	"fmt"
	"testing"
)

// The generator must be deterministic per seed, or a failure could not be
// replayed.
func TestGen_Deterministic(t *testing.T) {
	draw := func() []byte {
		g := New(7)
		var b bytes.Buffer
		for range 500 {
			args, mode := g.Next()
			fmt.Fprintf(&b, "%q %d\n", args, mode)
		}
		return b.Bytes()
	}
	if a, b := draw(), draw(); !bytes.Equal(a, b) {
		t.Fatal("two generators with one seed drew different commands")
	}
}

// Random and NoTransactions do what they say.
func TestGen_Options(t *testing.T) {
	g := New(1)
	g.Random, g.NoTransactions = true, true
	random := 0
	for range 5000 {
		args, mode := g.Next()
		switch args[0] {
		case "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH":
			t.Fatalf("NoTransactions drew %q", args)
		}
		if mode == Random {
			random++
		}
	}
	if random == 0 {
		t.Error("Random drew no command with a random reply in 5,000")
	}
	g = New(1)
	for range 5000 {
		if _, mode := g.Next(); mode == Random {
			t.Fatal("without Random, a command with a random reply was drawn")
		}
	}
}
