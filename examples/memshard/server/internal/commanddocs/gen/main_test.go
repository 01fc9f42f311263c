package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/internal/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// TestUpToDate regenerates docs.json from redis-server in memory and
// compares: it fails if the checked-in file was edited by hand, or if the
// generator or memshard's command tables changed without a regeneration.
func TestUpToDate(t *testing.T) {
	rs := redisdiff.Start(t)
	f, err := capture(t.Context(), rs.Addr, server.CommandNames(engine.NewTable()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := encode(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../docs.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs.json is not what gen writes (%d bytes, gen %d): run make command-docs", len(want), len(got))
	}
}

// TestEncodeCheckedIn checks that the checked-in docs.json is in encode's
// layout, without redis-server.
func TestEncodeCheckedIn(t *testing.T) {
	want, err := os.ReadFile("../docs.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := commanddocs.Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs.json is not in encode's layout: run make command-docs")
	}
}

// TestLayout: containers down to a command's fields' values (depth 4) and
// every "arguments" array are expanded; strings are copied as they are.
func TestLayout(t *testing.T) {
	in := `{"v":"1","cmds":{"c":{"x":["p",{"q":1,"r":[2]}],"arguments":[{"name":"n,\"]{","arguments":[{"k":[]}]}]}},"e":{}}`
	want := "{\n" +
		"\t\"v\": \"1\",\n" +
		"\t\"cmds\": {\n" +
		"\t\t\"c\": {\n" +
		"\t\t\t\"x\": [\n" +
		"\t\t\t\t\"p\",\n" +
		"\t\t\t\t{\"q\": 1, \"r\": [2]}\n" +
		"\t\t\t],\n" +
		"\t\t\t\"arguments\": [\n" +
		"\t\t\t\t{\"name\": \"n,\\\"]{\", \"arguments\": [\n" +
		"\t\t\t\t\t{\"k\": []}\n" +
		"\t\t\t\t]}\n" +
		"\t\t\t]\n" +
		"\t\t}\n" +
		"\t},\n" +
		"\t\"e\": {}\n" +
		"}\n"
	if got := string(layout([]byte(in))); got != want {
		t.Errorf("layout(%s) =\n%s\nwant\n%s", in, got, want)
	}
}
