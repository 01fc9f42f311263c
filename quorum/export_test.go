package quorum

import "github.com/hashicorp/raft"

// RaftLogSize returns the entries of n's raft log (first to last index)
// and the bytes of their data, reading every one: for tests.
func (n *Node) RaftLogSize() (entries int, bytes int64, err error) {
	first, err := n.logs.FirstIndex()
	if err != nil {
		return 0, 0, err
	}
	last, err := n.logs.LastIndex()
	if err != nil || first == 0 {
		return 0, 0, err
	}
	for i := first; i <= last; i++ {
		var l raft.Log
		if err := n.logs.GetLog(i, &l); err != nil {
			return 0, 0, err
		}
		entries++
		bytes += int64(len(l.Data))
	}
	return entries, bytes, nil
}
