package session

import (
	"slices"

	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// The transitions of PROTOCOL.md 3.1, except T8 (retry.go) and T10
// (heartbeat.go). Each holds requestMu for its whole decide-and-enqueue
// step; connState takes its own lock inside. Outputs are sent in the order
// of the table's Output column.

// startLocalRegistration is T1 (run, at add): REGISTER(L) with
// localReadyPending raised.
func (s *dispatcherSession) startLocalRegistration() {
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT1)
	if !s.connState.beginRegisterToLocal() {
		s.tracef("T1 skipped: removed")
		return
	}
	s.tracef("T1 register to local %s", s.localServerID)
	s.sendRegisterRequest(s.localServerID)
}

// startRemoteProbing is T2 (coordinator answer): ask the first candidate
// with REGISTER(onlyReuse), keep the rest. It does not look at
// readyCallback: that is HEAD, and the root of 6.1 F4 (a remote Ready
// accepted while the callback is set panics in T4').
func (s *dispatcherSession) startRemoteProbing(nodes []wire.ServerID) {
	for i, n := range nodes {
		// The coordinator never offers the requester itself, nor a node
		// twice (1.8); an empty ID would be a REGISTER to nowhere.
		assertf(s.target.ID(), n != "" && n != s.localServerID, "remote candidate %q in %v (L is %q)", n, nodes, s.localServerID)
		assertf(s.target.ID(), !slices.Contains(nodes[:i], n), "remote candidate %q twice in %v", n, nodes)
	}
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT2)
	candidate, ok := s.connState.beginRemoteProbing(nodes)
	if !ok {
		s.tracef("T2 ignored candidates %v: removed, current or probe pending, or none", nodes)
		return
	}
	s.tracef("T2 probe %s, candidates %v", candidate, nodes)
	s.sendRegisterRequest(candidate)
}

// handleSignalEvent handles Ready and NotReusable (T3-T5). The early
// removed check is TiCDC's, outside requestMu; connState checks again
// inside.
func (s *dispatcherSession) handleSignalEvent(from wire.ServerID, ev wire.Event) {
	assertf(s.target.ID(), from != "", "signal event %s from an empty server ID", ev)
	if s.connState.isRemoved() {
		s.tracef("signal %s from %s ignored: removed", ev, from)
		return
	}
	switch ev.(type) {
	case *wire.ReadyEvent:
		s.handleReadyEvent(from)
	case *wire.NotReusableEvent:
		if from == s.localServerID {
			// T5: L always creates a subscription (onlyReuse=false), so it
			// never answers NotReusable.
			tiassert.Failf("downstreamadapter/eventcollector/dispatcher_session.go:handleSignalEvent",
				"should not happen: local event service should not send not reusable event",
				"dispatcher %s, changefeed %s, from %s", s.target.ID(), s.target.ChangefeedID(), from)
		}
		s.handleNotReusableEvent(from)
	default:
		tiassert.Failf("downstreamadapter/eventcollector/dispatcher_session.go:handleSignalEvent",
			"should not happen: unknown signal event type", "%s from %s for dispatcher %s", ev, from, s.target.ID())
	}
}

// handleReadyEvent applies connState's Ready decision: REMOVE the stale
// registrations first, then commit to whichever service won.
func (s *dispatcherSession) handleReadyEvent(from wire.ServerID) {
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(s.readyTransition(from))
	d := s.connState.acceptReady(from, s.localServerID, s.variants.Patch(patchStrayRemove))
	switch {
	case d.commitTarget == s.localServerID:
		s.tracef("T3 local ready from %s accepted, cleanup %v", from, d.cleanupTargets)
	case d.commitTarget != "":
		s.tracef("T4' remote ready from %s accepted", from)
	case d.stray:
		s.tracef("T4'' stray remote ready from %s removed (patch %s)", from, patchStrayRemove)
	case len(d.cleanupTargets) > 0:
		s.tracef("T4 stale remote ready from %s, L is current", from)
	default:
		s.tracef("T3'/T4'' ready from %s ignored", from)
	}
	for _, target := range d.cleanupTargets {
		s.removeFromLocked(target)
	}
	switch d.commitTarget {
	case "":
	case s.localServerID:
		s.handleAcceptedLocalReadyLocked()
	default:
		s.handleAcceptedRemoteReadyLocked(d.commitTarget)
	}
}

// handleAcceptedLocalReadyLocked ends T3: a pending two-phase add consumes
// its callback instead of resetting (the RESET waits for T6); otherwise
// RESET(L) at the current checkpoint.
func (s *dispatcherSession) handleAcceptedLocalReadyLocked() {
	if s.readyCallback == nil {
		s.doResetLocked(s.localServerID, s.target.CheckpointTs())
		return
	}
	cb := s.readyCallback
	switch {
	case s.variants.Bug(bugCallbackKept):
		// f3-callback-kept (6.1 F3, before f7fae31c4): the callback is left
		// set, so every later local Ready (after a T8 re-registration) calls
		// it again and sends no RESET: the server record stays at epoch 0.
		s.tracef("T3 ready callback invoked and kept (bug %s)", bugCallbackKept)
	case s.variants.Patch(patchCommitClear):
		// h4 (6.3 H4, the reviewer's proposal): keep the callback until T6
		// clears it, so a re-registration between MergeReady and the commit
		// still sends no RESET.
		s.tracef("T3 ready callback invoked, kept until commit (patch %s)", patchCommitClear)
	default:
		// HEAD (f7fae31c4): one-shot, cleared before it is invoked.
		s.readyCallback = nil
		s.tracef("T3 ready callback consumed, no RESET until commit")
	}
	cb()
}

// handleAcceptedRemoteReadyLocked ends T4': RESET(R) at the current
// checkpoint. A remote must never be accepted during a two-phase add;
// HEAD panics rather than resetting a dispatcher that is not committed
// (6.1 F4 reaches this).
func (s *dispatcherSession) handleAcceptedRemoteReadyLocked(serverID wire.ServerID) {
	if s.readyCallback != nil {
		tiassert.Failf("downstreamadapter/eventcollector/dispatcher_session.go:handleAcceptedRemoteReadyLocked",
			"ready callback should be nil when accepting remote ready",
			"dispatcher %s, changefeed %s, event service %s", s.target.ID(), s.target.ChangefeedID(), serverID)
	}
	s.doResetLocked(serverID, s.target.CheckpointTs())
}

// handleNotReusableEvent is T5', T5” and T5”': advance the probe chain
// only on the answer of the pending remote.
func (s *dispatcherSession) handleNotReusableEvent(from wire.ServerID) {
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT5)
	next, accepted := s.connState.advanceRemoteProbeAfterNotReusable(from)
	switch {
	case !accepted:
		s.tracef("T5''' not reusable from %s ignored", from)
	case next == "":
		s.tracef("T5'' not reusable from %s, probe chain exhausted", from)
	default:
		s.tracef("T5' not reusable from %s, probe %s", from, next)
		s.coverProbeNext()
		s.sendRegisterRequest(next)
	}
}

// commitLocalRegistration is T6 (CommitAddDispatcher): RESET(L). It does
// not check that L is current or that its Ready was seen (3.1). As in
// TiCDC, whose doReset takes the checkpoint as an argument, cp is read
// before requestMu is taken: with the lock a scheduling point, a RESET
// decided meanwhile may carry a later cp than this one (harmless: the
// server orders RESETs by epoch, and cp only moves forward).
func (s *dispatcherSession) commitLocalRegistration() {
	resetTs := s.target.CheckpointTs()
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT6)
	if s.connState.isRemoved() {
		s.tracef("T6 skipped: removed")
		return
	}
	if s.variants.Patch(patchCommitClear) {
		// h4: the two-phase add ends here, not at the first local Ready.
		s.readyCallback = nil
	}
	s.tracef("T6 commit local registration")
	s.doResetLocked(s.localServerID, resetTs)
}

// resetCurrentEventService is T7 (data path: seq gap, non-handshake first,
// DropEvent of the current epoch): RESET(current). With no current service
// there is nobody to reset; TiCDC warns and skips.
func (s *dispatcherSession) resetCurrentEventService() {
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT7)
	if s.connState.isRemoved() {
		s.tracef("T7 skipped: removed")
		return
	}
	current := s.connState.getCurrentEventServiceID()
	if current == "" {
		s.tracef("T7 skipped: current event service is empty")
		return
	}
	s.tracef("T7 reset current event service %s", current)
	s.doResetLocked(current, s.target.CheckpointTs())
}

// remove is T9 (RemoveDispatcher): mark removed, then REMOVE to L and to
// every other service the session may have a record on. readyCallback is
// left as it is, as in HEAD (irrelevant once removed).
func (s *dispatcherSession) remove() {
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT9)
	// f2-retry-removed keeps current across removal (retry.go).
	targets, alreadyRemoved := s.connState.beginRemove(s.localServerID, s.variants.Bug(bugRetryRemoved))
	if alreadyRemoved {
		s.tracef("T9 skipped: already removed")
		return
	}
	assertf(s.target.ID(), len(targets) > 0 && targets[0] == s.localServerID, "REMOVE targets %v do not start with L %q", targets, s.localServerID)
	s.tracef("T9 remove from %v", targets)
	for _, target := range targets {
		s.removeFromLocked(target)
	}
}
