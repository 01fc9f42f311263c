package engine

import (
	"bytes"
	"encoding/hex"
	"runtime"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// msgpackAllocBound is the most FuzzMsgpackDecode lets one decoding
// allocate for n bytes of input: a fixed part, a Lua table (the largest
// thing one byte makes: fixarray, fixmap) for each byte, and for the array
// slots that maps' integer keys make gopher-lua allocate (appended one by
// one, Go growing the slice by a quarter at a time: all the copies add up
// to about five times the slots, 16 bytes each).
func msgpackAllocBound(n, slots int) uint64 { return 64<<10 + uint64(n)*4096 + uint64(slots)*128 }

// msgpackFuzzSlots is the fuzzing's budget of such slots: an input whose
// map keys would take more is dropped, so that the fuzzer's workers do
// not allocate gigabytes (a key below lua.MaxArrayIndex takes that many).
const msgpackFuzzSlots = 1 << 16

// FuzzMsgpackDecode feeds bytes to cmsgpack's decoder: it must never
// panic, never allocate beyond msgpackAllocBound (a claimed length is
// checked against the bytes left, never allocated), and what it decodes
// must pack and decode to the same bytes again and again (after two round
// trips: the first packs float widths, -0 and the tables nested too deep
// as nil; the second drops the nils, turning arrays of them into empty
// ones). The seeds are
// TestCmsgpackUnpackDiff's inputs.
func FuzzMsgpackDecode(f *testing.F) {
	for _, hx := range cmsgpackUnpackCases {
		b, err := hex.DecodeString(hx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		values, errMsg, slots := msgpackDecode(L, string(data), msgpackFuzzSlots)
		runtime.ReadMemStats(&after)
		if got, bound := after.TotalAlloc-before.TotalAlloc, msgpackAllocBound(len(data), slots); got > bound {
			t.Fatalf("decoding %d bytes allocated %d bytes, more than %d", len(data), got, bound)
		}
		if errMsg != "" {
			return
		}
		packed := [][]byte{msgpackPackAll(values)}
		for i := 0; i < 2; i++ {
			again, errMsg, _ := msgpackDecode(L, string(packed[i]), 0)
			if errMsg != "" {
				t.Fatalf("memshard's packing %x of %x does not decode: %s", packed[i], data, errMsg)
			}
			packed = append(packed, msgpackPackAll(again))
		}
		if !bytes.Equal(packed[1], packed[2]) {
			t.Fatalf("%x packs as %x, then %x, then %x", data, packed[0], packed[1], packed[2])
		}
	})
}

// msgpackPackAll packs values as cmsgpack.pack(...) does.
func msgpackPackAll(values []lua.LValue) []byte {
	var b []byte
	for _, v := range values {
		b = msgpackEncode(b, v, 0)
	}
	return b
}
