package session_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
)

// The collector's data path, one test per rule of PROTOCOL.md 3.4. Every
// scenario starts OnLocal in epoch 1 with the RESET at cp 100 (= startTs).

// Step 1: events of another epoch are skipped silently, each inner DML of
// a batch too (one stale inner DML skips the whole BatchDML); stale
// single events are ignored without a reset.
func TestDataEpochFilterSkipsOtherEpochs(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		got := h.data(L, dml(0, 2, 110), dml(1, 2, 110), resolved(2, 9, 500), resolved(1, 2, 120))
		assert.Equal(t, str(dml(1, 2, 110), resolved(1, 2, 120)), got)

		assert.Empty(t, h.data(L, batch(dml(1, 3, 130), dml(2, 4, 131))))
		assert.Empty(t, h.data(L, ddl(0, 3, 140)))
		assert.Empty(t, h.data(L, syncPoint(2, 3, 140)))
		h.expect() // no reset for any of them
		assert.EqualValues(t, 2, h.snap().LastEventSeq, "skipped events do not move the sequence")
	})
}

// Step 2 and the handshake-first rule of step 3: a non-handshake event
// before the handshake resets (resolved events too); a handshake of
// another epoch or with seq != 1 is ignored; the right one sets
// lastEventSeq 1 and raises maxEventTs, and reaches no sink.
func TestDataHandshakeMustComeFirst(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.target.cp = 104
		assert.Empty(t, h.data(L, dml(1, 2, 110)))
		h.expect("RESET n1 ts=104 epoch=2")
		assert.Empty(t, h.data(L, resolved(2, 0, 110)))
		h.expect("RESET n1 ts=104 epoch=3")

		h.data(L, hs(2, 104))                                                                                    // stale epoch
		h.data(L, &wire.HandshakeEvent{DispatcherID: D, Epoch: 3, Seq: 2, ResolvedTs: 104, TableInfoVersion: 1}) // seq 2
		assert.Zero(t, h.snap().LastEventSeq)
		h.expect()

		assert.Empty(t, h.data(L, hs(3, 107)))
		s := h.snap()
		assert.EqualValues(t, 1, s.LastEventSeq)
		assert.Equal(t, wire.Ts(107), s.MaxEventTs, "the handshake ts is validated progress")
		assert.Empty(t, h.target.batches, "the handshake is not forwarded")
	})
}

// Step 3: a seq gap resets the current service (T7) and drops the whole
// batch, the valid events before the gap included; the dedup state does
// not move. What remains of the old epoch is then skipped (3.2 g).
func TestDataSeqGapResetsAndDropsWholeBatch(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.target.cp = 101
		got := h.data(L, dml(1, 2, 110), dml(1, 4, 120), resolved(1, 4, 130))
		assert.Empty(t, got)
		h.expect("RESET n1 ts=101 epoch=2")
		s := h.snap()
		assert.Equal(t, startTs, s.LastEventCommitTs, "dedup state untouched by a dropped batch")
		assert.Equal(t, wire.Ts(101), s.MaxEventTs)

		assert.Empty(t, h.data(L, dml(1, 5, 140), resolved(1, 5, 150)))
		h.expect() // the old epoch's tail is stale, not another gap
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.Empty(t, h.data(L, batch(dml(1, 2, 110), dml(1, 3, 111), dml(1, 5, 112))))
		h.expect("RESET n1 ts=100 epoch=2")
	})
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.Empty(t, h.data(L, ddl(1, 3, 110)))
		h.expect("RESET n1 ts=100 epoch=2")
	})
}

// Step 3 for resolved events: they carry the seq of the last data event,
// so one that claims a DML the collector never saw is a gap (PR #2558).
func TestDataResolvedMustCarryLastSeq(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.Equal(t, str(resolved(1, 1, 105)), h.data(L, resolved(1, 1, 105)))
		assert.Equal(t, str(dml(1, 2, 110), resolved(1, 2, 115)), h.data(L, dml(1, 2, 110), resolved(1, 2, 115)))
		h.expect()
		assert.Empty(t, h.data(L, resolved(1, 3, 120))) // DML seq 3 was lost
		h.expect("RESET n1 ts=100 epoch=2")
	})
}

// Step 4: the cross-epoch watermark drops what is below it; at the
// watermark DMLs pass (#1901), a DDL or SyncPoint only once.
func TestDataDedupByCommitTs(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.Equal(t, str(dml(1, 2, 110)), h.data(L, dml(1, 2, 110)))
		assert.Equal(t, str(ddl(1, 3, 110)), h.data(L, ddl(1, 3, 110)), "first DDL at ts 110")
		assert.Equal(t, str(syncPoint(1, 4, 110)), h.data(L, syncPoint(1, 4, 110)), "first SyncPoint at ts 110")
		s := h.snap()
		assert.Equal(t, wire.Ts(110), s.LastEventCommitTs)
		assert.True(t, s.GotDDLOnTs)
		assert.True(t, s.GotSyncpointOnTS)

		// The sink flushed up to 105: the new epoch replays from there.
		h.target.cp = 105
		h.stat.ResetCurrentEventService()
		h.expect("RESET n1 ts=105 epoch=2")
		h.handshake(L, 2, 105)
		assert.Empty(t, h.data(L, dml(2, 2, 108)), "below the watermark")
		assert.Equal(t, str(dml(2, 3, 110)), h.data(L, dml(2, 3, 110)), "DMLs at the watermark pass")
		assert.Empty(t, h.data(L, ddl(2, 4, 110)), "DDL already forwarded at 110")
		assert.Empty(t, h.data(L, syncPoint(2, 5, 110)), "SyncPoint already forwarded at 110")
		assert.Equal(t, str(dml(2, 6, 111), resolved(2, 6, 111)), h.data(L, dml(2, 6, 111), resolved(2, 6, 111)))
		assert.Equal(t, str(ddl(2, 7, 111)), h.data(L, ddl(2, 7, 111)), "a DML at 111 does not block a DDL at 111")
		h.expect()
		s = h.snap()
		assert.Equal(t, wire.Ts(111), s.LastEventCommitTs)
		assert.True(t, s.GotDDLOnTs)
		assert.False(t, s.GotSyncpointOnTS, "cleared when a larger commitTs was forwarded")
	})
}

// Step 5: maxEventTs rises with forwarded events and resolved ts, not
// with events dropped by dedup or of another epoch (3.5's cap input).
func TestDataMaxEventTsRaisedByForwardedEventsAndResolved(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.data(L, dml(1, 2, 110))
		h.target.cp = 104
		h.stat.ResetCurrentEventService()
		h.handshake(L, 2, 104)
		assert.Equal(t, wire.Ts(104), h.snap().MaxEventTs)
		h.data(L, dml(2, 2, 108)) // dropped by dedup
		assert.Equal(t, wire.Ts(104), h.snap().MaxEventTs)
		h.data(L, resolved(1, 2, 300)) // old epoch
		assert.Equal(t, wire.Ts(104), h.snap().MaxEventTs)
		h.data(L, resolved(2, 2, 150))
		assert.Equal(t, wire.Ts(150), h.snap().MaxEventTs)
		h.data(L, dml(2, 3, 160), resolved(2, 3, 170))
		assert.Equal(t, wire.Ts(170), h.snap().MaxEventTs)
	})
}

// Step 6: a DropEvent of the current epoch resets (the stream has a hole);
// one of another epoch is ignored.
func TestDataDropEventResetsOnlyCurrentEpoch(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnRemote(100)
		h.handshake(R1, 1, 100)
		h.target.cp = 103
		assert.Empty(t, h.data(R1, drop(1, 2, 110)))
		h.expect("RESET n2 ts=103 epoch=2")
		assert.Empty(t, h.data(R1, drop(1, 3, 111)))
		h.expect()
		assert.EqualValues(t, 2, h.snap().Epoch)
	})
}

// BatchDML reaches the sink as its inner DMLs, and the sink's block flag
// is returned to the collector.
func TestDataBatchIsFlattenedAndBlockFlagReturned(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.target.block = true
		block := h.stat.HandleDataEvents(L, []wire.Event{batch(dml(1, 2, 110), dml(1, 3, 111)), resolved(1, 3, 112)}, func() {})
		assert.True(t, block)
		assert.Equal(t, [][]wire.Event{{&batch(dml(1, 2, 110)).DMLs[0], &batch(dml(1, 3, 111)).DMLs[0], resolved(1, 3, 112)}}, h.target.batches)
		assert.False(t, h.stat.HandleDataEvents(L, []wire.Event{dml(1, 4, 100)}, func() {}), "nothing forwarded: not blocked")
	})
}

// A removed session forwards nothing and resets nothing (3.2 h, I10).
func TestDataRemovedSessionForwardsNothing(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.stat.Remove()
		h.sent()
		assert.Empty(t, h.data(L, dml(1, 2, 110), resolved(1, 2, 120)))
		assert.Empty(t, h.data(L, dml(1, 9, 130)))
		assert.Empty(t, h.data(L, drop(1, 2, 110)))
		h.expect()
	})
}

// HEAD quirk, pinned (dispatcher_stat.go updateCommitTsStateByEvents): a
// resolved ts above the watermark clears gotDDLOnTs while the watermark
// stays, so after a reset below the DDL the resent DDL passes the
// collector's dedup a second time. In TiCDC the dispatcher's own
// stale-event filter (commitTs below its resolved ts) drops it; a checker
// of "DDL at most once per commitTs" at HandleEvents would flag it (I4).
func TestDataResolvedClearsDDLFlagSoResentDDLPassesAgain(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		assert.Equal(t, str(ddl(1, 2, 110)), h.data(L, ddl(1, 2, 110)))
		h.data(L, resolved(1, 2, 120))
		assert.False(t, h.snap().GotDDLOnTs)
		assert.Equal(t, wire.Ts(110), h.snap().LastEventCommitTs)
		h.target.cp = 109 // the DDL is not flushed yet
		h.stat.ResetCurrentEventService()
		h.handshake(L, 2, 109)
		assert.Equal(t, str(ddl(2, 2, 110)), h.data(L, ddl(2, 2, 110)), "forwarded twice at 110")
	})
}

// HEAD quirk, pinned (handleHandshakeEvent): a duplicated handshake of the
// current epoch is accepted again and rewinds lastEventSeq to 1; the next
// data event then fails the sequence check and resets.
func TestDataDuplicateHandshakeRewindsSequence(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.data(L, dml(1, 2, 110))
		h.handshake(L, 1, 100)
		assert.Empty(t, h.data(L, dml(1, 3, 111)))
		h.expect("RESET n1 ts=100 epoch=2")
	})
}

// The dynstream never batches DDL, SyncPoint, Handshake or Drop, and
// signals never enter the data path: TiCDC asserts each of these
// (docs/ticdc-assertions.md), and so does the model, with TiCDC's message.
func TestDataRejectsMisgroupedBatches(t *testing.T) {
	res := scenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.data(L, ddl(1, 2, 110), dml(1, 3, 111))
	})
	requireTiCDCPanic(t, res, "should not happen: only one event should be sent for DDL/SyncPoint/Handshake event")
	res = scenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.data(L, &wire.HandshakeEvent{DispatcherID: D, Epoch: 1, Seq: 1, ResolvedTs: 100}, dml(1, 2, 110))
	})
	requireTiCDCPanic(t, res, "unexpected multiple events for TypeHandshakeEvent")
	res = scenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.data(L, &wire.DropEvent{DispatcherID: D, DroppedEpoch: 1, DroppedSeq: 2}, dml(1, 2, 110))
	})
	requireTiCDCPanic(t, res, "unexpected multiple events for TypeDropEvent")
	res = scenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.data(L, &wire.ReadyEvent{DispatcherID: D})
	})
	requireTiCDCPanic(t, res, "should not happen: unknown event type")
	res = scenario(t, setup{}, func(h *harness) {
		h.toOnLocal(100)
		h.handshake(L, 1, 100)
		h.data(L, dml(1, 2, 110), ddl(1, 3, 111))
	})
	requireTiCDCPanic(t, res, "should not happen: unknown event type in batch data events")
}
