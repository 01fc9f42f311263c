package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

func TestRequest(t *testing.T) {
	val := strings.Repeat("x", 7)
	for _, tc := range []struct {
		cfg  Config
		key  uint64
		want []byte
	}{
		{Config{Size: 7}, 42, redisdiff.Encode("SET", "key:000000000042", val)},
		{Config{Size: 0}, 999999999999, redisdiff.Encode("SET", "key:999999999999", "")},
		{Config{Size: 7, Wait: 2, WaitTimeout: 1000}, 0,
			append(redisdiff.Encode("SET", "key:000000000000", val), redisdiff.Encode("WAIT", "2", "1000")...)},
	} {
		r := newRequest(tc.cfg)
		r.setKey(tc.key)
		if !bytes.Equal(r.buf, tc.want) {
			t.Errorf("request %+v key %d = %q, want %q", tc.cfg, tc.key, r.buf, tc.want)
		}
	}
}
