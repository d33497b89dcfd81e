package workloads

import (
	"fmt"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/wire"
)

// Memory control's policy at each decision (I23, I24): I18-I20 judge
// the areas' health over time, but a memory control that drops too
// early, or that loses a sink's wake, still ends in drops, releases and
// RESETs that recover, and stays within those bounds: `dst mutate`
// found such mutants of collector/dynstream.go alive (FINDINGS.md, "The
// 8 survivors"). These rules are TiCDC's dynstream's own
// (utils/dynstream/memory_control.go appendEvent; stream.go, the wake
// event), checked at each decision: the drop decision as the collector
// reports it (collector.Config.ObserveDrop), the blocked paths as
// collector.EventCollector.AppendBlocked reads them after every step.
// Both only read.

// policyState is I23's and I24's run-wide state.
type policyState struct {
	// step and looked: I24's look of this step is done; buf is its
	// reused snapshot buffer.
	step   uint64
	looked bool
	buf    []collector.BlockedPath
	// drops and kept count the droppable arrivals judged (for the
	// planted tests and the doc's measurements).
	drops, kept uint64
	i23, i24    error
}

// observeDrop is I23's rule for one droppable event's arrival: at or
// above 1.5 times the area's quota it is replaced by a DropEvent; below
// it, only a fault site may drop it. The threshold is computed here
// from the reported pending bytes and quota, not taken from the
// collector's own test.
func (st *CheckState) observeDrop(node wire.ServerID, d collector.DropDecision) {
	p := &st.policy
	over := 2*d.Pending >= 3*d.Quota
	if d.Dropped {
		p.drops++
	} else {
		p.kept++
	}
	if p.i23 != nil {
		return
	}
	switch {
	case d.Dropped && !over && !d.Injected:
		p.i23 = fmt.Errorf("node %s, area %s: %s of %s dropped with %d bytes pending against a quota of %d, under the 1.5x threshold (%d), and no fault site forced it",
			node, d.Changefeed, d.Event, d.Dispatcher, d.Pending, d.Quota, (3*d.Quota+1)/2)
	case !d.Dropped && over:
		p.i23 = fmt.Errorf("node %s, area %s: %s of %s queued with %d bytes pending against a quota of %d, at or over the 1.5x threshold: it must be dropped",
			node, d.Changefeed, d.Event, d.Dispatcher, d.Pending, d.Quota)
	}
}

// DropCounts returns how many droppable arrivals I23 judged: dropped and
// queued.
func (st *CheckState) DropCounts() (dropped, kept uint64) { return st.policy.drops, st.policy.kept }

// wakeOwer is what I24 asks of a blocked path's target: whether its
// sink still holds events whose flush wakes the path
// (cluster.Dispatcher.OwesWake).
type wakeOwer interface{ OwesWake() bool }

// lookAtBlocked is I24's look, once per step: every blocked path of a
// running collector must wait for a wake its sink still owes.
func (st *CheckState) lookAtBlocked(c *cluster.Cluster) {
	p := &st.policy
	if p.i24 != nil {
		return
	}
	if st.step != nil {
		if p.looked && p.step == st.step() {
			return
		}
		p.step, p.looked = st.step(), true
	}
	for _, n := range c.Nodes() {
		if n.Collector == nil || !st.nodeUp(n.ID) {
			continue // a crashed node's paths are frozen
		}
		p.buf = n.Collector.AppendBlocked(p.buf[:0])
		if p.i24 = blockedViolation(n.ID, p.buf); p.i24 != nil {
			return
		}
	}
}

// blockedViolation is I24's rule for one collector's blocked paths: each
// target that can say whether it owes a wake does.
func blockedViolation(node wire.ServerID, blocked []collector.BlockedPath) error {
	for _, b := range blocked {
		if w, ok := b.Target.(wakeOwer); ok && !w.OwesWake() {
			return fmt.Errorf("node %s, area %s: the path of %s is blocked (%d bytes queued) but its sink holds nothing to flush: the wake it waits for was lost",
				node, b.Changefeed, b.Dispatcher, b.Pending)
		}
	}
	return nil
}

// CheckI23DropThreshold: memory control replaces a droppable event (DML,
// batch DML, DDL, sync point) by a DropEvent exactly when its area holds
// at least 1.5 times its quota as the event arrives (PROTOCOL.md 2.5, 7;
// TiCDC utils/dynstream/memory_control.go appendEvent,
// memoryUsageRatio() >= 1.5), or when a fault site forces a drop. Every
// drop costs its dispatcher a RESET and a rescan, and a drop threshold
// set too low (or too high, which lets the area grow past what the
// release targets) still recovers, so I5 and I11 see nothing: only this
// states the threshold. Judged at each decision, as the collector
// reports it (collector.Config.ObserveDrop).
func CheckI23DropThreshold(_ *cluster.Cluster, st *CheckState) error {
	return st.policy.i23
}

// CheckI24WakeOwed: a path blocked by its sink waits for a wake that the
// sink still owes: after every step, each blocked path's dispatcher
// holds events handed and not yet flushed, whose flush wakes it.
// TiCDC's dynstream cannot lose a wake: Wake puts a
// wake event on the path's stream, which the stream's goroutine handles
// after the handler returned "block" (utils/dynstream
// parallel_dynamic_stream.go Wake, stream.go handleLoop,
// event_queue.go wakePath). A path blocked with nothing owed is never
// served again until a memory release or a removal: its dispatcher
// stalls, or recovers by a release's RESET, and the end-state checks
// see nothing. A removed dispatcher, and the paths of a crashed node,
// are not judged.
func CheckI24WakeOwed(c *cluster.Cluster, st *CheckState) error {
	st.lookAtBlocked(c)
	return st.policy.i24
}

// nodeUp reports whether the node runs now (a crashed node's collector
// and service are frozen, not at fault); true where the run has no
// nodes to ask (checkers driven directly in tests).
func (st *CheckState) nodeUp(id wire.ServerID) bool {
	if st.memory.node == nil {
		return true
	}
	n := st.memory.node(id)
	return n == nil || n.Up()
}
