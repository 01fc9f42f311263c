package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// hllTestCycles is how many times PFSELFTEST's first test rewrites every
// register (Redis's HLL_TEST_CYCLES).
const hllTestCycles = 1000

// HLLSelfTest is PFSELFTEST, as Redis 7.0.15's pfselftestCommand: it
// checks that dense registers keep what is written to them, then adds ten
// million distinct elements to a dense and a sparse HLL at once, checking
// at each power of ten that small HLLs stay sparse, that both agree, and
// that the estimate is within six standard errors. It returns "" if all
// holds, else Redis's TESTFAILED error. It touches no key: the server runs
// it outside the keyspace (it takes about a second, as Redis's does).
func HLLSelfTest() string {
	// Test 1: register access.
	dense := make([]byte, hllDenseSize)
	copy(dense, "HYLL")
	r := dense[hllHdrSize:]
	var want [hllRegisters]uint8
	for range hllTestCycles {
		for i := range hllRegisters {
			want[i] = uint8(rand.IntN(64))
			hllDensePut(r, i, want[i])
		}
		for i := range hllRegisters {
			if got := hllDenseGet(r, i); got != want[i] {
				return fmt.Sprintf("TESTFAILED Register %d should be %d but is %d", i, want[i], got)
			}
		}
	}
	// Test 2: the approximation error, dense and sparse side by side.
	clear(r)
	sparse := hllNew()
	relerr := 1.04 / math.Sqrt(hllRegisters)
	checkpoint := int64(1)
	seed := rand.Uint64()
	var ele [8]byte
	for j := int64(1); j <= 10_000_000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := hllPatLen(ele[:])
		hllDenseRaise(r, index, count)
		sparse, _ = hllAdd(sparse, ele[:])
		if j != checkpoint {
			continue
		}
		if j < hllSparseMaxBytes.Load()/2 && sparse[4] != hllSparse {
			return "TESTFAILED sparse encoding not used"
		}
		card := hllCount(dense)
		if card != hllCount(sparse) {
			return "TESTFAILED dense/sparse disagree"
		}
		abserr := checkpoint - int64(card)
		maxerr := uint64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1 // collisions make a larger error likely at 10
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > int64(maxerr) {
			return fmt.Sprintf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, abserr)
		}
		checkpoint *= 10
	}
	return ""
}

// hllCount estimates the cardinality of the HLL v from its registers (0
// for corrupted sparse data, which the self-test never makes).
func hllCount(v []byte) uint64 {
	h, ok := hllHistogram(v)
	if !ok {
		return 0
	}
	return hllEstimate(&h)
}
