package workloads

import (
	"fmt"
	"slices"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/wire"
)

// CheckI14NoLeakedRecords: once the cluster is quiet (faults healed, no
// adds or removes for a while, every node up), every record on every
// event service, local or remote, and every subscriber of every
// upstream subscription, belongs to a live session whose current or
// pending target is that service (PROTOCOL.md 5 I9, 1.4, 3.3; issue 13's
// resource hygiene). A record nobody targets scans, sends and holds a
// subscription (and with it the event store's GC) for nobody; an
// epoch-0 remote record is never swept, a handshaked one only after an
// hour without heartbeats. I9 checks L only; this looks everywhere.
//
// What counts as targeting service S, for the session of the record's
// dispatcher in its collector's current incarnation: S is current, or
// S is the pending remote probe, or S is L and localReadyPending. What
// the protocol excuses, PROTOCOL.md 5 I9 and 2.5:
//
//   - a remote record whose last request queued to that service was a
//     REMOVE: REMOVEs to remotes are best-effort (dropped after three
//     failed sends, or overtaken by a REGISTER requeued at the tail), so
//     HEAD leaks it legitimately; what is caught is a record left
//     behind with no REMOVE ever sent after its REGISTER or RESET (T3's
//     and T9's cleanup skipped), the first bug class issue 13 names;
//   - a remote record of a dispatcher whose collector crashed: nobody
//     is left to send its REMOVE (its node's restart closed it without
//     T9). Unless the run's heartbeat timeout is short enough for the
//     quiet phase (CheckState.sweepWithin, set by Start): then a
//     handshaked record (seq > 0, TiCDC dispatcher_stat.go
//     isHandshaked) must have been swept as inactive (event_broker.go
//     reportDispatcherStatToStore), and only an epoch-0 one is excused.
//
// Not excused anywhere: a record on L nobody targets (requests to L
// never cross the network and are retried forever), an orphan (a record
// a later REGISTER overwrote, 6.3 H1: nothing can remove it), and a
// subscriber whose record is removed (unregistering skipped: the
// subscription outlives every reader), and a record whose cancelled
// scan's state still waits in the event service's cleanup retry queue
// (TiCDC's pendingLargeTxnCleanup: retried every 10 s, and the retries
// succeed once the faults are healed).
//
// Not an invariant, for I9's reason: call it at a quiescent point, or
// through an OrphanTracker whose Find is Leaks, as Start does.
func CheckI14NoLeakedRecords(c *cluster.Cluster, st *CheckState) error {
	if l := Leaks(c, st); len(l) > 0 {
		return l[0]
	}
	return nil
}

// Leaks returns every I14 leak of c, in node order, then by dispatcher.
func Leaks(c *cluster.Cluster, st *CheckState) []Orphan {
	var out []Orphan
	for _, n := range c.Nodes() {
		if n.Service == nil {
			continue
		}
		for _, r := range n.Service.Records() {
			if r.Removed {
				continue
			}
			if why := st.leakReason(c, n.ID, r); why != "" {
				out = append(out, Orphan{Node: n.ID, Dispatcher: r.Dispatcher, Epoch: r.Epoch, Orphaned: r.Orphaned, Why: why})
			}
		}
		out = append(out, schemaLeaks(n)...)
		for _, r := range n.Service.PendingCleanups() {
			out = append(out, Orphan{Node: n.ID, Dispatcher: r.Dispatcher, Epoch: r.Epoch,
				Why: "the state of its cancelled scan still waits in the cleanup retry queue, which the heal must drain within one retry"})
		}
		for _, sub := range n.Service.SubscriptionDetails() {
			for _, s := range sub.Subscribers {
				if s.Removed {
					out = append(out, Orphan{Node: n.ID, Dispatcher: s.Dispatcher, Orphaned: s.Orphaned,
						Why: fmt.Sprintf("subscription %d (span %s) still has it as a subscriber, but its record is removed", sub.ID, sub.Span)})
				}
			}
		}
	}
	return out
}

// schemaLeaks is I14 for the schema store of node n: every table
// registration it holds belongs to a live record (an orphaned one
// included, which still holds its own), so a REMOVE or sweep that does
// not unregister its table leaks the table's schema history (TiCDC's
// removeDispatcher calls UnregisterTable, event_broker.go). Registrations
// move only with their records, under the broker's lock, so the count is
// exact whenever I14 looks.
func schemaLeaks(n *cluster.Node) []Orphan {
	held, ok := n.Service.SchemaRegistrations()
	if !ok {
		return nil
	}
	var live int64
	for _, r := range n.Service.Records() {
		if !r.Removed && r.TableRegistered {
			live++
		}
	}
	if held == live {
		return nil
	}
	return []Orphan{{Node: n.ID, Why: fmt.Sprintf("the schema store holds %d table registrations, but %d live records registered a table", held, live)}}
}

// leakReason is I14's rule for one live record r on service svc: "" if
// a live session targets svc or the protocol excuses the record, else
// what is wrong.
func (st *CheckState) leakReason(c *cluster.Cluster, svc wire.ServerID, r eventservice.RecordSnapshot) string {
	if r.Orphaned {
		return "orphaned by a later REGISTER of the same dispatcher (PROTOCOL.md 6.3 H1)"
	}
	d := dispatcherByID(c, r.Dispatcher)
	if d == nil {
		return "no such dispatcher was ever created"
	}
	if snap, ok := snapshot(c, d); ok && !snap.Removed {
		if targets(snap, d.Node(), svc) || snap.InTransition {
			return ""
		}
		if svc != d.Node() && st.lastAction[serviceKey{r.Dispatcher, svc}] == wire.ActionRemove {
			return "" // the session moved on; its REMOVE was best-effort
		}
		return fmt.Sprintf("its live session on %s targets neither it (current %q, pending remote %q, local pending %t)",
			d.Node(), snap.CurrentEventServiceID, snap.PendingRemoteEventServiceID, snap.LocalReadyPending)
	}
	if svc == d.Node() {
		return "its collector has no live session for it (a REMOVE to L is never lost)"
	}
	if !st.removedFromLocal[r.Dispatcher] {
		// Its collector crashed: nobody is left to remove it, and only
		// the inactivity sweep can, once the record is handshaked.
		if st.sweepWithin > 0 && r.Seq > 0 {
			return fmt.Sprintf("its collector on %s crashed, and the record is handshaked (seq %d): the inactivity sweep must have removed it within %s of its last heartbeat",
				d.Node(), r.Seq, st.sweepWithin)
		}
		return ""
	}
	if st.lastAction[serviceKey{r.Dispatcher, svc}] == wire.ActionRemove {
		return "" // best-effort REMOVE to a remote, lost or overtaken
	}
	return fmt.Sprintf("its session on %s was removed, and no REMOVE was queued to %s after its last %s there",
		d.Node(), svc, st.lastAction[serviceKey{r.Dispatcher, svc}])
}

// targets reports whether a session of a collector on node local has svc
// as its current or pending target.
func targets(snap session.Snapshot, local, svc wire.ServerID) bool {
	return snap.CurrentEventServiceID == svc || snap.PendingRemoteEventServiceID == svc ||
		svc == local && snap.LocalReadyPending
}

// serviceKey is one dispatcher's requests to one service.
type serviceKey struct {
	id wire.DispatcherID
	to wire.ServerID
}

// dispatcherByID finds a dispatcher of c by ID: IDs grow with creation,
// so Dispatchers is sorted by them.
func dispatcherByID(c *cluster.Cluster, id wire.DispatcherID) *cluster.Dispatcher {
	i, found := slices.BinarySearchFunc(c.Dispatchers, id, func(d *cluster.Dispatcher, id wire.DispatcherID) int {
		switch {
		case d.ID() < id:
			return -1
		case d.ID() > id:
			return 1
		}
		return 0
	})
	if !found {
		return nil
	}
	return c.Dispatchers[i]
}
