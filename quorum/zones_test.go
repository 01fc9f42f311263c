package quorum

import (
	"testing"
	"testing/quick"
)

func TestMajorityZone(t *testing.T) {
	tests := []struct {
		zones    []string
		majority string
		survives bool
	}{
		{nil, "", false},
		{[]string{"a"}, "", false},
		{[]string{"a", "b"}, "", false},
		{[]string{"a", "a"}, "a", false},
		{[]string{"a", "b", "c"}, "", true},
		{[]string{"a", "a", "b"}, "a", false},
		{[]string{"a", "a", "b", "c"}, "", false},
		{[]string{"a", "a", "b", "b", "c"}, "", true},
		{[]string{"a", "a", "a", "b", "c"}, "a", false},
		{[]string{"?", "?", "a"}, "", false},
		{[]string{"", "", "a"}, "", false},
	}
	for _, tt := range tests {
		z, ok := MajorityZone(tt.zones)
		if z != tt.majority || ok != (tt.majority != "") {
			t.Errorf("MajorityZone(%q) = %q, %v, want %q", tt.zones, z, ok, tt.majority)
		}
		if got := SurvivesZoneLoss(tt.zones); got != tt.survives {
			t.Errorf("SurvivesZoneLoss(%q) = %v, want %v", tt.zones, got, tt.survives)
		}
	}
}

// TestZoneRulesQuick checks the rules against a brute-force reference: a zone
// holds a majority iff more than half the voters are in it, and the cluster
// survives a zone loss iff every zone's complement is more than half.
func TestZoneRulesQuick(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	f := func(picks []uint8) bool {
		if len(picks) > 9 {
			picks = picks[:9]
		}
		zones := make([]string, len(picks))
		for i, p := range picks {
			zones[i] = names[int(p)%len(names)]
		}
		n := len(zones)
		wantMajority, wantSurvives := false, n > 0
		for _, z := range names {
			in := 0
			for _, v := range zones {
				if v == z {
					in++
				}
			}
			if n > 1 && 2*in > n {
				wantMajority = true
			}
			if in > 0 && 2*(n-in) <= n {
				wantSurvives = false
			}
		}
		_, gotMajority := MajorityZone(zones)
		return gotMajority == wantMajority && SurvivesZoneLoss(zones) == wantSurvives
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}
