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

// Unspecified: only a lex range over a skiplist-encoded sorted set whose
// first and last scores differ.
func TestUnspecified(t *testing.T) {
	fake := func(encoding, firstScore, lastScore string) func(args ...string) []byte {
		return func(args ...string) []byte {
			switch {
			case args[0] == "OBJECT":
				return []byte(encoding)
			case args[2] == "0":
				return []byte("*2\r\n$1\r\na\r\n$" + fmt.Sprint(len(firstScore)) + "\r\n" + firstScore + "\r\n")
			}
			return []byte("*2\r\n$1\r\nz\r\n$" + fmt.Sprint(len(lastScore)) + "\r\n" + lastScore + "\r\n")
		}
	}
	skiplist, listpack := "$8\r\nskiplist\r\n", "$8\r\nlistpack\r\n"
	lex := Cmd{Args: []string{"ZRANGE", "z", "-", "+", "BYLEX"}, LexKey: lexKey([]string{"ZRANGE", "z", "-", "+", "BYLEX"})}
	for _, tc := range []struct {
		c    Cmd
		do   func(args ...string) []byte
		want bool
	}{
		{lex, fake(skiplist, "1", "2"), true},
		{lex, fake(skiplist, "1", "1"), false},
		{lex, fake(listpack, "1", "2"), false},
		{Cmd{Args: []string{"ZRANGE", "z", "0", "-1"}}, fake(skiplist, "1", "2"), false},
	} {
		if got := Unspecified(tc.c, tc.do); got != tc.want {
			t.Errorf("Unspecified(%q) = %v, want %v", tc.c.Args, got, tc.want)
		}
	}
	if lex.LexKey != "z" {
		t.Errorf("lexKey of %q = %q, want z", lex.Args, lex.LexKey)
	}
}
