package clock

// Case is one receive of a Select, built once with Mailbox.Case and reused
// in a loop so that selecting allocates nothing.
type Case interface {
	ready() bool     // a value is queued or the mailbox is closed
	take() bool      // receive into the destination; false if closed
	waiters() *waitq // where a blocked select registers
}

type recvCase[T any] struct {
	m   *Mailbox[T]
	dst *T
}

// Case returns a select case that receives from m into *dst.
func (m *Mailbox[T]) Case(dst *T) Case { return &recvCase[T]{m: m, dst: dst} }

func (c *recvCase[T]) ready() bool     { return c.m.n > 0 || c.m.closed }
func (c *recvCase[T]) waiters() *waitq { return &c.m.recvq }
func (c *recvCase[T]) take() bool {
	v, ok := c.m.take()
	*c.dst = v
	return ok
}

// Select blocks until at least one case is ready, receives from one of the
// ready cases and returns its index; ok is false if that mailbox was closed
// and drained. When several cases are ready the runtime's Choose picks one:
// under the simulator this is a seeded decision, never Go's select order.
func Select(rt Runtime, cases ...Case) (index int, ok bool) {
	rt.Enter()
	for {
		n := 0
		for _, c := range cases {
			if c.ready() {
				n++
			}
		}
		if n > 0 {
			index = pickReady(cases, choose(rt, n))
			ok = cases[index].take()
			passWakeups(rt, cases, index)
			rt.Exit()
			return index, ok
		}
		parkSelect(rt, cases)
	}
}

// parkSelect registers the caller on every case's queue and blocks until
// one of them wakes it. If the task ends while parked, a wake-up it had
// been given passes on (see abandon.go).
func parkSelect(rt Runtime, cases []Case) {
	h := rt.Self()
	for _, c := range cases {
		c.waiters().push(h)
	}
	woke := false
	defer func() {
		if !woke {
			abandonSelect(rt, cases, h)
			rt.Exit()
		}
	}()
	rt.Park(h, "select")
	woke = true
	for _, c := range cases {
		c.waiters().remove(h)
	}
}

func choose(rt Runtime, n int) int {
	if n == 1 {
		return 0
	}
	return rt.Choose(n)
}

// pickReady returns the index of the k-th ready case.
func pickReady(cases []Case, k int) int {
	for i, c := range cases {
		if c.ready() {
			if k == 0 {
				return i
			}
			k--
		}
	}
	panic("clock: select lost a ready case")
}

// passWakeups hands on the wake-ups this select may have swallowed: a
// mailbox that woke us but was not the one chosen still has a value, and
// another receiver may be parked on it.
func passWakeups(rt Runtime, cases []Case, chosen int) {
	for i, c := range cases {
		if i != chosen && c.ready() {
			c.waiters().wakeOne(rt)
		}
	}
}
