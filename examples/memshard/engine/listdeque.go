package engine

// List is a list value: a ring buffer that grows and shrinks by powers of
// two, with O(1) push and pop at both ends and O(1) access by index.
type List struct {
	buf  []string // len(buf) is 0 or a power of two
	head int      // index in buf of element 0
	n    int
	// nodes models the quicklist nodes Redis would hold (quicklist.go),
	// unless noModel: an edit inside the list made them unknown.
	nodes   qlNodes
	noModel bool
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) pos(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// At returns element i (0 <= i < Len()).
func (l *List) At(i int) string { return l.buf[l.pos(i)] }

// SetAt replaces element i (0 <= i < Len()).
func (l *List) SetAt(i int, v string) {
	l.buf[l.pos(i)] = v
	l.qlForget()
}

// resize moves the elements into a buffer of capacity size.
func (l *List) resize(size int) {
	nb := make([]string, size)
	if l.n > 0 {
		if end := l.head + l.n; end <= len(l.buf) {
			copy(nb, l.buf[l.head:end])
		} else {
			k := copy(nb, l.buf[l.head:])
			copy(nb[k:], l.buf[:l.n-k])
		}
	}
	l.buf, l.head = nb, 0
}

func (l *List) grow() {
	if l.n == len(l.buf) {
		l.resize(max(8, 2*len(l.buf)))
	}
}

// shrink halves the buffer while it is at most a quarter full.
func (l *List) shrink() {
	size := len(l.buf)
	for size > 8 && l.n <= size/4 {
		size /= 2
	}
	if size != len(l.buf) {
		l.resize(size)
	}
}

// PushFront inserts v before element 0.
func (l *List) PushFront(v string) {
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
	l.qlPush(v, true)
}

// PushBack appends v.
func (l *List) PushBack(v string) {
	l.grow()
	l.buf[l.pos(l.n)] = v
	l.n++
	l.qlPush(v, false)
}

// PopFront removes and returns element 0. The list must not be empty.
func (l *List) PopFront() string {
	v := l.buf[l.head]
	l.buf[l.head] = ""
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	l.qlPop(v, true)
	return v
}

// PopBack removes and returns the last element. The list must not be empty.
func (l *List) PopBack() string {
	p := l.pos(l.n - 1)
	v := l.buf[p]
	l.buf[p] = ""
	l.n--
	l.shrink()
	l.qlPop(v, false)
	return v
}

// Insert inserts v so that it becomes element i (0 <= i <= Len()), moving
// the shorter side.
func (l *List) Insert(i int, v string) {
	l.qlForget()
	l.grow()
	if i < l.n-i {
		l.head = (l.head - 1) & (len(l.buf) - 1)
		l.n++
		for j := 0; j < i; j++ {
			l.buf[l.pos(j)] = l.buf[l.pos(j+1)]
		}
	} else {
		l.n++
		for j := l.n - 1; j > i; j-- {
			l.buf[l.pos(j)] = l.buf[l.pos(j-1)]
		}
	}
	l.buf[l.pos(i)] = v
}

// Trim keeps elements [start, start+n).
func (l *List) Trim(start, n int) {
	l.qlForget()
	for i := 0; i < start; i++ {
		l.buf[l.pos(i)] = ""
	}
	for i := start + n; i < l.n; i++ {
		l.buf[l.pos(i)] = ""
	}
	if l.n > 0 {
		l.head = l.pos(start)
	}
	l.n = n
	l.shrink()
}

// Filter keeps the elements for which keep returns true, in order.
func (l *List) Filter(keep func(i int, v string) bool) {
	l.qlForget()
	k := 0
	for i := 0; i < l.n; i++ {
		v := l.buf[l.pos(i)]
		if keep(i, v) {
			l.buf[l.pos(k)] = v
			k++
		}
	}
	for i := k; i < l.n; i++ {
		l.buf[l.pos(i)] = ""
	}
	l.n = k
	l.shrink()
}

// Encoding returns the encoding Redis 7.0 reports for lists.
func (l *List) Encoding() string { return "quicklist" }

// Clone returns a copy of l.
func (l *List) Clone() *List {
	c := &List{nodes: l.nodes.clone(), noModel: l.noModel} // Redis's COPY duplicates the nodes
	if l.n > 0 {
		c.resize(max(8, len(l.buf)))
		for i := 0; i < l.n; i++ {
			c.buf[i] = l.At(i)
		}
		c.n = l.n
	}
	return c
}
