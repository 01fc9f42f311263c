package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// format is the layout of one JSON file: containers nested shallower than
// depth are expanded (one element a line), and so is every array under one
// of the keys expand; others stay on one line.
type format struct {
	depth  int
	expand []string
}

var (
	// docsFormat: docs.json is an object (1) of commands (2), each an
	// object (3) whose arguments and history (4) have one element a line,
	// nested arguments indented under theirs.
	docsFormat = format{depth: 5, expand: []string{"arguments"}}
	// infoFormat: info.json is an object (1) of commands (2), each an
	// object (3) with one field a line and one key spec a line.
	infoFormat = format{depth: 4, expand: []string{"key_specs"}}
)

// encode writes v as JSON that reads and diffs well, laid out as f says;
// keys in the struct's order (Redis's), no HTML escaping. It checks that
// the result parses back to v.
func encode[T any](v *T, f format, parse func([]byte) (*T, error)) ([]byte, error) {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := f.layout(bytes.TrimSpace(compact.Bytes()))
	back, err := parse(out)
	if err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(back, v) {
		return nil, fmt.Errorf("the JSON written does not parse back to the captured data")
	}
	return out, nil
}

// encodeDocs writes docs.json.
func encodeDocs(f *commanddocs.File) ([]byte, error) { return encode(f, docsFormat, commanddocs.Parse) }

// encodeInfo writes info.json.
func encodeInfo(f *commanddocs.InfoFile) ([]byte, error) {
	return encode(f, infoFormat, commanddocs.ParseInfo)
}

// layout re-indents compact JSON: elements of containers shallower than
// f.depth, and of every array under a key of f.expand, go on their own
// lines, indented with tabs; others stay on the line, separated by ", ".
// Every ':' gets a space after it.
func (f format) layout(compact []byte) []byte {
	var out bytes.Buffer
	var open []bool // for each open container, whether it is expanded
	inString, escaped := false, false
	newline := func() { // indented once per expanded container
		out.WriteByte('\n')
		for _, exp := range open {
			if exp {
				out.WriteByte('\t')
			}
		}
	}
	expanded := func() bool { return len(open) > 0 && open[len(open)-1] }
	for i, c := range compact {
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			out.WriteByte(c)
		case '{', '[':
			exp := len(open)+1 < f.depth || slices.ContainsFunc(f.expand, func(k string) bool {
				return c == '[' && bytes.HasSuffix(out.Bytes(), []byte(`"`+k+`": `))
			})
			exp = exp && compact[i+1] != '}' && compact[i+1] != ']'
			open = append(open, exp)
			out.WriteByte(c)
			if exp {
				newline()
			}
		case '}', ']':
			exp := expanded()
			open = open[:len(open)-1]
			if exp {
				newline()
			}
			out.WriteByte(c)
		case ',':
			out.WriteByte(c)
			if expanded() {
				newline()
			} else {
				out.WriteByte(' ')
			}
		case ':':
			out.WriteString(": ")
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('\n')
	return out.Bytes()
}
