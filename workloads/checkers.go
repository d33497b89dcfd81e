package workloads

import (
	"fmt"
	"slices"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/wire"
)

// CheckState is what the checkers keep between calls: for each
// dispatcher, how far its sink's history was checked and the last values
// seen (for monotonicity), plus what Observe learnt from the request
// stream. One CheckState serves one run; its Observe method must be the
// cluster's Config.Observe.
//
// It is only read and written between simulator steps (the invariants) or
// synchronously by the model's tasks (Observe), never concurrently, so it
// needs no lock. Maps are only looked up, never ranged over.
type CheckState struct {
	byID    map[wire.DispatcherID]*dispatcherState
	byIndex []*dispatcherState // byID of c.Dispatchers[i], filled by at
	// removedFromLocal holds the dispatchers whose collector queued a
	// REMOVE to its own node: T9 (the only transition that sends REMOVE
	// to L) has run.
	removedFromLocal map[wire.DispatcherID]bool
	// preparing holds the merged dispatchers between ObservedPrepare and
	// ObservedCommit.
	preparing map[wire.DispatcherID]bool
	// restored lists the dispatchers an aborted merge registered again
	// since the last snapshot refresh (checkers_restore.go).
	restored []wire.DispatcherID
	// lastAction is the last request each dispatcher's collector queued
	// to each service (I14: was a remote record's REMOVE ever sent?).
	lastAction map[serviceKey]wire.ActionType
	// limits bound I15 and I16 (zero: I15's counts and I16 are off);
	// work is I15's state, stall I16's (checkers_work.go,
	// checkers_progress.go).
	limits *Limits
	work   workState
	stall  stallState
	// memory is I18's, I19's and I20's state (checkers_memory.go).
	memory memoryState
	// sweepWithin, if positive, is how long after its last heartbeat an
	// event service sweeps a handshaked record (the run's heartbeat
	// timeout plus one sweep interval): I14 then does not excuse such a
	// record of a crashed collector. Start sets it when that is shorter
	// than the quiet phase's settle time.
	sweepWithin time.Duration
	// policy is I23's and I24's (checkers_policy.go), sends I26's
	// (checkers_send.go).
	policy policyState
	sends  sendState
	// store is I21's and I22's (checkers_store.go); msgs is I15's
	// message budgets' (checkers_messages.go).
	store storeState
	msgs  messageState
	// The first violation Observe saw for I1, I2 and I13: Observe runs
	// inside a transition and cannot fail the run, so the next invariant
	// check reports it.
	i1Err, i2Err, i13Err error
	// The first heartbeat Observe found wrong (I7, I8), and each sink's
	// last checkpoint (I7), by index in c.Dispatchers.
	i7Err, i8Err error
	sinkCp       []wire.Ts

	// c and now are the run's cluster and virtual clock (Install sets
	// them): the heartbeat checks compare a report with the live state.
	c   *cluster.Cluster
	now func() clock.Time

	// step, if set, numbers the simulator's steps (Install sets it):
	// the session snapshots are then taken once per step and shared by the
	// checkers, snaps[i] being c.Dispatchers[i]'s at snapStep.
	step      func() uint64
	snapStep  uint64
	snapValid bool
	snaps     []cachedSnapshot
	changed   []int // indices of snaps with changed set, in order

	// With step set, the checkers look only at the dispatchers whose sink
	// or session changed: watch lists them (cluster.Watch), and changeIdx
	// holds those taken during step changeStep.
	watch       *cluster.Watch
	changeStep  uint64
	changeValid bool
	changeBuf   []*cluster.Dispatcher
	changeIdx   []int
}

type cachedSnapshot struct {
	snap session.Snapshot
	ok   bool
	// changed: the session may differ from what the checkers saw at the
	// previous refresh (its Version moved, it appeared or went away), so
	// the snapshot checkers look at it again; always true without
	// st.step. Skipping the others is what makes per-step checking
	// affordable: most steps touch one session or none.
	changed bool
	stat    *session.Stat
	version uint64
	// coll is the collector stat was found in: while the node keeps that
	// incarnation, stat is used without a lookup. A stat its collector
	// dropped after T9 keeps its last (removed) snapshot until the
	// cluster closes the dispatcher; removed sessions satisfy every rule.
	coll   *collector.EventCollector
	node   *cluster.Node // the dispatcher's node, looked up once
	queued bool          // in st.changed (while snapshots builds it)
}

// dispatcherState is one dispatcher's checked history.
type dispatcherState struct {
	// I3, I4: how far each went along the sink's Handed.
	i3, i4 handedCursor
	// I2: the highest session epoch seen; the RESETs queued so far.
	epochSeen uint64
	resets    uint64        // the epoch of the last RESET queued
	resetTo   wire.ServerID // where it went
	// I5: Flushed[:flushed] went into flushedAt; every change of the span
	// in (start, verifiedTo] was found there.
	flushed   int
	flushedAt map[wire.Ts]string
	// flushedRows is every row ID flushed: a transaction split across
	// events is flushed in fragments, and I5 wants all of its rows.
	flushedRows map[uint64]bool
	verifiedTo  wire.Ts
	verified    bool
	// I7, I8: what its heartbeats said and where its session pointed.
	hb heartbeatState
	// I15: what it asked for and what it cost; I16: its watchdog; I17:
	// its RESETs and the duplicates they explain.
	work  workCounts
	watch stallWatch
	dups  dupState
	// I27: how far it went along the sink's Handed, and the last sync
	// point accepted there.
	syncPoints syncPointCursor
}

// NewCheckState returns the state of a run that has checked nothing yet.
func NewCheckState() *CheckState {
	return &CheckState{byID: map[wire.DispatcherID]*dispatcherState{},
		removedFromLocal: map[wire.DispatcherID]bool{}, preparing: map[wire.DispatcherID]bool{},
		lastAction: map[serviceKey]wire.ActionType{}, limits: &Limits{}, stall: stallState{every: time.Second}}
}

// at returns the state of c.Dispatchers[i] (a faster of).
func (st *CheckState) at(c *cluster.Cluster, i int) *dispatcherState {
	for len(st.byIndex) < len(c.Dispatchers) {
		st.byIndex = append(st.byIndex, st.of(c.Dispatchers[len(st.byIndex)].ID()))
	}
	return st.byIndex[i]
}

func (st *CheckState) of(id wire.DispatcherID) *dispatcherState {
	ds := st.byID[id]
	if ds == nil {
		ds = &dispatcherState{}
		st.byID[id] = ds
	}
	return ds
}

// Observe is the cluster's Config.Observe: it follows the request stream
// (PROTOCOL.md 2.1) and the two-phase adds. It runs on the model's tasks,
// sometimes inside a session transition, so it only records; violations
// are reported by the next call of the checker they belong to.
func (st *CheckState) Observe(o cluster.Observation) {
	switch o.Kind {
	case cluster.ObservedPrepare:
		st.preparing[o.Dispatcher] = true
	case cluster.ObservedCommit:
		delete(st.preparing, o.Dispatcher)
	case cluster.ObservedSubscription:
		st.observeSubscription(o)
	case cluster.ObservedRestore:
		st.restore(o.Dispatcher)
	case cluster.ObservedSent:
		st.attempted(o.Node, o.Msg)
		st.observeSent(o)
	case cluster.ObservedSendFailed:
		st.observeSendFailed(o)
	case cluster.ObservedDrop:
		if d, ok := o.Msg.(collector.DropDecision); ok {
			st.observeDrop(o.Node, d)
		}
	case cluster.ObservedRequest:
		switch m := o.Msg.(type) {
		case *wire.DispatcherRequest:
			st.observeRequest(o.Node, o.To, m)
		case *wire.DispatcherHeartbeat:
			st.observeHeartbeat(o.Node, o.To, m)
		}
	}
}

func (st *CheckState) observeRequest(from, to wire.ServerID, r *wire.DispatcherRequest) {
	id := r.DispatcherID
	st.lastAction[serviceKey{id, to}] = r.Action
	st.observeWork(from, to, r)
	if r.Action == wire.ActionRemove && to == from {
		st.removedFromLocal[id] = true
		return
	}
	// T9 itself queues REMOVE to L first, then to the current and
	// pending remote services: a REMOVE after the REMOVE to L is T9's
	// own output, not a request after removal.
	if st.removedFromLocal[id] && r.Action != wire.ActionRemove && st.i1Err == nil {
		st.i1Err = fmt.Errorf("%s queued %s to %s after its REMOVE to L %s", from, r, to, from)
	}
	if r.Action != wire.ActionReset {
		return
	}
	if st.preparing[id] && st.i13Err == nil {
		st.i13Err = fmt.Errorf("%s queued %s to %s for a two-phase add before its commit", from, r, to)
	}
	ds := st.of(id)
	if r.Epoch != ds.resets+1 && st.i2Err == nil {
		st.i2Err = fmt.Errorf("%s queued %s to %s: the previous RESET had epoch %d", from, r, to, ds.resets)
	}
	ds.resets, ds.resetTo = r.Epoch, to
	ds.dups.resets = append(ds.dups.resets, resetEntry{epoch: r.Epoch, to: to, resetTs: r.StartTs})
}

// snapshots returns the session state of every dispatcher of c, in the
// order of c.Dispatchers, refreshed once per step when st.step is set:
// only the dispatchers the watch listed (changes) and the new ones are
// looked at, and of those a session whose Version did not move keeps its
// snapshot and is marked unchanged. A removed dispatcher has no session
// (IDs are never reused).
func (st *CheckState) snapshots(c *cluster.Cluster) []cachedSnapshot {
	if st.step != nil && st.snapValid && st.snapStep == st.step() && len(st.snaps) == len(c.Dispatchers) {
		return st.snaps
	}
	tracking := st.step != nil
	st.forgetRestoredStats(c)
	for _, i := range st.changed {
		st.snaps[i].changed = false
	}
	st.changed = st.changed[:0]
	fresh := len(st.snaps)
	for len(st.snaps) < len(c.Dispatchers) {
		st.snaps = append(st.snaps, cachedSnapshot{})
	}
	look := func(i int) {
		if st.refresh(c, i, tracking) && !st.snaps[i].queued {
			st.snaps[i].queued = true
			st.changed = append(st.changed, i)
		}
	}
	for _, i := range st.changes(c) {
		look(i)
	}
	for i := fresh; i < len(c.Dispatchers); i++ {
		look(i)
	}
	for _, i := range st.changed {
		st.snaps[i].queued = false
	}
	slices.Sort(st.changed) // the checkers' order: c.Dispatchers'
	if tracking {
		st.snapStep, st.snapValid = st.step(), true
	}
	return st.snaps
}

// refresh brings snaps[i] up to date with c.Dispatchers[i]'s session and
// reports whether it changed (always, when not tracking).
func (st *CheckState) refresh(c *cluster.Cluster, i int, tracking bool) bool {
	d, cs := c.Dispatchers[i], &st.snaps[i]
	var stat *session.Stat
	if !d.Removed {
		if cs.node == nil {
			cs.node = c.Node(d.Node())
		}
		if n := cs.node; cs.stat != nil && n.Collector == cs.coll {
			stat = cs.stat
		} else if stat = statOf(c, d); stat != nil {
			cs.coll = n.Collector
		}
	}
	if stat == nil {
		cs.changed = cs.ok || !tracking
		cs.snap, cs.ok, cs.stat, cs.coll = session.Snapshot{}, false, nil, nil
		return cs.changed
	}
	v := stat.Version()
	if tracking && cs.ok && stat == cs.stat && v == cs.version {
		return false
	}
	cs.snap, cs.ok, cs.changed, cs.stat, cs.version = stat.Snapshot(), true, true, stat, v
	return true
}

// changedSessions returns the indices (in c.Dispatchers) of the sessions
// that changed since the previous step, in order: every one without
// st.step.
func (st *CheckState) changedSessions(c *cluster.Cluster) []int {
	st.snapshots(c)
	return st.changed
}

// changes returns the indices (in c.Dispatchers) of the dispatchers whose
// sink or session changed during this step or since the previous one
// (cluster.Watch): every dispatcher without st.step, or on the first call
// (the watch starts then). Within a step the list only grows, so a
// checker called twice in one step (a test's forged history) sees what
// changed in between; an index may then appear twice, which the sink
// checkers tolerate: they are idempotent.
func (st *CheckState) changes(c *cluster.Cluster) []int {
	if st.step == nil || st.watch == nil {
		if st.step != nil {
			st.watch = c.Watch()
			st.changeStep, st.changeValid = st.step(), true
		}
		st.changeIdx = st.changeIdx[:0]
		for i := range c.Dispatchers {
			st.changeIdx = append(st.changeIdx, i)
		}
		return st.changeIdx
	}
	if now := st.step(); !st.changeValid || st.changeStep != now {
		st.changeIdx, st.changeStep, st.changeValid = st.changeIdx[:0], now, true
	}
	st.changeBuf = c.TakeChanged(st.watch, st.changeBuf[:0])
	for _, d := range st.changeBuf {
		st.changeIdx = append(st.changeIdx, d.Index)
	}
	return st.changeIdx
}

// statOf returns d's session in the collector of d's node's current
// incarnation, nil once the collector no longer has it (removed, or the
// node restarted).
func statOf(c *cluster.Cluster, d *cluster.Dispatcher) *session.Stat {
	n := c.Node(d.Node())
	if n.Collector == nil {
		return nil
	}
	s, ok := n.Collector.Stat(d.ID())
	if !ok {
		return nil
	}
	return s
}

// snapshot returns the session state of d (see statOf); ok is false when
// it has none.
func snapshot(c *cluster.Cluster, d *cluster.Dispatcher) (session.Snapshot, bool) {
	if s := statOf(c, d); s != nil {
		return s.Snapshot(), true
	}
	return session.Snapshot{}, false
}

// CheckI1NoRequestAfterRemove: no REGISTER, RESET or remote probe is
// queued for a session after it was removed (PROTOCOL.md 5 I1, 6.1 F2).
// A request after REMOVE re-creates server state nobody will clean up.
//
// It watches the request stream at the moment requests are queued (the
// network-level version does not hold: a REGISTER requeued after a failed
// send may still reach a server after the REMOVE). T9 is the only
// transition that sends REMOVE to L, and it sets removed before sending,
// under requestMu, so any REGISTER or RESET queued after a REMOVE to L
// came from a removed session. Needs st.Observe installed as the cluster's
// observer.
func CheckI1NoRequestAfterRemove(_ *cluster.Cluster, st *CheckState) error {
	return st.i1Err
}

// CheckI2EpochMonotonic: per dispatcher the session epoch never
// decreases, every RESET carries the epoch after the previous RESET's
// (1, 2, 3, ...: strictly +1 per RESET), and outside a transition the
// session's epoch is the last RESET's (PROTOCOL.md 5 I2). The server
// accepts a RESET only above its record's epoch and the collector rejects
// stale streams by epoch equality; a skipped or repeated epoch breaks
// both.
//
// Transient states: a snapshot taken while a task holds requestMu
// (InTransition) may have advanced the epoch before queueing the RESET,
// so the equality is only checked outside transitions.
func CheckI2EpochMonotonic(c *cluster.Cluster, st *CheckState) error {
	if st.i2Err != nil {
		return st.i2Err
	}
	for _, i := range st.changedSessions(c) {
		d, snap := c.Dispatchers[i], &st.snaps[i].snap
		if !st.snaps[i].ok {
			continue
		}
		ds := st.at(c, i)
		if snap.Epoch < ds.epochSeen {
			return fmt.Errorf("dispatcher %s on %s: session epoch went from %d back to %d", d.ID(), d.Node(), ds.epochSeen, snap.Epoch)
		}
		ds.epochSeen = snap.Epoch
		if !snap.InTransition && snap.Epoch != ds.resets {
			return fmt.Errorf("dispatcher %s on %s: session epoch %d but the last RESET queued had epoch %d", d.ID(), d.Node(), snap.Epoch, ds.resets)
		}
	}
	return nil
}

// CheckI6OneServicePerEpoch: each epoch > 0 is bound to the one service
// its RESET went to; outside a transition, a session at epoch e > 0 with
// a current service has the RESET's destination as current (PROTOCOL.md
// 5 I2 consequence, I6). Otherwise accepted data (of the current epoch)
// would come from one service while heartbeats go to another; the I6
// caveat (T6 resetting L while a remote is current) is what this catches.
//
// Transient states: T3 and T4' change current and reset in one
// transition, so InTransition snapshots are skipped; a removed session
// has no current and is skipped.
func CheckI6OneServicePerEpoch(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changedSessions(c) {
		d, snap := c.Dispatchers[i], &st.snaps[i].snap
		if !st.snaps[i].ok || snap.InTransition || snap.Epoch == 0 || snap.CurrentEventServiceID == "" {
			continue
		}
		ds := st.at(c, i)
		if ds.resets == snap.Epoch && ds.resetTo != snap.CurrentEventServiceID {
			return fmt.Errorf("dispatcher %s on %s: epoch %d was reset on %s but the current service is %s",
				d.ID(), d.Node(), snap.Epoch, ds.resetTo, snap.CurrentEventServiceID)
		}
	}
	return nil
}

// CheckI12OneProbe: at most one remote probe is outstanding, and the
// candidates are well formed (PROTOCOL.md 5 I12, 3.1 T2, T5', T3, T4').
// Outside a transition: remaining candidates imply a pending probe (T5”
// clears the pending remote only when none are left); the pending remote
// is never L (T8 on L sets localReadyPending instead); the candidates hold
// neither L, nor the pending remote, nor a duplicate (the probe visits
// each node once); and once a service is current the candidates are
// gone (any accepted Ready clears them, and T2 needs no current).
// Structurally the session has one pendingRemote field, so "one probe"
// is what these relations keep true.
func CheckI12OneProbe(c *cluster.Cluster, st *CheckState) error {
	for _, i := range st.changedSessions(c) {
		d, snap := c.Dispatchers[i], &st.snaps[i].snap
		if !st.snaps[i].ok || snap.InTransition {
			continue
		}
		if why := probeViolation(d.Node(), *snap); why != "" {
			return fmt.Errorf("dispatcher %s on %s: %s: current %q, pending %q, candidates %v",
				d.ID(), d.Node(), why, snap.CurrentEventServiceID, snap.PendingRemoteEventServiceID, snap.RemoteCandidates)
		}
	}
	return nil
}

// probeViolation is I12's rule for a snapshot outside a transition of a
// session on node local: "" if it holds, else what is wrong.
func probeViolation(local wire.ServerID, snap session.Snapshot) string {
	pend, cands := snap.PendingRemoteEventServiceID, snap.RemoteCandidates
	switch {
	case len(cands) > 0 && pend == "":
		return "candidates left but no probe pending"
	case pend == local:
		return "the pending remote probe is L"
	case len(cands) > 0 && snap.CurrentEventServiceID != "":
		return "candidates kept after a Ready was accepted"
	case slices.Contains(cands, local) || slices.Contains(cands, pend):
		return "a candidate is L or the pending remote"
	case hasDuplicate(cands):
		return "a candidate appears twice"
	}
	return ""
}

// CheckI13NoResetBeforeCommit: a two-phase add (merge) sends no RESET
// before CommitAddDispatcher, and a session whose ready callback is still
// set is at epoch 0 (PROTOCOL.md 5 I13, 3.2 e, 6.1 F3, 6.3 H4). A RESET
// before the commit starts the merged dispatcher's data before its start
// ts is settled, and the commit then resets it again.
//
// The request stream tells "prepared but not committed" apart from
// "committed" (the session cannot: with HEAD's one-shot callback the two
// look alike), so H4 is caught where it happens. The epoch-0 rule holds
// for HEAD and for patch h4 (which keeps the callback until T6 and clears
// it before the RESET); InTransition snapshots are skipped.
func CheckI13NoResetBeforeCommit(c *cluster.Cluster, st *CheckState) error {
	if st.i13Err != nil {
		return st.i13Err
	}
	for _, i := range st.changedSessions(c) {
		d, snap := c.Dispatchers[i], &st.snaps[i].snap
		if st.snaps[i].ok && callbackViolation(*snap) {
			return fmt.Errorf("dispatcher %s on %s: ready callback still set at epoch %d", d.ID(), d.Node(), snap.Epoch)
		}
	}
	return nil
}

// CheckI9NoLocalOrphans: once the cluster is quiet (faults healed, no
// adds or removes for a while, every node up), no event service keeps a
// record for a dispatcher of its own node's collector that the collector
// no longer has (PROTOCOL.md 5 I9: every REMOVE eventually reaches L).
// Requests to L never cross the network and are retried forever, so a
// leaked local record is a bug; records on remote services are
// best-effort (REMOVEs to remotes may be dropped) and are not checked.
// Orphaned records (6.3 H1) on L count too.
//
// Not an invariant: a REGISTER applied just before its REMOVE leaves an
// orphan for the steps between the two, so call it at a quiescent point,
// or through OrphanTracker, which only fails on an orphan that lasts.
func CheckI9NoLocalOrphans(c *cluster.Cluster) error {
	if o := LocalOrphans(c); len(o) > 0 {
		return o[0]
	}
	return nil
}

// Orphan is a record an event service keeps for a dispatcher of its own
// node's collector that the collector no longer has (I9), or, with Why
// set, a record or subscriber on any service that no live session
// targets (I14, checkers_leaks.go).
type Orphan struct {
	Node       wire.ServerID
	Dispatcher wire.DispatcherID
	Epoch      uint64
	Orphaned   bool
	Why        string
}

func (o Orphan) Error() string {
	if o.Dispatcher == 0 && o.Why != "" { // a leak of the node's, not of one record (schemaLeaks)
		return fmt.Sprintf("event service %s: %s", o.Node, o.Why)
	}
	if o.Why != "" {
		return fmt.Sprintf("event service %s keeps a record of %s (epoch %d, orphaned %t): %s", o.Node, o.Dispatcher, o.Epoch, o.Orphaned, o.Why)
	}
	return fmt.Sprintf("event service %s keeps a record of %s (epoch %d, orphaned %t) that its collector does not have", o.Node, o.Dispatcher, o.Epoch, o.Orphaned)
}

// LocalOrphans returns every I9 orphan of c, in node order.
func LocalOrphans(c *cluster.Cluster) []Orphan {
	var out []Orphan
	for _, n := range c.Nodes() {
		if n.Service == nil || n.Collector == nil {
			continue
		}
		have := n.Collector.DispatcherIDs()
		for _, r := range n.Service.Records() {
			if r.TableTrigger || r.ServerID != n.ID || r.Removed {
				continue
			}
			if _, found := slices.BinarySearch(have, r.Dispatcher); !found {
				out = append(out, Orphan{Node: n.ID, Dispatcher: r.Dispatcher, Epoch: r.Epoch, Orphaned: r.Orphaned})
			}
		}
	}
	return out
}

// OrphanTracker is I9 (and, with Find set, I14) as an invariant of the
// quiet phase: it fails on an orphan that outlives Grace, not on one
// whose REMOVE is the next request in L's intake.
type OrphanTracker struct {
	Grace time.Duration
	// Find lists the orphans: nil is I9's LocalOrphans; I14 passes Leaks.
	Find func(*cluster.Cluster) []Orphan
	// Every, if set, spaces the checks by at least that much virtual
	// time: Check returns nil at once when the last one was more recent.
	// Looking at every service's records after every step is most of the
	// quiet phase's checking cost, and an orphan is measured in virtual
	// time anyway: it is then seen up to Every late, against a Grace of
	// a second.
	Every   time.Duration
	since   map[Orphan]clock.Time
	last    clock.Time
	checked bool
}

// Check fails if an orphan of c has lasted more than Grace by now.
func (t *OrphanTracker) Check(c *cluster.Cluster, now clock.Time) error {
	if t.checked && now.Sub(t.last) < t.Every {
		return nil
	}
	t.last, t.checked = now, true
	seen := map[Orphan]clock.Time{}
	find := t.Find
	if find == nil {
		find = LocalOrphans
	}
	for _, o := range find(c) {
		first, ok := t.since[o]
		if !ok {
			first = now
		}
		seen[o] = first
		if now.Sub(first) > t.Grace {
			return fmt.Errorf("%w, for %s", o, now.Sub(first))
		}
	}
	t.since = seen
	return nil
}

// callbackViolation is I13's snapshot rule: outside a transition, a
// session whose ready callback is still set is at epoch 0.
func callbackViolation(snap session.Snapshot) bool {
	return !snap.InTransition && snap.ReadyCallbackSet && snap.Epoch != 0
}

func hasDuplicate(ids []wire.ServerID) bool {
	for i, id := range ids {
		if slices.Contains(ids[i+1:], id) {
			return true
		}
	}
	return false
}
