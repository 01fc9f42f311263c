package quorum

import (
	"fmt"
	"sort"
	"strings"
)

// UnknownZone stands for a voter whose zone is not known (yet).
const UnknownZone = "?"

// quorumSize is the number of voters a commit needs.
func quorumSize(voters int) int { return voters/2 + 1 }

// ZoneCounts counts voters per zone.
func ZoneCounts(voterZones []string) map[string]int {
	counts := make(map[string]int)
	for _, z := range voterZones {
		if z == "" {
			z = UnknownZone
		}
		counts[z]++
	}
	return counts
}

// MajorityZone returns the zone that holds a quorum of the voters on its own,
// if any. With such a zone a commit can be acknowledged while only that zone
// has the data, which is what QuorumLog promises never to do. Unknown zones
// never count as a majority zone.
func MajorityZone(voterZones []string) (string, bool) {
	if len(voterZones) <= 1 {
		// A single voter is trivially a majority of itself; a one-node
		// cluster is reported by SurvivesZoneLoss instead.
		return "", false
	}
	q := quorumSize(len(voterZones))
	for z, n := range ZoneCounts(voterZones) {
		if z != UnknownZone && n >= q {
			return z, true
		}
	}
	return "", false
}

// SurvivesZoneLoss reports whether a voter quorum remains after losing all
// the voters of any one zone.
func SurvivesZoneLoss(voterZones []string) bool {
	if len(voterZones) == 0 {
		return false
	}
	q := quorumSize(len(voterZones))
	for _, n := range ZoneCounts(voterZones) {
		if len(voterZones)-n < q {
			return false
		}
	}
	return true
}

// ZoneMajorityError is returned when a voter set would let one zone hold a
// majority of the voters.
type ZoneMajorityError struct {
	Zone   string
	Counts map[string]int
}

func (e *ZoneMajorityError) Error() string {
	return fmt.Sprintf("quorum: zone %q would hold a majority of the voters (%s): a commit could then be acknowledged within one zone; spread voters over more zones or pass --allow-zone-majority",
		e.Zone, formatCounts(e.Counts))
}

// formatCounts renders zone counts deterministically: "a=1 b=1 c=1".
func formatCounts(counts map[string]int) string {
	zones := make([]string, 0, len(counts))
	for z := range counts {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	parts := make([]string, len(zones))
	for i, z := range zones {
		parts[i] = fmt.Sprintf("%s=%d", z, counts[z])
	}
	return strings.Join(parts, " ")
}

// CheckZones returns a *ZoneMajorityError if one zone holds a majority of
// voterZones.
func CheckZones(voterZones []string) error {
	if z, ok := MajorityZone(voterZones); ok {
		return &ZoneMajorityError{Zone: z, Counts: ZoneCounts(voterZones)}
	}
	return nil
}
