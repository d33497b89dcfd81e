package eventservice_test

// TiCDC's own unit tests of the event service at b813e76f9
// (pkg/eventservice/*_test.go), re-expressed against the model: one test
// per TiCDC test case, named TestTiCDC<its name>, its doc comment citing
// the case. Package conformance keeps the table of them. The cases of
// dispatcher_stat_test.go, which drive the record alone, are in
// ticdc_conformance_internal_test.go.

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// TiCDC: pkg/eventservice/event_service_test.go
// TestNewEventServiceRemovesOrphanedLargeTxnSpillFiles.
func TestTiCDCNewEventServiceRemovesOrphanedLargeTxnSpillFiles(t *testing.T) {
	t.Skip("not modelled: large-transaction spill files (the model has no storage)")
}

// TiCDC: pkg/eventservice/event_service_test.go TestEventServiceBasic.
//
// A registered dispatcher with quota gets Ready (seq 0); the RESET to
// epoch 1 that the collector answers with brings the Handshake (seq 1,
// the RESET's ts), then the table's DDL (seq 2) and its DMLs (seq 3, 4,
// 5), the first DML alone in its batch, each at its commit ts.
func TestTiCDCEventServiceBasic(t *testing.T) {
	var recs []eventservice.RecordSnapshot
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(1, eventservice.Change{Kind: eventservice.KindDDL, CommitTs: 1100, TableInfoVersion: 2}, dml(1101))
		e.activate(1, span1, 200, 200)
		e.w.Sleep(2 * time.Second)
		e.up.add(1, dml(3102), dml(3103))
		e.w.Sleep(2 * time.Second)
		recs = e.svc.Records()
	})
	require.Len(t, recs, 1, "one dispatcher registered")
	events := e.col.flatten()
	checkEpochStream(t, events, 1, 1)
	ready := of(events, 1, "Ready")
	require.NotEmpty(t, ready)
	require.Zero(t, ready[0].seq)
	hs := of(events, 1, "Handshake")
	require.Len(t, hs, 1)
	require.Equal(t, wire.Ts(200), hs[0].ts, "the handshake carries the RESET's start ts")
	require.EqualValues(t, 1, hs[0].seq)
	data := of(events, 1, "DDL", "DML")
	require.Len(t, data, 4)
	want := []struct {
		kind string
		seq  uint64
		ts   wire.Ts
	}{{"DDL", 2, 1100}, {"DML", 3, 1101}, {"DML", 4, 3102}, {"DML", 5, 3103}}
	for i, w := range want {
		require.Equal(t, w.kind, data[i].kind)
		require.Equal(t, w.seq, data[i].seq)
		require.Equal(t, w.ts, data[i].ts)
	}
	var firstBatch int
	for _, r := range e.col.events {
		if b, ok := r.msg.(*wire.BatchDMLEvent); ok {
			firstBatch = len(b.DMLs)
			break
		}
	}
	require.Equal(t, 1, firstBatch, "the first DML batch holds one event")
}

// TiCDC: pkg/eventservice/event_service_test.go
// TestHandleMessageIgnoresInvalidSingleMessagePayloads.
//
// An empty heartbeat and an empty congestion control (nil pointers in
// the model) are ignored; the service does not fail and goes on.
func TestTiCDCHandleMessageIgnoresInvalidSingleMessagePayloads(t *testing.T) {
	e := run(t, newSetup(1), func(e *env) {
		e.col.send(server, (*wire.DispatcherHeartbeat)(nil))
		e.col.send(server, (*wire.CongestionControl)(nil))
		e.w.Sleep(10 * time.Millisecond)
		e.activate(1, span1, 1, 20)
	})
	require.Len(t, of(e.col.flatten(), 1, "Handshake"), 1)
}

// TiCDC: pkg/eventservice/event_service_test.go TestMockEventIterator.
func TestTiCDCMockEventIterator(t *testing.T) {
	t.Skip("tests TiCDC's own test double (mockEventIterator), not the event service")
}
