package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestToInfo parses replies of redis-server 7.0.15 with the key spec types
// no command memshard implements has (notes, keyword, unknown) and writes
// them back; TestUpToDate covers the others.
func TestToInfo(t *testing.T) {
	sort3 := "*1\r\n*10\r\n$4\r\nsort\r\n:-2\r\n~3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n" +
		"~6\r\n+@write\r\n+@set\r\n+@sortedset\r\n+@list\r\n+@slow\r\n+@dangerous\r\n~0\r\n~3\r\n" +
		"%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" +
		"%4\r\n$5\r\nnotes\r\n$120\r\nFor the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort\r\n" +
		"$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n%0\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n%0\r\n" +
		"%4\r\n$5\r\nnotes\r\n$116\r\nFor the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array\r\n" +
		"$5\r\nflags\r\n~2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n%0\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n%0\r\n~0\r\n"
	migrate3 := "*1\r\n*10\r\n$7\r\nmigrate\r\n:-6\r\n~2\r\n+write\r\n+movablekeys\r\n:3\r\n:3\r\n:1\r\n" +
		"~4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n~1\r\n$23\r\nnondeterministic_output\r\n~2\r\n" +
		"%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:3\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n" +
		"%3\r\n$5\r\nflags\r\n~4\r\n+RW\r\n+access\r\n+delete\r\n+incomplete\r\n" +
		"$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$7\r\nkeyword\r\n$4\r\nspec\r\n%2\r\n$7\r\nkeyword\r\n$4\r\nKEYS\r\n$9\r\nstartfrom\r\n:-2\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
	for _, raw := range []string{sort3, migrate3} {
		n, err := readNode(bufio.NewReader(strings.NewReader(raw)), new(bytes.Buffer))
		if err != nil {
			t.Fatal(err)
		}
		e, err := toInfo(n.elems[0])
		if err != nil {
			t.Fatalf("toInfo(%q): %v", raw, err)
		}
		if got := string(rewriteInfo(3, e)); got != raw {
			t.Errorf("rewriteInfo(toInfo(%q)) =\n%q", raw, got)
		}
	}
}

// TestToInfoRejects: shapes info.json cannot hold are errors, not data lost.
func TestToInfoRejects(t *testing.T) {
	entry := func(keySpec string) string {
		return "*10\r\n$1\r\nx\r\n:2\r\n~0\r\n:1\r\n:1\r\n:1\r\n~0\r\n~0\r\n~1\r\n" + keySpec + "~0\r\n"
	}
	container := func(sub string) string {
		return "*10\r\n$1\r\nx\r\n:2\r\n~0\r\n:1\r\n:1\r\n:1\r\n~0\r\n~0\r\n~0\r\n*1\r\n" + sub
	}
	plain := "*10\r\n$1\r\ny\r\n:2\r\n~0\r\n:0\r\n:0\r\n:0\r\n~0\r\n~0\r\n~0\r\n~0\r\n"
	for name, raw := range map[string]string{
		"nine fields":      "*9\r\n$1\r\nx\r\n:2\r\n~0\r\n:1\r\n:1\r\n:1\r\n~0\r\n~0\r\n~0\r\n",
		"unknown key":      entry("%1\r\n$3\r\nnew\r\n:1\r\n"),
		"unknown type":     entry("%1\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$3\r\nnew\r\n$4\r\nspec\r\n%0\r\n"),
		"missing spec key": entry("%1\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%0\r\n"),
		"extra spec key":   entry("%1\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%2\r\n$5\r\nindex\r\n:1\r\n$1\r\nz\r\n:1\r\n"),
		"string index":     entry("%1\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n$1\r\n1\r\n"),
		"tip not bulk":     "*10\r\n$1\r\nx\r\n:2\r\n~0\r\n:1\r\n:1\r\n:1\r\n~0\r\n~1\r\n+t\r\n~0\r\n~0\r\n",
		"no find_keys":     entry("%2\r\n$5\r\nflags\r\n~1\r\n+RO\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n"),
		"nested subs":      container(container(plain)),
	} {
		n, err := readNode(bufio.NewReader(strings.NewReader(raw)), new(bytes.Buffer))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e, err := toInfo(n); err == nil {
			t.Errorf("%s: toInfo(%q) = %+v, want an error", name, raw, e.info)
		}
	}
}
