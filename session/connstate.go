package session

import (
	"slices"
	"sync/atomic"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
)

// dispatcherConnState is the connection state of one dispatcher
// (PROTOCOL.md 1.4, TiCDC's dispatcherConnState): which event service the
// data comes from and which registrations are in flight. It only applies
// state changes and returns what the session must send; it never sends.
//
// Every method takes mu itself, as in TiCDC. The transitions T1-T9 call
// them with requestMu held (lock order requestMu then connState); the
// heartbeat, congestion and data paths read through getCurrentEventServiceID
// and isRemoved without requestMu. Under the simulator each acquisition is a
// scheduling point.
type dispatcherConnState struct {
	mu *clock.RWMutex
	// version counts the write-lock acquisitions: Stat.Version; changed
	// is the session's Config.Changed hook, nil without one.
	version uint64
	changed func()
	// id names the dispatcher in assertion messages.
	id wire.DispatcherID

	// removed is terminal: once true, every register, reset, probe, Ready and
	// NotReusable handling is a no-op (I1).
	// Invariant: removed implies the four fields below are zero (HEAD;
	// f2-retry-removed keeps currentEventServiceID).
	removed bool
	// currentEventServiceID is the service whose Ready was accepted, whose
	// epoch is being consumed, and the only target of heartbeats and
	// congestion control. "" = none.
	// Invariant: a remote current implies localReadyPending (1.4).
	currentEventServiceID wire.ServerID
	// localReadyPending is raised by every REGISTER to L and lowered only
	// when L's Ready is accepted, or on removal.
	localReadyPending bool
	// pendingRemoteEventServiceID is the one remote asked with
	// REGISTER(onlyReuse) and not yet answered; during a remote
	// re-registration it equals the current remote.
	// Invariant: never L; "" or equal to current when current is set.
	pendingRemoteEventServiceID wire.ServerID
	// remoteCandidates are the remotes still to probe after a NotReusable.
	// Invariant: non-empty only while a probe is pending.
	remoteCandidates []wire.ServerID
	// localResetSinceRegister is set by a RESET to L, and
	// localServedSinceRegister when L's handshake of the current epoch is
	// accepted after one; every REGISTER to L clears both. Patch h1's
	// guard reads the second: once L streams an epoch begun after the
	// REGISTER (a RESET overtook its Ready), the record that REGISTER asked
	// for is active and L will send no Ready, so the registration is no
	// longer in flight and a later Removed must be retried. Atomics, not
	// fields under mu: the data path sets them without the lock, and
	// taking mu there would add a scheduling point to every handshake.
	localResetSinceRegister  atomic.Bool
	localServedSinceRegister atomic.Bool
}

func newDispatcherConnState(rt clock.Runtime, id wire.DispatcherID, changed func()) *dispatcherConnState {
	return &dispatcherConnState{mu: clock.NewRWMutex(rt, "connState "+id.String()), id: id, changed: changed}
}

// bump moves Stat.Version and tells the session's Config.Changed. Called
// with mu held for writing.
func (d *dispatcherConnState) bump() {
	d.version++
	if d.changed != nil {
		d.changed()
	}
}

// beginRegisterToLocal records the REGISTER to L about to be sent (T1, T8
// with S = L). It refuses a removed session.
func (d *dispatcherConnState) beginRegisterToLocal() bool {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed {
		return false
	}
	d.localReadyPending = true
	d.localResetSinceRegister.Store(false)
	d.localServedSinceRegister.Store(false)
	return true
}

// beginRegisterToRemote records the REGISTER(onlyReuse) to remote S about
// to be sent (T8 with S remote). It refuses a removed session.
func (d *dispatcherConnState) beginRegisterToRemote(serverID wire.ServerID) bool {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed {
		return false
	}
	d.pendingRemoteEventServiceID = serverID
	return true
}

// readyDecision is what the session must do after a Ready: REMOVE each
// cleanup target, in order, then commit (RESET or consume the callback) to
// commitTarget if it is not "".
type readyDecision struct {
	commitTarget   wire.ServerID
	cleanupTargets []wire.ServerID
	stray          bool // the cleanup is patch h5's REMOVE of a stray remote
}

// appendUnique appends target unless it is "", equal to skip, or present.
func appendUnique(targets []wire.ServerID, target, skip wire.ServerID) []wire.ServerID {
	if target == "" || target == skip || slices.Contains(targets, target) {
		return targets
	}
	return append(targets, target)
}

// acceptReady applies a Ready from `from` (T3, T3', T4, T4', T4”): local
// wins whenever its registration is pending; once L is current any remote
// Ready is stale and only cleaned up; a remote Ready is accepted only from
// the one remote being probed.
//
// strayRemove is patch h5: a T4” Ready from a remote that is not the
// current service either (a record the session never asked to keep, e.g.
// one a duplicated probe REGISTER created after its NotReusable was taken)
// gets a REMOVE instead of nothing, so that record does not outlive the
// session (FINDINGS.md, "A remote event service keeps a record nobody
// wants"). A resent Ready from the current remote is still ignored.
func (d *dispatcherConnState) acceptReady(from, local wire.ServerID, strayRemove bool) readyDecision {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed {
		return readyDecision{}
	}
	if from == local {
		if !d.localReadyPending {
			return readyDecision{} // T3': a duplicate or resent Ready
		}
		// T3. Cleanup is {current, pendingRemote} minus {L, ""}, deduplicated:
		// in OnRemote+reReg both name the same remote.
		cleanup := appendUnique(nil, d.currentEventServiceID, local)
		cleanup = appendUnique(cleanup, d.pendingRemoteEventServiceID, local)
		d.currentEventServiceID = local
		d.localReadyPending = false
		d.pendingRemoteEventServiceID = ""
		d.remoteCandidates = nil
		return readyDecision{commitTarget: local, cleanupTargets: cleanup}
	}
	if d.currentEventServiceID == local {
		return readyDecision{cleanupTargets: []wire.ServerID{from}} // T4
	}
	if d.pendingRemoteEventServiceID != from {
		if strayRemove && from != d.currentEventServiceID {
			return readyDecision{cleanupTargets: []wire.ServerID{from}, stray: true} // T4'' under h5
		}
		return readyDecision{} // T4''
	}
	// T4'. localReadyPending stays: a later local Ready still wins.
	d.currentEventServiceID = from
	d.pendingRemoteEventServiceID = ""
	d.remoteCandidates = nil
	return readyDecision{commitTarget: from}
}

// beginRemove marks the session removed (T9) and returns the REMOVE
// targets: L first, then current and pendingRemote, non-empty and
// deduplicated. alreadyRemoved reports a second call, which sends nothing.
// keepCurrent models f2-retry-removed (see retry.go): removal leaves
// currentEventServiceID set.
func (d *dispatcherConnState) beginRemove(local wire.ServerID, keepCurrent bool) (targets []wire.ServerID, alreadyRemoved bool) {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed {
		return nil, true
	}
	targets = appendUnique(targets, local, "")
	targets = appendUnique(targets, d.currentEventServiceID, "")
	targets = appendUnique(targets, d.pendingRemoteEventServiceID, "")
	d.removed = true
	if !keepCurrent {
		d.currentEventServiceID = ""
	}
	d.localReadyPending = false
	d.pendingRemoteEventServiceID = ""
	d.remoteCandidates = nil
	return targets, false
}

// beginRemoteProbing starts probing remotes in the coordinator's order
// (T2): the first is asked now, the rest wait for NotReusable answers. It
// ignores the candidates if a service is current or a probe is pending.
// It does not look at readyCallback (HEAD; PROTOCOL.md 6.1 F4).
func (d *dispatcherConnState) beginRemoteProbing(nodes []wire.ServerID) (wire.ServerID, bool) {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed || d.currentEventServiceID != "" || d.pendingRemoteEventServiceID != "" || len(nodes) == 0 {
		return "", false
	}
	d.pendingRemoteEventServiceID = nodes[0]
	d.remoteCandidates = slices.Clone(nodes[1:])
	return nodes[0], true
}

// advanceRemoteProbeAfterNotReusable accepts a NotReusable only from the
// pending remote (T5', T5”; else T5”'). It returns the next candidate to
// ask, or "" with accepted = true when the chain is exhausted.
func (d *dispatcherConnState) advanceRemoteProbeAfterNotReusable(from wire.ServerID) (next wire.ServerID, accepted bool) {
	d.mu.Lock()
	d.bump()
	defer d.mu.Unlock()
	if d.removed || d.pendingRemoteEventServiceID != from {
		return "", false
	}
	if len(d.remoteCandidates) == 0 {
		d.pendingRemoteEventServiceID = "" // T5'': current untouched
		return "", true
	}
	next = d.remoteCandidates[0]
	d.remoteCandidates = d.remoteCandidates[1:]
	d.pendingRemoteEventServiceID = next
	return next, true
}

// getCurrentEventServiceID is the read the heartbeat and congestion loops
// use (getEventServiceID), outside requestMu.
func (d *dispatcherConnState) getCurrentEventServiceID() wire.ServerID {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.currentEventServiceID
}

func (d *dispatcherConnState) isReceivingDataEvent() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.currentEventServiceID != ""
}

func (d *dispatcherConnState) isRemoved() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.removed
}

// assertReachableLocked checks the structural facts of PROTOCOL.md 1.4
// after a transition. removedMayKeepState relaxes "removal clears the
// other fields" for f2-retry-removed, whose removal keeps current and whose
// retry registers a removed session (retry.go). It is called with requestMu held and without mu: every
// writer of connState holds requestMu, so the reads cannot race, and taking
// mu would add a scheduling point the real code does not have.
func (d *dispatcherConnState) assertReachableLocked(local wire.ServerID, removedMayKeepState bool) {
	cur, pend := d.currentEventServiceID, d.pendingRemoteEventServiceID
	if d.removed {
		if removedMayKeepState {
			return
		}
		assertf(d.id, cur == "", "removed session keeps current %q", cur)
		assertf(d.id, !d.localReadyPending && pend == "" && len(d.remoteCandidates) == 0,
			"removed session keeps registrations: localReadyPending=%t pendingRemote=%q candidates=%v",
			d.localReadyPending, pend, d.remoteCandidates)
		return
	}
	assertf(d.id, pend != local, "pendingRemote is L (%q)", local)
	assertf(d.id, cur == "" || cur == local || d.localReadyPending,
		"current is remote %q but localReadyPending is false", cur)
	assertf(d.id, cur == "" || pend == "" || pend == cur,
		"pendingRemote %q differs from current %q", pend, cur)
	assertf(d.id, len(d.remoteCandidates) == 0 || pend != "",
		"remote candidates %v without a pending probe", d.remoteCandidates)
	assertf(d.id, !slices.Contains(d.remoteCandidates, local), "remote candidates %v contain L %q", d.remoteCandidates, local)
}
