// Package hashslot is Redis Cluster's key hashing: CRC16-CCITT (XMODEM:
// polynomial 0x1021, initial value 0, no reflection), as Redis's crc16.c,
// modulo 16384, with the {hash tag} rule of keyHashSlot in cluster.c.
//
// It is a package of its own because both the server (MOVED, CLUSTER
// KEYSLOT) and the engine (per-slot key counts: CLUSTER COUNTKEYSINSLOT)
// hash keys, and the engine cannot import the server.
package hashslot

import (
	"bytes"
	"strings"
)

// Count is the number of Redis Cluster hash slots.
const Count = 16384

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

// CRC16 returns the CRC16-CCITT (XMODEM) checksum of b, as Redis's crc16().
func CRC16[T string | []byte](b T) uint16 {
	var crc uint16
	for i := 0; i < len(b); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^b[i]]
	}
	return crc
}

// Of returns the hash slot of key: CRC16 of the whole key, or of the part
// between the first '{' and the next '}' when that part is not empty. It
// takes a string or bytes so that neither caller converts (the engine
// hashes the string it stores, the server the bytes it parsed).
func Of[T string | []byte](key T) int {
	if s := indexByte(key, '{'); s >= 0 {
		if e := indexByte(key[s+1:], '}'); e > 0 { // e == 0: "{}", hash the whole key
			return int(CRC16(key[s+1:s+1+e]) & (Count - 1))
		}
	}
	return int(CRC16(key) & (Count - 1))
}

// indexByte is strings.IndexByte or bytes.IndexByte, as key is: the
// search for '{' is most of the work for a key without one.
func indexByte[T string | []byte](key T, c byte) int {
	switch k := any(key).(type) {
	case string:
		return strings.IndexByte(k, c)
	case []byte:
		return bytes.IndexByte(k, c)
	}
	panic("unreachable")
}
