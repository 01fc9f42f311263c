package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"testing/quick"
)

// zslRef is the dumb reference: a slice kept sorted by (score, member).
type zslRef []zslRefElem

type zslRefElem struct {
	score  float64
	member string
}

func (r zslRef) find(score float64, member string) (int, bool) {
	return slices.BinarySearchFunc(r, zslRefElem{score, member}, func(a, b zslRefElem) int {
		switch {
		case zslLess(a.score, a.member, b.score, b.member):
			return -1
		case zslLess(b.score, b.member, a.score, a.member):
			return 1
		}
		return 0
	})
}

// zslOp is one random operation for the property test.
type zslOp struct {
	Kind   uint8
	Score  int8 // few distinct scores, so ties on score are common
	Member uint8
	A, B   int16
}

// zslCheck compares l with ref: order, length, back links, spans (through
// rank and byRank of every element) and the range helpers.
func zslCheck(t *testing.T, l *zskiplist, ref zslRef) bool {
	t.Helper()
	if l.length != len(ref) {
		t.Errorf("length = %d, want %d", l.length, len(ref))
		return false
	}
	i := 0
	var prev *zslNode
	for x := l.first(); x != nil; x = x.level[0].forward {
		if x.score != ref[i].score || x.member != ref[i].member || x.backward != prev {
			t.Errorf("element %d = (%v, %q), want (%v, %q)", i, x.score, x.member, ref[i].score, ref[i].member)
			return false
		}
		if r := l.rank(x.score, x.member); r != i+1 {
			t.Errorf("rank(%q) = %d, want %d", x.member, r, i+1)
			return false
		}
		if n := l.byRank(i + 1); n != x {
			t.Errorf("byRank(%d) = %v, want %q", i+1, n, x.member)
			return false
		}
		prev = x
		i++
	}
	if l.tail != prev {
		t.Errorf("tail is wrong")
		return false
	}
	return true
}

func TestSkiplist_AgainstSortedSlice(t *testing.T) {
	check := func(ops []zslOp) bool {
		l := newZskiplist()
		var ref zslRef
		for _, op := range ops {
			score, member := float64(op.Score%8), string(rune('a'+op.Member%16))
			i, found := ref.find(score, member)
			switch op.Kind % 6 {
			case 0, 1: // insert
				if !found {
					l.insert(score, member)
					ref = slices.Insert(ref, i, zslRefElem{score, member})
				}
			case 2: // delete
				if got := l.delete(score, member); got != found {
					t.Errorf("delete(%v, %q) = %v, want %v", score, member, got, found)
					return false
				}
				if found {
					ref = slices.Delete(ref, i, i+1)
				}
			case 3: // update score of an existing element
				if len(ref) == 0 {
					continue
				}
				e := ref[int(op.Member)%len(ref)]
				if _, dup := ref.find(score, e.member); dup {
					continue
				}
				l.updateScore(e.score, e.member, score)
				j, _ := ref.find(e.score, e.member)
				ref = slices.Delete(ref, j, j+1)
				k, _ := ref.find(score, e.member)
				ref = slices.Insert(ref, k, zslRefElem{score, e.member})
			case 4: // delete a rank range
				if len(ref) == 0 {
					continue
				}
				s := 1 + int(uint16(op.A))%len(ref)
				e := s + int(uint16(op.B))%4
				var got []string
				n := l.deleteRangeByRank(s, e, func(x *zslNode) { got = append(got, x.member) })
				hi := min(e, len(ref))
				var want []string
				for _, x := range ref[s-1 : hi] {
					want = append(want, x.member)
				}
				if n != len(want) || !slices.Equal(got, want) {
					t.Errorf("deleteRangeByRank(%d, %d) = %q, want %q", s, e, got, want)
					return false
				}
				ref = slices.Delete(ref, s-1, hi)
			case 5: // score range: first/last in range and delete
				r := zsetScoreRange{min: float64(op.A % 8), max: float64(op.B % 8), minex: op.Member&1 == 1, maxex: op.Member&2 == 2}
				var want []int
				for k, x := range ref {
					if r.gteMin(x.score) && r.lteMax(x.score) {
						want = append(want, k)
					}
				}
				z := &ZSet{zsl: l}
				first, fr := z.firstInScore(&r)
				last, lr := z.lastInScore(&r)
				if len(want) == 0 {
					if first != nil || last != nil {
						t.Errorf("range %+v: found %v %v in an empty range", r, first, last)
						return false
					}
					continue
				}
				if first == nil || last == nil || fr != want[0] || lr != want[len(want)-1] {
					t.Errorf("range %+v: first rank %d last rank %d, want %v", r, fr, lr, want)
					return false
				}
				if op.Kind&0x80 != 0 {
					n, rank := l.deleteFrom(func(x *zslNode) bool { return !r.gteMin(x.score) },
						func(x *zslNode) bool { return r.lteMax(x.score) }, func(*zslNode) {})
					if n != len(want) || rank != want[0] {
						t.Errorf("deleteFrom %+v = %d at %d, want %d at %d", r, n, rank, len(want), want[0])
						return false
					}
					ref = slices.Delete(ref, want[0], want[len(want)-1]+1)
				}
			}
			if !zslCheck(t, l, ref) {
				return false
			}
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 300}); err != nil {
		t.Error(err)
	}
}

func TestSkiplist_LargeRanks(t *testing.T) {
	l := newZskiplist()
	perm := rand.Perm(5000)
	for _, p := range perm {
		l.insert(float64(p/3), string(rune('a'+p%3)))
	}
	var ref zslRef
	for p := range 5000 {
		ref = append(ref, zslRefElem{float64(p / 3), string(rune('a' + p%3))})
	}
	slices.SortFunc(ref, func(a, b zslRefElem) int {
		if zslLess(a.score, a.member, b.score, b.member) {
			return -1
		}
		return 1
	})
	zslCheck(t, l, ref)
	for i := 0; i < 5000; i += 2 {
		l.delete(float64(perm[i]/3), string(rune('a'+perm[i]%3)))
	}
	if l.length != 2500 {
		t.Fatalf("length = %d, want 2500", l.length)
	}
}
