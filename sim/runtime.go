package sim

import (
	"time"

	"github.com/cdcsim/cdcsim/clock"
)

// The methods in this file make *World a clock.Runtime.
var _ clock.Runtime = (*World)(nil)

// Now returns the virtual time.
func (w *World) Now() clock.Time { return clock.Time(w.now) }

// Go starts f as a task on the node of the caller. A task started on
// behalf of a crashed node is not started.
func (w *World) Go(name string, f func()) {
	if !w.curNode.up {
		return
	}
	w.spawn(name, w.curNode, f)
}

// Yield puts the calling task back among the runnable ones and lets the
// strategy pick again. Called from a callback, it does nothing.
func (w *World) Yield() {
	t := w.current
	if t == nil {
		return
	}
	w.makeRunnable(t)
	t.switchOut()
}

// Sleep parks the calling task for d of virtual time.
func (w *World) Sleep(d time.Duration) {
	t := w.mustTask("Sleep")
	if d <= 0 {
		w.Yield()
		return
	}
	t.gen++
	t.sleep.arm(d)
	t.state, t.why = taskParked, "sleep"
	if w.tr.on() {
		w.traceLine("sleep", "task=%d %s until %s", t.id, t.name, clock.Time(w.now+int64(d)))
	}
	t.switchOut()
}

// Schedule runs f after d on the scheduler, on behalf of the caller's
// node; f does not run if that node crashes first.
func (w *World) Schedule(d time.Duration, f func()) clock.Timer {
	return w.scheduleOn(w.curNode, d, f)
}

func (w *World) scheduleOn(n *Node, d time.Duration, f func()) clock.Timer {
	tm := w.timers.New() // carved from a chunk: one-shot callbacks are made on hot paths
	*tm = simTimer{w: w, node: n, incarnation: n.incarnation, fn: f}
	tm.arm(d)
	return tm
}

// Enter and Exit are the big lock of clock.Parker. One task runs at a
// time, so there is nothing to lock.
func (w *World) Enter() {}

// Exit: see Enter.
func (w *World) Exit() {}

// Self returns the calling task as a park handle.
func (w *World) Self() clock.Handle { return w.mustTask("a blocking operation") }

// Park blocks the calling task until Unpark.
func (w *World) Park(h clock.Handle, why string) {
	t := w.mustTask("Park")
	if h != clock.Handle(t) {
		panic("sim: Park with another task's handle")
	}
	t.gen++
	t.state, t.why = taskParked, why
	if w.tr.on() {
		w.traceLine("park", "task=%d %s: %s", t.id, t.name, why)
	}
	t.switchOut()
}

// Unpark makes a parked task runnable; it reports false if the task is not
// parked (it already woke, or it died in a crash).
func (w *World) Unpark(h clock.Handle) bool {
	t := h.(*task)
	if t.state != taskParked {
		return false
	}
	w.tr.mix2(tagUnpark, t.id)
	if w.tr.on() {
		w.traceLine("unpark", "task=%d %s", t.id, t.name)
	}
	w.makeRunnable(t)
	return true
}

func (w *World) makeRunnable(t *task) {
	t.state, t.why = taskRunnable, ""
	w.runnable = append(w.runnable, t)
}

func (w *World) mustTask(op string) *task {
	if w.current == nil {
		panic("sim: " + op + " called outside a task (a Schedule callback must not block)")
	}
	return w.current
}

func (w *World) push(e event) {
	w.seq++
	e.seq = w.seq
	w.q.push(e)
}

// simTimer is the handle of a Schedule callback, or of a task's sleep.
// Stopping or re-arming it bumps gen, which turns the entries already
// queued for it stale: the queue is never searched, and a ticker that
// re-arms itself, or a task that sleeps in a loop, allocates nothing.
type simTimer struct {
	w           *World
	node        *Node
	incarnation uint32
	fn          func() // the callback; nil for a sleep
	task        *task  // the sleeping task, for a sleep
	gen         uint32
	pending     bool
}

func (tm *simTimer) arm(d time.Duration) {
	tm.gen++
	tm.pending = true
	tm.w.push(event{at: tm.w.now + max(int64(d), 0), timer: tm, gen: tm.gen})
}

func (tm *simTimer) Stop() bool {
	was := tm.pending
	tm.pending = false
	tm.gen++
	return was
}

func (tm *simTimer) Reset(d time.Duration) bool {
	was := tm.pending
	tm.arm(d)
	return was
}
