// Package clock is the surface through which the system under test sees
// time, tasks and synchronisation. It has two implementations: the
// simulator's (package sim), where one task runs at a time and the clock
// jumps, and Real, which uses goroutines and the wall clock. Model code is
// written only against this package, so the same code runs in both.
//
// # What a runtime provides
//
// A Runtime is small on purpose. It provides time (Now, Sleep, Schedule),
// tasks (Go, Yield), seeded choices (Rand, Choose, Buggify) and one
// low-level mechanism for blocking: a big lock (Enter, Exit) and
// park/unpark of the calling task (Self, Park, Unpark). Everything else in
// this package (Mutex, RWMutex, WaitGroup, Mailbox, Select, Timer, Ticker)
// is written once on top of that mechanism. Writing the primitives once
// means their semantics cannot drift between the simulator and real mode:
// a Mailbox is FIFO and a Mutex hands off in FIFO order in both.
//
// # Ticker jitter
//
// Under the simulator a Ticker's next tick comes up to a quarter period
// late where the fault site clock/ticker-jitter fires (package fault), as
// a Go ticker's reader sees under GC and scheduler load. Every loop of
// the model that runs on a Ticker or Every (heartbeat, congestion
// control, scan, sweep, state upload, stuck-area detector) gets the
// jitter. Real mode never fires it.
//
// # Scheduling points
//
// Under the simulator every blocking operation is a scheduling point:
// Sleep, Mailbox.Send on a full mailbox, Recv on an empty one, Select,
// WaitGroup.Wait, and Mutex.Lock, which yields even when the lock is free.
// That last rule is what lets a "check outside the lock, act inside it"
// race (PROTOCOL.md 6.1 F1) actually interleave in simulation. A runtime
// that implements the optional LockPoints interface (the simulator does)
// is also told when a task releases a lock and when it comes to take
// one, so that it can hold a task in the gap between two critical
// sections (sim.Config.GapP).
//
// # Guards
//
// A Guard is the other lock: for state shared between tasks over short
// critical sections that never reach a scheduling point. Under the
// simulator it is not a scheduling point and costs a flag, so adding one
// changes neither a run nor its hash; it does panic if it is locked while
// held, which means its holder blocked or yielded with it. In real mode it
// is a real mutex (the runtime provides it through the optional
// GuardLocker interface, which only Real implements). Use a Mutex where a
// critical section may block or where the interleaving at the lock is the
// point (a session's requestMu); use a Guard to make plain shared fields
// safe on real goroutines: take it, copy what a blocking call needs,
// release it, then call. Guard.Taken counts its Locks: an observer
// between steps that finds the count unchanged since its last read under
// the guard knows the guarded state is unchanged too.
//
// # Stopping a real run
//
// Real.Stop ends a run on goroutines: every Park and Sleep of a task then
// unwinds it (its deferred calls run, as on a crash under the simulator),
// tasks already blocked are woken to unwind, pending Schedule callbacks do
// nothing and Go starts nothing; Real.Wait returns once every task has
// ended, so a test can check the end state and find no goroutine left.
//
// # Callbacks
//
// Schedule(d, f) runs f after d on the runtime's own context (the
// scheduler in sim, a timer goroutine in real mode). Unlike
// time.AfterFunc, f must not block: it may send to a mailbox with TrySend,
// unpark, or start a task with Go. AfterFunc in this package gives Go's
// semantics (f runs in a new task) on top of it.
//
//dst:simulated
package clock
