package sim

import (
	"slices"
	"strings"
)

// Coverage counts, per run, how often each named coverage point was
// reached: a protocol state crossed with a transition
// ("session/T3/Registering"), an event-service row of PROTOCOL.md 3.3
// ("eventservice/reset/replace"), a fault at a site ("net/drop/event"), a
// Buggify site that fired ("buggify/<site>"), a node crash or restart.
// Names are hierarchical, '/'-separated, from the most general part.
//
// Coverage is an observation (DESIGN.md, "Observations never decide"):
// recording a point draws no randomness, schedules nothing and does not
// touch the trace hash, so a run hashes the same with coverage kept or
// not (TestCoverageLeavesHashAlone). Each name is interned to a small int
// the first time it is seen; a hit afterwards is one map lookup with the
// caller's string (no allocation) and an increment.
type coverage struct {
	off    bool           // SetCoverage(false): Cover is a no-op
	index  map[string]int // name -> position in names and counts
	names  []string
	counts []uint64
}

// Cover records one hit of the coverage point name. It implements
// clock.Coverer, through which model code reports its points; in real
// mode nothing implements it and the model's calls do nothing.
func (w *World) Cover(name string) {
	c := &w.cov
	if c.off {
		return
	}
	i, ok := c.index[name]
	if !ok {
		if c.index == nil {
			c.index = make(map[string]int)
		}
		i = len(c.names)
		c.index[name] = i
		c.names = append(c.names, name)
		c.counts = append(c.counts, 0)
	}
	c.counts[i]++
}

// Covered returns how often the point name was reached so far (0 with
// coverage off).
func (w *World) Covered(name string) uint64 {
	if i, ok := w.cov.index[name]; ok {
		return w.cov.counts[i]
	}
	return 0
}

// SetCoverage turns coverage recording on (the default) or off. Call it
// before Run; it exists so a test can show that coverage leaves the hash
// alone.
func (w *World) SetCoverage(on bool) { w.cov.off = !on }

// CoverPoint is one coverage point of a run and its hit count.
type CoverPoint struct {
	Name string
	Hits uint64
}

// Coverage returns the points reached so far, sorted by name.
func (w *World) Coverage() []CoverPoint {
	return sortedByName(w.cov.names, func(i int, n string) CoverPoint { return CoverPoint{Name: n, Hits: w.cov.counts[i]} },
		func(p CoverPoint) string { return p.Name })
}

// CoverageMap returns the points reached as a name -> hits map, the
// form of the -sim.json line; nil when none was reached.
func CoverageMap(points []CoverPoint) map[string]uint64 {
	return byNameMap(points, func(p CoverPoint) (string, uint64) { return p.Name, p.Hits })
}

// sortedByName builds one T per name (in interning order) and sorts
// them by name: what Coverage and SometimesOutcomes report.
func sortedByName[T any](names []string, mk func(i int, name string) T, name func(T) string) []T {
	out := make([]T, len(names))
	for i, n := range names {
		out[i] = mk(i, n)
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(name(a), name(b)) })
	return out
}

// byNameMap turns a report into the name -> value map of the -sim.json
// line; nil when it is empty, so the field is left out.
func byNameMap[T, V any](items []T, kv func(T) (string, V)) map[string]V {
	if len(items) == 0 {
		return nil
	}
	m := make(map[string]V, len(items))
	for _, it := range items {
		k, v := kv(it)
		m[k] = v
	}
	return m
}
