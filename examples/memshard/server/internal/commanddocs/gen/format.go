package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// foldDepth is the nesting depth from which encode writes JSON on one
// line, but for argument lists: the file is an object (1) of commands (2),
// each an object (3) whose arguments and history (4) have one element a
// line.
const foldDepth = 5

// encode writes f as JSON that reads and diffs well: one line per command
// field, per history entry and per argument, nested arguments indented
// under theirs; keys in Redis's order, no HTML escaping. It checks that the result
// parses back to f.
func encode(f *commanddocs.File) ([]byte, error) {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	out := layout(bytes.TrimSpace(compact.Bytes()))
	back, err := commanddocs.Parse(out)
	if err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(back, f) {
		return nil, fmt.Errorf("docs.json does not parse back to the captured docs")
	}
	return out, nil
}

// layout re-indents compact JSON: elements of containers shallower than
// foldDepth, and of every "arguments" array, go on their own lines,
// indented with tabs; others stay on the line, separated by ", ". Every ':'
// gets a space after it.
func layout(compact []byte) []byte {
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
			exp := len(open)+1 < foldDepth || bytes.HasSuffix(out.Bytes(), []byte(`"arguments": `))
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
