package sim

import (
	"strconv"

	"github.com/cdcsim/cdcsim/clock"
)

// This file widens check-then-act windows (Config.GapP). A task that
// released a lock and, in the same step, comes to take one (the same or
// another) has just acted on what it read under the first lock, or is
// about to: the gap between the two critical sections is where the
// session lifecycle's races live (PROTOCOL.md 6.1 F1: the Removed check
// under connState's lock, the retry under requestMu). A uniform random
// pick lets the other tasks of the instant into that gap only as often as
// they happen to be picked before it; holding the task back for a few
// picks lets them reach their own critical sections first, as a real
// goroutine descheduled at that point would.
//
// A hold never moves virtual time: it ends after its picks, or as soon
// as nothing else is runnable, so it reorders the steps of one instant
// and cannot stall a run. With GapP at 0 nothing is drawn and a run is
// the same as without this file.

var _ clock.LockPoints = (*World)(nil)

// Holding reports whether this run holds tasks in gaps: with gap.p at 0
// the locks do not call the two methods below at all.
func (w *World) Holding() bool { return w.cfg.GapP > 0 }

// Unlocked records that the running task released a lock (clock's
// locks call it through clock.LockPoints).
func (w *World) Unlocked() {
	if t := w.current; t != nil {
		t.unlocked = true
	}
}

// YieldToLock is a lock's scheduling point: Yield, except that a task in
// a check-then-act gap may be held back (see above).
func (w *World) YieldToLock() {
	t := w.current
	if t == nil {
		return
	}
	if !t.unlocked || w.cfg.GapP == 0 || !w.drawHold(t) {
		w.Yield()
		return
	}
	t.state, t.why = taskRunnable, ""
	w.held = append(w.held, t)
	t.switchOut()
}

// drawHold decides whether t is held and for how many picks. The chance
// is hinted as a fault's, so a rewritten decision file's default is no
// hold; the length's default (a draw of 0) is one pick.
func (w *World) drawHold(t *task) bool {
	if w.gapRand == nil {
		w.gapRand = w.Rand("sim/gap")
	}
	w.HintFault(w.cfg.GapP)
	if w.gapRand.Float64() >= w.cfg.GapP {
		return false
	}
	t.hold = 2 + w.gapRand.IntN(w.cfg.GapPicks) // tickHeld takes one before the first pick
	w.tr.mix2(tagHold, t.id)
	if w.tr.on() {
		w.emit(t.node, t, "hold", []Field{{"task", t.name}, {"picks", strconv.Itoa(t.hold)}}, "task=%d %s held for %d picks", t.id, t.name, t.hold)
	}
	return true
}

// tickHeld runs before each pick while tasks are held: every hold loses a
// pick, and the tasks whose hold ran out, or all of them when nothing
// else is runnable, rejoin the run queue in the order they were held.
func (w *World) tickHeld() {
	all := len(w.runnable) == 0
	kept := w.held[:0]
	for _, t := range w.held {
		t.hold--
		if t.hold > 0 && !all {
			kept = append(kept, t)
			continue
		}
		t.hold = 0
		w.runnable = append(w.runnable, t)
	}
	clear(w.held[len(kept):])
	w.held = kept
}

// unhold takes a held task out of the held set (it is being killed).
func (w *World) unhold(t *task) {
	t.hold = 0
	for i, x := range w.held {
		if x == t {
			w.held = append(w.held[:i], w.held[i+1:]...)
			return
		}
	}
}
