package sim

import (
	"runtime/debug"
	"strings"

	"github.com/cdcsim/cdcsim/clock"
)

// Result is the outcome of one run.
type Result struct {
	Config  Config
	Failure *Failure // nil when the run passed
	Steps   uint64
	Time    clock.Time // virtual time at the end
	Hash    uint64     // rolling hash of every decision
	// StepHashes holds the hash after each step when the world recorded
	// steps (RecordSteps); nil otherwise.
	StepHashes []uint64
	// Coverage is every coverage point reached, with its hits, sorted
	// by name (coverage.go); Sometimes every Sometimes asked, sorted by
	// name (sometimes.go).
	Coverage  []CoverPoint
	Sometimes []SometimesOutcome
	// Sites is what each Buggify site reached in the run did
	// (World.BuggifySites): a report, never part of the hash.
	Sites []SiteStat
	// Decisions is every draw the run made, when it was asked to record
	// them (Decide.Record); its Workload and Pins are the caller's to fill.
	Decisions *DecisionFile
}

// Passed reports whether the run ended without a failure.
func (r *Result) Passed() bool { return r.Failure == nil }

// Outcome returns "pass" or "fail".
func (r *Result) Outcome() string {
	if r.Failure == nil {
		return "pass"
	}
	return "fail"
}

func (w *World) result() *Result {
	return &Result{
		Config:     w.cfg,
		Sites:      w.BuggifySites(),
		Failure:    w.failure,
		Steps:      w.step,
		Time:       clock.Time(w.now),
		Hash:       w.tr.hash,
		StepHashes: w.tr.steps,
		Coverage:   w.Coverage(),
		Sometimes:  w.SometimesOutcomes(),
		Decisions:  w.dec.finishRecord(),
	}
}

// Run runs main in a new world of cfg: the one-call form of New + Run.
func Run(cfg Config, main func(w *World)) *Result {
	w := New(cfg)
	return w.Run(func() { main(w) })
}

// stackOf returns the current goroutine's stack.
func stackOf() string { return string(debug.Stack()) }

// blockedTasks lists every live task and what it waits for, for a
// deadlock report.
func (w *World) blockedTasks() string {
	var b strings.Builder
	for _, n := range w.nodes {
		for _, t := range n.tasks {
			b.WriteString("task ")
			b.WriteString(t.name)
			b.WriteString(" on node ")
			b.WriteString(n.name)
			b.WriteString(": ")
			b.WriteString(t.why)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
