package clock

// RWMutex is a reader/writer lock for model code with the same scheduling
// rules as Mutex: RLock and Lock are scheduling points. Waiters are served
// in FIFO order: a queued writer blocks later readers, so writers do not
// starve, and when a writer unlocks, the run of readers at the head of the
// queue enters together.
type RWMutex struct {
	rt      Runtime
	lp      LockPoints // rt's, or nil
	rwhy    string
	wwhy    string
	readers int  // Invariant: readers > 0 implies !writer.
	writer  bool // Invariant: true while a writer owns the lock.
	q       []rwWaiter
}

type rwWaiter struct {
	h      Handle
	writer bool
}

// NewRWMutex returns an unlocked reader/writer lock.
func NewRWMutex(rt Runtime, name string) *RWMutex {
	return &RWMutex{rt: rt, lp: lockPoints(rt), rwhy: "rlock " + name, wwhy: "lock " + name}
}

// RLock acquires m for reading.
func (m *RWMutex) RLock() {
	yieldToLock(m.rt, m.lp)
	m.rt.Enter()
	if !m.writer && len(m.q) == 0 {
		m.readers++
		m.rt.Exit()
		return
	}
	m.wait(false) // woken with readers already counted for us
	m.rt.Exit()
}

// RUnlock releases one read hold.
func (m *RWMutex) RUnlock() {
	m.rt.Enter()
	if m.readers <= 0 {
		m.rt.Exit()
		panic("clock: RUnlock of unlocked RWMutex (" + m.rwhy + ")")
	}
	m.readers--
	if m.readers == 0 {
		m.grant()
	}
	m.rt.Exit()
	m.unlocked()
}

// Lock acquires m for writing.
func (m *RWMutex) Lock() {
	yieldToLock(m.rt, m.lp)
	m.rt.Enter()
	if !m.writer && m.readers == 0 && len(m.q) == 0 {
		m.writer = true
		m.rt.Exit()
		return
	}
	m.wait(true) // woken with writer already set for us
	m.rt.Exit()
}

// wait queues the caller and blocks until grant admits it. If the task
// ends while still queued, grant will skip it; if it ends after grant
// admitted it, before it could run, it releases what it was granted
// (see abandon.go).
func (m *RWMutex) wait(writer bool) {
	h := m.rt.Self()
	m.q = append(m.q, rwWaiter{h: h, writer: writer})
	woke := false
	defer func() {
		if !woke {
			if !m.queued(h) {
				if writer {
					m.writer = false
					m.grant()
				} else if m.readers--; m.readers == 0 {
					m.grant()
				}
			}
			m.rt.Exit()
		}
	}()
	why := m.rwhy
	if writer {
		why = m.wwhy
	}
	m.rt.Park(h, why)
	woke = true
}

// queued reports whether h is still waiting in the queue.
func (m *RWMutex) queued(h Handle) bool {
	for _, w := range m.q {
		if w.h == h {
			return true
		}
	}
	return false
}

// Unlock releases the write hold.
func (m *RWMutex) Unlock() {
	m.rt.Enter()
	if !m.writer {
		m.rt.Exit()
		panic("clock: Unlock of unlocked RWMutex (" + m.wwhy + ")")
	}
	m.writer = false
	m.grant()
	m.rt.Exit()
	m.unlocked()
}

// unlocked tells the runtime that the caller released a hold.
func (m *RWMutex) unlocked() {
	if m.lp != nil {
		m.lp.Unlocked()
	}
}

// grant hands the free lock to the head of the queue: one writer, or every
// reader up to the next writer. Waiters whose task died are skipped.
func (m *RWMutex) grant() {
	for len(m.q) > 0 {
		w := m.q[0]
		if w.writer {
			if m.readers > 0 {
				return
			}
			m.pop()
			if m.rt.Unpark(w.h) {
				m.writer = true
				return
			}
			continue
		}
		m.pop()
		if m.rt.Unpark(w.h) {
			m.readers++
		}
	}
}

func (m *RWMutex) pop() {
	m.q[0] = rwWaiter{}
	m.q = m.q[1:]
}
