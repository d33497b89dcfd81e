package cluster

import (
	"fmt"
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
// PROTOCOL.md 1.9. PrepareAddDispatcher with a callback that marks the
// merged dispatcher MergeReady; the merge task polls every second; once
// ready, doMerge removes the sources, resolves the merged start ts (the
// smallest source checkpoint, so nothing is skipped), SetStartTs, then
// CommitAddDispatcher (T6). It returns nil if the node restarted
// meanwhile (the merge died with the node). Call it from a task.
func (c *Cluster) Merge(n *Node, sources []*Dispatcher) *Dispatcher {
	if len(sources) < 2 {
		panic("cluster: a merge needs at least two sources")
	}
	span, startTs := sources[0].span, sources[0].CheckpointTs()
	for _, s := range sources[1:] {
		if s.span.TableID != span.TableID || s.node != n.ID {
			panic(fmt.Sprintf("cluster: cannot merge %s into %s", s.span, span))
		}
		span.StartKey, span.EndKey = min(span.StartKey, s.span.StartKey), max(span.EndKey, s.span.EndKey)
		startTs = min(startTs, s.CheckpointTs())
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
			if cover := clock.CoverFunc(c.rt); cover != nil {
				cover("cluster/merge/interrupted") // the merge died with its node
			}
			return nil
		}
	}
	c.doMerge(n, merged, sources)
	return merged
}

// doMerge is the second phase: remove the sources, set the merged start
// ts, commit.
func (c *Cluster) doMerge(n *Node, merged *Dispatcher, sources []*Dispatcher) {
	startTs := merged.StartTs()
	for _, s := range sources {
		startTs = min(startTs, s.CheckpointTs())
		c.RemoveDispatcher(s)
	}
	merged.SetStartTs(startTs)
	c.observe(Observation{Kind: ObservedCommit, Node: n.ID, Dispatcher: merged.id})
	c.collectorOf(n).CommitAddDispatcher(merged.id)
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
