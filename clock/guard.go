package clock

// Locker is a plain lock: what a runtime whose tasks run in parallel hands
// a Guard (sync.Mutex implements it).
type Locker interface {
	Lock()
	Unlock()
}

// GuardLocker is an optional interface of a Runtime whose tasks run in
// parallel: GuardLocker returns a fresh lock for one Guard. *Real
// implements it; the simulator does not, because only one of its tasks
// runs at a time, so its guards need no lock at all.
type GuardLocker interface {
	GuardLocker() Locker
}

// Guard protects state shared between tasks over short critical sections
// that never reach a scheduling point: no Sleep, no Mutex or RWMutex
// Lock, no Recv, Select or WaitGroup.Wait, no Send to a bounded mailbox,
// and no call into code that may do any of these (a session's
// transitions, for one). Sending to an unbounded mailbox, TrySend,
// Schedule, Timer.Stop and Reset, Now and a runtime's Rand streams are
// fine: they never block.
//
// Unlike Mutex, a Guard is not a scheduling point. Under the simulator it
// costs a flag and changes nothing in a run: a task cannot be interrupted
// between two scheduling points anyway, so the run and its trace hash are
// those of the same code without the guard. In real mode (a runtime that
// implements GuardLocker) it is a real mutex, which gives the same
// atomicity between goroutines that the simulator gives between
// scheduling points, and makes the accesses it orders visible to the race
// detector.
//
// The usual shape is a snapshot: lock, copy what the call needs, unlock,
// then make the call that may block.
//
// Under the simulator a Guard also checks its rule: locking a guard that
// is already held means that its holder reached a scheduling point with
// it (or locks it twice, which would deadlock in real mode), and panics.
//
// The zero value is not usable; create one with NewGuard.
type Guard struct {
	l    Locker // nil under the simulator
	held bool   // under the simulator: between Lock and Unlock
	// taken counts the Locks (Taken); written only with the guard held.
	taken uint64
}

// NewGuard returns an unlocked guard for state shared by rt's tasks.
func NewGuard(rt Runtime) *Guard {
	g := &Guard{}
	if gl, ok := rt.(GuardLocker); ok {
		g.l = gl.GuardLocker()
	}
	return g
}

// Lock takes the guard. It is not a scheduling point.
func (g *Guard) Lock() {
	if g.l != nil {
		g.l.Lock()
		g.taken++
		return
	}
	if g.held {
		panic("clock: Guard locked while held: its holder reached a scheduling point with it, or locks it twice")
	}
	g.held = true
	g.taken++
}

// Taken returns how many times the guard has been locked. Every write to
// the state a guard protects happens while it is held, so an observer
// that reads the state under the guard, notes Taken after its own
// Unlock, and later finds Taken unchanged knows the state is unchanged
// too, and may reuse what it read instead of reading it again (the
// per-step checkers of package workloads do). Read it only where no task
// can be holding the guard: under the simulator, between steps; in real
// mode the read is unsynchronised.
func (g *Guard) Taken() uint64 { return g.taken }

// Unlock releases the guard. Unlocking a guard that is not held panics
// under the simulator (and in real mode, as sync.Mutex does).
func (g *Guard) Unlock() {
	if g.l != nil {
		g.l.Unlock()
		return
	}
	if !g.held {
		panic("clock: unlock of an unlocked Guard")
	}
	g.held = false
}
