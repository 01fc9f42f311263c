package server

import (
	"net"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to the request parser, in arbitrary
// pieces: it must never panic, never consume more than it was given, and
// reach the same requests whichever way the input is split.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		whole := parseAll(t, in, len(in)+1)
		pieces := parseAll(t, in, int(split)+1)
		if whole != pieces {
			t.Fatalf("parse(%q) whole = %q, in pieces of %d = %q", in, whole, int(split)+1, pieces)
		}
	})
}

// parseAll parses in, handing the parser at most step new bytes at a
// time, and returns the requests and error it found, encoded as a string.
func parseAll(t *testing.T, in []byte, step int) string {
	p := &parser{maxBulk: 1 << 20, maxMultibulk: 1 << 10}
	var out []byte
	start, end := 0, 0
	for end < len(in) {
		end = min(len(in), end+step)
		for {
			argv, n, err := p.next(in[start:end], false)
			if err != nil {
				return string(out) + "|err:" + err.Error()
			}
			if n == 0 {
				break
			}
			if n > end-start {
				t.Fatalf("next consumed %d of %d bytes", n, end-start)
			}
			start += n
			out = append(out, '[')
			for _, a := range argv {
				out = append(out, a...)
				out = append(out, 0)
			}
			out = append(out, ']')
		}
	}
	return string(out)
}

// FuzzConn runs arbitrary bytes through a whole connection (parser,
// dispatcher, MULTI, Standalone engine, reply queue): the server must not
// panic and must still answer another connection.
func FuzzConn(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	s, addr := startServer(f, Config{})
	_ = s
	f.Fuzz(func(t *testing.T, in []byte) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		go func() { _, _ = nc.Write(in) }()
		buf := make([]byte, 64*1024)
		_ = nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		for {
			if _, err := nc.Read(buf); err != nil {
				break
			}
		}
	})
	// startServer's cleanup closes the server; a panic would have crashed
	// the test binary already.
}

var parseSeeds = []string{
	"PING\r\n",
	"*1\r\n$4\r\nPING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"MULTI\r\nSET a 1\r\nINCR a\r\nEXEC\r\n",
	"WATCH a\r\nMULTI\r\nGET a\r\nEXEC\r\nUNWATCH\r\nDISCARD\r\n",
	"HELLO 3\r\nCLIENT LIST\r\nCOMMAND DOCS get\r\nCONFIG GET *\r\nINFO\r\nCLUSTER SHARDS\r\n",
	"*abc\r\n",
	"*1\r\n$-2\r\n",
	"$-5\r\n",
	"*1\r\n$4\r\nPINGxx",
	"ECHO \"\\x41\\x4g\" 'it\\'s'\r\n",
	"PING \"abc\r\n",
	"*0\r\n*-1\r\n\r\n",
	"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\n",
	"BLPOP k 0\r\nPING\r\nRPUSH k a\r\nBZMPOP 0.01 1 z MIN\r\n",
	"SUBSCRIBE a b\r\nPSUBSCRIBE a*\r\nPUBLISH a m\r\nPING\r\nUNSUBSCRIBE\r\nSSUBSCRIBE s\r\nRESET\r\n",
	"HELLO 3\r\nSUBSCRIBE a\r\nPUBLISH a m\r\nPUBSUB NUMSUB a\r\nSORT k ALPHA LIMIT 0 1 STORE d\r\n",
	"EVAL \"return redis.call('set', KEYS[1], ARGV[1])\" 1 k v\r\nSCRIPT LOAD \"return 1\"\r\nEVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0\r\n",
	"XADD s * f v\r\nXGROUP CREATE s g 0\r\nXREADGROUP GROUP g c COUNT 1 STREAMS s >\r\nXPENDING s g\r\nXREAD BLOCK 1 STREAMS s $\r\n",
	"PFADD h a b c\r\nPFCOUNT h\r\nGEOADD g 13.3 52.5 berlin\r\nGEOSEARCH g FROMLONLAT 13 52 BYRADIUS 100 km\r\nBITFIELD b SET i8 0 -1 GET u4 4\r\n",
	"MULTI\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nEXEC\r\n",
	"CONFIG SET slowlog-log-slower-than 0\r\nAUTH a b\r\nHELLO 2 AUTH x y\r\nSLOWLOG GET -1\r\nSLOWLOG LEN\r\nSLOWLOG RESET\r\n",
	"CONFIG SET latency-monitor-threshold 1\r\nLATENCY HISTOGRAM\r\nLATENCY LATEST\r\nLATENCY DOCTOR\r\nLATENCY GRAPH command\r\nLATENCY RESET\r\n",
	"CLUSTER FAILOVER\r\nCLUSTER FAILOVER FORCE\r\nCLUSTER FAILOVER x y\r\n",
	"*2\r\n$4\r\nECHO\r\n$3\r\n\x00\x01\x02\r\n",
	"FUNCTION LOAD REPLACE \"#!lua name=f\\nredis.register_function('f', function(keys) return redis.call('get', keys[1]) end)\"\r\n" +
		"FCALL f 1 k\r\nFCALL_RO f 1 k\r\nFUNCTION LIST WITHCODE\r\nFUNCTION STATS\r\nFUNCTION DUMP\r\nFUNCTION DELETE f\r\nFUNCTION FLUSH\r\n",
}
