package cluster

import (
	"math"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/wire"
)

// mergeCloseRetry is how long doMerge waits between two rounds of trying
// to close the sources (TiCDC's doMerge sleeps 10 ms).
const mergeCloseRetry = 10 * time.Millisecond

// mergeCheckTask is TiCDC's MergeCheckTask (dispatchermanager task.go):
// one merge under way on node n, from its prepare to its commit or abort.
type mergeCheckTask struct {
	c       *Cluster
	n       *Node
	boots   int // n's boots at the prepare: a restart ends the merge
	merged  *Dispatcher
	sources []*Dispatcher
}

// interrupted reports whether n restarted since the prepare: the merge
// task died with its process, and the restart re-adds the node's
// dispatchers.
func (t *mergeCheckTask) interrupted() bool {
	if t.c.boots(t.n) == t.boots {
		return false
	}
	t.c.cover("cluster/merge/interrupted")
	return true
}

// living reports whether d still lives on the merge's node (TiCDC: the
// dispatcher manager's dispatcherMap has it).
func (t *mergeCheckTask) living(d *Dispatcher) bool {
	return slices.Contains(t.c.NodeDispatchers(t.n), d)
}

// MergeAbortReasons are the reasons shouldAbortMerge gives, TiCDC's
// words; each has the coverage point cluster/merge/abort/<reason>.
var MergeAbortReasons = []string{ //dst:allow package-state: a read-only table
	"merged_dispatcher_missing", "merged_dispatcher_removing", "source_dispatcher_missing", "source_dispatcher_removing"}

// shouldAbortMerge is TiCDC's of the same name: the merge cannot go on
// if the merged dispatcher or a source is gone from the node or being
// removed. It returns TiCDC's reason.
func (t *mergeCheckTask) shouldAbortMerge() (bool, string) {
	if !t.living(t.merged) {
		return true, "merged_dispatcher_missing"
	}
	if t.merged.TryRemoving() {
		return true, "merged_dispatcher_removing"
	}
	for _, s := range t.sources {
		if !t.living(s) {
			return true, "source_dispatcher_missing"
		}
		if s.TryRemoving() {
			return true, "source_dispatcher_removing"
		}
	}
	return false, ""
}

// abortMerge is TiCDC's of the same name: every source still living and
// not being removed goes back to Working and, if doMerge had already
// removed it from the collector, is registered again (a new session, from
// the dispatcher's start ts, as TiCDC's AddDispatcher does); then the
// merged dispatcher is removed.
func (t *mergeCheckTask) abortMerge(reason string) {
	c := t.c
	c.tracef("%s merge abort %s: %s", t.n.ID, t.merged.id, reason)
	c.cover("cluster/merge/abort/" + reason)
	coll := c.collectorOf(t.n)
	for _, s := range t.sources {
		if !t.living(s) || s.TryRemoving() {
			continue
		}
		if s.ComponentStatus() == WaitingMerge {
			s.SetComponentStatus(Working)
		}
		if !coll.HasDispatcher(s.id) {
			c.cover("cluster/merge/abort/restore")
			c.tracef("%s merge abort %s: restore %s", t.n.ID, t.merged.id, s.id)
			s.restoreRegistration()
			c.observe(Observation{Kind: ObservedRestore, Node: t.n.ID, Dispatcher: s.id})
			coll.AddDispatcher(s, c.cfg.MemoryQuota)
		}
	}
	c.RemoveDispatcher(t.merged)
}

// doMerge is the second phase (TiCDC's task.go doMerge). First every
// source is removed from the collector; then, round after round, each
// source not yet closed is tried (tryClose: its sink has written what it
// was handed), with the abort checks before each round, until all are
// closed. The merged start ts is then the smallest of the sources' final
// checkpoints, at or above the prepare-time one, so what the sources
// flushed meanwhile is not replicated twice; commit (T6); and only then
// are the sources removed for good. It reports whether the merge
// committed.
func (t *mergeCheckTask) doMerge() bool {
	c := t.c
	coll := c.collectorOf(t.n)
	closed := make([]bool, len(t.sources))
	startTs, closedCount := wire.Ts(math.MaxUint64), 0
	for round := 0; closedCount < len(t.sources); round++ {
		if abort, reason := t.shouldAbortMerge(); abort {
			t.abortMerge(reason)
			return false
		}
		for i, s := range t.sources {
			if closed[i] {
				continue
			}
			if !t.living(s) {
				break // the next round aborts
			}
			if round == 0 {
				coll.RemoveDispatcher(s.id)
			}
			if cp, ok := s.tryClose(); ok {
				startTs, closed[i] = min(startTs, cp), true
				closedCount++
			}
		}
		c.rt.Sleep(c.cfg.scaled(mergeCloseRetry))
		if t.interrupted() {
			return false
		}
	}
	t.merged.SetStartTs(startTs)
	t.merged.SetComponentStatus(Working)
	c.observe(Observation{Kind: ObservedCommit, Node: t.n.ID, Dispatcher: t.merged.id})
	coll.CommitAddDispatcher(t.merged.id)
	for _, s := range t.sources {
		c.RemoveDispatcher(s)
	}
	return true
}
