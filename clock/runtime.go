package clock

import "math/rand/v2"

// Tasks starts and switches tasks, the runtime's replacement for
// goroutines.
type Tasks interface {
	// Go starts f as a new task. The name appears in traces, panics and
	// deadlock reports. Under the simulator the task belongs to the node of
	// the caller and ends when that node crashes.
	Go(name string, f func())
	// Yield lets other runnable tasks run. Under the simulator it is a
	// scheduling point even when nothing else is waiting.
	Yield()
}

// Chooser is the runtime's source of decisions.
type Chooser interface {
	// Rand returns the stream of random numbers named label. Under the
	// simulator the stream is derived from the run's seed and the label
	// alone, so adding a new stream does not shift the others, and every
	// draw is part of the trace hash.
	Rand(label string) *rand.Rand
	// Choose returns a number in [0, n), used to pick among ready select
	// cases. n must be positive.
	Choose(n int) int
	// Buggify reports whether the fault point named site fires now. Real
	// mode never fires.
	Buggify(site string) bool
	// FaultsOn reports whether faults may still be injected: under the
	// simulator until the heal, never in real mode. A fault that lasts (a
	// stalled resolved ts) ends when it turns false, so that none
	// outlives the heal.
	FaultsOn() bool
}

// Handle names one blocked task to its runtime. It is returned by Self and
// passed to Park and Unpark.
type Handle any

// Parker is the blocking mechanism the primitives of this package are
// built on. Primitive state is guarded by one runtime-wide lock: Enter and
// Exit. Under the simulator only one task runs at a time and the lock costs
// nothing; in real mode it is a plain mutex.
//
// The protocol is the one of a condition variable: with the lock held, a
// primitive checks its condition; if it must wait, it records Self() in its
// wait list and calls Park, which releases the lock, blocks, and takes the
// lock again before returning. Whoever makes the condition true calls Unpark
// on a recorded handle, with the lock held. A handle is only ever woken by
// an Unpark, so a primitive can rely on what its waker did (a mutex hands
// ownership to the task it wakes).
type Parker interface {
	Enter()
	Exit()
	// Self returns a handle for the calling task, valid for one Park.
	Self() Handle
	// Park blocks the calling task until Unpark(h). why says what it waits
	// for (for example "recv requests") in deadlock reports and traces.
	// Instead of returning, Park may end the task by unwinding it (its
	// node crashed under the simulator; Real.Stop in real mode). It then
	// unwinds with the lock held, and the park site's deferred abandon
	// step releases it (abandon.go).
	Park(h Handle, why string)
	// Unpark wakes the task parked with h. It reports false when h is not
	// parked (it already woke, or its task ended with a crash), so the
	// caller can pass the wake-up on to the next waiter. A task that ends
	// after a successful Unpark, before it runs, unwinds from Park; the
	// primitives then pass the wake-up on themselves (abandon.go).
	Unpark(h Handle) bool
}

// Runtime is everything the model needs from its environment. *sim.World
// and *Real implement it.
type Runtime interface {
	Clock
	Tasks
	Chooser
	Parker
}

// Coverer is implemented by a runtime that counts coverage points: the
// simulator does, real mode does not. It is an optional interface rather
// than a Runtime method so that Runtime stays what the model needs to
// run, and a runtime that does not observe (Real, a test's fake) needs no
// stub. Recording a point must not change what the run does: no draw, no
// scheduling point, no lock (DESIGN.md, "Observations never decide").
type Coverer interface {
	// Cover records one hit of the point name ("session/T3/Registering").
	Cover(name string)
}

// GracefulStopper is implemented by a runtime that can stop a node
// gracefully rather than crash it: the simulator does, real mode does
// not (a real run ends with Stop). Like Coverer it is optional, so that
// Runtime stays what the model needs to run.
type GracefulStopper interface {
	// OnGracefulStop registers the calling task's node's graceful close:
	// when the runtime stops that node gracefully it runs close on a task
	// of the node, and only then ends the node as a crash does; once the
	// node is down it runs gone (if not nil) on a task of its own outside
	// the node, for what the rest of the system does about a node that
	// left (TiCDC's maintainer moving its tables). A crash clears the
	// registration; a boot makes it again.
	OnGracefulStop(close, gone func())
}

// CoverFunc returns rt's coverage recorder, or nil when rt does not count
// coverage. Model code calls it once, at construction, and keeps the
// func: a hit is then one indirect call, and a nil check in real mode,
// where a caller also skips computing the point's name (which may read
// state without its lock, safe only under the simulator's one task at a
// time).
func CoverFunc(rt Runtime) func(name string) {
	if c, ok := rt.(Coverer); ok {
		return c.Cover
	}
	return nil
}
