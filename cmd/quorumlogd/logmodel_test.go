package main

import (
	"fmt"

	"github.com/anishathalye/porcupine"

	"github.com/quorumlog/quorumlog/client"
)

// logInput is one operation on the log: an append of value, or a
// linearizable Describe.
type logInput struct {
	append bool
	value  string
}

// logOutput is what it returned: the ID an append got, or the last ID and
// running checksum a Describe saw. unknown marks an append whose outcome
// the client could not tell (ErrOutcomeUnknown).
type logOutput struct {
	id      uint64
	sum     uint32
	unknown bool
}

// logState is the log as a sequence: its length and running checksum
// (client.Checksum), which stands for every record's content and order.
type logState struct {
	n   uint64
	sum uint32
}

// logModel is the log's sequential specification. An append takes the next
// ID; a Describe sees the length and checksum of every append before it.
// An append of unknown outcome returns at the end of time, so it may also
// take effect after every other operation, which is the same as never.
var logModel = porcupine.Model{
	Init: func() any { return logState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(logState), input.(logInput), output.(logOutput)
		if !in.append {
			return out.id == st.n && out.sum == st.sum, st
		}
		next := logState{n: st.n + 1, sum: client.Checksum(st.sum, []byte(in.value))}
		return out.unknown || out.id == next.n, next
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(logInput), output.(logOutput)
		switch {
		case !in.append:
			return fmt.Sprintf("describe -> %d %08x", out.id, out.sum)
		case out.unknown:
			return fmt.Sprintf("append(%s) -> ?", in.value)
		}
		return fmt.Sprintf("append(%s) -> %d", in.value, out.id)
	},
}
