package engine

import "encoding/binary"

// murmurHash64A is Austin Appleby's MurmurHash2, 64-bit version for 64-bit
// platforms, reading its 8-byte words little-endian whatever the machine's
// byte order (as Redis's copy does, so that an HLL hashes elements the same
// everywhere).
func murmurHash64A(key []byte, seed uint64) uint64 {
	const (
		m = 0xc6a4a7935bd1e995
		r = 47
	)
	h := seed ^ uint64(len(key))*m
	words := len(key) &^ 7
	for i := 0; i < words; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[words:]; len(tail) > 0 {
		// The last 1 to 7 bytes, the first one lowest.
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}
