package server

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

var (
	slowlogWhen = regexp.MustCompile(`:\d{10}\r\n:\d+\r\n`)           // an entry's time and duration
	slowlogPeer = regexp.MustCompile(`\$\d+\r\n127\.0\.0\.1:\d+\r\n`) // its client's address
)

// normalizeSlowlog blanks what differs between two servers' slow logs:
// when each entry was logged, how long its command took, and the client's
// port.
func normalizeSlowlog(b []byte) []byte {
	b = slowlogWhen.ReplaceAllLiteral(b, []byte(":T\r\n:D\r\n"))
	return slowlogPeer.ReplaceAllLiteral(b, []byte("$N\r\nPEER\r\n"))
}

// The slow log, compared with redis-server's after the same commands on a
// fresh server each side (entry ids count from 0 on both): what is logged
// (commands that ran, not those refused or queued; EXEC's commands, not
// EXEC), arguments cut at 32 and 128 bytes, passwords redacted (AUTH,
// HELLO as far as it got, CONFIG SET's secrets, also inside EXEC), the
// client's name, the thresholds, and every subcommand's replies and errors.
func TestDiffSlowlog(t *testing.T) {
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	var mset strings.Builder
	mset.WriteString("MSET")
	for i := range 40 {
		fmt.Fprintf(&mset, " k%d v", i)
	}
	steps := []struct{ name, in string }{
		{"log-everything", "CONFIG SET slowlog-log-slower-than 0\r\nSLOWLOG RESET\r\nCLIENT SETNAME me\r\n" +
			"AUTH foo\r\nAUTH a b\r\nAUTH a b c\r\nHELLO 2 AUTH x y\r\nHELLO 2 AUTH a b AUTH\r\nHELLO 2 AUTH a b FOO x\r\nHELLO 4 AUTH a b\r\nHELLO AUTH a b\r\n" +
			"MULTI\r\nSET a 1\r\nGET a\r\nEXEC\r\nSET " + strings.Repeat("x", 200) + " 1\r\nGET\r\nFOO\r\nMULTI\r\nGET\r\nEXEC\r\nSLOWLOG GET -1\r\n"},
		{"subcommands", "SLOWLOG GET -2\r\nSLOWLOG GET 0\r\nSLOWLOG GET abc\r\nSLOWLOG LEN x\r\nSLOWLOG FOO\r\nSLOWLOG\r\nSLOWLOG HELP\r\nSLOWLOG get 1 2\r\nSLOWLOG RESET\r\nSLOWLOG LEN\r\n" +
			mset.String() + "\r\nCONFIG SET masteruser u masterauth p\r\nCONFIG SET nosuch x requirepass \"\"\r\nCONFIG SET REQUIREPASS \"\"\r\n" +
			"CONFIG SET requirepass\r\nCONFIG SET maxclients 10 requirepass \"\" masteruser\r\nSLOWLOG GET 100\r\n"},
		{"thresholds", "CONFIG SET slowlog-max-len 0\r\nPING\r\nCONFIG SET slowlog-max-len 3\r\nSLOWLOG GET\r\nCONFIG SET slowlog-max-len 1\r\nSLOWLOG LEN\r\nSLOWLOG LEN\r\n" +
			"CONFIG SET slowlog-max-len 128\r\nCONFIG SET slowlog-log-slower-than -1\r\nPING\r\nSLOWLOG GET\r\nCONFIG SET slowlog-log-slower-than 0\r\nRESET\r\nQUIT\r\n"},
		{"after-quit", "SLOWLOG GET 5\r\n"},
		{"exec-redacts", "MULTI\r\nAUTH x\r\nAUTH a b\r\nHELLO 3 AUTH default p AUTH foo p\r\nHELLO 2 AUTH foo p AUTH default p\r\nCONFIG SET requirepass \"\"\r\nPING\r\nEXEC\r\nSLOWLOG GET 9\r\n"},
		{"off-again", "CONFIG SET slowlog-log-slower-than 10000\r\nPING\r\nSLOWLOG GET 1\r\nSLOWLOG LEN\r\n"},
	}
	for _, st := range steps { // in order: the slow log is the server's
		want, wantClosed := exchange(t, redis.Addr, []byte(st.in), false)
		got, gotClosed := exchange(t, addr, []byte(st.in), false)
		if !bytes.Contains(want, []byte("(redacted)")) && st.name == "exec-redacts" {
			t.Fatalf("%s: redis-server redacted nothing: %q", st.name, want)
		}
		got, want = normalizeSlowlog(got), normalizeSlowlog(want)
		if !bytes.Equal(got, want) || gotClosed != wantClosed {
			t.Fatalf("%s: input %q:\nmemshard: %q closed=%v\nredis:    %q closed=%v", st.name, truncate(st.in), got, gotClosed, want, wantClosed)
		}
	}
}
