package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// TestUpToDate regenerates docs.json and info.json from redis-server in
// memory and compares: it fails if a checked-in file was edited by hand, or
// if the generator or memshard's command tables changed without a
// regeneration.
func TestUpToDate(t *testing.T) {
	rs := redisdiff.Start(t)
	docs, info, err := capture(t.Context(), rs.Addr, server.CommandNames(engine.NewTable()))
	if err != nil {
		t.Fatal(err)
	}
	docsData, err := encodeDocs(docs)
	if err != nil {
		t.Fatal(err)
	}
	infoData, err := encodeInfo(info)
	if err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string][]byte{"docs.json": docsData, "info.json": infoData} {
		want, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what gen writes (%d bytes, gen %d): run make command-docs", file, len(want), len(got))
		}
	}
}

// TestEncodeCheckedIn checks that the checked-in docs.json and info.json
// are in encode's layout, without redis-server.
func TestEncodeCheckedIn(t *testing.T) {
	for file, reencode := range map[string]func([]byte) ([]byte, error){
		"docs.json": func(data []byte) ([]byte, error) {
			f, err := commanddocs.Parse(data)
			if err != nil {
				return nil, err
			}
			return encodeDocs(f)
		},
		"info.json": func(data []byte) ([]byte, error) {
			f, err := commanddocs.ParseInfo(data)
			if err != nil {
				return nil, err
			}
			return encodeInfo(f)
		},
	} {
		want, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := reencode(want)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not in encode's layout: run make command-docs", file)
		}
	}
}

// TestLayout: in docsFormat, containers down to a command's fields' values
// (depth 4) and every "arguments" array are expanded; strings are copied as
// they are.
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
	if got := string(docsFormat.layout([]byte(in))); got != want {
		t.Errorf("docsFormat.layout(%s) =\n%s\nwant\n%s", in, got, want)
	}
}

// TestLayoutInfo: in infoFormat, a command's fields are one a line, and so
// are the elements of "key_specs", but not of other arrays.
func TestLayoutInfo(t *testing.T) {
	in := `{"v":"1","cmds":{"c":{"flags":["a","b"],"key_specs":[{"flags":["RW"],"begin_search":{"type":"index","index":1}},{"k":[]}]},"d":{"key_specs":[]}}}`
	want := "{\n" +
		"\t\"v\": \"1\",\n" +
		"\t\"cmds\": {\n" +
		"\t\t\"c\": {\n" +
		"\t\t\t\"flags\": [\"a\", \"b\"],\n" +
		"\t\t\t\"key_specs\": [\n" +
		"\t\t\t\t{\"flags\": [\"RW\"], \"begin_search\": {\"type\": \"index\", \"index\": 1}},\n" +
		"\t\t\t\t{\"k\": []}\n" +
		"\t\t\t]\n" +
		"\t\t},\n" +
		"\t\t\"d\": {\n" +
		"\t\t\t\"key_specs\": []\n" +
		"\t\t}\n" +
		"\t}\n" +
		"}\n"
	if got := string(infoFormat.layout([]byte(in))); got != want {
		t.Errorf("infoFormat.layout(%s) =\n%s\nwant\n%s", in, got, want)
	}
}
