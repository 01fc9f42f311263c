package engine

// LZF as Redis builds it (lzf_c.c, lzf_d.c, lzfP.h: HLOG 16, VERY_FAST,
// CHECK_INPUT). Redis leaves the compressor's hash table uninitialised,
// so that a stale entry can, rarely, find another match than a zeroed
// table does: memshard's table starts zeroed.
const (
	lzfHashLog = 16
	lzfMaxLit  = 1 << 5
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = 1<<8 + 1<<3
)

func lzfIndex(h uint32) uint32 { return (h>>(3*8-lzfHashLog) - h*5) & (1<<lzfHashLog - 1) }

// lzfCompress is lzf_compress(in, len(in), out, outLen): the compressed
// bytes, or nil if they would not fit in outLen.
func lzfCompress(in []byte, outLen int) []byte {
	if len(in) < 3 || outLen == 0 {
		return nil // Redis compresses strings of more than 20 bytes only
	}
	var htab [1 << lzfHashLog]int // positions in in; 0 never matches (ref > in_data)
	out := make([]byte, outLen+1)
	ip, op, end := 0, 1, len(in) // op 1: the first literal run starts
	lit := 0
	hval := uint32(in[0])<<8 | uint32(in[1])
	for ip < end-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIndex(hval)
		ref := htab[slot]
		htab[slot] = ip
		if off := ip - ref - 1; off < lzfMaxOff && ref > 0 &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			n := 2
			maxlen := min(end-ip-n, lzfMaxRef)
			out[op-lit-1] = byte(lit - 1) // stop the run
			if lit == 0 {
				op-- // undo a run of no literal
			}
			if op+3+1 >= outLen {
				return nil
			}
			// lzf_compress's loop: 16 comparisons unchecked when more
			// than 16 bytes remain, then one at a time up to maxlen.
			matched := false
			if maxlen > 16 {
				matched = true
				for range 16 {
					n++
					if in[ref+n] != in[ip+n] {
						matched = false
						break
					}
				}
			}
			if matched || maxlen <= 16 {
				for {
					n++
					if n >= maxlen || in[ref+n] != in[ip+n] {
						break
					}
				}
			}
			n -= 2 // the match's length - 1
			ip++
			if n < 7 {
				out[op] = byte(off>>8 + n<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(n - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // and a new run starts
			lit = 0
			ip += n + 1
			if ip >= end-2 {
				break
			}
			ip -= 2 // VERY_FAST: hash the match's last two positions
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			for range 2 {
				hval = hval<<8 | uint32(in[ip+2])
				htab[lzfIndex(hval)] = ip
				ip++
			}
			continue
		}
		if op >= outLen {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < end {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end the run
	if lit == 0 {
		op--
	}
	return out[:op]
}

// lzfDecompress is lzf_decompress into exactly n bytes: Redis refuses
// compressed data that does not give the length it says.
func lzfDecompress(in []byte, n uint64) ([]byte, bool) {
	if n == 0 {
		return []byte{}, true // lzf_decompress fails, with 0 bytes: as many as wanted
	}
	// No LZF element gives more than 88 bytes per byte (a 3-byte
	// reference to 264): a longer n cannot come out, so is not allocated.
	if len(in) == 0 || n > 88*uint64(len(in)) {
		return nil, false
	}
	out := make([]byte, 0, n)
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 { // a literal run
			ctrl++
			if uint64(len(out)+ctrl) > n || ip+ctrl > len(in) {
				return nil, false
			}
			out = append(out, in[ip:ip+ctrl]...)
			ip += ctrl
			continue
		}
		length := ctrl >> 5 // a back reference
		ref := len(out) - (ctrl&0x1f)<<8 - 1
		if ip >= len(in) {
			return nil, false
		}
		if length == 7 {
			length += int(in[ip])
			ip++
			if ip >= len(in) {
				return nil, false
			}
		}
		ref -= int(in[ip])
		ip++
		if uint64(len(out)+length+2) > n || ref < 0 {
			return nil, false
		}
		for i := range length + 2 {
			out = append(out, out[ref+i])
		}
	}
	return out, uint64(len(out)) == n
}
