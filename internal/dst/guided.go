package dst

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cdcsim/cdcsim/sim"
)

// Guided is dst run --guided's search: a power schedule over swarm
// configurations, in the manner of AFL's (Böhme et al., "Coverage-based
// greybox fuzzing as Markov chain") applied to the configuration rather
// than to an input, as FuzzChick does to generators. Plain seeds of the
// plan keep exploring; every seed whose run reached a coverage point that
// at most RareSeeds seeds of its workload had reached enters the corpus
// with its whole configuration. Between plan chunks the sweep runs
// children: a parent drawn from its workload's corpus with weight equal
// to its energy (the sum, over the rare points it reached, of one over
// how many seeds reached each by now, so a point stops pulling once the
// sweep reaches it often), its configuration with one to three mutable
// keys redrawn from the swarm of a fresh seed, and a fresh seed of its
// own. A child that reaches a rare point joins the corpus in turn.
//
// Everything Guided draws comes from one stream seeded by the sweep's
// start seed, and it only changes on Observe and Next, so with one worker
// process (--parallel 1) a guided sweep is the same sequence of runs
// every time: the records arrive in the order the runs were handed out.
// With more workers the records arrive in the order the processes finish
// them, which depends on the machine's timing: the corpus, and so the
// children, differ from one sweep to another, though each child is still
// reproduced exactly by its replay line (seed plus pins).
type Guided struct {
	rng     *rand.Rand
	mutable []string
	byWL    map[string]*guidedWorkload // lookup only; order comes from wlOrder
	wlOrder []string
	turn    int
	// RareSeeds is how many seeds of a workload may have reached a point
	// for it to count as rare.
	RareSeeds int
}

type guidedWorkload struct {
	seeds  int            // records observed
	reach  map[string]int // point -> seeds that reached it
	corpus []*corpusEntry
}

// corpusEntry is a run that reached rare coverage.
type corpusEntry struct {
	Seed   uint64
	Config []string // the run's configuration, mutable keys only
	Rare   []string // the points that were rare when it ran, sorted
}

// NewGuided returns an empty search for the sweep starting at start.
func NewGuided(start uint64) *Guided {
	return &Guided{
		rng:       rand.New(rand.NewPCG(start, 0x6775696465640a)),
		mutable:   MutableKeys(),
		byWL:      map[string]*guidedWorkload{},
		RareSeeds: 2,
	}
}

// MutableKeys are the configuration keys a guided sweep redraws: the
// swarm's (strategy, Buggify, node and network faults), not the seed,
// the budgets, the variants or the faults preset label.
func MutableKeys() []string {
	var out []string
	for _, k := range sim.Keys() {
		switch {
		case k == "seed", k == "bug", k == "patch", k == "faults", k == "pct.steps", strings.HasPrefix(k, "budget."):
			continue
		}
		out = append(out, k)
	}
	return out
}

func (g *Guided) workload(name string) *guidedWorkload {
	gw := g.byWL[name]
	if gw == nil {
		gw = &guidedWorkload{reach: map[string]int{}}
		g.byWL[name] = gw
		g.wlOrder = append(g.wlOrder, name)
	}
	return gw
}

// Observe counts a record's coverage and keeps it in the corpus when it
// reached a rare point. A failure is not kept: its configuration is
// already reported. It reports whether the record joined the corpus.
func (g *Guided) Observe(r *Record) bool {
	gw := g.workload(r.Test)
	gw.seeds++
	var rare []string
	for _, p := range slices.Sorted(maps.Keys(r.Cover)) {
		gw.reach[p]++
		if gw.reach[p] <= g.RareSeeds {
			rare = append(rare, p)
		}
	}
	if len(rare) == 0 || r.Failed() || len(r.Config) == 0 {
		return false
	}
	gw.corpus = append(gw.corpus, &corpusEntry{Seed: r.Seed, Config: g.keepMutable(r.Config), Rare: rare})
	return true
}

// keepMutable returns the pins of cfg whose key is mutable, in order.
func (g *Guided) keepMutable(cfg []string) []string {
	var out []string
	for _, kv := range cfg {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(g.mutable, k) {
			out = append(out, kv)
		}
	}
	return out
}

// energy is e's weight in the draw of a parent.
func (gw *guidedWorkload) energy(e *corpusEntry) float64 {
	var sum float64
	for _, p := range e.Rare {
		sum += 1 / float64(max(gw.reach[p], 1))
	}
	return sum
}

// Next returns a child to run, round robin over the workloads that have
// a corpus, or false when none has.
func (g *Guided) Next() (Chunk, bool) {
	for range g.wlOrder {
		name := g.wlOrder[g.turn%len(g.wlOrder)]
		g.turn++
		gw := g.byWL[name]
		if len(gw.corpus) == 0 {
			continue
		}
		parent := g.pick(gw)
		seed := 1 + g.rng.Uint64N(1<<47) // short, like a random start seed
		return Chunk{Workload: name, Start: seed, Count: 1, Pins: g.mutate(parent.Config), Parent: parent.Seed}, true
	}
	return Chunk{}, false
}

// pick draws a parent with probability proportional to its energy.
func (g *Guided) pick(gw *guidedWorkload) *corpusEntry {
	total := 0.0
	for _, e := range gw.corpus {
		total += gw.energy(e)
	}
	x := g.rng.Float64() * total
	for _, e := range gw.corpus {
		if x -= gw.energy(e); x < 0 {
			return e
		}
	}
	return gw.corpus[len(gw.corpus)-1]
}

// mutate returns cfg with one to three mutable keys set to the value a
// fresh seed's swarm draw gives them.
func (g *Guided) mutate(cfg []string) []string {
	out := slices.Clone(cfg)
	donor := sim.DeriveConfig(g.rng.Uint64())
	for range 1 + g.rng.IntN(3) {
		k := g.mutable[g.rng.IntN(len(g.mutable))]
		v, _ := donor.Get(k)
		out = setPin(out, k, v)
	}
	return out
}

// setPin replaces key's pin in pins, or appends one.
func setPin(pins []string, key, value string) []string {
	for i, kv := range pins {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			pins[i] = key + "=" + value
			return pins
		}
	}
	return append(pins, key+"="+value)
}

// CorpusSize returns how many entries the corpus holds over all workloads.
func (g *Guided) CorpusSize() int {
	n := 0
	for _, gw := range g.byWL {
		n += len(gw.corpus)
	}
	return n
}
