package server

import (
	"testing"
	"time"
)

func TestInstantMetric(t *testing.T) {
	var m instantMetric
	start := m.lastTime
	// 16 samples of 100 ms at 50 per sample: 500/s.
	for i := 1; i <= rateSamples; i++ {
		m.track(start.Add(sampleEvery*time.Duration(i)), int64(50*i))
	}
	if got := m.value(); got != 500 {
		t.Errorf("value() = %d, want 500", got)
	}
	// Half the window idle: the mean halves.
	for i := rateSamples + 1; i <= rateSamples*3/2; i++ {
		m.track(start.Add(sampleEvery*time.Duration(i)), 50*rateSamples)
	}
	if got := m.value(); got != 250 {
		t.Errorf("value() after idling = %d, want 250", got)
	}
}
