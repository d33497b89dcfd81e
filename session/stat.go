package session

import (
	"sync/atomic"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// dispatcherEpochState is one epoch's record (PROTOCOL.md 1.2
// currentEpoch). Its identity is fixed: a reset installs a new record
// rather than changing this one, so a data handler that loaded it at the
// start of a batch keeps judging the whole batch against one epoch (4.2),
// and a stale batch running across a reset cannot touch the new epoch's
// counters (4.3 race 2).
type dispatcherEpochState struct {
	epoch uint64
	// lastEventSeq is the seq of the last handshake/DML/DDL/SyncPoint
	// accepted in this epoch; 0 means no handshake yet.
	lastEventSeq atomic.Uint64
	// maxEventTs is the highest ts validated in this epoch: the reset ts,
	// the handshake ts, forwarded commitTs and resolved ts. It caps the
	// heartbeat checkpoint (3.5).
	// Invariant: never decreases within the record.
	maxEventTs atomic.Uint64
}

func newDispatcherEpochState(epoch uint64, lastEventSeq uint64, maxEventTs wire.Ts) *dispatcherEpochState {
	st := &dispatcherEpochState{epoch: epoch}
	st.lastEventSeq.Store(lastEventSeq)
	st.maxEventTs.Store(uint64(maxEventTs))
	return st
}

// Stat is the collector's per-dispatcher state (PROTOCOL.md 1.2, TiCDC's
// dispatcherStat): the session (connection lifecycle) plus the data path's
// epoch, sequence and dedup state. Its methods are the entry points the
// collector calls, one per row of 3.1, plus the data path (3.4) and the
// heartbeat report (3.5).
type Stat struct {
	rt      clock.Runtime
	target  Target
	session *dispatcherSession

	// currentEpoch is swapped wholesale by advanceEpochForReset, only under
	// requestMu. Invariant: never nil; its epoch only grows, by 1 a reset.
	currentEpoch atomic.Pointer[dispatcherEpochState]
	// The fields below are written only by the data path, which the
	// collector calls serially per dispatcher.

	// lastEventCommitTs is the commitTs of the last forwarded DML, DDL or
	// SyncPoint: the cross-epoch dedup watermark, never reset on an epoch
	// change. Initially startTs.
	lastEventCommitTs atomic.Uint64
	// gotDDLOnTs and gotSyncpointOnTS say a DDL / SyncPoint was already
	// forwarded at exactly lastEventCommitTs.
	gotDDLOnTs       atomic.Bool
	gotSyncpointOnTS atomic.Bool
	// hasTableInfo and tableInfoVersion stand for TiCDC's schema cache: set
	// by the handshake and by forwarded DDLs; a batch DML needs it.
	hasTableInfo     atomic.Bool
	tableInfoVersion atomic.Uint64
	// forward is the buffer of the events a batch forwards to the target,
	// reused batch after batch (Target.HandleEvents borrows it).
	forward []wire.Event
}

// NewStat builds the stat of a dispatcher being added. readyCallback is
// non-nil only for a two-phase add (merge): the first accepted local Ready
// then invokes it instead of sending RESET, and CommitLocalRegistration
// sends the RESET. The callback runs with requestMu held: it must not call
// back into this Stat. NewStat panics on an invalid Config.
func NewStat(cfg Config, target Target, readyCallback func()) *Stat {
	if err := cfg.validate(); err != nil {
		panic(err.Error())
	}
	if target == nil {
		panic("session: NewStat with a nil target")
	}
	s := &Stat{rt: cfg.Runtime, target: target}
	start := target.StartTs()
	s.currentEpoch.Store(newDispatcherEpochState(0, 0, start))
	s.lastEventCommitTs.Store(uint64(start))
	s.session = newDispatcherSession(cfg, target, s.advanceEpochForReset, readyCallback)
	return s
}

// advanceEpochForReset installs {epoch+1, 0, resetTs} and returns the new
// epoch. TiCDC loops on a CAS; here the only caller is doResetLocked under
// requestMu, so the CAS cannot lose, and losing it would be a model bug.
func (s *Stat) advanceEpochForReset(resetTs wire.Ts) uint64 {
	assertf(s.target.ID(), s.session.inTransition, "epoch advanced outside requestMu")
	cur := s.loadCurrentEpochState()
	next := newDispatcherEpochState(cur.epoch+1, 0, resetTs)
	swapped := s.currentEpoch.CompareAndSwap(cur, next)
	assertf(s.target.ID(), swapped, "epoch record replaced concurrently with the reset to epoch %d", next.epoch)
	return next.epoch
}

func (s *Stat) loadCurrentEpochState() *dispatcherEpochState {
	st := s.currentEpoch.Load()
	if st == nil {
		tiassert.Failf("downstreamadapter/eventcollector/dispatcher_stat.go:loadCurrentEpochState",
			"dispatcher epoch state is not initialized", "dispatcher %s, changefeed %s", s.target.ID(), s.target.ChangefeedID())
	}
	return st
}

// ID returns the dispatcher's ID.
func (s *Stat) ID() wire.DispatcherID { return s.target.ID() }

// Target returns the dispatcher.
func (s *Stat) Target() Target { return s.target }

// Run is T1 (startLocalRegistration): REGISTER(L). Called once, at add.
func (s *Stat) Run() { s.session.startLocalRegistration() }

// StartRemoteProbing is T2: probe the coordinator's candidates one at a
// time. nodes must not contain L. It does not check readyCallback (HEAD).
func (s *Stat) StartRemoteProbing(nodes []wire.ServerID) { s.session.startRemoteProbing(nodes) }

// HandleSignalEvent handles a ReadyEvent or NotReusableEvent from `from`
// (T3, T3', T4, T4', T4”, T5, T5', T5”, T5”'). It panics on a
// NotReusable from L (T5) and on a remote Ready accepted while the ready
// callback is set (T4'), as HEAD does.
func (s *Stat) HandleSignalEvent(from wire.ServerID, ev wire.Event) {
	assertf(s.target.ID(), ev.Dispatcher() == s.target.ID(), "signal event %s for another dispatcher", ev)
	s.session.handleSignalEvent(from, ev)
}

// CommitLocalRegistration is T6 (CommitAddDispatcher): RESET(L).
func (s *Stat) CommitLocalRegistration() { s.session.commitLocalRegistration() }

// ResetCurrentEventService is T7: RESET(current), skipped when current is
// empty or the session is removed. The data path calls it itself; it is
// exported for the failpoint-style callers of 3.1.
func (s *Stat) ResetCurrentEventService() { s.session.resetCurrentEventService() }

// RetryCurrentRegistrationIfRemovedFrom is T8 (heartbeat response said
// Removed on server): re-REGISTER to server if it is current. It reports
// whether it re-registered.
func (s *Stat) RetryCurrentRegistrationIfRemovedFrom(server wire.ServerID) bool {
	return s.session.retryCurrentRegistrationIfRemovedFrom(server)
}

// Remove is T9 (RemoveDispatcher): terminal; REMOVE to L, current and the
// pending remote.
func (s *Stat) Remove() { s.session.remove() }

// IsReceivingDataEvent reports whether a service is current.
func (s *Stat) IsReceivingDataEvent() bool { return s.session.connState.isReceivingDataEvent() }
