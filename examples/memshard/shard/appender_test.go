package shard

import (
	"testing"
	"time"
)

// An idle primary renews its lease on every heartbeat tick (every lease/3),
// whichever of two ticks was handled a little later, and not right after a
// record of writes renewed it.
func TestHeartbeatDue(t *testing.T) {
	const lease = 3 * time.Second
	renewed := time.Unix(1000, 0) // the start of the last renewing append
	until := renewed.Add(lease)
	for _, tc := range []struct {
		since time.Duration // from the renewal to this tick's handling
		want  bool
	}{
		{lease/3 - 5*time.Millisecond, true}, // this tick handled sooner than the last
		{lease / 3, true},
		{lease/3 + 5*time.Millisecond, true},
		{2 * lease / 3, true},
		{lease, true},
		{10 * time.Millisecond, false}, // a record of writes just renewed it
		{lease/6 - time.Millisecond, false},
	} {
		if got := heartbeatDue(renewed.Add(tc.since), until, lease); got != tc.want {
			t.Errorf("heartbeatDue %v after the renewal (lease %v) = %v, want %v", tc.since, lease, got, tc.want)
		}
	}
}
