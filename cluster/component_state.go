package cluster

import "github.com/cdcsim/cdcsim/wire"

// ComponentState is a dispatcher's status in its dispatcher manager,
// named as TiCDC's heartbeatpb.ComponentState. The model has the states
// the merge relies on (TiCDC dispatchermanager, dispatcher_manager_helper.go
// createMergedSpan and registerMergeDispatcher, task.go doMerge and
// abortMerge); the maintainer that reads them from heartbeats is not
// modelled.
type ComponentState uint8

const (
	// Working: a dispatcher added in one phase, or a merged one after its
	// commit. Only Working dispatchers can be merged.
	Working ComponentState = iota
	// Preparing: a merged dispatcher between PrepareAddDispatcher and its
	// local Ready.
	Preparing
	// MergeReady: the merged dispatcher's local Ready ran its callback;
	// the merge check task may now close the sources and commit.
	MergeReady
	// WaitingMerge: a source of a merge under way. An aborted merge puts
	// its surviving sources back to Working.
	WaitingMerge
	// Stopped: the dispatcher was closed (removed, or left by a restart).
	Stopped
)

func (s ComponentState) String() string {
	switch s {
	case Working:
		return "Working"
	case Preparing:
		return "Preparing"
	case MergeReady:
		return "MergeReady"
	case WaitingMerge:
		return "WaitingMerge"
	case Stopped:
		return "Stopped"
	}
	return "ComponentState(?)"
}

// ComponentStatus returns the dispatcher's state (TiCDC's
// GetComponentStatus).
func (d *Dispatcher) ComponentStatus() ComponentState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// SetComponentStatus sets the dispatcher's state (TiCDC's
// SetComponentStatus). The merge sets it; tests set it to build the
// cases of TiCDC's merge tests (a source that is not Working).
func (d *Dispatcher) SetComponentStatus(s ComponentState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status = s
}

// TryRemoving reports whether a removal of the dispatcher has begun
// (TiCDC's GetTryRemoving): RemoveDispatcher sets it before it removes
// the dispatcher from its collector, which may block, so a merge check
// that runs meanwhile sees the source as being removed.
func (d *Dispatcher) TryRemoving() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tryRemoving
}

// SetTryRemoving marks a removal of the dispatcher as begun (TiCDC's
// SetTryRemoving), for tests that build TiCDC's case of a merge source
// being removed; RemoveDispatcher then leaves the dispatcher alone.
func (d *Dispatcher) SetTryRemoving() { d.setTryRemoving() }

// setTryRemoving marks a removal begun; false if one already had (TiCDC's
// removeDispatcher skips a repeated request).
func (d *Dispatcher) setTryRemoving() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tryRemoving {
		return false
	}
	d.tryRemoving = true
	return true
}

// tryClose is TiCDC's TryClose for a merge source already detached from
// its collector: it succeeds once the sink has written everything it was
// handed, and returns the checkpoint then, which no longer moves (nothing
// new reaches the sink). The source is closed for good only after the
// commit (RemoveDispatcher), so that an abort can give it back its
// registration.
func (d *Dispatcher) tryClose() (checkpointTs wire.Ts, ok bool) {
	d.mu.Lock()
	pending := len(d.pending)
	d.mu.Unlock()
	if pending > 0 {
		return 0, false
	}
	return d.CheckpointTs(), true
}

// restoreRegistration prepares a merge source that an aborted merge
// registers again with its collector: the new session offers events from
// the dispatcher's start ts again, so the collector's earlier offers are
// forgotten (OfferedBack judges one session's watermark).
func (d *Dispatcher) restoreRegistration() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed()
	d.offeredMax = 0
}
