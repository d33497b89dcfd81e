package cluster

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// Timing of the merge task (PROTOCOL.md 7).
const (
	mergePoll = time.Second
)

// BugProbeDuringMerge is the variant this file implements: merged
// dispatchers also ask the coordinator for remote candidates, which makes
// the unguarded remote-probing path during a two-phase add reachable
// (PROTOCOL.md 6.1 F4).
const BugProbeDuringMerge = "f4-probe-during-merge"

// Merge replaces source dispatchers of one table on node n by one merged
// dispatcher over the union of their spans: the two-phase add of
// PROTOCOL.md 1.9, as TiCDC's dispatcher manager does it
// (dispatchermanager: mergeEventDispatcher, then the MergeCheckTask of
// task.go). The sources must pass the merge checks (mergedSpan); a merge
// that fails them is rejected: Merge returns nil and nothing changes.
// Otherwise the merged dispatcher is registered Preparing from the
// sources' smallest checkpoint now (TiCDC's fake start ts), the sources
// become WaitingMerge, and PrepareAddDispatcher's callback makes the
// merged one MergeReady. The check task then runs every second: it
// aborts the merge if a source or the merged dispatcher is gone or being
// removed (shouldAbortMerge, abortMerge), and once MergeReady it does
// the merge (doMerge). Merge returns nil if the merge was aborted or the
// node restarted meanwhile (the merge died with the node). Call it from
// a task.
func (c *Cluster) Merge(n *Node, sources []*Dispatcher) *Dispatcher {
	span, startTs, ok := c.mergedSpan(n, sources)
	if !ok {
		return nil
	}
	t := &mergeCheckTask{c: c, n: n, boots: c.boots(n), sources: sources}
	t.merged = c.newDispatcher(n, span, startTs)
	c.registerMergeDispatcher(t)
	for {
		c.rt.Sleep(c.cfg.scaled(mergePoll))
		if t.interrupted() {
			return nil
		}
		if abort, reason := t.shouldAbortMerge(); abort {
			t.abortMerge(reason)
			return nil
		}
		if t.merged.ComponentStatus() == MergeReady {
			break
		}
	}
	if !t.doMerge() {
		return nil
	}
	return t.merged
}

// registerMergeDispatcher is TiCDC's of the same name: the merged
// dispatcher Preparing, the sources WaitingMerge (so that no second
// merge takes them), then PrepareAddDispatcher with the callback that
// marks the merged dispatcher MergeReady on its local Ready (T3 in place
// of the RESET).
func (c *Cluster) registerMergeDispatcher(t *mergeCheckTask) {
	t.merged.SetComponentStatus(Preparing)
	for _, s := range t.sources {
		s.SetComponentStatus(WaitingMerge)
	}
	coll := c.collectorOf(t.n)
	c.observe(Observation{Kind: ObservedPrepare, Node: t.n.ID, Dispatcher: t.merged.id})
	coll.PrepareAddDispatcher(t.merged, c.cfg.MemoryQuota, func() { t.merged.SetComponentStatus(MergeReady) })
	if c.cfg.Variants.Bug(BugProbeDuringMerge) {
		coll.RequestRemoteCandidates(t.merged)
	}
}

// mergedSpan is TiCDC's merge validation (dispatchermanager
// dispatcher_manager_helper.go, prepareMergeDispatcher and
// createMergedSpan): at least two sources, each still living on n and
// Working (not a source of another merge under way, not a merged
// dispatcher before its commit), each span starting where the previous
// one ends in the given order, within one table. A source named twice
// fails the adjacency check, so the IDs are distinct. It returns the
// merged span and the sources' smallest checkpoint, or false if the
// merge is rejected: spans that are not adjacent would give a merged
// dispatcher covering a range another dispatcher still serves. (The
// model allocates the merged dispatcher's ID itself, so TiCDC's check
// that it does not exist yet always passes.)
func (c *Cluster) mergedSpan(n *Node, sources []*Dispatcher) (wire.Span, wire.Ts, bool) {
	reject := func(why string) (wire.Span, wire.Ts, bool) {
		c.tracef("%s merge rejected: %s", n.ID, why)
		c.cover("cluster/merge/rejected")
		return wire.Span{}, 0, false
	}
	if len(sources) < 2 {
		return reject(fmt.Sprintf("%d sources", len(sources)))
	}
	live := c.NodeDispatchers(n)
	span, startTs := sources[0].span, wire.Ts(math.MaxUint64)
	for i, s := range sources {
		if !slices.Contains(live, s) {
			return reject(fmt.Sprintf("%s is not on %s", s.id, n.ID))
		}
		if st := s.ComponentStatus(); st != Working {
			c.cover("cluster/merge/rejected/not-working")
			return reject(fmt.Sprintf("%s is %s, not Working", s.id, st))
		}
		if i > 0 && (s.span.TableID != span.TableID || s.span.StartKey != span.EndKey) {
			return reject(fmt.Sprintf("%s does not follow %s", s.span, span))
		}
		span.EndKey = s.span.EndKey
		startTs = min(startTs, s.CheckpointTs())
	}
	return span, startTs, true
}

// cover records a coverage point; nothing in real mode.
func (c *Cluster) cover(name string) {
	if cover := clock.CoverFunc(c.rt); cover != nil {
		cover(name)
	}
}

// tracef writes a trace line if the cluster has a trace.
func (c *Cluster) tracef(format string, args ...any) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(format, args...)
	}
}

// Split replaces a dispatcher by two over the halves of its span, each
// added in one phase from the dispatcher's checkpoint (how a table gets
// the sub-spans that a merge later joins).
func (c *Cluster) Split(d *Dispatcher) (*Dispatcher, *Dispatcher) {
	n := c.Node(d.node)
	cp := d.CheckpointTs()
	mid := d.span.StartKey + (d.span.EndKey-d.span.StartKey)/2
	left, right := d.span, d.span
	left.EndKey, right.StartKey = mid, mid
	c.RemoveDispatcher(d)
	return c.AddDispatcher(n, left, cp), c.AddDispatcher(n, right, cp)
}

// readd gives a restarted node back the dispatchers of its previous
// incarnation, each from the checkpoint it had reached: the maintainer
// rescheduling the node's tables. (A dispatcher's state froze when its
// node crashed, so its checkpoint now is the one the maintainer last knew.)
func (c *Cluster) readd(n *Node, spans []wire.Span, checkpoints []wire.Ts) {
	for i, span := range spans {
		if c.Upstream.dropWritten(span, checkpoints[i]) {
			continue // its table's DROP is written: nothing to schedule
		}
		c.AddDispatcher(n, span, checkpoints[i])
	}
}
