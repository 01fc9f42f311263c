package lolwut

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func parse(b []byte) (int64, bool) {
	// Strict enough for these tests; the server passes engine.ParseInt.
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func args(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// TestSchotterSize: the canvas is as lwDrawSchotter sizes it, rendered
// as braille characters of 2×4 pixels.
func TestSchotterSize(t *testing.T) {
	for _, tc := range []struct {
		cols, row, col int
		width, height  int
	}{
		{66, 8, 12, 132, 196}, // Redis's defaults: side 16
		{1, 1, 1, 2, 2},       // no padding at 4 pixels or fewer
		{2, 1, 1, 4, 4},
		{3, 1, 1, 6, 6},    // padding 2: side 2, 2 + 4
		{10, 3, 4, 20, 25}, // side 16/3 = 5.33: 21.33 + 4, truncated
	} {
		c := drawSchotter(tc.cols, tc.row, tc.col)
		if c.width != tc.width || c.height != tc.height {
			t.Errorf("drawSchotter(%d, %d, %d) = %d×%d, want %d×%d", tc.cols, tc.row, tc.col, c.width, c.height, tc.width, tc.height)
		}
		lines := strings.Split(c.renderBraille(), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if want := (tc.height + 3) / 4; len(lines) != want {
			t.Errorf("drawSchotter(%d, %d, %d): %d lines, want %d", tc.cols, tc.row, tc.col, len(lines), want)
		}
		for i, l := range lines {
			if n := utf8.RuneCountInString(l); n != tc.cols {
				t.Errorf("drawSchotter(%d, %d, %d): line %d has %d characters, want %d", tc.cols, tc.row, tc.col, i, n, tc.cols)
			}
		}
	}
}

// TestRenderBraille: each dot's bit, as lwTranslatePixelsGroup numbers
// them, and Redis's newline rule (none after a row starting on the last
// pixel row).
func TestRenderBraille(t *testing.T) {
	c := newCanvas(2, 5, 0)
	c.drawPixel(0, 0, 1) // bit 0
	c.drawPixel(1, 3, 1) // bit 7
	c.drawPixel(1, 4, 1) // next row's bit 0
	if got, want := c.renderBraille(), "\u2881\n\u2808"; got != want {
		t.Errorf("renderBraille = %q, want %q", got, want)
	}
	if got, want := newCanvas(2, 4, 0).renderBraille(), "\u2800\n"; got != want {
		t.Errorf("renderBraille of 2×4 = %q, want %q", got, want)
	}
}

// TestDrawSquare: an unrotated square of size 8 around (10, 10), as
// lwDrawSquare draws it: its corners on a circle of radius round(8/√2) =
// 6, at 45°: 10 ± round(6·sin 45°) = 10 ± 4.
func TestDrawSquare(t *testing.T) {
	c := newCanvas(30, 30, 0)
	c.drawSquare(10, 10, 8, 0, 1)
	for _, p := range [][2]int{{14, 14}, {6, 14}, {6, 6}, {14, 6}, {10, 14}, {6, 10}} {
		if c.pixel(p[0], p[1]) != 1 {
			t.Errorf("pixel %v not drawn", p)
		}
	}
	if c.pixel(10, 10) != 0 || c.pixel(15, 15) != 0 {
		t.Errorf("square drawn inside or beyond its corners")
	}
}

// TestSkyline: every pixel one of the four grays, the canvas as asked.
func TestSkyline(t *testing.T) {
	for _, size := range [][2]int{{80, 20}, {1, 1}, {3, 2}, {200, 7}} {
		c := newCanvas(size[0], size[1], 3)
		drawSkyline(c)
		for i, p := range c.pixels {
			if p > 3 {
				t.Fatalf("%v: pixel %d is %d", size, i, p)
			}
		}
		lines := strings.Split(c.renderColors(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%v: %d lines, want %d", size, len(lines), size[1])
		}
		for _, l := range lines {
			if n := strings.Count(l, "\033[0m"); n != size[0] {
				t.Errorf("%v: a line of %d pixels, want %d", size, n, size[0])
			}
		}
	}
}

func TestReplyVersions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // prefix of the caption line, or the error
	}{
		{nil, "Redis ver. 7.0.15\n"},
		{[]string{"VERSION", "5"}, "Georg Nees"},
		{[]string{"version", "6"}, "Dedicated"},
		{[]string{"VERSION", "4294967301"}, "Georg Nees"}, // (unsigned int) 5
		{[]string{"VERSION", "59"}, "Redis ver. 7.0.15\n"},
		{[]string{"VERSION", "x"}, ErrNotInteger},
		{[]string{"VERSION", "6", "1", "y"}, ErrNotInteger},
		{[]string{"VERSION", "6", "1", "1", "y"}, "Dedicated"},
	} {
		text, errMsg := Reply(args(tc.args...), "7.0.15", parse)
		got := errMsg
		if got == "" {
			got = text
			if i := strings.LastIndex(strings.TrimSuffix(text, "\n"), "\n"); i >= 0 && !strings.HasPrefix(tc.want, "Redis") {
				got = text[i+1:]
			}
			if tc.want == "Dedicated" {
				// Version 6's caption is two lines.
				lines := strings.Split(text, "\n")
				got = lines[len(lines)-3]
			}
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("Reply(%q) = %q, %q; want %q", tc.args, text, errMsg, tc.want)
		}
	}
}

// FuzzReply: any arguments give Redis's integer error or a drawing that
// ends with the version line; never a panic.
func FuzzReply(f *testing.F) {
	for _, s := range []string{"", "VERSION 5", "VERSION 6 10 5", "version 5 1 1 1", "VERSION -4294967291 3 0 -1", "VERSION 6 x", "VERSION"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := args(strings.Fields(s)...)
		for i := 2; i < len(a); i++ {
			// Bound the drawing's size, not its shape: big canvases are
			// slow, not different.
			if n, ok := parse(a[i]); ok && n > 60 {
				a[i] = []byte("60")
			}
		}
		text, errMsg := Reply(a, "7.0.15", parse)
		if errMsg != "" {
			if errMsg != ErrNotInteger || text != "" {
				t.Fatalf("Reply(%q) = %q, %q", s, text, errMsg)
			}
			return
		}
		if !strings.HasSuffix(text, "Redis ver. 7.0.15\n") || !utf8.ValidString(text) {
			t.Fatalf("Reply(%q) = %q", s, text)
		}
	})
}
