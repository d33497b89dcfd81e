package session

import (
	"fmt"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
)

// dispatcherSession owns the side effects of one dispatcher's connection
// lifecycle (PROTOCOL.md 1.3, TiCDC's dispatcherSession): it asks connState
// for an atomic decision, then turns it into REGISTER, RESET and REMOVE
// requests. The transitions themselves are in transitions.go and retry.go.
type dispatcherSession struct {
	// requestMu serialises every transition T1-T9 over its whole "decide
	// and enqueue" step, so the order of requests sent equals the order of
	// decisions (4.2). Lock order: requestMu, then connState.mu.
	requestMu *clock.Mutex
	// inTransition is true exactly while a transition holds requestMu. It
	// lets sends assert the lock is held and tells checkers (Snapshot) that
	// they are looking at a half-done step.
	inTransition bool
	// version counts requestMu acquisitions and releases: Stat.Version.
	// changed is Config.Changed bound to the target, nil without one.
	version uint64
	changed func()

	target        Target
	localServerID wire.ServerID
	// sendMessage is Config.Send; called only with requestMu held.
	sendMessage func(to wire.ServerID, req *wire.DispatcherRequest)
	// advanceEpochForReset is the stat's callback: it installs the epoch
	// record {epoch+1, 0, resetTs} and returns the new epoch.
	advanceEpochForReset func(resetTs wire.Ts) uint64
	// readyCallback is non-nil only for a two-phase add (merge), until the
	// first accepted local Ready consumes it (T3). Guarded by requestMu.
	// It runs with requestMu held, so it must not call into the session.
	readyCallback func()
	connState     *dispatcherConnState

	variants variant.Set
	trace    func(format string, args ...any)
	// cover records coverage points (coverage.go); nil in real mode.
	cover func(name string)
}

func newDispatcherSession(cfg Config, target Target, advance func(wire.Ts) uint64, readyCallback func()) *dispatcherSession {
	id := target.ID()
	var changed func()
	if cfg.Changed != nil {
		changed = func() { cfg.Changed(target) }
	}
	return &dispatcherSession{
		changed:              changed,
		requestMu:            clock.NewMutex(cfg.Runtime, "requestMu "+id.String()),
		target:               target,
		localServerID:        cfg.LocalServerID,
		sendMessage:          cfg.Send,
		advanceEpochForReset: advance,
		readyCallback:        readyCallback,
		connState:            newDispatcherConnState(cfg.Runtime, id, changed),
		variants:             cfg.Variants,
		trace:                cfg.Trace,
		cover:                clock.CoverFunc(cfg.Runtime),
	}
}

// lockRequest takes requestMu for one transition. Lock is a scheduling
// point: another task may run between the caller's decision and the
// acquisition.
func (s *dispatcherSession) lockRequest() {
	s.requestMu.Lock()
	assertf(s.target.ID(), !s.inTransition, "requestMu acquired while a transition is marked in progress")
	s.inTransition = true
	s.bump()
}

// unlockRequest ends the transition: it checks the state it leaves
// behind (1.4) and releases requestMu. It must be called by defer: if the
// transition panicked (T4' with a callback, T5, F1, a failed assertion) it
// releases the lock and passes the panic on unchanged, without checking a
// state that may be half updated, so the original message is the one the
// run reports.
func (s *dispatcherSession) unlockRequest() {
	s.bump()
	if r := recover(); r != nil {
		s.inTransition = false
		s.requestMu.Unlock()
		panic(r)
	}
	assertf(s.target.ID(), s.inTransition, "requestMu released outside a transition")
	s.connState.assertReachableLocked(s.localServerID, s.variants.Bug(bugRetryRemoved))
	s.inTransition = false
	s.requestMu.Unlock()
}

// send enqueues one request. The lock assertion is the contract of 4.2:
// emission order is decision order only because every send happens inside
// the critical section that decided it.
func (s *dispatcherSession) send(to wire.ServerID, req *wire.DispatcherRequest) {
	assertf(s.target.ID(), s.inTransition, "%s to %s sent without requestMu", req.Action, to)
	assertf(s.target.ID(), to != "", "%s to an empty server ID", req.Action)
	s.tracef("send %s to %s", req, to)
	s.sendMessage(to, req)
}

// sendRegisterRequest sends REGISTER to serverID: onlyReuse unless it is L
// (a remote must reuse an existing subscription, L may create one).
func (s *dispatcherSession) sendRegisterRequest(serverID wire.ServerID) {
	req := s.newRequest(wire.ActionRegister)
	req.StartTs = s.target.StartTs()
	req.OnlyReuse = serverID != s.localServerID
	req.RequestOptions = requestOptions(s.target, req.StartTs, false)
	s.send(serverID, req)
}

// removeFromLocked sends REMOVE to serverID: terminal removal (T9) or
// best-effort cleanup of a stale registration (T3, T4).
func (s *dispatcherSession) removeFromLocked(serverID wire.ServerID) {
	s.send(serverID, s.newRequest(wire.ActionRemove))
}

// doResetLocked is RESET(S): advance the epoch to a fresh record whose
// maxEventTs is resetTs, then ask serverID to restart the stream from
// resetTs in that epoch. The epoch advance and the send are one step under
// requestMu, which is what binds each epoch > 0 to exactly one service (I2).
func (s *dispatcherSession) doResetLocked(serverID wire.ServerID, resetTs wire.Ts) {
	assertf(s.target.ID(), s.inTransition, "RESET to %s decided without requestMu", serverID)
	epoch := s.advanceEpochForReset(resetTs)
	assertf(s.target.ID(), epoch > 0, "RESET to %s with epoch 0", serverID)
	req := s.newRequest(wire.ActionReset)
	req.StartTs = resetTs
	req.Epoch = epoch
	req.RequestOptions = requestOptions(s.target, resetTs, true)
	if serverID == s.localServerID {
		s.connState.localResetSinceRegister.Store(true) // patch h1's guard (retry.go)
	}
	s.send(serverID, req)
}

// newRequest fills the fields every request carries (2.1).
func (s *dispatcherSession) newRequest(action wire.ActionType) *wire.DispatcherRequest {
	return &wire.DispatcherRequest{
		ChangefeedID: s.target.ChangefeedID(),
		DispatcherID: s.target.ID(),
		Span:         s.target.Span(),
		ServerID:     s.localServerID,
		Mode:         s.target.Mode(),
		Action:       action,
	}
}

func (s *dispatcherSession) tracef(format string, args ...any) {
	if s.trace == nil {
		return
	}
	s.trace("session %s: "+format, append([]any{s.target.ID()}, args...)...)
}

// assertf panics, naming the dispatcher, when an assumption of the model
// does not hold (STYLE.md: assert densely). Such a panic is a bug in the
// model or in its caller, never an expected outcome.
func assertf(id wire.DispatcherID, cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("session %s: assertion failed: "+format, append([]any{id}, args...)...))
	}
}

// bump moves Stat.Version and tells Config.Changed.
func (s *dispatcherSession) bump() {
	s.version++
	if s.changed != nil {
		s.changed()
	}
}
