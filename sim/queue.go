package sim

// event is one entry of the event queue. It is a plain value: the queue is
// a slice of them, so pushing and popping neither boxes nor allocates once
// the slice has grown to the run's high-water mark.
type event struct {
	at    int64  // virtual time, nanoseconds
	seq   uint64 // tie-break: order of scheduling. Invariant: unique per world.
	kind  eventKind
	gen   uint32 // generation of task or timer when scheduled; a mismatch means stale
	task  *task  // evWake
	timer *simTimer
}

type eventKind uint8

const (
	evWake  eventKind = iota + 1 // end of a Sleep: make the task runnable
	evTimer                      // a Schedule callback
)

// eventQueue is a binary min-heap ordered by (at, seq). Ordering never
// depends on pointers or map positions, so the pop order is a function of
// the schedule alone.
type eventQueue struct {
	h []event
}

func (q *eventQueue) len() int { return len(q.h) }

func (q *eventQueue) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// peek returns the earliest event. The queue must not be empty.
func (q *eventQueue) peek() *event { return &q.h[0] }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *eventQueue) pop() event {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h[last] = event{} // drop pointers for the GC
	q.h = q.h[:last]
	q.down(0)
	return top
}

func (q *eventQueue) down(i int) {
	n := len(q.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
}

// clear empties the queue, keeping its storage.
func (q *eventQueue) clear() {
	clear(q.h)
	q.h = q.h[:0]
}
