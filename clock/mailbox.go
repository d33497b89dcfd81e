package clock

// Mailbox is a FIFO queue between tasks: the model's channel. A bounded
// mailbox blocks senders while it is full; an unbounded one grows and
// never blocks a sender (TiCDC's send queue is an unbounded channel, and
// the session's sendMessage must never block, PROTOCOL.md 4.2).
//
// Send and Recv are scheduling points only when they block. Close wakes
// every waiter; values already queued can still be received after Close.
type Mailbox[T any] struct {
	rt       Runtime
	recvWhy  string
	sendWhy  string
	capacity int // 0 means unbounded.
	buf      []T // ring buffer; len(buf) is a power of two or zero
	head     int
	n        int // Invariant: 0 <= n <= len(buf), and n <= capacity when bounded.
	closed   bool
	recvq    waitq
	sendq    waitq
}

// NewMailbox returns a mailbox that holds at most capacity values.
// capacity must be positive.
func NewMailbox[T any](rt Runtime, name string, capacity int) *Mailbox[T] {
	if capacity <= 0 {
		panic("clock: NewMailbox capacity must be positive; use NewUnbounded")
	}
	m := newMailbox[T](rt, name)
	m.capacity = capacity
	return m
}

// NewUnbounded returns a mailbox whose Send never blocks.
func NewUnbounded[T any](rt Runtime, name string) *Mailbox[T] {
	return newMailbox[T](rt, name)
}

func newMailbox[T any](rt Runtime, name string) *Mailbox[T] {
	return &Mailbox[T]{rt: rt, recvWhy: "recv " + name, sendWhy: "send " + name}
}

// Send queues v, blocking while a bounded mailbox is full. It reports false,
// and drops v, if the mailbox is closed: the receiver is gone.
func (m *Mailbox[T]) Send(v T) bool {
	m.rt.Enter()
	for !m.closed && m.full() {
		m.park(&m.sendq, m.sendWhy)
	}
	ok := m.put(v)
	m.rt.Exit()
	return ok
}

// TrySend queues v if there is room and reports whether it did. It never
// blocks, so it may be called from a Schedule callback.
func (m *Mailbox[T]) TrySend(v T) bool {
	m.rt.Enter()
	ok := !m.full() && m.put(v)
	m.rt.Exit()
	return ok
}

// Recv takes the oldest value, blocking while the mailbox is empty. ok is
// false once the mailbox is closed and drained.
func (m *Mailbox[T]) Recv() (v T, ok bool) {
	m.rt.Enter()
	for m.n == 0 && !m.closed {
		m.park(&m.recvq, m.recvWhy)
	}
	v, ok = m.take()
	m.rt.Exit()
	return v, ok
}

// TryRecv takes the oldest value if there is one.
func (m *Mailbox[T]) TryRecv() (v T, ok bool) {
	m.rt.Enter()
	if m.n > 0 {
		v, ok = m.take()
	}
	m.rt.Exit()
	return v, ok
}

// Close marks the mailbox closed and wakes every waiter. Closing twice is
// harmless: a crashed node's mailboxes may be closed by several paths.
func (m *Mailbox[T]) Close() {
	m.rt.Enter()
	m.closed = true
	m.recvq.wakeAll(m.rt)
	m.sendq.wakeAll(m.rt)
	m.rt.Exit()
}

// Len returns the number of queued values.
func (m *Mailbox[T]) Len() int {
	m.rt.Enter()
	defer m.rt.Exit()
	return m.n
}

// Closed reports whether Close was called.
func (m *Mailbox[T]) Closed() bool {
	m.rt.Enter()
	defer m.rt.Exit()
	return m.closed
}

// park blocks the caller on q, the receivers' or the senders' queue, until
// a put, take or Close wakes it. If the task ends while parked, a wake-up
// it had been given passes on to the next waiter (see abandon.go).
func (m *Mailbox[T]) park(q *waitq, why string) {
	h := m.rt.Self()
	q.push(h)
	woke := false
	defer func() {
		if !woke {
			abandonWait(m.rt, q, h)
			m.rt.Exit()
		}
	}()
	m.rt.Park(h, why)
	woke = true
}

func (m *Mailbox[T]) full() bool { return m.capacity > 0 && m.n >= m.capacity }

// put appends v and wakes one receiver. Called with the lock held.
func (m *Mailbox[T]) put(v T) bool {
	if m.closed {
		return false
	}
	if m.n == len(m.buf) {
		m.grow()
	}
	m.buf[(m.head+m.n)&(len(m.buf)-1)] = v
	m.n++
	m.recvq.wakeOne(m.rt)
	return true
}

// take removes the head (or reports a closed, drained mailbox) and wakes
// one sender. Called with the lock held.
func (m *Mailbox[T]) take() (v T, ok bool) {
	if m.n == 0 {
		return v, false
	}
	var zero T
	v = m.buf[m.head]
	m.buf[m.head] = zero
	m.head = (m.head + 1) & (len(m.buf) - 1)
	m.n--
	m.sendq.wakeOne(m.rt)
	return v, true
}

func (m *Mailbox[T]) grow() {
	size := max(8, 2*len(m.buf))
	buf := make([]T, size)
	for i := range m.n {
		buf[i] = m.buf[(m.head+i)&(len(m.buf)-1)]
	}
	m.buf, m.head = buf, 0
}
