package server

// Redis Cluster's key hashing: CRC16-CCITT (XMODEM: polynomial 0x1021, initial
// value 0, no reflection), as Redis's crc16.c, modulo 16384, with the
// {hash tag} rule of keyHashSlot in cluster.c.

// SlotCount is the number of Redis Cluster hash slots.
const SlotCount = 16384

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
func CRC16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^c]
	}
	return crc
}

// KeySlot returns the hash slot of key: CRC16 of the whole key, or of the
// part between the first '{' and the next '}' when that part is not empty.
func KeySlot(key []byte) int {
	for s := range key {
		if key[s] != '{' {
			continue
		}
		for e := s + 1; e < len(key); e++ {
			if key[e] == '}' {
				if e == s+1 {
					break // "{}": hash the whole key
				}
				return int(CRC16(key[s+1:e]) & (SlotCount - 1))
			}
		}
		break
	}
	return int(CRC16(key) & (SlotCount - 1))
}
