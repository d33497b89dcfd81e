package workloads

import (
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/wire"
)

// The checkers of what the heartbeats say (PROTOCOL.md 3.5, 5 I7, I8).
// A heartbeat is checked when its collector queues it (the observer of
// cluster.Config.Observe), against the live session and sink at that
// moment and against what the per-step trackers below recorded.
//
// T10 reads a session's current service, yields, then reads its epoch
// record (4.3 race 1), and a heartbeat round collects every dispatcher of
// the node before queueing one message per service. A round takes no
// virtual time (yields and requestMu are scheduling points, not sleeps),
// so "at the moment of the report" is checked as "at this virtual
// instant": the service was current at a step end of this instant, is
// current now, or stopped being current at this instant.

// heartbeatState is one dispatcher's heartbeat history.
type heartbeatState struct {
	// I8: the current service at the last step end, and for each service
	// the virtual time it last stopped being current.
	current wire.ServerID
	leftAt  map[wire.ServerID]clock.Time
	// I7: the last checkpoint reported to each service.
	reported map[wire.ServerID]wire.Ts
}

func (st *CheckState) heartbeat(id wire.DispatcherID) *heartbeatState {
	ds := st.of(id)
	if ds.hb.leftAt == nil {
		ds.hb.leftAt, ds.hb.reported = map[wire.ServerID]clock.Time{}, map[wire.ServerID]wire.Ts{}
	}
	return &ds.hb
}

// trackCurrent records, at a step end, each session's current service
// (removed or gone sessions have none) for I8.
func (st *CheckState) trackCurrent(c *cluster.Cluster) {
	now := st.now()
	for _, i := range st.changedSessions(c) {
		cs := &st.snaps[i]
		cur := wire.ServerID("")
		if cs.ok && !cs.snap.Removed {
			cur = cs.snap.CurrentEventServiceID
		}
		hb := st.heartbeat(c.Dispatchers[i].ID())
		if cur != hb.current {
			if hb.current != "" {
				hb.leftAt[hb.current] = now
			}
			hb.current = cur
		}
	}
}

// observeHeartbeat checks one queued heartbeat of node from to service
// to; the first violation is kept for CheckI7/CheckI8 to report.
func (st *CheckState) observeHeartbeat(from, to wire.ServerID, msg *wire.DispatcherHeartbeat) {
	if st.c == nil {
		return // not installed: nothing to compare with
	}
	n := st.c.Node(from)
	for _, p := range msg.Progress {
		live, sink := st.liveSession(n, p.DispatcherID)
		hb := st.heartbeat(p.DispatcherID)
		if st.i8Err == nil && !st.wasCurrent(hb, live, to) {
			st.i8Err = fmt.Errorf("%s queued a heartbeat for %s to %s (epoch %d, checkpoint %d), which was not its current service at %v (current %q)",
				from, p.DispatcherID, to, p.Epoch, p.CheckpointTs, st.now(), live.CurrentEventServiceID)
		}
		if st.i7Err == nil {
			st.i7Err = checkReport(from, to, p, hb, live, sink)
		}
		hb.reported[to] = max(hb.reported[to], p.CheckpointTs)
	}
}

// wasCurrent is I8's rule: to was the session's current service at this
// virtual instant.
func (st *CheckState) wasCurrent(hb *heartbeatState, live *session.Snapshot, to wire.ServerID) bool {
	if live != nil && live.CurrentEventServiceID == to || hb.current == to {
		return true
	}
	left, ok := hb.leftAt[to]
	return ok && left == st.now()
}

// checkReport is I7's rule for one heartbeat entry: see CheckI7.
func checkReport(from, to wire.ServerID, p wire.DispatcherProgress, hb *heartbeatState, live *session.Snapshot, sink *cluster.Dispatcher) error {
	if last, ok := hb.reported[to]; ok && p.CheckpointTs < last && !syncPointStepBack(sink, last, p.CheckpointTs) {
		return fmt.Errorf("%s reported checkpoint %d for %s to %s (epoch %d) after reporting %d", from, p.CheckpointTs, p.DispatcherID, to, p.Epoch, last)
	}
	if live != nil && live.Epoch == p.Epoch && p.CheckpointTs > live.MaxEventTs {
		return fmt.Errorf("%s reported checkpoint %d for %s to %s, above what epoch %d validated (%d)", from, p.CheckpointTs, p.DispatcherID, to, p.Epoch, live.MaxEventTs)
	}
	if sink != nil && p.CheckpointTs > sink.CheckpointTs() {
		return fmt.Errorf("%s reported checkpoint %d for %s to %s (epoch %d), above its sink's checkpoint %d", from, p.CheckpointTs, p.DispatcherID, to, p.Epoch, sink.CheckpointTs())
	}
	return nil
}

// liveSession returns the session of id in n's collector (nil if it has
// none) and its sink (nil once removed).
func (st *CheckState) liveSession(n *cluster.Node, id wire.DispatcherID) (*session.Snapshot, *cluster.Dispatcher) {
	var live *session.Snapshot
	if n.Collector != nil {
		if s, ok := n.Collector.Stat(id); ok {
			snap := s.Snapshot()
			live = &snap
		}
	}
	for _, d := range st.c.NodeDispatchers(n) {
		if d.ID() == id {
			return live, d
		}
	}
	return live, nil
}

// CheckI7HeartbeatCheckpoint: the checkpoint a dispatcher reports to a
// service never decreases, and never exceeds what the reported epoch has
// validated (the session's maxEventTs while that epoch is current) nor
// the sink's own checkpoint; and each sink's checkpoint never decreases
// (PROTOCOL.md 5 I7, 3.5). The server uses the reported checkpoint to
// move its scan and GC: a checkpoint above what the new epoch delivered
// (#4492) lets it skip data the dispatcher still needs, and one that goes
// backwards means the client lost track of its own progress.
//
// Each report is checked when the heartbeat is queued (Observe); the
// sinks' checkpoints after every step. A sink whose dispatcher was
// removed, or whose node restarted, is no longer checked. Known
// exception, measured in FINDINGS.md: none is tolerated here; see there.
// One step back is TiCDC's and tolerated (syncPointStepBack): a sync
// point at exactly the sink's checkpoint (a start or reset ts on the
// cadence; package eventservice, "Request fields").
func CheckI7HeartbeatCheckpoint(c *cluster.Cluster, st *CheckState) error {
	if st.i7Err != nil {
		return st.i7Err
	}
	for len(st.sinkCp) < len(c.Dispatchers) {
		st.sinkCp = append(st.sinkCp, 0)
	}
	for _, i := range st.changes(c) {
		d := c.Dispatchers[i]
		if d.Removed {
			continue
		}
		cp := d.CheckpointTs()
		if cp < st.sinkCp[i] && !syncPointStepBack(d, st.sinkCp[i], cp) {
			return fmt.Errorf("dispatcher %s on %s: sink checkpoint went from %d back to %d", d.ID(), d.Node(), st.sinkCp[i], cp)
		}
		st.sinkCp[i] = cp
	}
	return nil
}

// CheckI8HeartbeatsToCurrent: a heartbeat entry for a dispatcher goes
// only to the service that is its current one, and a session without a
// current service sends none (PROTOCOL.md 5 I8, 3.5 T10). A heartbeat to
// another service keeps a stale record alive there (it is never swept)
// and tells it a checkpoint it should not act on.
//
// Checked at enqueue time against "current at this virtual instant" (see
// the top of this file), since T10's reads and the send are not atomic;
// the trackers are updated after every step, so install it with every=1.
// Congestion control (3.6) is sent directly, not queued, and is not
// observed.
func CheckI8HeartbeatsToCurrent(c *cluster.Cluster, st *CheckState) error {
	if st.i8Err != nil {
		return st.i8Err
	}
	st.trackCurrent(c)
	return nil
}

// syncPointStepBack reports whether a checkpoint that went from from to
// to is the one step back a sync point causes: the sink accepted a sync
// point at from, its checkpoint then, and while that sync point is
// pending the checkpoint is its commitTs minus one (TiCDC's
// TableProgress.GetCheckpointTs). Without sync points it never holds.
func syncPointStepBack(d *cluster.Dispatcher, from, to wire.Ts) bool {
	return d != nil && to+1 == from && d.AcceptedSyncPointAt(from)
}
