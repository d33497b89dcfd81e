package session

import (
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
)

// The collector's data path for one dispatcher (PROTOCOL.md 3.4,
// dispatcher_stat.go and helper.go). The collector calls HandleDataEvents
// serially per dispatcher, one dynstream batch at a time, so the fields
// written here have a single writer; only maxEventTs is also read by the
// heartbeat loop, and the epoch record is swapped by the transitions.

// HandleDataEvents validates one batch of events from server `from` and
// forwards what passes to target.HandleEvents, returning its block flag
// (false if nothing was forwarded). A batch follows the dynstream's type
// groups (helper.go): either DML, BatchDML and Resolved events mixed, or a
// single DDL, SyncPoint, Handshake or DropEvent. Ready and NotReusable go to
// HandleSignalEvent instead.
//
// A removed session forwards nothing. In TiCDC that is ds.RemovePath's
// doing (queued events are dropped when RemoveDispatcher runs); the model
// checks removed once at the start of the batch, so a batch that started
// before the removal can still reach the sink, as in TiCDC (I10).
func (s *Stat) HandleDataEvents(from wire.ServerID, events []wire.Event, wake func()) (block bool) {
	if len(events) == 0 {
		return false
	}
	// The condition is tested here rather than by assertf, whose
	// arguments would be boxed for every event of every batch.
	for _, ev := range events {
		if id := s.target.ID(); ev.Dispatcher() != id {
			assertf(id, false, "data event %s from %s for another dispatcher", ev, from)
		}
	}
	if s.session.connState.isRemoved() {
		s.session.tracef("data %d events from %s dropped: removed", len(events), from)
		return false
	}
	switch ev := events[0].(type) {
	case *wire.DMLEvent, *wire.BatchDMLEvent, *wire.ResolvedEvent:
		return s.handleBatchDataEvents(from, events, wake)
	case *wire.DDLEvent, *wire.SyncPointEvent:
		s.assertSingle(events, "dispatcher_stat.go:handleSingleDataEvents",
			"should not happen: only one event should be sent for DDL/SyncPoint/Handshake event")
		return s.handleSingleDataEvent(from, events, wake)
	case *wire.HandshakeEvent:
		s.assertSingle(events, "helper.go:EventsHandler.Handle", "unexpected multiple events for TypeHandshakeEvent")
		s.handleHandshakeEvent(from, ev)
		return false
	case *wire.DropEvent:
		s.assertSingle(events, "helper.go:EventsHandler.Handle", "unexpected multiple events for TypeDropEvent")
		s.handleDropEvent(from, ev)
		return false
	default:
		tiassert.Failf("downstreamadapter/eventcollector/dispatcher_stat.go:handleDataEvents",
			"should not happen: unknown event type", "%s from %s for dispatcher %s", ev, from, s.target.ID())
		return false
	}
}

// assertSingle is TiCDC's check that the dynstream never batches a
// non-batchable event (site in downstreamadapter/eventcollector, msg
// TiCDC's message for it).
func (s *Stat) assertSingle(events []wire.Event, site, msg string) {
	if len(events) != 1 {
		tiassert.Failf("downstreamadapter/eventcollector/"+site, msg,
			"%d events in a batch led by %s for dispatcher %s", len(events), events[0], s.target.ID())
	}
}

// handleBatchDataEvents is steps 1, 3, 4 and 5 of 3.4 for a DML/Resolved
// batch. One epoch snapshot serves the whole batch. A sequence failure
// resets (T7) and drops the whole batch, including the events before it
// that passed: nothing is forwarded and the dedup state is untouched.
func (s *Stat) handleBatchDataEvents(from wire.ServerID, events []wire.Event, wake func()) bool {
	state := s.loadCurrentEpochState()
	valid := s.forward[:0]
	for _, ev := range events {
		if !isFromCurrentEpoch(ev, state) {
			continue // stale epoch: skipped silently (batch path)
		}
		if !s.verifyEventSequence(ev, state) {
			s.session.tracef("data batch of %d events from %s dropped: sequence check failed at %s", len(events), from, ev)
			s.session.resetCurrentEventService()
			return false
		}
		switch e := ev.(type) {
		case *wire.ResolvedEvent:
			valid = append(valid, e)
		case *wire.DMLEvent:
			if s.shouldForwardEventByCommitTs(e) {
				valid = append(valid, e)
			}
		case *wire.BatchDMLEvent:
			// The handshake always precedes data in an epoch and sets it.
			if !s.hasTableInfo.Load() {
				tiassert.Failf("downstreamadapter/eventcollector/dispatcher_stat.go:handleBatchDataEvents",
					"should not happen: table info should be set before batch DML event", "%s for dispatcher %s", e, s.target.ID())
			}
			for i := range e.DMLs {
				if dml := &e.DMLs[i]; s.shouldForwardEventByCommitTs(dml) {
					valid = append(valid, dml)
				}
			}
		default:
			tiassert.Failf("downstreamadapter/eventcollector/dispatcher_stat.go:handleBatchDataEvents",
				"should not happen: unknown event type in batch data events", "%s from %s for dispatcher %s", ev, from, s.target.ID())
		}
	}
	if len(valid) == 0 {
		return false
	}
	s.updateCommitTsStateByEvents(state, valid)
	if s.session.trace != nil { // per batch: do not box the arguments when untraced
		s.session.tracef("data forward %d of %d events from %s, epoch %d", len(valid), len(events), from, state.epoch)
	}
	block := s.target.HandleEvents(valid, wake)
	clear(valid) // the target copied what it keeps; drop the references
	s.forward = valid[:0]
	return block
}

// handleSingleDataEvent is 3.4 for one DDL or SyncPoint. The stale-epoch
// skip is logged in TiCDC (single path).
func (s *Stat) handleSingleDataEvent(from wire.ServerID, events []wire.Event, wake func()) bool {
	ev := events[0]
	state := s.loadCurrentEpochState()
	if !isFromCurrentEpoch(ev, state) {
		s.session.tracef("data %s from %s ignored: stale epoch (current %d)", ev, from, state.epoch)
		return false
	}
	if !s.verifyEventSequence(ev, state) {
		s.session.tracef("data %s from %s dropped: sequence check failed", ev, from)
		s.session.resetCurrentEventService()
		return false
	}
	if !s.shouldForwardEventByCommitTs(ev) {
		s.session.tracef("data %s from %s dropped: duplicate by commitTs", ev, from)
		return false
	}
	if ddl, ok := ev.(*wire.DDLEvent); ok {
		s.tableInfoVersion.Store(ddl.TableInfoVersion)
		s.hasTableInfo.Store(true)
	}
	s.updateCommitTsStateByEvents(state, events)
	s.session.tracef("data forward %s from %s", ev, from)
	return s.target.HandleEvents(events, wake)
}

// handleHandshakeEvent is step 2 of 3.4: the handshake of the current
// epoch with seq 1 opens the epoch's sequence. Anything else is ignored
// (the next data event then fails the sequence check and resets). As in
// TiCDC, a second seq-1 handshake of the same epoch (a duplicate
// delivery) is accepted again and sets lastEventSeq back to 1.
func (s *Stat) handleHandshakeEvent(from wire.ServerID, ev *wire.HandshakeEvent) {
	state := s.loadCurrentEpochState()
	if !isFromCurrentEpoch(ev, state) {
		s.session.tracef("handshake %s from %s ignored: stale epoch (current %d)", ev, from, state.epoch)
		return
	}
	if ev.Seq != 1 {
		s.session.tracef("handshake %s from %s ignored: seq is not 1", ev, from)
		return
	}
	s.hasTableInfo.Store(true)
	s.tableInfoVersion.Store(ev.TableInfoVersion)
	state.lastEventSeq.Store(1)
	observeMaxEventTs(state, ev.ResolvedTs)
	if cs := s.session.connState; from == s.session.localServerID && cs.localResetSinceRegister.Load() {
		cs.localServedSinceRegister.Store(true) // patch h1's guard (retry.go)
	}
	if from != s.session.localServerID {
		s.session.coverRemoteHandshake()
	}
	s.session.tracef("handshake %s from %s accepted", ev, from)
}

// handleDropEvent is step 6 of 3.4: memory control dropped an event of the
// current epoch, so the stream has a hole and must restart (T7); a drop of
// another epoch concerns a stream already abandoned.
func (s *Stat) handleDropEvent(from wire.ServerID, ev *wire.DropEvent) {
	state := s.loadCurrentEpochState()
	if !isFromCurrentEpoch(ev, state) {
		s.session.tracef("drop %s ignored: stale epoch (current %d)", ev, state.epoch)
		return
	}
	s.session.tracef("drop %s from %s: reset", ev, from)
	s.session.resetCurrentEventService()
}
