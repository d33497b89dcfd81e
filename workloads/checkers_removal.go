package workloads

import (
	"fmt"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/wire"
)

// CheckI10NothingAfterRemove: once RemoveDispatcher returned, nothing new
// reaches the dispatcher's sink, and the collector offers it at most one
// more batch with data: the one a dynstream worker had already popped
// when the path was removed (PROTOCOL.md 5 I10). ds.RemovePath drops the
// queued events and late pushes find no path; a second late batch means
// the collector kept forwarding for a removed dispatcher, which TiCDC
// survives only because the dispatcher guards itself (its removing status,
// PR #2655) and which would write twice during a dispatcher move.
//
// A dispatcher closed because its node crashed (the restart closes the
// previous incarnation's) counts as removed: its collector died with it,
// so nothing may be offered at all. Cheap (three fields of each
// dispatcher the step changed): install it with every=1.
func CheckI10NothingAfterRemove(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changes(c) {
		d := c.Dispatchers[i]
		if !d.Removed {
			continue
		}
		if n := len(d.Handed); n != d.HandedAtRemoval {
			return fmt.Errorf("dispatcher %s on %s: its sink accepted %d events after the removal (last %s)", d.ID(), d.Node(), n-d.HandedAtRemoval, fmtForwarded(d.Handed[n-1]))
		}
		if d.LateBatches > 1 {
			return fmt.Errorf("dispatcher %s on %s: the collector offered %d batches with data after the removal (at most the one already popped may come)", d.ID(), d.Node(), d.LateBatches)
		}
	}
	return nil
}

// CatchUpLag is how far behind the upstream's resolved ts a live
// dispatcher's checkpoint may be once I11's goal is met (5 s of ts).
const CatchUpLag = 5 * cluster.TsPerSecond

// CheckI11CaughtUp is the liveness goal of the phase after the heal:
// every dispatcher of every node's current incarnation has a checkpoint
// within CatchUpLag of the upstream's resolved ts (PROTOCOL.md 5 I11: if
// L keeps producing resolved ts and the sink drains, cp advances). Not an
// invariant: it is false until the cluster caught up, so workloads hand
// it to sim.World.Eventually with a deadline (Start: 2 minutes after the
// heal), and a stall fails as a liveness failure that names the
// dispatcher, its session's state and what its event services hold for
// it (the shape of 6.3 H3: a session waiting for a Ready that never
// comes).
func CheckI11CaughtUp(c *cluster.Cluster) error {
	resolved := c.Upstream.ResolvedTs(c.TableSpan(1))
	for _, n := range c.Nodes() {
		for _, d := range c.NodeDispatchers(n) {
			if cp := d.CheckpointTs(); cp+CatchUpLag < resolved {
				return &notCaughtUp{c: c, n: n, d: d, cp: cp, resolved: resolved}
			}
		}
	}
	return nil
}

// notCaughtUp is I11's error. The goal is checked after every step until
// it is met, and only the last check's message is ever read, so the
// description of the session and the records is built when the error is
// formatted (the simulator formats a goal's error at once), not at every
// unmet check.
type notCaughtUp struct {
	c            *cluster.Cluster
	n            *cluster.Node
	d            *cluster.Dispatcher
	cp, resolved wire.Ts
}

func (e *notCaughtUp) Error() string {
	state := "no session in its collector"
	if e.n.Collector != nil {
		if st, ok := e.n.Collector.Stat(e.d.ID()); ok {
			state = fmt.Sprintf("session %+v", st.Snapshot())
		}
	}
	return fmt.Sprintf("dispatcher %s on %s: checkpoint %d, upstream resolved %d; %s; records: %s", e.d.ID(), e.n.ID, e.cp, e.resolved, state, recordsOf(e.c, e.d))
}

// recordsOf describes what every live event service holds for d.
func recordsOf(c *cluster.Cluster, d *cluster.Dispatcher) string {
	out := ""
	for _, n := range c.Nodes() {
		if n.Service == nil {
			continue
		}
		for _, r := range n.Service.Records() {
			if r.Dispatcher == d.ID() {
				out += fmt.Sprintf("[%s: %+v]", n.ID, r)
			}
		}
	}
	if out == "" {
		return "none"
	}
	return out
}
