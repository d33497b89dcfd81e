package sim

import (
	"fmt"
	"time"
)

// Phase is the part of a run in progress.
type Phase uint8

const (
	// PhaseSafety is the start of every run: faults may be on, invariants
	// are checked after every step, liveness goals wait.
	PhaseSafety Phase = iota
	// PhaseLiveness follows the heal: every Eventually goal must hold
	// within its budget.
	PhaseLiveness
)

func (p Phase) String() string {
	if p == PhaseLiveness {
		return "liveness"
	}
	return "safety"
}

type invariant struct {
	name  string
	check func() error
	every uint64
	// kind is what a failure of check is: KindSafety for an Invariant,
	// KindLiveness for a Progress check.
	kind Kind
}

type goal struct {
	name     string
	within   time.Duration
	cond     func() error
	armed    bool
	deadline int64
	met      bool
}

// Invariant registers a safety check that runs after every step (after
// every every-th step when every > 1, for expensive checks; it also runs
// once at the end of the run). A non-nil error fails the run with kind
// safety, naming the invariant.
func (w *World) Invariant(name string, every int, check func() error) {
	w.invariants = append(w.invariants, &invariant{name: name, check: check, every: uint64(max(every, 1)), kind: KindSafety})
}

// Progress registers a liveness check that runs during the whole run,
// like an Invariant (after every every-th step, and once at the end), but
// whose failure is a liveness failure: something that should keep moving
// stopped for longer than the check allows (a per-dispatcher watchdog).
// Unlike Eventually it does not wait for the heal, so a stall that would
// end by itself before the end of the run is still reported. The check
// must draw no randomness and change nothing (observations never
// decide), and it must only fail for a stall its own doc excuses no
// fault for: the safety phase has faults.
func (w *World) Progress(name string, every int, check func() error) {
	w.invariants = append(w.invariants, &invariant{name: name, check: check, every: uint64(max(every, 1)), kind: KindLiveness})
}

// Eventually registers a liveness goal: from the start of the liveness
// phase (or from now, if it already began), cond must return nil within
// the given virtual duration. The error cond returns while unmet explains
// what is still missing ("dispatcher 7 still waiting for Ready from node
// 2"); it becomes the failure message. A goal met once stays met.
func (w *World) Eventually(name string, within time.Duration, cond func() error) {
	g := &goal{name: name, within: within, cond: cond}
	w.goals = append(w.goals, g)
	if w.phase == PhaseLiveness {
		w.arm(g)
	}
}

// BeginLiveness ends the safety phase. Call it after the faults are
// healed; every goal's budget starts now.
func (w *World) BeginLiveness() {
	if w.phase == PhaseLiveness {
		return
	}
	w.phase = PhaseLiveness
	if w.tr.on() {
		w.traceLine("phase", "liveness goals=%d", len(w.goals))
	}
	for _, g := range w.goals {
		w.arm(g)
	}
}

// Phase returns the current phase.
func (w *World) Phase() Phase { return w.phase }

func (w *World) arm(g *goal) {
	g.armed = true
	g.deadline = w.now + int64(g.within)
}

func (w *World) checkInvariants() {
	for _, inv := range w.invariants {
		if inv.every > 1 && w.step%inv.every != 0 { // most run every step: skip the division (issue 17)
			continue
		}
		if err := inv.check(); err != nil {
			w.fail(inv.failure(err, ""))
			return
		}
	}
}

// failure is the Failure of inv's check returning err; at is "" or " at
// end of run".
func (inv *invariant) failure(err error, at string) *Failure {
	if inv.kind == KindLiveness {
		return &Failure{Kind: KindLiveness, Message: fmt.Sprintf("progress %q stalled%s: %v", inv.name, at, err)}
	}
	return &Failure{Kind: KindSafety, Message: fmt.Sprintf("invariant %q violated%s: %v", inv.name, at, err)}
}

func (w *World) checkGoals() {
	if w.phase != PhaseLiveness {
		return
	}
	for _, g := range w.goals {
		if g.armed && !g.met && g.cond() == nil {
			g.met = true
			if w.tr.on() {
				w.traceLine("goal", "met %q", g.name)
			}
		}
	}
}

// checkDeadlines fails the run if the clock is about to pass the deadline
// of a goal that is still unmet, and reports whether it did. The failure
// is stamped with the deadline, the last instant the goal could be met.
func (w *World) checkDeadlines(next int64) bool {
	for _, g := range w.goals {
		if !g.armed || g.met || g.deadline >= next {
			continue
		}
		if err := g.cond(); err != nil {
			w.now = max(w.now, g.deadline)
			w.fail(&Failure{Kind: KindLiveness, Message: fmt.Sprintf("goal %q unmet within %s: %v", g.name, g.within, err)})
			return true
		}
		g.met = true
	}
	return false
}

// checkGoalsAtEnd runs the expensive invariants one last time and fails
// the run for any goal still unmet when main returned.
func (w *World) checkGoalsAtEnd() {
	for _, inv := range w.invariants {
		if err := inv.check(); err != nil {
			w.fail(inv.failure(err, " at end of run"))
			return
		}
	}
	for _, g := range w.goals {
		if g.met {
			continue
		}
		if err := g.cond(); err != nil {
			when := "the run ended before it was met"
			if !g.armed {
				when = "the run ended in the safety phase"
			}
			w.fail(&Failure{Kind: KindLiveness, Message: fmt.Sprintf("goal %q unmet: %v (%s)", g.name, err, when)})
			return
		}
	}
}
