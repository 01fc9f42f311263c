package main

import (
	"fmt"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/quorumlog/quorumlog/client"
)

// logOp is the kind of an operation on one log.
type logOp int

const (
	opDescribe   logOp = iota // a linearizable Describe
	opAppend                  // an append of one record
	opCondAppend              // an append of one record if the last ID is expected
)

// logInput is one operation on a log.
type logInput struct {
	log      string
	op       logOp
	value    string // the record an append carries
	expected uint64 // the last ID a conditional append names
}

// logOutput is what an operation returned: for an append the ID it got;
// for a Describe the last ID and running checksum it saw; for a
// conditional append whose condition failed, failed and the actual last
// ID its error carried.
type logOutput struct {
	id     uint64
	sum    uint32
	failed bool
}

// logState is the log as a sequence: its length and running checksum
// (client.Checksum), which stands for every record's content and order.
type logState struct {
	n   uint64
	sum uint32
}

// logModel is a log's sequential specification, each log checked on its
// own: an append takes the next
// ID, a conditional one only if the last ID is the one it names (else it
// fails, naming the actual one), and a Describe sees the length and
// checksum of every append before it.
var logModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byLog := map[string][]porcupine.Operation{}
		for _, op := range history {
			l := op.Input.(logInput).log
			byLog[l] = append(byLog[l], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byLog {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return logState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(logState), input.(logInput), output.(logOutput)
		next := logState{n: st.n + 1, sum: client.Checksum(st.sum, []byte(in.value))}
		switch {
		case in.op == opDescribe:
			return out.id == st.n && out.sum == st.sum, st
		case in.op == opCondAppend && out.failed:
			return st.n != in.expected && out.id == st.n, st
		case in.op == opCondAppend && st.n != in.expected:
			return false, st
		}
		return out.id == next.n, next
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(logInput), output.(logOutput)
		switch {
		case in.op == opDescribe:
			return fmt.Sprintf("describe -> %d %08x", out.id, out.sum)
		case in.op == opCondAppend && out.failed:
			return fmt.Sprintf("append(%s) if last is %d -> failed, last is %d", in.value, in.expected, out.id)
		case in.op == opCondAppend:
			return fmt.Sprintf("append(%s) if last is %d -> %d", in.value, in.expected, out.id)
		}
		return fmt.Sprintf("append(%s) -> %d", in.value, out.id)
	},
}

// The model must reject the histories the fault tests are there to catch,
// or their checks could never fail.
func TestLogModel_RejectsBadHistories(t *testing.T) {
	for name, bad := range map[string][]porcupine.Operation{ // histories the checker must reject
		"a read that misses an acknowledged append": {
			{ClientId: 0, Input: logInput{op: opAppend, value: "a"}, Output: logOutput{id: 1}, Call: 0, Return: 10},
			{ClientId: 1, Input: logInput{op: opDescribe}, Output: logOutput{}, Call: 20, Return: 30},
		},
		"two conditional appends on the same last ID that both succeed": {
			{ClientId: 0, Input: logInput{op: opCondAppend, value: "a"}, Output: logOutput{id: 1}, Call: 0, Return: 10},
			{ClientId: 1, Input: logInput{op: opCondAppend, value: "b"}, Output: logOutput{id: 2}, Call: 0, Return: 10},
		},
	} {
		if porcupine.CheckOperations(logModel, bad) {
			t.Errorf("the model accepts %s", name)
		}
	}
}
