package cluster

import "github.com/cdcsim/cdcsim/clock"

// SinkWatch lists the dispatchers whose sink changed since its consumer
// last took the list, so that checkers run after every step can look at
// what a step changed instead of walking every dispatcher ever created
// (BENCHMARKS.md, the reference workload: those walks were most of a
// checked run's cost). A dispatcher is listed once however often it
// changes in between, in the order of its first change, which under the
// simulator is the run's own order: the list is deterministic.
//
// Each consumer has its own watch (Cluster.WatchSinks), so two checker
// states on one cluster (a test's fresh one beside the run's) do not
// take each other's changes.
type SinkWatch struct {
	listed []bool // by Dispatcher.Index
	list   []*Dispatcher
}

// sinkWatches is a cluster's watches. mu is a leaf lock: it is taken
// under a dispatcher's mu and takes nothing itself.
type sinkWatches struct {
	mu *clock.Guard
	ws []*SinkWatch
}

// note lists d in every watch that does not list it yet. Called with
// d.mu held.
func (s *sinkWatches) note(d *Dispatcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.ws {
		for len(w.listed) <= d.Index {
			w.listed = append(w.listed, false)
		}
		if !w.listed[d.Index] {
			w.listed[d.Index] = true
			w.list = append(w.list, d)
		}
	}
}

// WatchSinks returns a new watch of c's sinks: from now on it lists every
// dispatcher whose sink state (Handed, Flushed, the checkpoint,
// LateBatches, Removed) changes. What changed before is not listed: a
// consumer walks Dispatchers once when it starts watching.
func (c *Cluster) WatchSinks() *SinkWatch {
	w := &SinkWatch{}
	c.sinks.mu.Lock()
	defer c.sinks.mu.Unlock()
	c.sinks.ws = append(c.sinks.ws, w)
	return w
}

// TakeChangedSinks appends to buf every dispatcher w listed since the
// previous take, each once, and empties w's list.
func (c *Cluster) TakeChangedSinks(w *SinkWatch, buf []*Dispatcher) []*Dispatcher {
	c.sinks.mu.Lock()
	defer c.sinks.mu.Unlock()
	for _, d := range w.list {
		w.listed[d.Index] = false
	}
	buf = append(buf, w.list...)
	clear(w.list)
	w.list = w.list[:0]
	return buf
}

// MarkChanged lists d in every watch as if its sink had changed: for
// code that edits the exported fields directly (the checkers' tests
// forge sink histories that way), so that incremental checkers look at
// it again.
func (d *Dispatcher) MarkChanged() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
}
