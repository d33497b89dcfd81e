package clock

// waitq is a FIFO of parked handles. It is used with the runtime lock held.
// Waking in FIFO order keeps hand-offs fair and, under the simulator,
// makes them a function of the order in which tasks blocked. It keeps its
// storage when it empties, so a steady exchange of messages between tasks
// parks and wakes without allocating.
type waitq struct {
	hs   []Handle
	head int // hs[head:] are the waiters. Invariant: 0 <= head <= len(hs).
}

func (q *waitq) push(h Handle) { q.hs = append(q.hs, h) }

func (q *waitq) empty() bool { return q.head == len(q.hs) }

// wakeOne unparks the oldest waiter that is still parked and reports
// whether there was one. Handles whose task already woke or died are
// dropped on the way.
func (q *waitq) wakeOne(p Parker) bool {
	for !q.empty() {
		h := q.hs[q.head]
		q.hs[q.head] = nil
		q.head++
		if q.empty() {
			q.hs, q.head = q.hs[:0], 0
		}
		if p.Unpark(h) {
			return true
		}
	}
	return false
}

// wakeAll unparks every waiter.
func (q *waitq) wakeAll(p Parker) {
	for q.wakeOne(p) {
	}
}

// remove drops h from the queue if it is there, so that a select that woke
// on one mailbox leaves no stale entries on the others.
func (q *waitq) remove(h Handle) {
	for i := q.head; i < len(q.hs); i++ {
		if q.hs[i] == h {
			copy(q.hs[i:], q.hs[i+1:])
			q.hs[len(q.hs)-1] = nil
			q.hs = q.hs[:len(q.hs)-1]
			if q.empty() {
				q.hs, q.head = q.hs[:0], 0
			}
			return
		}
	}
}
