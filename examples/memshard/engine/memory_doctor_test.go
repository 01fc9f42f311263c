package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDoctorReport drives each of getMemoryDoctorReport's branches with
// figures chosen on either side of its threshold.
func TestDoctorReport(t *testing.T) {
	const mb = 1 << 20
	// healthy: 100 MB used, nothing above a threshold.
	healthy := doctorFigures{total: 100 * mb, peak: 100 * mb, memRatios: memRatios{totalFrag: 1.2, totalFragBytes: 20 * mb,
		allocFrag: 1.05, allocFragBytes: 5 * mb, allocRSS: 1.05, allocRSSBytes: 5 * mb,
		rssExtra: 1.05, rssExtraBytes: 5 * mb}, clients: 1, allocator: "go"}
	with := func(f func(*doctorFigures)) doctorFigures { d := healthy; f(&d); return d }
	report := func(parts ...string) string { return doctorHead + strings.Join(parts, "") + doctorTail }
	fragText := strings.Replace(doctorFrag, "%s", "go", 1)
	for _, tc := range []struct {
		name string
		f    doctorFigures
		want string
	}{
		{"empty", doctorFigures{total: 5*mb - 1, peak: 100 * mb, memRatios: memRatios{totalFrag: 9, totalFragBytes: 90 * mb}}, doctorEmpty},
		{"no issue at 5 MB", with(func(d *doctorFigures) { d.total, d.peak = 5*mb, 5*mb }), doctorNoIssue},
		{"no issue", healthy, doctorNoIssue},
		{"peak 150%", with(func(d *doctorFigures) { d.peak = 150 * mb }), doctorNoIssue},
		{"peak above 150%", with(func(d *doctorFigures) { d.peak = 151 * mb }), report(doctorPeak)},
		{"fragmentation 1.4", with(func(d *doctorFigures) { d.totalFrag = 1.4 }), doctorNoIssue},
		{"fragmentation above 1.4", with(func(d *doctorFigures) { d.totalFrag = 1.41 }), report(fragText)},
		{"fragmentation of 10 MB", with(func(d *doctorFigures) { d.totalFrag, d.totalFragBytes = 2, 10*mb }), doctorNoIssue},
		{"allocator fragmentation", with(func(d *doctorFigures) { d.allocFrag, d.allocFragBytes = 1.11, 10*mb+1 }), report(doctorAllocFrag)},
		{"allocator fragmentation below 1.1", with(func(d *doctorFigures) { d.allocFrag, d.allocFragBytes = 1.0999999, 50*mb }), doctorNoIssue},
		// float32(1.1) is 1.10000002: above the double 1.1 C compares with.
		{"allocator fragmentation float 1.1", with(func(d *doctorFigures) { d.allocFrag, d.allocFragBytes = 1.1, 50*mb }), report(doctorAllocFrag)},
		{"allocator rss", with(func(d *doctorFigures) { d.allocRSS, d.allocRSSBytes = 1.2, 11*mb }), report(doctorAllocRSS)},
		{"allocator rss of 10 MB", with(func(d *doctorFigures) { d.allocRSS, d.allocRSSBytes = 1.2, 10*mb }), doctorNoIssue},
		{"process rss", with(func(d *doctorFigures) { d.rssExtra, d.rssExtraBytes = 1.2, 11*mb }), report(doctorProcRSS)},
		{"client buffers", with(func(d *doctorFigures) { d.clients, d.clientsNormal = 2, 2*200*1024+2 }), report(doctorClientBuf)},
		{"client buffers of 200K", with(func(d *doctorFigures) { d.clients, d.clientsNormal = 2, 2*200*1024+1 }), doctorNoIssue},
		{"replica buffers", with(func(d *doctorFigures) { d.clients, d.slaves, d.clientsSlaves = 3, 1, 10*mb+1 }), report(doctorSlaveBuf)},
		{"replica buffers, no replica", with(func(d *doctorFigures) { d.clientsSlaves = 20 * mb }), doctorNoIssue},
		{"scripts", with(func(d *doctorFigures) { d.scripts = 1001 }), report(doctorScripts)},
		{"1000 scripts", with(func(d *doctorFigures) { d.scripts = 1000 }), doctorNoIssue},
		{"all, in Redis's order", doctorFigures{total: 100 * mb, peak: 200 * mb, memRatios: memRatios{totalFrag: 2, totalFragBytes: 100 * mb,
			allocFrag: 2, allocFragBytes: 100 * mb, allocRSS: 2, allocRSSBytes: 100 * mb, rssExtra: 2, rssExtraBytes: 100 * mb},
			clients: 3, slaves: 1, clientsNormal: 1 << 30, clientsSlaves: 1 << 30, scripts: 5000, allocator: "go"},
			report(doctorPeak, fragText, doctorAllocFrag, doctorAllocRSS, doctorProcRSS, doctorSlaveBuf, doctorClientBuf, doctorScripts)},
		{"no clients counted", with(func(d *doctorFigures) { d.clients, d.clientsNormal = 0, 300*1024 }), report(doctorClientBuf)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := doctorReport(tc.f); got != tc.want {
				t.Errorf("doctorReport(%+v) differs (-want +got):\n%s", tc.f, cmp.Diff(tc.want, got))
			}
		})
	}
}

// TestMemoryOverhead checks getMemoryOverheadData's formulas on figures
// worked out by hand, and the wrap of a negative difference.
func TestMemoryOverhead(t *testing.T) {
	p := ProcessMemory{Used: 2000000, Peak: 4000000, Startup: 1000000, Active: 3000000, Resident: 6000000, RSS: 9000000}
	mh := memoryOverhead(p, 10, 4)
	if want := uint64(1000000 + 10*memKey + 4*memExpire); mh.overheadTotal != want {
		t.Errorf("overheadTotal = %d, want %d", mh.overheadTotal, want)
	}
	if want := uint64(2000000) - mh.overheadTotal; mh.dataset != want {
		t.Errorf("dataset = %d, want %d", mh.dataset, want)
	}
	if mh.bytesPerKey != 100000 {
		t.Errorf("bytesPerKey = %d, want 100000", mh.bytesPerKey)
	}
	if mh.peakPerc != 50 || mh.totalFrag != 4.5 || mh.allocFrag != 1.5 || mh.allocRSS != 2 || mh.rssExtra != 1.5 {
		t.Errorf("ratios = %v %v %v %v %v, want 50 4.5 1.5 2 1.5", mh.peakPerc, mh.totalFrag, mh.allocFrag, mh.allocRSS, mh.rssExtra)
	}
	if want := float32(mh.dataset) * 100 / float32(1000000); mh.datasetPerc != want {
		t.Errorf("datasetPerc = %v, want %v", mh.datasetPerc, want)
	}
	empty := memoryOverhead(ProcessMemory{Used: 900, Peak: 1000, Startup: 1000, Active: 800, Resident: 700, RSS: 600}, 0, 0)
	if empty.hasKeys || empty.bytesPerKey != 0 || int64(empty.dataset) != -100 || int64(empty.allocFragBytes) != -100 {
		t.Errorf("below startup: %+v, want no keys, dataset and allocFragBytes -100", empty)
	}
}
