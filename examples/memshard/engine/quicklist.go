package engine

// The quicklist nodes Redis 7.0 would hold for a list, which DUMP writes:
// Redis pushes an element into the end node while that node's listpack
// stays within 8 kB (quicklistPushHead/Tail, _quicklistNodeAllowInsert),
// pops it from there (a node emptied goes), and keeps the nodes RESTORE
// reads. memshard models the nodes of a list changed only that way: the
// count and listpack size of each. An edit inside the list (LINSERT, LSET,
// LREM, LTRIM), which splits and merges nodes in Redis, drops the model;
// DUMP then writes the nodes tail pushes of the elements would make.

// qlNode is one node: its elements, and its listpack's size (0: a plain
// node, one element of 1 GB or more). Small: every list has one.
type qlNode struct{ count, sz int32 }

// qlNodes is a ring buffer of nodes, head first; a list holds it by value
// (most lists have one node).
type qlNodes struct {
	buf     []qlNode // len(buf) is 0 or a power of two
	head, n int32
}

func (q *qlNodes) at(i int32) *qlNode { return &q.buf[(q.head+i)&int32(len(q.buf)-1)] }

func (q *qlNodes) grow() {
	if int(q.n) < len(q.buf) {
		return
	}
	nb := make([]qlNode, max(1, 2*len(q.buf)))
	for i := range q.n {
		nb[i] = *q.at(i)
	}
	q.buf, q.head = nb, 0
}

func (q *qlNodes) pushFront(n qlNode) {
	q.grow()
	q.head = (q.head - 1) & int32(len(q.buf)-1)
	q.buf[q.head] = n
	q.n++
}

func (q *qlNodes) pushBack(n qlNode) {
	q.grow()
	q.n++
	*q.at(q.n - 1) = n
}

func (q *qlNodes) popFront() {
	q.head = (q.head + 1) & int32(len(q.buf)-1)
	q.n--
}

func (q *qlNodes) clone() qlNodes {
	var c qlNodes
	for i := range q.n {
		c.pushBack(*q.at(i))
	}
	return c
}

// lpEmpty is the size of an empty listpack (header and end byte).
const lpEmpty = lpHeaderSize + 1

// qlAllows is _quicklistNodeAllowInsert: whether n takes an element of
// sz bytes.
func qlAllows(n *qlNode, sz int) bool {
	return n.sz != 0 && sz < quicklistPackedThresh && int(n.sz)+sz+quicklistOverhead <= quicklistNodeMax
}

// newQLNode is the node a pushed element v starts.
func newQLNode(v string) qlNode {
	if len(v) >= quicklistPackedThresh {
		return qlNode{count: 1}
	}
	return qlNode{count: 1, sz: int32(lpEmpty + lpStrElem(v))}
}

// qlPush records a push of v at the head (front) or tail.
func (l *List) qlPush(v string, front bool) {
	if l.noModel {
		return
	}
	q := &l.nodes
	var end *qlNode
	if q.n > 0 {
		end = q.at(q.n - 1)
		if front {
			end = q.at(0)
		}
	}
	switch {
	case end != nil && qlAllows(end, len(v)):
		end.count++
		end.sz += int32(lpStrElem(v))
	case front:
		q.pushFront(newQLNode(v))
	default:
		q.pushBack(newQLNode(v))
	}
}

// qlPop records the pop of v from the head (front) or tail.
func (l *List) qlPop(v string, front bool) {
	if l.noModel {
		return
	}
	q := &l.nodes
	i := q.n - 1
	if front {
		i = 0
	}
	end := q.at(i)
	end.count--
	if end.sz != 0 {
		end.sz -= int32(lpStrElem(v))
	}
	if end.count > 0 {
		return
	}
	if front {
		q.popFront()
	} else {
		q.n--
	}
}

// qlForget drops the model: an edit inside the list.
func (l *List) qlForget() { l.nodes, l.noModel = qlNodes{}, true }

// qlModel returns the modelled nodes, head first, or nil if the list has
// none (or, defensively, if they do not add up to its elements).
func (l *List) qlModel() []qlNode {
	if l.noModel {
		return nil
	}
	out := make([]qlNode, l.nodes.n)
	sum := 0
	for i := range out {
		out[i] = *l.nodes.at(int32(i))
		if n := out[i]; n.count < 1 || n.sz == 0 && n.count != 1 {
			return nil
		}
		sum += int(out[i].count)
	}
	if sum != l.Len() {
		return nil
	}
	return out
}

// qlSet replaces the model with nodes (RESTORE keeps a payload's).
func (l *List) qlSet(nodes []qlNode) {
	l.nodes, l.noModel = qlNodes{}, false
	for _, n := range nodes {
		l.nodes.pushBack(n)
	}
}
