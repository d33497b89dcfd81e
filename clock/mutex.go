package clock

// Mutex is a mutual-exclusion lock for model code. Lock is a scheduling
// point even when the lock is free: under the simulator another task may
// run between the caller's decision to lock and the acquisition, exactly
// the window in which real check-then-act races live. Unlock hands the lock
// to the oldest waiter.
//
// The zero value is not usable; create one with NewMutex.
type Mutex struct {
	rt     Runtime
	lp     LockPoints // rt's, or nil
	why    string
	locked bool // Invariant: true while some task owns the lock.
	q      waitq
}

// NewMutex returns an unlocked mutex. name appears in deadlock reports.
func NewMutex(rt Runtime, name string) *Mutex {
	return &Mutex{rt: rt, lp: lockPoints(rt), why: "lock " + name}
}

// Lock acquires m, blocking while another task holds it.
func (m *Mutex) Lock() {
	yieldToLock(m.rt, m.lp)
	m.rt.Enter()
	if !m.locked {
		m.locked = true
		m.rt.Exit()
		return
	}
	m.wait()
	// Unlock hands ownership over without clearing locked: being woken
	// means the lock is ours.
	m.rt.Exit()
}

// wait queues the caller and blocks until Unlock hands it the lock. If
// the task ends while queued it just leaves; if it ends after the lock
// was handed to it, before it could run (and so before any deferred
// Unlock of its own was set up), it hands the lock on (see abandon.go).
func (m *Mutex) wait() {
	h := m.rt.Self()
	m.q.push(h)
	woke := false
	defer func() {
		if !woke {
			if !m.q.holds(h) {
				m.release()
			}
			m.rt.Exit()
		}
	}()
	m.rt.Park(h, m.why)
	woke = true
}

// TryLock acquires m if it is free and reports whether it did. It is not a
// scheduling point.
func (m *Mutex) TryLock() bool {
	m.rt.Enter()
	defer m.rt.Exit()
	if m.locked {
		return false
	}
	m.locked = true
	return true
}

// Unlock releases m. Unlocking an unlocked mutex panics, as in sync.
func (m *Mutex) Unlock() {
	m.rt.Enter()
	if !m.locked {
		m.rt.Exit()
		panic("clock: unlock of unlocked mutex (" + m.why + ")")
	}
	m.release()
	m.rt.Exit()
	if m.lp != nil {
		m.lp.Unlocked()
	}
}

// release hands the lock to the oldest waiter, or frees it.
func (m *Mutex) release() {
	if !m.q.wakeOne(m.rt) {
		m.locked = false
	}
}
