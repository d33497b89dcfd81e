package clock

// WaitGroup waits for a collection of tasks to finish, like sync.WaitGroup.
type WaitGroup struct {
	rt  Runtime
	why string
	n   int // Invariant: n >= 0.
	q   waitq
}

// NewWaitGroup returns a wait group with a zero count.
func NewWaitGroup(rt Runtime, name string) *WaitGroup {
	return &WaitGroup{rt: rt, why: "wait " + name}
}

// Add adds delta to the count. A negative count panics. When the count
// reaches zero every waiter wakes.
func (g *WaitGroup) Add(delta int) {
	g.rt.Enter()
	g.n += delta
	if g.n < 0 {
		g.rt.Exit()
		panic("clock: negative WaitGroup counter (" + g.why + ")")
	}
	if g.n == 0 {
		g.q.wakeAll(g.rt)
	}
	g.rt.Exit()
}

// Done decrements the count by one.
func (g *WaitGroup) Done() { g.Add(-1) }

// Go runs f as a task counted by g.
func (g *WaitGroup) Go(name string, f func()) {
	g.Add(1)
	g.rt.Go(name, func() {
		defer g.Done()
		f()
	})
}

// Wait blocks until the count is zero.
func (g *WaitGroup) Wait() {
	g.rt.Enter()
	if g.n == 0 {
		g.rt.Exit()
		g.rt.Yield()
		return
	}
	h := g.rt.Self()
	g.q.push(h)
	woke := false
	defer func() {
		if !woke { // unwound from Park: Add wakes every waiter, so there is no wake-up to pass on
			g.rt.Exit()
		}
	}()
	g.rt.Park(h, g.why)
	woke = true
	g.rt.Exit()
}
