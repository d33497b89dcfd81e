package clock

// A task can end while it is parked in a primitive: under the simulator a
// crash of its node unwinds it from Park, running its deferred calls. If
// it was still queued, it only has to leave the queue. But it may already
// have been woken, and the wake-up was not just for it: a receiver woken
// for a value, a sender woken for a free slot, a waiter handed a lock. A
// task that dies between that Unpark and running again takes the wake-up
// with it, and the value, slot or lock is stranded while other waiters
// stay parked. So every park site defers an abandon step that, when the
// task unwinds instead of returning from Park, passes such a wake-up on
// to the next waiter, as if the dead task had never been there.
//
// A task unwinds from Park with the runtime lock held: under the
// simulator when its node crashes (the lock is a no-op there), in real
// mode after Real.Stop (Park takes the lock again before it unwinds). So
// the abandon steps run with the lock held, and each then releases it
// with Exit, because the primitive that parked will not reach its own
// Exit.

// holds reports whether h is queued on q, and removes it if it is.
func (q *waitq) holds(h Handle) bool {
	for i := q.head; i < len(q.hs); i++ {
		if q.hs[i] == h {
			q.remove(h)
			return true
		}
	}
	return false
}

// abandonWait is the abandon step of a task parked on q alone: if it is
// no longer queued, it was woken, and the wake-up goes to the next waiter.
// The waiter re-checks its condition, so a wake-up passed on needlessly
// (after a Close, say) costs only a spurious wake.
func abandonWait(p Parker, q *waitq, h Handle) {
	if !q.holds(h) {
		q.wakeOne(p)
	}
}

// abandonSelect is the abandon step of a Select: the task leaves every
// queue; a mailbox that had dequeued it and is still ready may have woken
// it, so its next receiver gets the wake-up.
func abandonSelect(p Parker, cases []Case, h Handle) {
	for _, c := range cases {
		if !c.waiters().holds(h) && c.ready() {
			c.waiters().wakeOne(p)
		}
	}
}
