package session

import (
	"fmt"
	"slices"

	"github.com/cdcsim/cdcsim/wire"
)

// Snapshot is every field of a Stat the checkers need, as a plain value
// (PROTOCOL.md 1.2-1.4, 8).
type Snapshot struct {
	DispatcherID wire.DispatcherID

	// The connection state (1.4).
	Removed                     bool
	CurrentEventServiceID       wire.ServerID
	LocalReadyPending           bool
	PendingRemoteEventServiceID wire.ServerID
	RemoteCandidates            []wire.ServerID
	// ReadyCallbackSet: the two-phase add's callback is still set (1.3).
	ReadyCallbackSet bool
	// InTransition: a transition holds requestMu and may be half done (for
	// example current already moved to L, the RESET not yet decided).
	// Checkers of cross-field facts should skip such a snapshot.
	InTransition bool

	// The current epoch record (1.2).
	Epoch        uint64
	LastEventSeq uint64
	MaxEventTs   wire.Ts

	// The dedup state, across epochs (1.2).
	LastEventCommitTs wire.Ts
	GotDDLOnTs        bool
	GotSyncpointOnTS  bool
	TableInfoVersion  uint64
}

// Version changes whenever a field of the Snapshot other than the data
// path's (LastEventSeq, MaxEventTs and the dedup state) may have changed:
// it counts the transitions' entries and exits (requestMu) and the
// connection state's writes. Checkers of those fields skip a session
// whose Version they already saw, which is most of them at most steps.
// Simulator only: it is read without a lock.
func (s *Stat) Version() uint64 { return s.session.version + s.session.connState.version }

// Snapshot copies the state. It takes no lock and never yields, so a
// simulator invariant, which runs between steps, may call it; a task can
// be parked inside a transition at that moment, which InTransition tells.
// Under the real runtime, call it only while the stat is quiescent.
func (s *Stat) Snapshot() Snapshot {
	cs, st := s.session.connState, s.loadCurrentEpochState()
	return Snapshot{
		DispatcherID:                s.target.ID(),
		Removed:                     cs.removed,
		CurrentEventServiceID:       cs.currentEventServiceID,
		LocalReadyPending:           cs.localReadyPending,
		PendingRemoteEventServiceID: cs.pendingRemoteEventServiceID,
		RemoteCandidates:            slices.Clone(cs.remoteCandidates),
		ReadyCallbackSet:            s.session.readyCallback != nil,
		InTransition:                s.session.inTransition,
		Epoch:                       st.epoch,
		LastEventSeq:                st.lastEventSeq.Load(),
		MaxEventTs:                  wire.Ts(st.maxEventTs.Load()),
		LastEventCommitTs:           wire.Ts(s.lastEventCommitTs.Load()),
		GotDDLOnTs:                  s.gotDDLOnTs.Load(),
		GotSyncpointOnTS:            s.gotSyncpointOnTS.Load(),
		TableInfoVersion:            s.tableInfoVersion.Load(),
	}
}

// State names the snapshot's row of the reachable-state table of 1.4
// (New, WaitLocal, Probing, OnRemote, OnRemote+reReg, OnLocal,
// OnLocal+reReg, TwoPhaseReady, Removed), or "unreachable(...)" for a
// combination outside it. local is L. OnLocal and TwoPhaseReady share their
// connection fields; TwoPhaseReady is the one still at epoch 0 (its
// callback consumed, its RESET waiting for the commit).
func (s Snapshot) State(local wire.ServerID) string {
	cur, pend, lrp := s.CurrentEventServiceID, s.PendingRemoteEventServiceID, s.LocalReadyPending
	switch {
	case s.Removed:
		if cur == "" && !lrp && pend == "" {
			return "Removed"
		}
	case cur == "" && pend == "":
		if lrp {
			return "WaitLocal"
		}
		return "New"
	case cur == "":
		if lrp && pend != local {
			return "Probing"
		}
	case cur == local:
		switch {
		case pend != "":
		case lrp:
			return "OnLocal+reReg"
		case s.Epoch == 0:
			return "TwoPhaseReady"
		default:
			return "OnLocal"
		}
	case lrp && pend == "":
		return "OnRemote"
	case lrp && pend == cur:
		return "OnRemote+reReg"
	}
	return fmt.Sprintf("unreachable(removed=%t current=%q localReadyPending=%t pendingRemote=%q)", s.Removed, cur, lrp, pend)
}
