package logstore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFrame_RoundTrip(t *testing.T) {
	for _, p := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("ab"), 5000)} {
		frame := appendFrame([]byte("prefix"), 42, p, crc32c(p))[len("prefix"):]
		got, n, err := decodeFrame(frame)
		if err != nil || n != len(frame) {
			t.Fatalf("decodeFrame(%d-byte payload) = %v, %d, want nil, %d", len(p), err, n, len(frame))
		}
		want := Record{ID: 42, Payload: p, CRC: crc32c(p)}
		if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
			t.Errorf("decodeFrame (-want +got):\n%s", diff)
		}
	}
}

func TestNextChecksum(t *testing.T) {
	// c(n) hashes le32(len) || le32(crc): the same for equal (len, crc)
	// whatever the payload bytes, and order-dependent.
	a, b := rec([]byte("abc")), rec([]byte("defg"))
	c1 := nextChecksum(nextChecksum(0, 3, a.CRC), 4, b.CRC)
	c2 := nextChecksum(nextChecksum(0, 4, b.CRC), 3, a.CRC)
	if c1 == c2 {
		t.Errorf("checksum ignores order")
	}
	want := crc32c([]byte{3, 0, 0, 0, byte(a.CRC), byte(a.CRC >> 8), byte(a.CRC >> 16), byte(a.CRC >> 24)})
	if got := nextChecksum(0, 3, a.CRC); got != want {
		t.Errorf("nextChecksum(0, ...) = %#x, want %#x", got, want)
	}
}

// FuzzDecodeFrame checks the frame codec: decoding arbitrary bytes never
// panics and re-encodes to the same bytes; decode(encode(x)) == x; any single
// changed byte of an encoded frame gives ErrCorrupt.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(uint64(1), []byte("hello"), uint(0), uint8(1))
	f.Add(uint64(1<<40), []byte{}, uint(19), uint8(0x80))
	f.Add(uint64(7), appendFrame(nil, 7, []byte("frame"), crc32c([]byte("frame"))), uint(25), uint8(0xff))
	f.Fuzz(func(t *testing.T, id uint64, data []byte, pos uint, mask uint8) {
		// Arbitrary input.
		if r, n, err := decodeFrame(data); err == nil {
			if re := appendFrame(nil, r.ID, r.Payload, r.CRC); !bytes.Equal(re, data[:n]) {
				t.Fatalf("decode then encode = %x, want %x", re, data[:n])
			}
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeFrame(garbage) = %v, want ErrCorrupt", err)
		}

		// Round trip.
		frame := appendFrame(nil, id, data, crc32c(data))
		r, n, err := decodeFrame(frame)
		if err != nil || n != len(frame) || r.ID != id || !bytes.Equal(r.Payload, data) || r.CRC != crc32c(data) {
			t.Fatalf("decodeFrame(encode) = %+v, %d, %v", r, n, err)
		}

		// One changed byte.
		if mask == 0 {
			mask = 0xff
		}
		bad := bytes.Clone(frame)
		bad[pos%uint(len(bad))] ^= mask
		if _, _, err := decodeFrame(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeFrame with byte %d ^ %#x = %v, want ErrCorrupt", pos%uint(len(bad)), mask, err)
		}
		// A truncated frame.
		if _, _, err := decodeFrame(frame[:len(frame)-1]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeFrame(truncated) = %v, want ErrCorrupt", err)
		}
	})
}
