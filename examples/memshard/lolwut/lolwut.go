// Package lolwut draws LOLWUT's computer art as Redis 7.0.15 does
// (lolwut.c, lolwut5.c, lolwut6.c): Georg Nees' Schotter for version 5,
// the skyscrapers of Plaguemon for version 6, and the version line for
// any other. The drawings take random numbers, as Redis's take rand():
// their pixels differ from run to run, their sizes and captions do not.
// Redis's float and int arithmetic is kept step by step (float32 where C
// has float, truncation where C converts to int), so that for the same
// random numbers the drawing would be the same.
package lolwut

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrNotInteger is the error of an argument that is not an integer.
const ErrNotInteger = "ERR value is not an integer or out of range"

// randMax is C's RAND_MAX with glibc: rand() is in [0, randMax].
const randMax = math.MaxInt32

// crand is C's rand(): Redis seeds it per process, and so is Go's.
func crand() int { return int(rand.Int32()) }

// Reply is LOLWUT's reply to args, the arguments after the command name,
// from a server whose version is version ("7.0.15"): the text, which Redis
// sends as a verbatim string of format txt, or an error (errMsg set).
// parse reads an integer as Redis's getLongFromObject does.
func Reply(args [][]byte, version string, parse func([]byte) (int64, bool)) (text, errMsg string) {
	v := version
	if len(args) >= 2 && strings.EqualFold(string(args[0]), "version") {
		ver, ok := parse(args[1])
		if !ok {
			return "", ErrNotInteger
		}
		// snprintf("%u.0.0", (unsigned int)ver): the low 32 bits.
		v = strconv.FormatUint(uint64(uint32(ver)), 10) + ".0.0"
		args = args[2:]
	}
	at := func(i int) byte {
		if i < len(v) {
			return v[i]
		}
		return 0
	}
	switch {
	case at(0) == '5' && at(1) == '.' && at(2) != '9', at(0) == '4' && at(1) == '.' && at(2) == '9':
		return version5(args, version, parse)
	case at(0) == '6' && at(1) == '.' && at(2) != '9', at(0) == '5' && at(1) == '.' && at(2) == '9':
		return version6(args, version, parse)
	}
	return "Redis ver. " + version + "\n", ""
}

// sizes parses the optional integer arguments over their defaults, as
// getLongFromObjectOrReply does one after the other.
func sizes(args [][]byte, parse func([]byte) (int64, bool), defaults ...int64) ([]int64, string) {
	out := append([]int64(nil), defaults...)
	for i := range out {
		if i >= len(args) {
			break
		}
		n, ok := parse(args[i])
		if !ok {
			return nil, ErrNotInteger
		}
		out[i] = n
	}
	return out, ""
}

// clamp keeps LOLWUT cheap, as Redis's limits do.
func clamp(n, lo, hi int64) int {
	return int(min(max(n, lo), hi))
}

// version5 is lolwut5Command: LOLWUT [cols] [squares-per-row] [squares-per-col].
func version5(args [][]byte, version string, parse func([]byte) (int64, bool)) (string, string) {
	n, errMsg := sizes(args, parse, 66, 8, 12)
	if errMsg != "" {
		return "", errMsg
	}
	c := drawSchotter(clamp(n[0], 1, 1000), clamp(n[1], 1, 200), clamp(n[2], 1, 200))
	return c.renderBraille() + "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + version + "\n", ""
}

// version6 is lolwut6Command: LOLWUT [columns] [rows].
func version6(args [][]byte, version string, parse func([]byte) (int64, bool)) (string, string) {
	n, errMsg := sizes(args, parse, 80, 20)
	if errMsg != "" {
		return "", errMsg
	}
	c := newCanvas(clamp(n[0], 1, 1000), clamp(n[1], 1, 1000), 3)
	drawSkyline(c)
	return c.renderColors() + "\nDedicated to the 8 bit game developers of past and present.\n" +
		"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + version + "\n", ""
}
