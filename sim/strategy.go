package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// strategy picks which runnable task runs next. It sees the runnable set
// in the order the scheduler keeps it, which is itself a function of the
// seed, and returns an index into it.
type strategy interface {
	spawned(t *task)
	pick(runnable []*task) int
	// ran is told which task ran at a step, so PCT can lower its priority
	// at a change point.
	ran(t *task, step uint64)
}

func newStrategy(w *World, r *rand.Rand) strategy {
	cfg := w.cfg
	switch cfg.Strategy {
	case StrategyPCT:
		return newPCT(cfg.PCTDepth, cfg.PCTSteps, r)
	case StrategyOldest:
		return oldestStrategy{}
	}
	rs := randomStrategy{r: r, w: w}
	if w.dec != nil && w.dec.replay != nil {
		rs.queue = w.dec.replay[strategyLabel]
	}
	return rs
}

// oldestStrategy runs the runnable task with the lowest id, the one
// created first: a fixed order, with no random choice to explain.
type oldestStrategy struct{}

func (oldestStrategy) spawned(*task)     {}
func (oldestStrategy) ran(*task, uint64) {}
func (oldestStrategy) pick(runnable []*task) int {
	best := 0
	for i, t := range runnable {
		if t.id < runnable[best].id {
			best = i
		}
	}
	return best
}

// randomStrategy picks uniformly. In a run with a decider it says the
// draw is a pick (so that its default is the oldest task) and, when
// records are kept, which task a pick preferred to the oldest: that is
// what a shrunk decision file's explanation names.
type randomStrategy struct {
	r *rand.Rand
	w *World
	// queue is the replayed picks of r's stream, when replaying.
	queue *replayQueue
}

func (randomStrategy) spawned(*task)     {}
func (randomStrategy) ran(*task, uint64) {}
func (s randomStrategy) pick(runnable []*task) int {
	if len(runnable) == 1 {
		return 0
	}
	d := s.w.dec
	if d == nil {
		return s.r.IntN(len(runnable))
	}
	d.hintPick(runnable, s.queue)
	oldest := d.hint.oldest
	i := s.r.IntN(len(runnable))
	d.picked(runnable[i], runnable[oldest])
	if i != oldest && s.w.tr.sink != nil {
		s.w.Record("pick", F("task", runnable[i].name), F("node", runnable[i].node.name), F("id", strconv.FormatUint(runnable[i].id, 10)),
			F("oldest", runnable[oldest].name), F("oldest_node", runnable[oldest].node.name), F("oldest_id", strconv.FormatUint(runnable[oldest].id, 10)))
	}
	return i
}

// pct implements probabilistic concurrency testing. New tasks get random
// priorities above every change-point priority; the highest-priority
// runnable task runs; at each change point the task that just ran is
// demoted below every initial priority, to d-1, d-2, ..., 1 in turn.
type pct struct {
	r       *rand.Rand
	changes []uint64 // steps at which to demote, ascending
	next    int      // index of the next change point
	depth   int
}

func newPCT(depth, steps int, r *rand.Rand) *pct {
	p := &pct{r: r, depth: depth}
	for range depth - 1 {
		p.changes = append(p.changes, 1+uint64(r.IntN(steps)))
	}
	slices.Sort(p.changes)
	return p
}

func (p *pct) spawned(t *task) { t.prio = p.depth + p.r.IntN(1<<30) }

func (p *pct) pick(runnable []*task) int {
	best := 0
	for i, t := range runnable {
		// Ties (equal random priorities) go to the lower task id, so the
		// choice never depends on the run queue's internal order.
		if b := runnable[best]; t.prio > b.prio || t.prio == b.prio && t.id < b.id {
			best = i
		}
	}
	return best
}

func (p *pct) ran(t *task, step uint64) {
	for p.next < len(p.changes) && p.changes[p.next] <= step {
		t.prio = p.depth - 1 - p.next
		p.next++
	}
}
