package cluster

import (
	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/session"
)

// A Watch lists the dispatchers whose sink or session changed since its
// consumer last took the list, so that checkers run after every step
// look at what a step changed instead of walking every dispatcher ever
// created (BENCHMARKS.md, the reference workload: those walks were most
// of a checked run's cost). A dispatcher is listed once however often it
// changes in between, in the order of its first change, which under the
// simulator is the run's own order: the list is deterministic.
//
// What counts as a change: of the sink, anything in Handed, Flushed, the
// checkpoint, LateBatches or Removed (every Dispatcher method that
// writes them); of the session, each move of its session.Stat.Version
// (session.Config.Changed). A node's restart closes the dispatchers of
// its previous incarnation, which lists them; between the crash and the
// restart they and their sessions stay as the crash left them. A session's creation is not a change: until its first
// transition it is in its initial state, which breaks no invariant.
//
// Each consumer has its own watch (Cluster.Watch), so two checker states
// on one cluster (a test's fresh one beside the run's) do not take each
// other's changes. A watch lives as long as its cluster: there is no
// unwatching, and every change is noted in every watch, so take one per
// consumer, not one per check.
type Watch struct {
	listed []bool // by Dispatcher.Index
	list   []*Dispatcher
}

// watches is a cluster's watches. mu is a leaf lock: it is taken under a
// dispatcher's mu or a session's locks and takes nothing itself.
type watches struct {
	mu *clock.Guard
	ws []*Watch
}

// note lists d in every watch that does not list it yet.
func (s *watches) note(d *Dispatcher) {
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

// sessionChanged is every collector's Config.SessionChanged: the
// session's target is its dispatcher.
func sessionChanged(t session.Target) {
	if d, ok := t.(*Dispatcher); ok && d.watches != nil {
		d.watches.note(d)
	}
}

// Watch returns a new watch of c's dispatchers: from now on it lists
// every dispatcher whose sink or session changes. What changed before is
// not listed: a consumer walks Dispatchers once when it starts watching.
func (c *Cluster) Watch() *Watch {
	w := &Watch{}
	c.watches.mu.Lock()
	defer c.watches.mu.Unlock()
	c.watches.ws = append(c.watches.ws, w)
	return w
}

// TakeChanged appends to buf every dispatcher w listed since the previous
// take, each once, and empties w's list.
func (c *Cluster) TakeChanged(w *Watch, buf []*Dispatcher) []*Dispatcher {
	c.watches.mu.Lock()
	defer c.watches.mu.Unlock()
	for _, d := range w.list {
		w.listed[d.Index] = false
	}
	buf = append(buf, w.list...)
	clear(w.list)
	w.list = w.list[:0]
	return buf
}

// MarkChanged lists d in every watch as if it had changed: for code that
// edits the exported fields directly (the checkers' tests forge sink
// histories that way), so that incremental checkers look at it again.
func (d *Dispatcher) MarkChanged() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
}
