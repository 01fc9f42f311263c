package server

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// TestDiffProtocolRandom sends random request bytes, inline and multibulk,
// well formed or slightly broken (wrong counts and lengths, missing CR,
// quotes left open, bad escapes), to redis-server and memshard, each input
// on a fresh connection, and compares everything that comes back and
// whether the connection was closed. Only commands that touch no key run,
// since the inputs run in parallel.
func TestDiffProtocolRandom(t *testing.T) {
	rs := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	r := rand.New(rand.NewPCG(1, 0xd1ff))
	var cases []diffCase
	for i := range 300 {
		var b strings.Builder
		quiet := false
		for range 1 + r.IntN(3) {
			// A NUL in an inline line hides its end from Redis (strchr), and
			// a broken count or length may leave a request waiting for
			// bytes: then no sentinel; read until the replies stop.
			if r.IntN(2) == 0 {
				quiet = randomInline(r, &b) || quiet
			} else {
				quiet = randomMultibulk(r, &b) || quiet
			}
		}
		cases = append(cases, diffCase{name: fmt.Sprint(i), in: b.String(), quiet: quiet})
	}
	runDiff(t, rs.Addr, addr, cases, nil)
}

func pickOne(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

// randomCommandWords returns a command that touches no key, sometimes with
// the wrong number of arguments or an unknown name.
func randomCommandWords(r *rand.Rand) []string {
	switch r.IntN(6) {
	case 0:
		return []string{pickOne(r, "PING", "ping")}
	case 1:
		return []string{"PING", pickOne(r, "a", "", "hello world")}
	case 2:
		return []string{pickOne(r, "ECHO", "echo"), pickOne(r, "x", "", "a\r\nb", "\x00", "\"q\"")}
	case 3:
		return []string{"ECHO"} // wrong arity
	case 4:
		return []string{pickOne(r, "FOO", "GETT", ""), "a"} // unknown
	}
	return []string{"GET", "diff-random-nokey"}
}

// randomInline writes one inline request line, its words quoted or not,
// now and then broken; it says whether the line holds a NUL.
func randomInline(r *rand.Rand, b *strings.Builder) (nul bool) {
	start := b.Len()
	for i, w := range randomCommandWords(r) {
		if i > 0 {
			b.WriteString(pickOne(r, " ", "  ", "\t", " \t "))
		}
		switch r.IntN(6) {
		case 0:
			fmt.Fprintf(b, "%q", w) // Go's quoting: \n, \x00, \" as sdssplitargs reads them
		case 1:
			b.WriteString("'" + strings.ReplaceAll(w, "'", `\'`) + "'")
		case 2:
			b.WriteString(pickOne(r, `"open`, `'open`, `"a"b`, `"\x4g"`, `"\x41\n"`, `"a\`, `""`, `''`))
		default:
			b.WriteString(strings.NewReplacer("\r", "", "\n", "", " ", "", "\x00", "").Replace(w))
		}
	}
	b.WriteString(pickOne(r, "\r\n", "\r\n", "\n", "\r\n\r\n"))
	return strings.IndexByte(b.String()[start:], 0) >= 0
}

// randomMultibulk writes one multibulk request, now and then (it says
// when) with a wrong count or length, a missing CR or LF, or a bad number.
func randomMultibulk(r *rand.Rand, b *strings.Builder) (broken bool) {
	words := randomCommandWords(r)
	broken = r.IntN(3) == 0
	n := fmt.Sprint(len(words))
	if broken && r.IntN(3) == 0 {
		n = pickOne(r, "0", "-1", "x", "", fmt.Sprint(len(words)+1), "1048576", "3000000000") // not over 1,048,576: TestKnownDiffMultibulkLimit
	}
	b.WriteString("*" + n + pickOne(r, "\r\n", "\r\n", "\n"))
	for _, w := range words {
		l := fmt.Sprint(len(w))
		if broken && r.IntN(4) == 0 {
			l = pickOne(r, fmt.Sprint(len(w)+1), fmt.Sprint(max(len(w)-1, 0)), "-1", "x", "", "536870913")
		}
		b.WriteString(pickOne(r, "$", "$", "$", "+", ":") + l + "\r\n" + w)
		if broken && r.IntN(5) == 0 {
			b.WriteString(pickOne(r, "\n", "\r", "xx"))
		} else {
			b.WriteString("\r\n")
		}
	}
	return broken
}
