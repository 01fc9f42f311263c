package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// Differential tests: the same bytes go to redis-server 7.0 and to memshard
// (Server + Standalone), on fresh connections; the replies must be equal
// byte for byte, and so must the connection's fate (closed or not).

const sentinel = "*2\r\n$4\r\nECHO\r\n$7\r\n__end__\r\n"

var sentinelReply = []byte("$7\r\n__end__\r\n")

// exchange sends in on a new connection to addr and returns what comes
// back: until the connection closes, or, unless quiet, until the reply to a
// sentinel ECHO sent after in (which is removed); if quiet, until nothing
// more comes for a while (for input that leaves a request incomplete).
func exchange(t testing.TB, addr string, in []byte, quiet bool) (out []byte, closed bool) {
	return exchangeWith(t, addr, in, quiet, "", "")
}

// exchangeWith is exchange with a prefix to the sentinel (AUTH, to reach
// ECHO on a connection that must authenticate) and its reply.
func exchangeWith(t testing.TB, addr string, in []byte, quiet bool, pre, preReply string) (out []byte, closed bool) {
	t.Helper()
	return exchangeIdle(t, addr, in, quiet, pre, preReply, quietIdle)
}

// quietIdle is how long a quiet exchange waits for more output.
const quietIdle = 300 * time.Millisecond

// exchangeIdle is exchangeWith whose quiet exchange ends after idle
// without output.
func exchangeIdle(t testing.TB, addr string, in []byte, quiet bool, pre, preReply string, idle time.Duration) (out []byte, closed bool) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if !quiet {
		in = append(append(bytes.Clone(in), pre...), sentinel...)
	}
	end := append([]byte(preReply), sentinelReply...)
	go func() { _, _ = nc.Write(in) }()
	buf := make([]byte, 64*1024)
	deadline := time.Now().Add(10 * time.Second)
	for {
		wait := time.Until(deadline)
		if quiet {
			wait = idle
		}
		_ = nc.SetReadDeadline(time.Now().Add(wait))
		n, err := nc.Read(buf)
		out = append(out, buf[:n]...)
		if !quiet && bytes.HasSuffix(out, end) {
			return out[:len(out)-len(end)], false
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if !quiet {
					t.Fatalf("exchange %q: timeout; got %q", in, out)
				}
				return out, false
			}
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				return out, true
			}
			t.Fatalf("exchange %q: %v", in, err)
		}
	}
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

type diffCase struct {
	name  string
	in    string
	quiet bool // the input ends inside a request: no sentinel
}

func runDiff(t *testing.T, redisAddr, memAddr string, cases []diffCase, normalize func([]byte) []byte) {
	t.Helper()
	runDiffAuth(t, redisAddr, memAddr, cases, normalize, "")
}

// runDiffAuth is runDiff for servers with requirepass pass.
func runDiffAuth(t *testing.T, redisAddr, memAddr string, cases []diffCase, normalize func([]byte) []byte, pass string) {
	t.Helper()
	pre, preReply := "", ""
	if pass != "" {
		pre, preReply = "AUTH "+pass+"\r\n", "+OK\r\n"
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got, want []byte
			var gotClosed, wantClosed bool
			// A quiet exchange ends when output pauses, which a loaded
			// machine may do mid-reply: a difference is looked at again
			// with longer pauses before it counts (a real one stays).
			for _, idle := range []time.Duration{quietIdle, 2 * time.Second, 5 * time.Second} {
				want, wantClosed = exchangeIdle(t, redisAddr, []byte(tc.in), tc.quiet, pre, preReply, idle)
				got, gotClosed = exchangeIdle(t, memAddr, []byte(tc.in), tc.quiet, pre, preReply, idle)
				if normalize != nil {
					got, want = normalize(got), normalize(want)
				}
				if !tc.quiet || bytes.Equal(got, want) && gotClosed == wantClosed {
					break
				}
			}
			if !bytes.Equal(got, want) || gotClosed != wantClosed {
				t.Errorf("input %q:\nmemshard: %q closed=%v\nredis:    %q closed=%v", truncate(tc.in), got, gotClosed, want, wantClosed)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

var (
	helloID   = regexp.MustCompile(`\$2\r\nid\r\n:\d+\r\n`)
	helloMode = regexp.MustCompile(`\$4\r\nmode\r\n\$\d+\r\n(cluster|standalone)\r\n`)
)

// normalizeHello blanks what HELLO says of server identity: id and mode.
func normalizeHello(b []byte) []byte {
	b = helloID.ReplaceAllLiteral(b, []byte("$2\r\nid\r\n:0\r\n"))
	return helloMode.ReplaceAllLiteral(b, []byte("$4\r\nmode\r\n$1\r\nX\r\n"))
}

func protocolCases() []diffCase {
	big := func(prefix string, n int) string { return prefix + strings.Repeat("1", n) }
	return []diffCase{
		{name: "ping", in: "PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nPING\r\n$5\r\nhello\r\nPING a b\r\n"},
		{name: "echo", in: "ECHO\r\n*2\r\n$4\r\necho\r\n$0\r\n\r\n*2\r\n$4\r\nEcHo\r\n$3\r\n\x00\x01\xff\r\n"},
		{name: "object", in: "OBJECT\r\nOBJECT FOO\r\nOBJECT ENCODING\r\nOBJECT HELP x\r\nOBJECT help\r\nSET k 1\r\nOBJECT ENCODING k\r\nOBJECT refcount k\r\nOBJECT FREQ k\r\nOBJECT ENCODING nokey\r\nMULTI\r\nOBJECT ENCODING\r\nOBJECT FOO k\r\nEXEC\r\nMULTI\r\nOBJECT ENCODING k\r\nAPPEND k 2\r\nOBJECT ENCODING k\r\nEXEC\r\n"},
		// A value EXEC's command stored as is (its argument, or
		// INCRBYFLOAT's result) is also held by the transaction until EXEC
		// ends: OBJECT REFCOUNT 2 meanwhile, 1 after.
		{name: "object-refcount-in-exec", in: "SET orx:a hello\r\nMULTI\r\nOBJECT REFCOUNT orx:a\r\nPSETEX orx:s 100000 -7\r\nOBJECT REFCOUNT orx:s\r\nSET orx:b 123\r\nOBJECT REFCOUNT orx:b\r\n" +
			"APPEND orx:c xyz\r\nOBJECT REFCOUNT orx:c\r\nAPPEND orx:c q\r\nOBJECT REFCOUNT orx:c\r\nSET orx:k 100000\r\nINCR orx:k\r\nOBJECT REFCOUNT orx:k\r\n" +
			"SET orx:j 55555\r\nRENAME orx:j orx:j2\r\nOBJECT REFCOUNT orx:j2\r\nMSET orx:m1 x orx:m2 77777\r\nOBJECT REFCOUNT orx:m2\r\nSETRANGE orx:r 2 ab\r\nOBJECT REFCOUNT orx:r\r\n" +
			"INCRBYFLOAT orx:f 1.5\r\nOBJECT REFCOUNT orx:f\r\nCOPY orx:m1 orx:m3\r\nOBJECT REFCOUNT orx:m3\r\nEXEC\r\nOBJECT REFCOUNT orx:s\r\nOBJECT REFCOUNT orx:f\r\n"},
		// Redis 7.0's LMPOP, ZMPOP and ZINTERCARD: arguments, errors, which
		// key pops, WRONGTYPE before and after it, RESP3 scores.
		{name: "mpop", in: "RPUSH mp:l1 a b c d e\r\nLMPOP 2 mp:nol mp:l1 LEFT\r\nLMPOP 2 mp:nol mp:l1 RIGHT COUNT 2\r\nLMPOP 1 mp:l1 left count 10\r\nEXISTS mp:l1\r\n" +
			"LMPOP 1 mp:l1 LEFT\r\nLMPOP 0 mp:l1 LEFT\r\nLMPOP x mp:l1 LEFT\r\nLMPOP 1 mp:l1\r\nLMPOP 2 mp:l1 LEFT\r\nLMPOP 1 mp:l1 UP\r\nLMPOP 1 mp:l1 LEFT COUNT 0\r\n" +
			"LMPOP 1 mp:l1 LEFT COUNT 1 COUNT 2\r\nLMPOP 1 mp:l1 LEFT COUNT\r\nSET mp:s 1\r\nRPUSH mp:l2 x\r\nLMPOP 2 mp:s mp:l2 LEFT\r\nLMPOP 2 mp:l2 mp:s LEFT\r\n" +
			"ZADD mp:z1 1 a 2 b 3 c\r\nZMPOP 2 mp:noz mp:z1 MIN\r\nZMPOP 1 mp:z1 MAX COUNT 5\r\nEXISTS mp:z1\r\nZMPOP 1 mp:z1 MIN\r\nZMPOP 0 mp:z1 MIN\r\nZMPOP 1 mp:z1 MID\r\n" +
			"ZADD mp:z2 1.5 x\r\nZMPOP 2 mp:s mp:z2 MIN\r\nZMPOP 2 mp:nox mp:z2 max count 1\r\nZMPOP 3 a b\r\n" +
			"ZADD mp:za 1 a 2 b 3 c\r\nZADD mp:zb 1 b 2 c 3 d\r\nSADD mp:sc b c e\r\nZINTERCARD 2 mp:za mp:zb\r\nZINTERCARD 3 mp:za mp:zb mp:sc\r\nZINTERCARD 2 mp:za mp:zb LIMIT 1\r\n" +
			"ZINTERCARD 2 mp:za mp:zb LIMIT -1\r\nZINTERCARD 0 mp:za\r\nZINTERCARD 3 mp:za mp:zb\r\nZINTERCARD 2 mp:za mp:zb WITHSCORES\r\nZINTERCARD 2 mp:za mp:s\r\n"},
		{name: "bits", in: "SETBIT bit:b 7 1\r\nSETBIT bit:b 7 0\r\nSETBIT bit:b 100 1\r\nGET bit:b\r\nGETBIT bit:b 100\r\nGETBIT bit:b 99999\r\nGETBIT bit:none 3\r\n" +
			"SETBIT bit:b -1 1\r\nSETBIT bit:b x 1\r\nSETBIT bit:b 1 2\r\nSETBIT bit:b 4294967296 1\r\nGETBIT bit:b -1\r\nSET bit:n 123\r\nSETBIT bit:n 1 1\r\nOBJECT ENCODING bit:n\r\n" +
			"SET bit:s foobar\r\nBITCOUNT bit:s\r\nBITCOUNT bit:s 1 1\r\nBITCOUNT bit:s 5 30 BIT\r\nBITCOUNT bit:s -2 -3\r\nBITCOUNT bit:s 0\r\nBITCOUNT bit:s 0 1 FOO\r\n" +
			"BITCOUNT bit:none a b\r\nSET bit:p \"\\xff\\xf0\\x00\"\r\nBITPOS bit:p 0\r\nBITPOS bit:p 1 2\r\nBITPOS bit:p 0 2 -1\r\nBITPOS bit:p 0 7 15 BIT\r\n" +
			"BITPOS bit:p 0 -5 -1 BIT\r\nBITPOS bit:p 2\r\nBITPOS bit:none 1\r\nBITPOS bit:p 0 0 1 FOO\r\nBITOP AND bit:d bit:p bit:s\r\nGET bit:d\r\nBITOP NOT bit:d bit:p\r\n" +
			"GET bit:d\r\nBITOP NOT bit:d bit:p bit:s\r\nBITOP FOO bit:d bit:p\r\nBITOP AND bit:d bit:none bit:none2\r\nEXISTS bit:d\r\nLPUSH bit:l a\r\nBITOP OR bit:d bit:s bit:l\r\n"},
		// A SETBIT that changes nothing modifies nothing: a WATCH holds.
		{name: "setbit-watch", in: "SETBIT bw:k 7 1\r\nWATCH bw:k\r\nSETBIT bw:k 7 1\r\nMULTI\r\nGET bw:k\r\nEXEC\r\nWATCH bw:k\r\nSETBIT bw:k 6 1\r\nMULTI\r\nGET bw:k\r\nEXEC\r\n" +
			"WATCH bw:k\r\nSETBIT bw:k 100 0\r\nMULTI\r\nSTRLEN bw:k\r\nEXEC\r\n"},
		{name: "lcs", in: "MSET lcs:1 ohmytext lcs:2 mynewtext lcs:a abcabcabcxyzxyz lcs:b xyzabcxyzabcabc\r\nLCS lcs:1 lcs:2\r\nLCS lcs:1 lcs:2 LEN\r\nLCS lcs:1 lcs:2 IDX\r\n" +
			"LCS lcs:1 lcs:2 IDX MINMATCHLEN 4 WITHMATCHLEN\r\nLCS lcs:a lcs:b IDX WITHMATCHLEN\r\nLCS lcs:b lcs:a IDX\r\nLCS lcs:1 lcs:2 LEN IDX\r\nLCS lcs:1 lcs:none\r\n" +
			"LCS lcs:none lcs:none2 IDX\r\nLCS lcs:1 lcs:2 FOO\r\nLCS lcs:1 lcs:2 MINMATCHLEN\r\nLCS lcs:1 lcs:2 MINMATCHLEN x\r\nLCS lcs:1 lcs:2 MINMATCHLEN -5 IDX\r\n" +
			"LPUSH lcs:l a\r\nLCS lcs:1 lcs:l\r\nLCS lcs:l lcs:1 LEN\r\nLCS lcs:1\r\n"},
		// A numkeys near 2^63 once overflowed LMPOP's index arithmetic and
		// crashed the server.
		{name: "mpop-huge-numkeys", in: "LMPOP 9223372036854775807 mph:k LEFT\r\nLMPOP 4294967297 mph:k LEFT\r\nZMPOP 9223372036854775807 mph:k MIN\r\n" +
			"BLMPOP 0 9223372036854775807 mph:k LEFT\r\nBZMPOP 0 9223372036854775806 mph:k MIN\r\nLMPOP 2 mph:k LEFT\r\nLMPOP 1 mph:k\r\nPING\r\n"},
		// The blocking commands when they need not block: something to take,
		// errors (timeouts first), WRONGTYPE, inside MULTI, short timeouts.
		// Blocking across connections: TestDiffBlocking.
		{name: "blocking-at-once", in: "RPUSH bl:k a b c d\r\nBLPOP bl:none bl:k 0\r\nBRPOP bl:k 0\r\nBLMPOP 0 2 bl:none bl:k RIGHT COUNT 5\r\nEXISTS bl:k\r\n" +
			"RPUSH bl:s x y\r\nBLMOVE bl:s bl:d LEFT RIGHT 0\r\nBRPOPLPUSH bl:s bl:d 0\r\nLRANGE bl:d 0 -1\r\nZADD bl:z 1 a 2 b 3 c\r\n" +
			"BZPOPMIN bl:none bl:z 0\r\nBZPOPMAX bl:z 0\r\nBZMPOP 0 1 bl:z MAX COUNT 3\r\nSET bl:str x\r\nBLPOP bl:str 0\r\nBZPOPMIN bl:str 0\r\n" +
			"BLMOVE bl:str bl:d LEFT LEFT 0\r\nBLMPOP 0 1 bl:str LEFT\r\nBZMPOP 0 1 bl:str MIN\r\nRPUSH bl:s2 v\r\nBLMOVE bl:s2 bl:str LEFT LEFT 0\r\n" +
			"BLPOP bl:k abc\r\nBLPOP bl:k -1\r\nBLPOP bl:k inf\r\nBLPOP bl:k 9.3e15\r\nBLPOP bl:k nan\r\nBLPOP bl:k \" 1\"\r\nBLMOVE bl:s bl:d UP LEFT x\r\n" +
			"BLMOVE bl:s bl:d LEFT UP 0\r\nBLMPOP 0 0 bl:k LEFT\r\nBLMPOP 0 1 bl:k MIDDLE\r\nBLMPOP x 1 bl:k LEFT\r\nBZMPOP 0 1 bl:k LEFT\r\nBZMPOP -1 1 bl:k MIN\r\n" +
			"BLPOP\r\nBLPOP bl:k\r\nBLMOVE bl:s bl:d LEFT\r\nBLMPOP 0 1 bl:k\r\nBZPOPMIN bl:z\r\n" +
			"MULTI\r\nBLPOP bl:n1 0\r\nBLMOVE bl:n1 bl:n2 LEFT RIGHT 0\r\nBRPOPLPUSH bl:n1 bl:n2 0\r\nBZPOPMIN bl:n1 0\r\nBLMPOP 0 1 bl:n1 LEFT\r\nBZMPOP 0 1 bl:n1 MIN\r\nEXEC\r\n" +
			"BLPOP bl:n1 0.01\r\nBLMOVE bl:n1 bl:n2 LEFT LEFT 0.001\r\nBZMPOP 0.0001 1 bl:n1 MIN\r\n"},
		// Pub/Sub on one connection (across connections: TestDiffPubSub):
		// confirmations, RESP2's subscribed mode and its PING, errors.
		{name: "pubsub-mode", in: "SUBSCRIBE ps1:a ps1:b ps1:a\r\nPING\r\nPING x\r\nGET ps1:k\r\nPUBLISH ps1:a m\r\nFOO\r\nCLIENT LIST\r\nMULTI\r\n" +
			"UNSUBSCRIBE ps1:b\r\nPSUBSCRIBE ps1:p*\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nGET ps1:k\r\nPING\r\n"},
		{name: "pubsub-none", in: "UNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nSUNSUBSCRIBE\r\nUNSUBSCRIBE ps2:x ps2:y\r\nPUNSUBSCRIBE ps2:*\r\nSUBSCRIBE\r\nPSUBSCRIBE\r\nSSUBSCRIBE\r\n" +
			"PUBLISH ps2:a\r\nSPUBLISH ps2:a b\r\nPUBLISH ps2:a b\r\nPUBSUB\r\nPUBSUB FOO\r\nPUBSUB HELP\r\npubsub channels ps2:x y\r\nPUBSUB NUMPAT x\r\n" +
			"PUBSUB NUMSUB\r\nPUBSUB NUMSUB ps2:a ps2:b\r\nPUBSUB SHARDNUMSUB ps2:a\r\nPUBSUB CHANNELS ps2:*\r\nPUBSUB SHARDCHANNELS ps2:*\r\n"},
		{name: "pubsub-shard", in: "SSUBSCRIBE ps3:a ps3:a\r\nSUBSCRIBE ps3:c\r\nSUNSUBSCRIBE\r\nPING\r\nUNSUBSCRIBE\r\nPING\r\nSSUBSCRIBE ps3:d\r\nRESET\r\nPING\r\n"},
		// Confirmations and messages are pushes, which CLIENT REPLY OFF and
		// SKIP do not hide; a message to the publishing connection comes
		// before PUBLISH's count, inside EXEC's array if need be.
		{name: "pubsub-reply-off", in: "CLIENT REPLY OFF\r\nSUBSCRIBE ps6:a\r\nPUBLISH ps6:a m\r\nCLIENT REPLY ON\r\nPING\r\nRESET\r\nPING\r\n"},
		{name: "pubsub-reply-skip", in: "CLIENT REPLY SKIP\r\nUNSUBSCRIBE\r\nPING\r\nMULTI\r\nSUBSCRIBE ps7:a\r\nPUBLISH ps7:a m\r\nSET ps7:k v\r\nEXEC\r\nPING\r\nRESET\r\n"},
		{name: "pubsub-multi", in: "MULTI\r\nSUBSCRIBE ps4:a\r\nPING\r\nGET ps4:k\r\nEXEC\r\nPING\r\nGET ps4:k\r\nQUIT\r\n"},
		// SORT's keys (STORE's destination anywhere after the key).
		{name: "sort-getkeys", in: "COMMAND GETKEYS SORT srt:k ALPHA STORE srt:d\r\nCOMMAND GETKEYS SORT srt:k\r\nCOMMAND GETKEYS SORT srt:k STORE\r\n" +
			"COMMAND GETKEYS SORT_RO srt:k ALPHA\r\nCOMMAND GETKEYS SORT srt:k STORE a STORE b\r\nCOMMAND GETKEYS SORT srt:k LIMIT STORE x STORE y\r\n" +
			"COMMAND GETKEYS SORT srt:k BY STORE STORE z\r\nCOMMAND GETKEYS SORT srt:k GET store STORE\r\n"},
		{name: "select", in: "SELECT 0\r\nSELECT 16\r\nSELECT abc\r\nSELECT -1\r\nSELECT\r\nSELECT 99999999999999999999\r\n"},
		{name: "quit", in: "PING\r\nQUIT\r\nPING\r\n"},
		{name: "quit-args", in: "QUIT extra\r\nPING\r\n"},
		{name: "reset", in: "MULTI\r\nPING\r\nRESET\r\nEXEC\r\nCLIENT SETNAME x\r\nRESET\r\nCLIENT GETNAME\r\nRESET x\r\n"},
		{name: "multi-nested-watch", in: "MULTI\r\nMULTI\r\nWATCH x\r\nPING\r\nECHO a\r\nEXEC\r\n"},
		{name: "multi-errors", in: "MULTI\r\nFOO\r\nPING\r\nEXEC\r\nEXEC\r\nDISCARD\r\n"},
		{name: "multi-arity", in: "MULTI\r\nPING a b c\r\nEXEC\r\nMULTI\r\nDISCARD\r\nEXEC\r\n"},
		{name: "multi-empty", in: "MULTI\r\nEXEC\r\nMULTI\r\nDISCARD\r\nDISCARD\r\n"},
		{name: "exec-arity", in: "EXEC x\r\nMULTI\r\nPING\r\nEXEC x\r\nEXEC\r\n"},
		{name: "watch", in: "WATCH\r\nWATCH a b\r\nUNWATCH\r\nUNWATCH x\r\nWATCH a\r\nMULTI\r\nPING\r\nEXEC\r\n"},
		{name: "multi-conn-cmds", in: "MULTI\r\nCLIENT SETNAME n1\r\nCLIENT GETNAME\r\nECHO e\r\nCONFIG GET save\r\nEXEC\r\nCLIENT GETNAME\r\n"},
		{name: "auth-nopass", in: "AUTH x\r\nAUTH default x\r\nAUTH foo x\r\nAUTH a b c\r\nAUTH\r\n"},
		// Redis 7.0.15 sets a name and logs in as it parses each option:
		// an error after them leaves them done.
		{name: "hello-options-in-order", in: "HELLO 2 SETNAME hx1 FOO\r\nCLIENT GETNAME\r\nHELLO 2 SETNAME hy1 SETNAME \"a b\"\r\nCLIENT GETNAME\r\n" +
			"HELLO 2 AUTH a b FOO x\r\nHELLO 2 AUTH default x SETNAME\r\nCLIENT GETNAME\r\n"},
		{name: "hello-errors", in: "HELLO 4\r\nHELLO 1\r\nHELLO abc\r\nHELLO 3 FOO\r\nHELLO 2 SETNAME \"a b\"\r\nHELLO 2 AUTH x\r\nHELLO 3 AUTH foo bar\r\n"},
		{name: "client", in: "CLIENT\r\nCLIENT FOO\r\nCLIENT SETNAME\r\nCLIENT SETINFO lib-name x\r\nCLIENT GETNAME\r\nCLIENT SETNAME abc\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"a b\"\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\nCLIENT NO-EVICT on\r\nCLIENT NO-EVICT x\r\nCLIENT GETREDIR\r\n"},
		{name: "client-reply", in: "CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\nCLIENT REPLY SKIP\r\nECHO a\r\nECHO b\r\nCLIENT REPLY x\r\n"},
		{name: "client-reply-flags", in: "CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nCLIENT REPLY ON\r\nPING\r\nPING\r\n" +
			"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\nCLIENT REPLY SKIP\r\nRESET\r\nPING\r\nCLIENT REPLY OFF\r\nRESET\r\nPING\r\nCLIENT REPLY SKIP\r\nFOO\r\nPING\r\n"},
		// EXEC's array header and each reply in the block are shown or
		// hidden by the CLIENT REPLY state in force when they are written.
		{name: "client-reply-in-exec", in: "MULTI\r\nSET cr:a 1\r\nCLIENT REPLY OFF\r\nGET cr:a\r\nEXEC\r\nCLIENT REPLY ON\r\nGET cr:a\r\n" +
			"CLIENT REPLY OFF\r\nMULTI\r\nINCR cr:a\r\nCLIENT REPLY ON\r\nGET cr:a\r\nEXEC\r\nPING\r\n" +
			"MULTI\r\nINCR cr:a\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nGET cr:a\r\nCLIENT REPLY ON\r\nINCR cr:a\r\nEXEC\r\nPING\r\nPING\r\n" +
			"CLIENT REPLY SKIP\r\nMULTI\r\nPING\r\nCLIENT REPLY ON\r\nECHO x\r\nEXEC\r\nPING\r\nMULTI\r\nCLIENT REPLY OFF\r\nRESET\r\nEXEC\r\nPING\r\n"},
		{name: "client-kill", in: "CLIENT KILL ID 1 2\r\nCLIENT KILL foo bar\r\nCLIENT KILL 1.2.3.4:5\r\nCLIENT KILL ID 999999\r\nCLIENT KILL ID 0\r\nCLIENT KILL SKIPME maybe\r\n"},
		{name: "config", in: "CONFIG GET save\r\nCONFIG GET appendonly\r\nCONFIG GET nosuch\r\nCONFIG SET nosuch 1\r\nCONFIG SET a\r\nCONFIG FOO\r\nCONFIG GET maxmemory\r\nCONFIG GET\r\nCONFIG\r\nCONFIG REWRITE\r\nCONFIG RESETSTAT\r\nCONFIG GET SAVE\r\nCONFIG GET appendonl?\r\n"},
		{name: "config-set", in: "CONFIG SET save \"\"\r\nCONFIG SET appendonly no\r\nCONFIG GET appendonly\r\nCONFIG SET appendonly no nosuch 1\r\n"},
		{name: "info-empty", in: "INFO nosuch\r\n"},
		{name: "wait", in: "WAIT\r\nWAIT 1 -1\r\nWAIT a 1\r\nWAIT 1 a\r\nWAIT 0 0\r\n"},
		{name: "unknown", in: "foo bar\r\n*1\r\n$0\r\n\r\nFOO " + strings.Repeat("x", 100) + " " + strings.Repeat("y", 100) + "\r\nBAR " + strings.Repeat("z", 200) + "\r\n"},
		{name: "unknown-subcommand", in: "CLIENT " + strings.Repeat("s", 200) + "\r\nCONFIG x\r\nCOMMAND nosuch\r\n"},
		{name: "security", in: "PING\r\nPOST / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "security-host", in: "Host: example.com\r\n"},
		// Protocol errors.
		{name: "mbulk-abc", in: "*abc\r\n"},
		{name: "mbulk-negative", in: "*-5\r\nPING\r\n*0\r\n*-1\r\nPING\r\n"},
		{name: "mbulk-huge", in: "*3000000000\r\n"},
		{name: "mbulk-plus", in: "*+1\r\n$4\r\nPING\r\n"},
		{name: "mbulk-leading-zero", in: "*01\r\n$4\r\nPING\r\n"},
		{name: "mbulk-minus-zero", in: "*-0\r\n"},
		{name: "mbulk-lf-only", in: "*1\n$4\r\nPING\r\n"},
		{name: "mbulk-cr-any", in: "*1\rX$4\r\nPING\r\n"},
		{name: "mbulk-after-ok", in: "*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n"},
		{name: "dollar-inline", in: "$-5\r\n"},
		{name: "bulk-negative", in: "*1\r\n$-5\r\n"},
		{name: "bulk-minus-two", in: "*1\r\n$-2\r\n"},
		{name: "bulk-huge", in: "*1\r\n$600000000\r\n"},
		{name: "bulk-too-long-number", in: "*1\r\n$99999999999999999999999\r\n"},
		{name: "bulk-leading-zero", in: "*2\r\n$4\r\nECHO\r\n$01\r\nx\r\n"},
		{name: "bulk-plus", in: "*2\r\n$4\r\nECHO\r\n$+1\r\nx\r\n"},
		{name: "bulk-missing-crlf", in: "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"},
		{name: "expected-dollar", in: "*1\r\nX4\r\nPING\r\n"},
		{name: "expected-dollar-cr", in: "*1\r\n\r\n"},
		{name: "too-big-inline", in: "ECHO " + strings.Repeat("a", 70000), quiet: true},
		{name: "too-big-mbulk", in: "*1\r\n$4\r\nPING\r\n" + big("*", 70000), quiet: true},
		{name: "too-big-bulk", in: "*2\r\n$4\r\nECHO\r\n" + big("$", 70000), quiet: true},
		{name: "nul-before-cr", in: "*1\x00\r\n$4\r\nPING\r\n", quiet: true},
		{name: "nul-inline", in: "PING\x00junk\r\n", quiet: true},
		{name: "incomplete", in: "*2\r\n$4\r\nECHO\r\n$10\r\nabc", quiet: true},
		{name: "mbulk-2m", in: "*20\r\n", quiet: true},
		// Inline commands.
		{name: "inline-quotes", in: "PING a\"b c\"\r\nECHO \"\\x41\\x4g\\n\"\r\nECHO 'it\\'s'\r\nECHO \"a\\\"b\"\r\nECHO ''\r\n"},
		{name: "inline-blank-lines", in: "\r\n\r\n\n   \r\nPING\r\n\tPING\t\r\n"},
		{name: "inline-lf", in: "PING\nECHO x\n"},
		{name: "inline-unbalanced", in: "PING \"abc\r\n"},
		{name: "inline-close-quote", in: "PING \"a\"b\r\n"},
		{name: "inline-single-unbalanced", in: "ECHO 'abc\r\n"},
		{name: "inline-backslash-end", in: "ECHO \"abc\\\r\n"},
		{name: "inline-vt", in: "ECHO\va\r\n"},
	}
}

func TestDiffProtocol(t *testing.T) {
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	runDiff(t, redis.Addr, addr, protocolCases(), nil)
}

func TestDiffPipeline(t *testing.T) {
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	var b strings.Builder
	for i := range 1000 {
		switch i % 4 {
		case 0:
			b.WriteString("PING\r\n")
		case 1:
			b.WriteString("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n")
		case 2:
			b.WriteString("CLIENT GETNAME\r\n")
		default:
			b.WriteString("NOSUCH x\r\n")
		}
	}
	runDiff(t, redis.Addr, addr, []diffCase{{name: "1000", in: b.String()}}, nil)
}

func TestDiffHello3(t *testing.T) {
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	runDiff(t, redis.Addr, addr, []diffCase{
		{name: "hello3", in: "HELLO 3\r\nPING\r\nECHO x\r\nCONFIG GET save\r\nCONFIG GET nosuch\r\nINFO nosuch\r\nCLIENT GETNAME\r\nWAIT 0 0\r\nHELLO\r\nHELLO 2\r\nCLIENT GETNAME\r\n"},
		{name: "hello3-setname", in: "HELLO 3 SETNAME abc\r\nCLIENT GETNAME\r\nRESET\r\nCONFIG GET nosuch\r\n"},
		{name: "hello3-multi", in: "HELLO 3\r\nMULTI\r\nPING\r\nCLIENT GETNAME\r\nEXEC\r\nMULTI\r\nFOO\r\nEXEC\r\n"},
		{name: "pubsub-resp3-reply", in: "HELLO 3\r\nCLIENT REPLY OFF\r\nSUBSCRIBE ps8:a\r\nPUBLISH ps8:a m\r\nPUBLISH ps8:b m\r\nCLIENT REPLY ON\r\nPING\r\n" +
			"CLIENT REPLY SKIP\r\nPUBLISH ps8:a n\r\nPING\r\nCLIENT REPLY SKIP\r\nUNSUBSCRIBE ps8:a\r\nPING\r\nMULTI\r\nSUBSCRIBE ps8:c\r\nPUBLISH ps8:c m\r\nSET ps8:k v\r\nEXEC\r\n"},
		{name: "pubsub-resp3", in: "HELLO 3\r\nSUBSCRIBE ps5:a\r\nPSUBSCRIBE ps5:*\r\nPING\r\nGET ps5:k\r\nPUBLISH ps5:zz m\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nPUBSUB NUMSUB ps5:a\r\n"},
		{name: "blocking-resp3", in: "HELLO 3\r\nZADD bl3:z 1.5 a 2 b\r\nBZPOPMIN bl3:z 0\r\nBZMPOP 0 1 bl3:z MAX\r\nBZPOPMAX bl3:z 0.01\r\nBLMOVE bl3:a bl3:b LEFT LEFT 0.01\r\n" +
			"MULTI\r\nBLPOP bl3:n 0\r\nBRPOPLPUSH bl3:n bl3:m 0\r\nEXEC\r\n"},
		{name: "mpop-resp3", in: "HELLO 3\r\nZADD mp3:z 1.5 a 2 b inf c\r\nZMPOP 1 mp3:z MIN COUNT 2\r\nZMPOP 1 mp3:nothing MAX\r\nLMPOP 1 mp3:nothing RIGHT\r\nRPUSH mp3:l a\r\nLMPOP 1 mp3:l RIGHT\r\n"},
		{name: "hello-auth-nopass", in: "HELLO 3 AUTH default anything\r\nPING\r\n"},
		// A HELLO inside MULTI switches the protocol of the replies after it
		// within EXEC's array; one that fails switches nothing.
		// (Cases run in parallel on one server each side: their keys differ.)
		{name: "hello-in-exec", in: "HELLO 3\r\nMULTI\r\nHELLO 2\r\nHGETALL nokey\r\nEXEC\r\nHGETALL nokey\r\n"},
		{name: "hello-in-exec-switches", in: "ZADD hz 1.5 a\r\nHSET hh f v\r\nMULTI\r\nZSCORE hz a\r\nHELLO 3\r\nZSCORE hz a\r\nHGETALL hh\r\n" +
			"HELLO 4\r\nZSCORE hz a\r\nHELLO 2 SETNAME \"a b\"\r\nZSCORE hz a\r\nHELLO 2 AUTH default x\r\nZSCORE hz a\r\nHELLO 2 FOO\r\n" +
			"HGETALL hh\r\nHELLO\r\nHGETALL hh\r\nHELLO 2\r\nZSCORE hz a\r\nEXEC\r\nZSCORE hz a\r\n"},
	}, normalizeHello)
}

func TestDiffAuth(t *testing.T) {
	redis := redisdiff.Start(t)
	c := redisdiff.Dial(t, redis.Addr)
	if got := c.Do("CONFIG", "SET", "requirepass", "pw"); string(got) != "+OK\r\n" {
		t.Fatalf("CONFIG SET requirepass = %q", got)
	}
	_, addr := startServer(t, Config{RequirePass: "pw"})
	runDiffAuth(t, redis.Addr, addr, []diffCase{
		{name: "noauth", in: "PING\r\nFOO\r\nECHO\r\nCLIENT ID\r\nAUTH\r\nAUTH bad\r\nAUTH default bad\r\nAUTH a b c\r\n"},
		{name: "auth-ok", in: "AUTH pw\r\nPING\r\nAUTH bad\r\nPING\r\n"},
		{name: "auth-user", in: "AUTH default pw\r\nPING\r\n"},
		{name: "hello-noauth", in: "HELLO 3\r\nHELLO\r\nHELLO 3 SETNAME x\r\nHELLO 3 AUTH default bad\r\nHELLO 3 AUTH foo pw\r\nPING\r\n"},
		{name: "hello-auth-then-syntax-error", in: "HELLO 3 AUTH default pw FOO\r\nPING\r\n"},
		{name: "hello-auth-pairs", in: "HELLO 2 AUTH default bad AUTH default pw\r\nPING\r\nHELLO 2 AUTH default pw AUTH default bad\r\nPING\r\n"},
		{name: "hello-setname-noauth", in: "HELLO 3 SETNAME early\r\nAUTH pw\r\nCLIENT GETNAME\r\n"},
		{name: "hello-auth", in: "HELLO 2 AUTH default pw SETNAME x\r\nCLIENT GETNAME\r\nRESET\r\nPING\r\nCLIENT GETNAME\r\n"},
		{name: "reset-deauth", in: "AUTH pw\r\nRESET\r\nPING\r\n"},
		{name: "multi-noauth", in: "MULTI\r\nAUTH pw\r\nMULTI\r\nPING\r\nEXEC\r\n"},
		{name: "exec-noauth", in: "AUTH pw\r\nMULTI\r\nRESET\r\nEXEC\r\n"},
		{name: "exec-noauth-bare", in: "EXEC\r\nDISCARD\r\n"},
		{name: "quit-noauth", in: "QUIT\r\n"},
		{name: "unauth-mbulk", in: "*11\r\n"},
		{name: "unauth-mbulk-10", in: "*10\r\n", quiet: true},
		{name: "unauth-bulk", in: "*2\r\n$4\r\nECHO\r\n$16385\r\n"},
		{name: "auth-then-big", in: "AUTH pw\r\n*2\r\n$4\r\nECHO\r\n$16385\r\n" + strings.Repeat("a", 16385) + "\r\n"},
		{name: "security-noauth", in: "POST / HTTP/1.1\r\n"},
	}, normalizeHello, "pw")
}

func TestDiffDataCommands(t *testing.T) {
	requireCommands(t, "set", "get", "incr", "del", "expire")
	redis := redisdiff.Start(t)
	_, addr := startServer(t, Config{})
	runDiff(t, redis.Addr, addr, []diffCase{
		{name: "multi-exec", in: "MULTI\r\nSET d1 v\r\nINCR d1\r\nGET d1\r\nPING\r\nEXEC\r\nGET d1\r\n"},
		{name: "watch-self", in: "WATCH d2\r\nSET d2 1\r\nMULTI\r\nGET d2\r\nEXEC\r\nGET d2\r\n"},
		{name: "watch-untouched", in: "WATCH d3\r\nMULTI\r\nSET d3 x\r\nEXEC\r\nGET d3\r\n"},
		{name: "watch-unwatch", in: "WATCH d4\r\nSET d4 1\r\nUNWATCH\r\nMULTI\r\nINCR d4\r\nEXEC\r\n"},
		{name: "watch-discard", in: "WATCH d5\r\nSET d5 1\r\nMULTI\r\nDISCARD\r\nMULTI\r\nINCR d5\r\nEXEC\r\n"},
		{name: "watch-reset", in: "WATCH d6\r\nSET d6 1\r\nRESET\r\nMULTI\r\nINCR d6\r\nEXEC\r\n"},
		{name: "watch-del-missing", in: "WATCH d7\r\nDEL d7\r\nMULTI\r\nGET d7\r\nEXEC\r\n"},
		{name: "queue-arity", in: "MULTI\r\nSET d8\r\nSET d8 v\r\nEXEC\r\nGET d8\r\n"},
		{name: "pipeline", in: strings.Repeat("INCR d9\r\n", 500) + "GET d9\r\n"},
		{name: "hello3-data", in: "HELLO 3\r\nSET d10 v\r\nGET d10\r\nGET d10-missing\r\nMULTI\r\nGET d10-missing\r\nEXEC\r\n"},
	}, normalizeHello)
}
