package clock

// LockPoints is an optional extension of Runtime for a scheduler that
// wants to know where a task stands with respect to locks. The simulator
// implements it to widen check-then-act windows (sim.Config.GapP): a
// task that released a lock and now comes to take another (or the same
// one again) is in the gap where a real check-then-act race lives, and
// holding it back for a few picks lets the other tasks reach their own
// critical sections first. Real mode does not implement it; the locks
// then just Yield.
type LockPoints interface {
	// Holding reports whether the runtime uses the two methods below at
	// all. A lock made while it is false never calls them, so it costs
	// what a lock with a plain Yield costs (the simulator with gap.p at
	// 0, the default).
	Holding() bool
	// YieldToLock is the scheduling point before a lock acquisition,
	// in place of Yield.
	YieldToLock()
	// Unlocked says the calling task has just released a lock (any
	// kind, read or write).
	Unlocked()
}

// lockPoints returns rt's LockPoints if it is holding, or nil. A lock
// looks it up once, when it is made, so a Lock costs no type assertion.
func lockPoints(rt Runtime) LockPoints {
	if lp, ok := rt.(LockPoints); ok && lp.Holding() {
		return lp
	}
	return nil
}

// yieldToLock is the scheduling point of a lock acquisition.
func yieldToLock(rt Runtime, lp LockPoints) {
	if lp != nil {
		lp.YieldToLock()
		return
	}
	rt.Yield()
}
