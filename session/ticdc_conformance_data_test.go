package session_test

// TiCDC's data-path cases of downstreamadapter/eventcollector/
// dispatcher_stat_test.go at b813e76f9, re-expressed against
// session.Stat's HandleDataEvents with this package's harness: the
// session is brought to a current service and an open epoch through its
// own inputs, and the sink blocks whenever it is handed events, as
// TiCDC's mock does, so the return value says whether anything reached
// it. One test per TiCDC case, named TestTiCDC<its name>.

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/assert"
)

// openEpoch brings the session onto from at epoch 1, handshaked at 100,
// with a sink that blocks whenever it is handed events.
func openEpoch(h *harness, from wire.ServerID) {
	if from == L {
		h.toOnLocal(100)
	} else {
		h.toOnRemote(100)
	}
	h.handshake(from, 1, 100)
	h.target.block = true
	h.sent()
}

// handle hands events to the data path and returns its block result.
func handle(h *harness, from wire.ServerID, events ...wire.Event) bool {
	return h.stat.HandleDataEvents(from, events, func() {})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleDataEvents.
//
// Whether a batch reaches the sink: not from a stale epoch, not with a
// seq gap, not below the commit-ts watermark; a DML, a DDL, a batch DML
// and a resolved event of the current epoch in sequence do.
func TestTiCDCHandleDataEvents(t *testing.T) {
	cases := []struct {
		name   string
		before []wire.Event // forwarded first, to set the watermark
		ev     wire.Event
		want   bool
	}{
		{"return false when event epoch is stale", nil, dml(0, 2, 150), false},
		{"handle DML events normally", nil, dml(1, 2, 150), true},
		{"return false when event sequence is discontinuous", nil, dml(1, 3, 150), false},
		{"handle DDL event normally", nil, ddl(1, 2, 150), true},
		{"handle BatchDML event normally", nil, batch(dml(1, 2, 150), dml(1, 3, 150)), true},
		{"handle Resolved event normally", nil, resolved(1, 1, 150), true},
		{"ignore events with commit ts less than last commit ts", []wire.Event{dml(1, 2, 150)}, dml(1, 3, 140), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runScenario(t, setup{}, func(h *harness) {
				openEpoch(h, R1)
				for _, ev := range c.before {
					handle(h, R1, ev)
				}
				assert.Equal(t, c.want, handle(h, R1, c.ev))
			})
		})
	}
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleBatchDataEvents.
//
// A batch of DMLs in sequence reaches the sink; one with a seq gap does
// not (and resets); stale-epoch events in a batch are skipped and the
// valid ones still go.
func TestTiCDCHandleBatchDataEvents(t *testing.T) {
	cases := []struct {
		name   string
		events []wire.Event
		want   bool
		reset  bool
	}{
		{"valid events from current service", []wire.Event{dml(1, 2, 150), dml(1, 3, 151)}, true, false},
		{"invalid sequence", []wire.Event{dml(1, 3, 150)}, false, true},
		{"stale events mixed with valid events", []wire.Event{dml(0, 1, 150), dml(1, 2, 151)}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runScenario(t, setup{}, func(h *harness) {
				openEpoch(h, L)
				assert.Equal(t, c.want, handle(h, L, c.events...))
				if c.reset {
					h.expect("RESET n1 ts=100 epoch=2")
				} else {
					h.expect()
				}
			})
		})
	}
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestInjectResetDispatcherAfterBatchDataEvents.
//
// TiCDC's failpoint resets the current service right after a batch was
// handed to the sink; the model's failpoint-style entry
// (ResetCurrentEventService) does the same at that point: RESET to L
// from the sink's checkpoint, epoch 2, whose max event ts starts there.
func TestTiCDCInjectResetDispatcherAfterBatchDataEvents(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		openEpoch(h, L)
		assert.True(t, handle(h, L, dml(1, 2, 101)))
		h.target.cp = 101 // the sink flushed it
		h.stat.ResetCurrentEventService()
		h.expect("RESET n1 ts=101 epoch=2")
		s := h.snap()
		assert.EqualValues(t, 2, s.Epoch)
		assert.Equal(t, wire.Ts(101), s.MaxEventTs)
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleSingleDataEvents.
//
// A DDL alone: not from a stale epoch, not with a seq gap; in sequence it
// reaches the sink. Two block events in one call are refused with
// TiCDC's assertion.
func TestTiCDCHandleSingleDataEvents(t *testing.T) {
	cases := []struct {
		name string
		ev   wire.Event
		want bool
	}{
		{"stale service", ddl(0, 2, 150), false},
		{"invalid sequence", ddl(1, 3, 150), false},
		{"valid DDL event", ddl(1, 2, 150), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runScenario(t, setup{}, func(h *harness) {
				openEpoch(h, L)
				assert.Equal(t, c.want, handle(h, L, c.ev))
			})
		})
	}
	t.Run("multiple events", func(t *testing.T) {
		requirePanic(t, scenario(t, setup{}, func(h *harness) {
			openEpoch(h, L)
			handle(h, L, ddl(1, 2, 150), ddl(1, 3, 151))
		}), "should not happen")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleSingleDataEventsUpdatesDDLStateAndDedupsSameTsDDL.
//
// A DDL at 150 moves the watermark there and marks a DDL seen at it; a
// second DDL at the same ts is dropped as a duplicate.
func TestTiCDCHandleSingleDataEventsUpdatesDDLStateAndDedupsSameTsDDL(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		openEpoch(h, L)
		assert.True(t, handle(h, L, ddl(1, 2, 150)))
		s := h.snap()
		assert.Equal(t, wire.Ts(150), s.LastEventCommitTs)
		assert.True(t, s.GotDDLOnTs)
		assert.False(t, s.GotSyncpointOnTS)
		assert.False(t, handle(h, L, ddl(1, 3, 150)))
		s = h.snap()
		assert.Equal(t, wire.Ts(150), s.LastEventCommitTs)
		assert.True(t, s.GotDDLOnTs)
		assert.Len(t, h.target.batches, 1, "the duplicate never reaches the sink")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleSingleDataEventsUpdatesSyncPointStateAndDedupsSameTsSyncPoint.
//
// The same for sync points at 200.
func TestTiCDCHandleSingleDataEventsUpdatesSyncPointStateAndDedupsSameTsSyncPoint(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		openEpoch(h, L)
		assert.True(t, handle(h, L, syncPoint(1, 2, 200)))
		s := h.snap()
		assert.Equal(t, wire.Ts(200), s.LastEventCommitTs)
		assert.False(t, s.GotDDLOnTs)
		assert.True(t, s.GotSyncpointOnTS)
		assert.False(t, handle(h, L, syncPoint(1, 3, 200)))
		s = h.snap()
		assert.Equal(t, wire.Ts(200), s.LastEventCommitTs)
		assert.True(t, s.GotSyncpointOnTS)
		assert.Len(t, h.target.batches, 1, "the duplicate never reaches the sink")
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleBatchDMLEvent.
//
// Two batch DMLs in sequence reach the sink; a batch below the watermark
// does not. (TiCDC's "nil table info" case is the model's assertion test
// TestBatchDMLBeforeTableInfoPanicsAsTiCDCDoes: the handshake, which
// always comes first, sets the table info, so the harness cannot reach
// it.)
func TestTiCDCHandleBatchDMLEvent(t *testing.T) {
	t.Run("valid batch DML", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			openEpoch(h, L)
			assert.True(t, handle(h, L, batch(dml(1, 2, 150), dml(1, 3, 150)), batch(dml(1, 4, 200), dml(1, 5, 200))))
		})
	})
	t.Run("stale commit ts", func(t *testing.T) {
		runScenario(t, setup{}, func(h *harness) {
			openEpoch(h, L)
			handle(h, L, dml(1, 2, 150))
			assert.False(t, handle(h, L, batch(dml(1, 3, 140))))
		})
	})
}

// TiCDC: downstreamadapter/eventcollector/dispatcher_stat_test.go
// TestHandleBatchDataEventsDoesNotAdvanceCommitTsWhenNoValidEvents.
//
// A DML below the watermark is filtered out; with nothing valid the
// watermark stays and the sink gets nothing.
func TestTiCDCHandleBatchDataEventsDoesNotAdvanceCommitTsWhenNoValidEvents(t *testing.T) {
	runScenario(t, setup{}, func(h *harness) {
		openEpoch(h, L)
		handle(h, L, dml(1, 2, 150))
		batches := len(h.target.batches)
		assert.False(t, handle(h, L, dml(1, 3, 140)))
		assert.Equal(t, wire.Ts(150), h.snap().LastEventCommitTs)
		assert.Len(t, h.target.batches, batches)
	})
}
