package sim

// event is one entry of the event queue. It is a plain 32-byte value: the
// queue is a slice of them, so pushing and popping neither boxes nor
// allocates once the slice has grown to the run's high-water mark.
type event struct {
	at    int64     // virtual time, nanoseconds
	seq   uint64    // tie-break: order of scheduling. Invariant: unique per world.
	timer *simTimer // what to fire; a task's sleep is a timer too (simTimer.task)
	gen   uint32    // the timer's generation when scheduled; a mismatch means stale
}

// before orders events by (at, seq). Ordering never depends on pointers
// or map positions, so the pop order is a function of the schedule alone.
func (a *event) before(b *event) bool {
	return a.at < b.at || a.at == b.at && a.seq < b.seq
}

// eventQueue is a 4-ary min-heap of events. Four children per node halve
// the depth of a binary heap, and sifting moves a hole instead of swapping
// entries: with 1,000 pending timers a pop touches five levels, each one
// a run of four adjacent entries (two cache lines).
type eventQueue struct {
	h []event
}

const arity = 4

func (q *eventQueue) len() int { return len(q.h) }

// peek returns the earliest event. The queue must not be empty.
func (q *eventQueue) peek() *event { return &q.h[0] }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&q.h[p]) {
			break
		}
		q.h[i] = q.h[p]
		i = p
	}
	q.h[i] = e
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	last := q.h[n]
	q.h[n] = event{} // drop the pointer for the GC
	q.h = q.h[:n]
	if n > 0 {
		q.siftDown(last)
	}
	return top
}

// siftDown places e, which replaces the root. It is the bottom-up
// variant (Wegener): the hole first sinks to a leaf along the path of
// smallest children, comparing children only, and e then rises from there.
// e came from the bottom of the heap, so it rarely rises far, and each
// level costs one compare fewer than the textbook sift.
func (q *eventQueue) siftDown(e event) {
	h := q.h
	n := len(h)
	i := 0
	for {
		c := arity*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < min(c+arity, n); k++ {
			if h[k].before(&h[m]) {
				m = k
			}
		}
		h[i] = h[m]
		i = m
	}
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// clear empties the queue, keeping its storage.
func (q *eventQueue) clear() {
	clear(q.h)
	q.h = q.h[:0]
}
