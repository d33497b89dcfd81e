package session

import (
	"fmt"

	"github.com/cdcsim/cdcsim/wire"
)

// T8: a heartbeat response said the dispatcher is Removed on serverID.
// HEAD's version and the historical ones the review of PR #5175 found
// (PROTOCOL.md 6.1 F1, F2), plus patch h1 (6.3 H1), side by side.

// retryCurrentRegistrationIfRemovedFrom is T8. HEAD (after 3218cfb8a and
// f54d736a7) makes it one atomic step under requestMu: the guard "current
// = S and not removed", the begin step and the REGISTER to S, never to a
// re-read value. The epoch does not change: the RESET that follows the
// next Ready advances it. It reports whether it re-registered.
func (s *dispatcherSession) retryCurrentRegistrationIfRemovedFrom(serverID wire.ServerID) bool {
	assertf(s.target.ID(), serverID != "", "Removed response from an empty server ID")
	if s.variants.Bug(bugRetryUnlocked) {
		return s.retryCurrentRegistrationIfRemovedFromUnlocked(serverID)
	}
	s.lockRequest()
	defer s.unlockRequest()
	s.coverTransition(tT8)
	if current := s.connState.getCurrentEventServiceID(); current != serverID {
		s.tracef("T8 Removed from %s ignored: current is %q", serverID, current)
		return false
	}
	if s.variants.Patch(patchRetryOnce) && s.connState.registrationInFlight(serverID, s.localServerID) {
		// h1: a second Removed (produced before the first re-REGISTER was
		// applied, or delayed past the Ready) must not overwrite the record
		// the first one is creating or has made active (6.3 H1, 4.3 race 5).
		s.tracef("T8 Removed from %s ignored: registration already in flight (patch %s)", serverID, patchRetryOnce)
		return false
	}
	if s.variants.Bug(bugRetryRemoved) {
		return s.retryIgnoringRemovedLocked(serverID)
	}
	if !s.beginRegister(serverID) {
		s.tracef("T8 Removed from %s ignored: removed", serverID)
		return false
	}
	s.tracef("T8 removed in current event service %s, retry registration", serverID)
	s.sendRegisterRequest(serverID)
	return true
}

// beginRegister records an in-flight registration to serverID. Local and
// remote are tracked apart, because a dispatcher may wait for L's Ready and
// a remote's answer at the same time.
func (s *dispatcherSession) beginRegister(serverID wire.ServerID) bool {
	if serverID == s.localServerID {
		return s.connState.beginRegisterToLocal()
	}
	return s.connState.beginRegisterToRemote(serverID)
}

// registrationInFlight reports whether a REGISTER to serverID has been sent
// and its Ready not yet accepted (patch h1's guard). A REGISTER to L whose
// record already streams an epoch begun after it (a RESET overtook the
// Ready, which then never comes) is no longer in flight: without that
// exception a Removed for the record would be ignored forever, and the
// dispatcher would stall with localReadyPending set (found by the fault
// sites: TestHeartbeat seed 11 with register-table-fails and
// memory-pressure pinned, FINDINGS.md).
func (d *dispatcherConnState) registrationInFlight(serverID, local wire.ServerID) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if serverID == local {
		return d.localReadyPending && !d.localServedSinceRegister.Load()
	}
	return d.pendingRemoteEventServiceID == serverID
}

// f1-retry-unlocked (6.1 F1; PR branch 4dd30eff1 .. b872dd81f): the
// comparison with S runs under connState's read lock only; the retry then
// takes requestMu (a scheduling point), re-reads current, panics if it is
// empty and otherwise registers to whatever it read. Trigger A: T9 runs in
// the gap, the retry finds "" and panics. Trigger B: L's Ready (T3) runs in
// the gap, the retry finds L and sends REGISTER(L) to a healthy L. As in
// that version, it reports success once the check passed. Patch h1 does
// not apply to this historical path.
func (s *dispatcherSession) retryCurrentRegistrationIfRemovedFromUnlocked(serverID wire.ServerID) bool {
	s.coverTransition(tT8) // this variant never takes requestMu
	if current := s.connState.getCurrentEventServiceID(); current != serverID {
		s.tracef("T8 Removed from %s ignored: current is %q (bug %s: checked without requestMu)", serverID, current, bugRetryUnlocked)
		return false
	}
	s.tracef("T8 removed in current event service %s, retry registration (bug %s)", serverID, bugRetryUnlocked)
	s.retryCurrentRegistration()
	return true
}

// retryCurrentRegistration is the second half of the F1 version.
func (s *dispatcherSession) retryCurrentRegistration() {
	s.lockRequest()
	defer s.unlockRequest()
	current := s.connState.getCurrentEventServiceID()
	if current == "" {
		panic(fmt.Sprintf("current event service should not be empty: dispatcher %s, changefeed %s (bug %s)",
			s.target.ID(), s.target.ChangefeedID(), bugRetryUnlocked))
	}
	if !s.beginRegister(current) {
		return
	}
	s.sendRegisterRequest(current)
}

// retryIgnoringRemovedLocked is f2-retry-removed (6.1 F2; up to
// 3218cfb8a): the begin step does not refuse a removed session and the
// retry reports success whatever happened. In HEAD the hazard is masked
// because removal empties current, so the guard "current = S" already
// fails; F2's own text names the design weakness as "would emit REGISTER
// after REMOVE if the removal-clears-current detail ever changed". To make
// that observable the variant also changes that detail: with f2 on,
// remove (T9) keeps currentEventServiceID, so a Removed response that
// arrives after T9 passes the guard and sends REGISTER to a removed
// session (an I1 violation, checked directly on removed). Heartbeat
// reports (T10) of a removed session also continue under f2, for the same
// reason.
func (s *dispatcherSession) retryIgnoringRemovedLocked(serverID wire.ServerID) bool {
	s.connState.forceBeginRegister(serverID, s.localServerID)
	s.tracef("T8 removed in current event service %s, retry registration (bug %s: removed not checked)", serverID, bugRetryRemoved)
	s.sendRegisterRequest(serverID)
	return true
}

// forceBeginRegister is beginRegister without the removed check (f2 only).
func (d *dispatcherConnState) forceBeginRegister(serverID, local wire.ServerID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if serverID == local {
		d.localReadyPending = true
		return
	}
	d.pendingRemoteEventServiceID = serverID
}
