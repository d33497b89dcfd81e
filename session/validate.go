package session

import (
	"fmt"

	"github.com/cdcsim/cdcsim/wire"
)

// The per-event rules of the data path (PROTOCOL.md 3.4 steps 1, 3, 4, 5):
// epoch filter, sequence check, commitTs dedup, and the state update after
// a batch validated.

// isFromCurrentEpoch is step 1: the event, and every DML inside a batch,
// must carry the epoch of the record the batch is judged against.
func isFromCurrentEpoch(ev wire.Event, state *dispatcherEpochState) bool {
	if b, ok := ev.(*wire.BatchDMLEvent); ok {
		for i := range b.DMLs {
			if b.DMLs[i].Epoch != state.epoch {
				return false
			}
		}
		return true
	}
	return eventEpoch(ev) == state.epoch
}

// verifyEventSequence is step 3. Before the handshake (lastEventSeq 0)
// only a handshake may come (the handshake-first rule, PR #3596). A data
// event must carry the next seq, and TiCDC bumps the counter before the
// comparison, so it stays bumped after a failure; the reset that follows
// installs a new record anyway. A resolved event carries the seq of the
// last data event, which is what lets a silently lost DML be detected by
// the next resolved ts instead of being covered by it (PR #2558).
func (s *Stat) verifyEventSequence(ev wire.Event, state *dispatcherEpochState) bool {
	if _, ok := ev.(*wire.HandshakeEvent); !ok && state.lastEventSeq.Load() == 0 {
		s.session.tracef("sequence: %s before the handshake of epoch %d", ev, state.epoch)
		return false
	}
	switch e := ev.(type) {
	case *wire.ResolvedEvent:
		if last := state.lastEventSeq.Load(); e.Seq != last {
			s.session.tracef("sequence: %s, expected seq %d", e, last)
			return false
		}
	case *wire.DMLEvent, *wire.DDLEvent, *wire.SyncPointEvent:
		if expected := state.lastEventSeq.Add(1); eventSeq(e) != expected {
			s.session.tracef("sequence: %s, expected seq %d", e, expected)
			return false
		}
	case *wire.BatchDMLEvent:
		for i := range e.DMLs {
			if expected := state.lastEventSeq.Add(1); e.DMLs[i].Seq != expected {
				s.session.tracef("sequence: %s in a batch, expected seq %d", &e.DMLs[i], expected)
				return false
			}
		}
	}
	return true
}

// shouldForwardEventByCommitTs is step 4: nothing below the cross-epoch
// watermark; at the watermark itself a DDL or SyncPoint only if none was
// forwarded there yet. DMLs at the watermark pass: several transactions
// may share a commitTs, so the collector cannot tell a duplicate from a
// sibling (#1901); the sink's stale-event filter is the second line.
func (s *Stat) shouldForwardEventByCommitTs(ev wire.Event) bool {
	ts, last := eventCommitTs(ev), wire.Ts(s.lastEventCommitTs.Load())
	if ts < last {
		return false
	}
	if ts > last {
		return true
	}
	switch ev.(type) {
	case *wire.DDLEvent:
		return !s.gotDDLOnTs.Load()
	case *wire.SyncPointEvent:
		return !s.gotSyncpointOnTS.Load()
	}
	return true
}

// updateCommitTsStateByEvents is step 5, run only once the whole batch
// validated, so a dropped batch leaves the dedup state as it was (PR
// #4579). Every forwarded ts, resolved ts included, raises the epoch's
// maxEventTs; DML/DDL/SyncPoint move the watermark. Note, as in TiCDC: a
// resolved ts above the watermark also clears the DDL/SyncPoint flags
// while the watermark itself stays, so after a reset a resent DDL at the
// watermark passes step 4 again; the sink's stale-event filter (events
// below its resolved ts) is then what drops it.
func (s *Stat) updateCommitTsStateByEvents(state *dispatcherEpochState, events []wire.Event) {
	last := wire.Ts(s.lastEventCommitTs.Load())
	gotDDL, gotSyncpoint := s.gotDDLOnTs.Load(), s.gotSyncpointOnTS.Load()
	for _, ev := range events {
		ts := eventCommitTs(ev)
		observeMaxEventTs(state, ts)
		if ts > last {
			gotDDL, gotSyncpoint = false, false
		}
		switch ev.(type) {
		case *wire.DDLEvent:
			gotDDL = true
		case *wire.SyncPointEvent:
			gotSyncpoint = true
		}
		switch ev.(type) {
		case *wire.DMLEvent, *wire.DDLEvent, *wire.SyncPointEvent:
			if ts < last { // tested here: assertf would box last for every event
				assertf(ev.Dispatcher(), false, "forwarding %s below the watermark %d", ev, last)
			}
			last = ts
		}
	}
	s.lastEventCommitTs.Store(uint64(last))
	s.gotDDLOnTs.Store(gotDDL)
	s.gotSyncpointOnTS.Store(gotSyncpoint)
}

// observeMaxEventTs raises the epoch's maxEventTs to ts if ts is larger.
func observeMaxEventTs(state *dispatcherEpochState, ts wire.Ts) {
	for {
		cur := state.maxEventTs.Load()
		if uint64(ts) <= cur || state.maxEventTs.CompareAndSwap(cur, uint64(ts)) {
			return
		}
	}
}

// eventEpoch, eventSeq and eventCommitTs are TiCDC's GetEpoch, GetSeq and
// GetCommitTs over the model's event types.
func eventEpoch(ev wire.Event) uint64 {
	switch e := ev.(type) {
	case *wire.HandshakeEvent:
		return e.Epoch
	case *wire.DMLEvent:
		return e.Epoch
	case *wire.DDLEvent:
		return e.Epoch
	case *wire.SyncPointEvent:
		return e.Epoch
	case *wire.ResolvedEvent:
		return e.Epoch
	case *wire.DropEvent:
		return e.DroppedEpoch
	}
	panic(fmt.Sprintf("should not happen: %s carries no epoch", ev))
}

func eventSeq(ev wire.Event) uint64 {
	switch e := ev.(type) {
	case *wire.HandshakeEvent:
		return e.Seq
	case *wire.DMLEvent:
		return e.Seq
	case *wire.DDLEvent:
		return e.Seq
	case *wire.SyncPointEvent:
		return e.Seq
	case *wire.ResolvedEvent:
		return e.Seq
	case *wire.DropEvent:
		return e.DroppedSeq
	}
	panic(fmt.Sprintf("should not happen: %s carries no seq", ev))
}

func eventCommitTs(ev wire.Event) wire.Ts {
	switch e := ev.(type) {
	case *wire.HandshakeEvent:
		return e.ResolvedTs
	case *wire.DMLEvent:
		return e.CommitTs
	case *wire.DDLEvent:
		return e.FinishedTs
	case *wire.SyncPointEvent:
		return e.CommitTs
	case *wire.ResolvedEvent:
		return e.ResolvedTs
	case *wire.DropEvent:
		return e.DroppedCommitTs
	}
	panic(fmt.Sprintf("should not happen: %s carries no commit ts", ev))
}
