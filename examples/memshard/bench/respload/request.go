package main

import (
	"bytes"
	"strconv"
)

// keyDigits is the number of digits after "key:", as redis-benchmark -r
// writes its __rand_int__.
const keyDigits = 12

// request is one client's request bytes, built once: setKey rewrites the
// key's digits in place, so a request allocates nothing. Not safe for
// concurrent use; the client writes it only while no request is outstanding.
type request struct {
	buf    []byte
	digits int // offset of the key's digits in buf
}

// newRequest builds SET key:000000000000 <value>, then WAIT if cfg.Wait > 0.
func newRequest(cfg Config) *request {
	var b []byte
	b = append(b, "*3\r\n$3\r\nSET\r\n$"...)
	b = strconv.AppendInt(b, int64(len("key:")+keyDigits), 10)
	b = append(b, "\r\nkey:"...)
	r := &request{digits: len(b)}
	b = append(b, bytes.Repeat([]byte{'0'}, keyDigits)...)
	b = append(b, "\r\n$"...)
	b = strconv.AppendInt(b, int64(cfg.Size), 10)
	b = append(b, "\r\n"...)
	b = append(b, bytes.Repeat([]byte{'x'}, cfg.Size)...)
	b = append(b, "\r\n"...)
	if cfg.Wait > 0 {
		b = appendCommand(b, "WAIT", strconv.Itoa(cfg.Wait), strconv.Itoa(cfg.WaitTimeout))
	}
	r.buf = b
	return r
}

// setKey writes n, below 10^12, as the key's digits.
func (r *request) setKey(n uint64) {
	for i := keyDigits - 1; i >= 0; i-- {
		r.buf[r.digits+i] = '0' + byte(n%10)
		n /= 10
	}
}

// appendCommand appends argv as a RESP multibulk.
func appendCommand(b []byte, argv ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(argv)), 10)
	b = append(b, "\r\n"...)
	for _, a := range argv {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}
