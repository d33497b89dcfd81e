package cluster

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
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
// PROTOCOL.md 1.9. The sources must pass TiCDC's merge checks
// (mergedSpan); a merge that fails them is rejected: Merge returns nil and
// nothing changes. Otherwise PrepareAddDispatcher with a callback that
// marks the merged dispatcher MergeReady, from the sources' smallest
// checkpoint now (TiCDC's fake start ts); the merge task polls every
// second; once ready, doMerge removes the sources, sets the merged start
// ts to their smallest checkpoint at that moment, then
// CommitAddDispatcher (T6). It also returns nil if the node restarted
// meanwhile (the merge died with the node). Call it from a task.
func (c *Cluster) Merge(n *Node, sources []*Dispatcher) *Dispatcher {
	span, startTs, ok := c.mergedSpan(n, sources)
	if !ok {
		return nil
	}
	boots := c.boots(n)
	merged := c.newDispatcher(n, span, startTs)
	var ready atomic.Bool // set by the session, on a collector worker
	coll := c.collectorOf(n)
	c.observe(Observation{Kind: ObservedPrepare, Node: n.ID, Dispatcher: merged.id})
	coll.PrepareAddDispatcher(merged, c.cfg.MemoryQuota, func() { ready.Store(true) })
	if c.cfg.Variants.Bug(BugProbeDuringMerge) {
		coll.RequestRemoteCandidates(merged)
	}
	for !ready.Load() {
		c.rt.Sleep(c.cfg.scaled(mergePoll))
		if c.boots(n) != boots {
			c.cover("cluster/merge/interrupted") // the merge died with its node
			return nil
		}
	}
	c.doMerge(n, merged, sources)
	return merged
}

// mergedSpan is TiCDC's merge validation (dispatchermanager
// dispatcher_manager_helper.go, prepareMergeDispatcher and
// createMergedSpan): at least two sources, each still living on n, each
// span starting where the previous one ends in the given order, within
// one table. It returns the merged span and the sources' smallest
// checkpoint, or false if the merge is rejected: spans that are not
// adjacent would give a merged dispatcher covering a range another
// dispatcher still serves.
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
		if i > 0 && (s.span.TableID != span.TableID || s.span.StartKey != span.EndKey) {
			return reject(fmt.Sprintf("%s does not follow %s", s.span, span))
		}
		span.EndKey = s.span.EndKey
		startTs = min(startTs, s.CheckpointTs())
	}
	return span, startTs, true
}

// doMerge is the second phase (TiCDC's task.go doMerge): remove the
// sources, taking each one's checkpoint once it is closed; set the
// merged start ts to the smallest of them, which is at or above the
// prepare-time one, so what the sources flushed meanwhile is not
// replicated twice; commit.
func (c *Cluster) doMerge(n *Node, merged *Dispatcher, sources []*Dispatcher) {
	startTs := wire.Ts(math.MaxUint64)
	for _, s := range sources {
		c.RemoveDispatcher(s)
		startTs = min(startTs, s.CheckpointTs())
	}
	merged.SetStartTs(startTs)
	c.observe(Observation{Kind: ObservedCommit, Node: n.ID, Dispatcher: merged.id})
	c.collectorOf(n).CommitAddDispatcher(merged.id)
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
		c.AddDispatcher(n, span, checkpoints[i])
	}
}
