package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
)

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind byte
		n    int64
		text string
	}{
		{"+OK\r\n", '+', 0, "OK"},
		{"-ERR wrong number of arguments for 'wait' command\r\n", '-', 0, "ERR wrong number of arguments for 'wait' command"},
		{":2\r\n", ':', 2, "2"},
		{":-1\r\n", ':', -1, "-1"},
		{"$5\r\nhello\r\n", '$', 5, ""},
		{"$-1\r\n", '$', -1, ""},
		{"$0\r\n\r\n", '$', 0, ""},
		{"*2\r\n$1\r\na\r\n:1\r\n", '*', 2, ""},
		{"*-1\r\n", '*', -1, ""},
		{"*2\r\n*1\r\n+x\r\n%1\r\n+k\r\n:1\r\n", '*', 2, ""},
		{"_\r\n", '_', 0, ""},
		{",1.5\r\n", ',', 0, "1.5"},
		{"#t\r\n", '#', 0, "t"},
		{"(12345678901234567890\r\n", '(', 0, "12345678901234567890"},
		{"=7\r\ntxt:abc\r\n", '=', 7, ""},
		{"~1\r\n+a\r\n", '~', 1, ""},
		{">2\r\n+message\r\n+x\r\n", '>', 2, ""},
		{"|1\r\n+key\r\n+val\r\n+OK\r\n", '+', 0, "OK"}, // the attribute, then the reply
	} {
		r := bufio.NewReader(bytes.NewReader([]byte(tc.in + "+NEXT\r\n")))
		got, err := readReply(r)
		if err != nil {
			t.Errorf("readReply(%q) error %v", tc.in, err)
			continue
		}
		if got.kind != tc.kind || got.n != tc.n || string(got.text) != tc.text {
			t.Errorf("readReply(%q) = %c %d %q, want %c %d %q", tc.in, got.kind, got.n, got.text, tc.kind, tc.n, tc.text)
		}
		// It consumed exactly that reply.
		if next, err := readReply(r); err != nil || string(next.text) != "NEXT" {
			t.Errorf("after readReply(%q), the next reply = %q, %v; want +NEXT", tc.in, next.text, err)
		}
	}
}

func TestReadReply_Bad(t *testing.T) {
	for _, in := range []string{
		"OK\r\n", "+OK\n", "\r\n", ":\r\n", ":12a\r\n", ":1234567890123456789\r\n",
		"$3\r\nabcde\r\n", "$x\r\n", "?1\r\n", "*1\r\n!bad\r\n",
		string(bytes.Repeat([]byte("*1\r\n"), maxDepth+1)) + "+OK\r\n",
	} {
		_, err := readReply(bufio.NewReader(bytes.NewReader([]byte(in))))
		if !errors.Is(err, errProtocol) {
			t.Errorf("readReply(%q) error = %v, want a protocol error", in, err)
		}
	}
	for _, in := range []string{"", "+OK", "$5\r\nab", "*2\r\n+a\r\n"} {
		_, err := readReply(bufio.NewReader(bytes.NewReader([]byte(in))))
		if !errors.Is(err, io.EOF) {
			t.Errorf("readReply(%q) error = %v, want EOF", in, err)
		}
	}
	long := "+" + string(bytes.Repeat([]byte("x"), 64)) + "\r\n"
	if _, err := readReply(bufio.NewReaderSize(bytes.NewReader([]byte(long)), 16)); !errors.Is(err, errProtocol) {
		t.Errorf("readReply of a line longer than the buffer: error %v, want a protocol error", err)
	}
}

// FuzzReply: readReply never panics, and what it returns for a line reply
// is that line, for an integer the integer strconv reads.
func FuzzReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", ":1\r\n", "-ERR x\r\n", "$3\r\nabc\r\n", "*2\r\n:1\r\n$-1\r\n", "|1\r\n+a\r\n+b\r\n:0\r\n", "%1\r\n+a\r\n*0\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := readReply(bufio.NewReaderSize(bytes.NewReader(in), 64))
		if err != nil || len(in) == 0 || in[0] == '|' {
			return
		}
		line, _, _ := bytes.Cut(in[1:], []byte("\r\n"))
		switch rep.kind {
		case '+', '-', '_', ',', '#', '(':
			if !bytes.Equal(rep.text, line) {
				t.Fatalf("readReply(%q) text %q, want %q", in, rep.text, line)
			}
		case ':':
			if n, err := strconv.ParseInt(string(line), 10, 64); err != nil || n != rep.n {
				t.Fatalf("readReply(%q) = %d, strconv reads %d, %v", in, rep.n, n, err)
			}
		}
	})
}
