package main

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/quorumlog/quorumlog/client"
)

// recordLoad is 8 writers of 100 KB records, each record naming its
// writer and sequence number, at most 375 each (3,000 records; a 160 MiB
// tmpfs holds fewer than 1,600), for the fault tests: check then finds
// every acknowledged record on every node, in order, once.
type recordLoad struct {
	t     *testing.T
	log   string
	mu    sync.Mutex
	acked map[[2]uint32]bool
	wg    sync.WaitGroup
	stop  chan struct{}
}

const loadWriters, loadRecordBytes = 8, 100_000

func startRecordLoad(t *testing.T, c *cluster, log string) *recordLoad {
	t.Helper()
	cl := c.client()
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	l := &recordLoad{t: t, log: log, acked: map[[2]uint32]bool{}, stop: make(chan struct{})}
	for w := range loadWriters {
		l.wg.Go(func() {
			for i := range 375 {
				select {
				case <-l.stop:
					return
				default:
				}
				p := make([]byte, loadRecordBytes)
				binary.BigEndian.PutUint32(p, uint32(w))
				binary.BigEndian.PutUint32(p[4:], uint32(i))
				_, err := cl.Append(t.Context(), log, [][]byte{p})
				switch {
				case err == nil:
					l.mu.Lock()
					l.acked[[2]uint32{uint32(w), uint32(i)}] = true
					l.mu.Unlock()
				case errors.Is(err, client.ErrOutcomeUnknown), errors.Is(err, client.ErrUnavailable):
				default:
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	return l
}

// count returns how many appends have been acknowledged so far.
func (l *recordLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// finish stops the writers and waits for them.
func (l *recordLoad) finish() {
	close(l.stop)
	l.wg.Wait()
	if l.t.Failed() {
		l.t.FailNow()
	}
}

// check waits until every node has the log's records and fails unless
// each holds every acknowledged record, in order, once.
func (l *recordLoad) check(c *cluster) {
	t := l.t
	t.Helper()
	info := c.waitConverged(l.log, uint64(len(l.acked)))
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), l.log, 1)
		if err != nil || uint64(len(recs)) != info.Records {
			t.Fatalf("%s reads %d records, %v; want %d", c.nodes[i].id, len(recs), err, info.Records)
		}
		seen := map[[2]uint32]bool{}
		last := make([]int64, loadWriters)
		for w := range last {
			last[w] = -1
		}
		for _, r := range recs {
			k := [2]uint32{binary.BigEndian.Uint32(r.Payload), binary.BigEndian.Uint32(r.Payload[4:])}
			if seen[k] || int64(k[1]) <= last[k[0]] {
				t.Fatalf("%s: record %d (writer %d, #%d) twice or out of order", c.nodes[i].id, r.ID, k[0], k[1])
			}
			seen[k], last[k[0]] = true, int64(k[1])
		}
		var missing [][2]uint32
		for k := range l.acked {
			if !seen[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			slices.SortFunc(missing, func(a, b [2]uint32) int { return int(a[0]-b[0])*1000 + int(a[1]) - int(b[1]) })
			t.Fatalf("%s lacks %d acknowledged records, e.g. %v", c.nodes[i].id, len(missing), missing[0])
		}
	}
}
