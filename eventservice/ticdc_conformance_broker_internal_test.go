package eventservice

// TiCDC's unit tests of the event broker at b813e76f9
// (pkg/eventservice/event_broker_test.go), the ones about a record's
// lifecycle, re-expressed against the model's broker driven directly, as
// TiCDC's tests drive theirs: no tasks run, what the broker would send
// stays in its workers' queues, where the tests read it. One test per
// TiCDC case, named TestTiCDC<its name>; the skipped cases of the file
// are in ticdc_conformance_skips_test.go.

import (
	"errors"
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// stubUpstream resolves every span at resolved and has no changes.
type stubUpstream struct{ resolved wire.Ts }

func (u *stubUpstream) ResolvedTs(wire.Span) wire.Ts                 { return u.resolved }
func (u *stubUpstream) Changes(wire.Span, wire.Ts, wire.Ts) []Change { return nil }

// stubSchemaStore fails RegisterTable when fail is set and counts calls.
type stubSchemaStore struct {
	fail                     bool
	registered, unregistered int
}

func (s *stubSchemaStore) RegisterTable(wire.Span, wire.Ts) error {
	if s.fail {
		return errors.New("register schema store failed")
	}
	s.registered++
	return nil
}
func (s *stubSchemaStore) UnregisterTable(wire.Span) { s.unregistered++ }

// stubEndpoint records what the broker sends directly (heartbeat
// responses).
type stubEndpoint struct{ sent []any }

func (e *stubEndpoint) ID() network.NodeID { return "s1" }
func (e *stubEndpoint) Send(_ network.NodeID, _ network.Stream, msg any) error {
	e.sent = append(e.sent, msg)
	return nil
}
func (e *stubEndpoint) Inbox(network.Stream) *clock.Mailbox[network.Envelope] { return nil }

type brokerForTest struct {
	*eventBroker
	up     *stubUpstream
	schema *stubSchemaStore
	ep     *stubEndpoint
	rt     *clock.Real
}

func newBrokerForTest() *brokerForTest {
	bt := &brokerForTest{up: &stubUpstream{resolved: 100}, schema: &stubSchemaStore{}, ep: &stubEndpoint{}, rt: clock.NewReal()}
	cfg := Config{Runtime: bt.rt, Node: "s1", Endpoint: bt.ep, Upstream: bt.up, SchemaStore: bt.schema}.withDefaults()
	bt.eventBroker = newEventBroker(&cfg)
	return bt
}

var brokerSpan = wire.Span{TableID: 1, StartKey: 0, EndKey: 100} //dst:allow package-state: a read-only fixture

func request(action wire.ActionType, id wire.DispatcherID, span wire.Span, epoch uint64, startTs wire.Ts) *wire.DispatcherRequest {
	return &wire.DispatcherRequest{ChangefeedID: "cf", DispatcherID: id, Span: span, ServerID: "c1",
		Action: action, Epoch: epoch, StartTs: startTs}
}

// sentTo drains what the broker queued for a record's worker.
func (b *brokerForTest) queued(d *dispatcherStat) []wrapEvent {
	var out []wrapEvent
	for {
		m, ok := b.workers[d.messageWorkerIndex].queue.TryRecv()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

// TiCDC: pkg/eventservice/event_broker_test.go TestCURDDispatcher.
//
// REGISTER creates the record and its changefeed status; RESET replaces
// it with the new start ts, the status stays; REMOVE deletes the record
// and the status, now empty.
func TestTiCDCCURDDispatcher(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	require.NotNil(t, b.getDispatcher(1))
	require.NotNil(t, b.changefeedMap["cf"])
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 2, 1002))
	slot := b.getDispatcher(1)
	require.NotNil(t, slot)
	require.Equal(t, wire.Ts(1002), slot.stat.startTs)
	require.NotNil(t, b.changefeedMap["cf"], "the status stays after a RESET")
	b.removeDispatcher(1)
	require.Nil(t, b.getDispatcher(1))
	require.Nil(t, b.changefeedMap["cf"], "the status goes with the last record")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestResetDispatcher.
//
// A RESET of an absent record creates nothing; one whose epoch is not
// newer leaves the record as it is; a newer one replaces it, marking the
// old record removed.
func TestTiCDCResetDispatcher(t *testing.T) {
	b := newBrokerForTest()
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 100))
	require.Nil(t, b.getDispatcher(1), "no record from a RESET")
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	slot := b.getDispatcher(1)
	old := slot.stat
	require.Zero(t, old.epoch)
	require.Equal(t, wire.Ts(100), old.startTs)
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 0, 400))
	require.Same(t, old, slot.stat, "a stale epoch replaces nothing")
	old.checkpointTs = 120
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 500))
	require.NotSame(t, old, slot.stat)
	require.True(t, old.isRemoved)
	require.EqualValues(t, 1, slot.stat.epoch)
	require.Equal(t, wire.Ts(500), slot.stat.startTs)
	require.Equal(t, wire.DispatcherID(1), slot.stat.id)
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestResetDispatcherSendsHandshakeWithoutNextNotify.
//
// A RESET requests a scan at once; that scan sends the Handshake (seq 1,
// the new epoch) and the resolved ts the record already knew, without
// waiting for the next resolved-ts notification.
func TestTiCDCResetDispatcherSendsHandshakeWithoutNextNotify(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	old := b.getDispatcher(1).stat
	old.receivedResolvedTs = 500
	b.queued(old) // nothing sent yet: no notification ran
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 100))
	d := b.getDispatcher(1).stat
	require.NotSame(t, old, d)
	require.Equal(t, 1, b.scanRequests.Len(), "the scan is requested at once")
	req, _ := b.scanRequests.TryRecv()
	b.scanNow(req)
	require.EqualValues(t, 1, d.seq)
	got := b.queued(d)
	require.Len(t, got, 2)
	hs, ok := got[0].msg.(*wire.HandshakeEvent)
	require.True(t, ok, "first the handshake: %v", got[0])
	require.EqualValues(t, 1, hs.Epoch)
	require.Nil(t, got[1].msg, "then a resolved event")
	require.Equal(t, wire.Ts(500), got[1].resolved.ResolvedTs)
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestResetTableTriggerDispatcherDoesNotUseNormalScan.
//
// A RESET of the table-trigger record installs the new epoch but
// requests no scan and sends nothing: the table-trigger tick does that.
func TestTiCDCResetTableTriggerDispatcherDoesNotUseNormalScan(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, wire.Span{TableID: 0}, 0, 100))
	old := b.getDispatcher(1).stat
	old.receivedResolvedTs = 500
	b.up.resolved = 500
	b.resetDispatcher(request(wire.ActionReset, 1, wire.Span{TableID: 0}, 1, 100))
	d := b.getDispatcher(1).stat
	require.NotSame(t, old, d)
	require.Zero(t, d.seq)
	require.Equal(t, wire.Ts(100), d.sentResolvedTs)
	require.Zero(t, b.scanRequests.Len(), "no scan requested")
	require.Empty(t, b.queued(d))
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestHandleDispatcherHeartbeat_InactiveDispatcherCleanup.
//
// An accepted heartbeat raises the checkpoint and refreshes the
// heartbeat time; once a handshaked record has had none for longer than
// the timeout the sweep removes it, and a later heartbeat for it is
// answered Removed.
func TestTiCDCHandleDispatcherHeartbeat_InactiveDispatcherCleanup(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 50))
	d := b.getDispatcher(1).stat
	d.seq = 1 // handshaked
	b.handleDispatcherHeartbeat("c1", &wire.DispatcherHeartbeat{From: "c1",
		Progress: []wire.DispatcherProgress{{DispatcherID: 1, CheckpointTs: 100, Epoch: 0}}})
	require.GreaterOrEqual(t, d.checkpointTs, wire.Ts(100))
	d.lastReceivedHeartbeatTime = b.rt.Now().Add(-2 * b.cfg.HeartbeatTimeout)
	b.reportDispatcherStatToStore()
	require.Nil(t, b.getDispatcher(1), "swept as inactive")
	b.handleDispatcherHeartbeat("c1", &wire.DispatcherHeartbeat{From: "c1",
		Progress: []wire.DispatcherProgress{{DispatcherID: 1, CheckpointTs: 200}}})
	require.Len(t, b.ep.sent, 1)
	resp, ok := b.ep.sent[0].(*wire.DispatcherHeartbeatResponse)
	require.True(t, ok)
	require.Equal(t, []wire.DispatcherStateEntry{{DispatcherID: 1, State: wire.StateRemoved}}, resp.States)
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestHandleDispatcherHeartbeatEpochFilter.
//
// A heartbeat of an older or a newer epoch than the record's changes
// neither its checkpoint nor its heartbeat time.
func TestTiCDCHandleDispatcherHeartbeatEpochFilter(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 50))
	d := b.getDispatcher(1).stat
	d.epoch, d.checkpointTs = 3, 100
	d.lastReceivedHeartbeatTime = 0
	for _, e := range []uint64{2, 4} {
		b.handleDispatcherHeartbeat("c1", &wire.DispatcherHeartbeat{From: "c1",
			Progress: []wire.DispatcherProgress{{DispatcherID: 1, CheckpointTs: 200 + wire.Ts(e), Epoch: e}}})
		require.Equal(t, wire.Ts(100), d.checkpointTs, "epoch %d", e)
		require.Zero(t, d.lastReceivedHeartbeatTime, "epoch %d", e)
	}
}

// TiCDC: pkg/eventservice/event_broker_test.go TestSendHandshakeUsesStartTs.
//
// The Handshake carries the record's start ts, whatever its checkpoint.
func TestTiCDCSendHandshakeUsesStartTs(t *testing.T) {
	b := newBrokerForTest()
	cfg := b.cfg
	d := newDispatcherStat(request(wire.ActionReset, 1, brokerSpan, 1, 100), 0, cfg)
	d.checkpointTs = 200
	b.sendHandshakeIfNeed(d)
	got := b.queued(d)
	require.Len(t, got, 1)
	hs, ok := got[0].msg.(*wire.HandshakeEvent)
	require.True(t, ok)
	require.Equal(t, wire.Ts(100), hs.ResolvedTs)
	require.Equal(t, wire.Ts(100), d.sentResolvedTs)
}

// TiCDC: pkg/eventservice/event_broker_test.go TestAddDispatcherFailure.
//
// A REGISTER the schema store refuses leaves no changefeed status. (TiCDC
// returns the error to its caller; the model's intake has no caller to
// tell, which is hazard H3, PROTOCOL.md 6.3.)
func TestTiCDCAddDispatcherFailure(t *testing.T) {
	b := newBrokerForTest()
	b.schema.fail = true
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	require.Nil(t, b.changefeedMap["cf"])
	require.Nil(t, b.getDispatcher(1))
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestAddDispatcherUnregisterOnSchemaStoreError.
//
// When the schema store refuses, the event-store registration made just
// before is undone: no subscription is left.
func TestTiCDCAddDispatcherUnregisterOnSchemaStoreError(t *testing.T) {
	b := newBrokerForTest()
	b.schema.fail = true
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	require.Empty(t, b.eventStore.state(), "no subscription left")
}

// TiCDC: pkg/eventservice/event_broker_test.go TestOnNotify.
//
// Resolved-ts notifications of a handshaked record raise its received
// resolved ts and scan; with nothing to send but the watermark, the scan
// moves the sent resolved ts to it, notification after notification.
func TestTiCDCOnNotify(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 100))
	slot := b.getDispatcher(1)
	d := slot.stat
	require.Equal(t, wire.Ts(100), d.sentResolvedTs)
	d.seq = 1 // handshaked
	for _, ts := range []wire.Ts{101, 102, 103} {
		b.onNotify(slot, ts)
	}
	require.Equal(t, wire.Ts(103), d.receivedResolvedTs)
	require.Equal(t, wire.Ts(103), d.sentResolvedTs)
	b.onNotify(slot, 104)
	require.Equal(t, wire.Ts(104), d.sentResolvedTs)
}

// TiCDC: pkg/eventservice/event_broker_test.go TestDoScanSkipWhenChangefeedStatusNotFound.
//
// A scan of a record whose changefeed status is gone does not fail.
func TestTiCDCDoScanSkipWhenChangefeedStatusNotFound(t *testing.T) {
	b := newBrokerForTest()
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 100))
	d := b.getDispatcher(1).stat
	d.seq = 1
	d.receivedResolvedTs = 102
	delete(b.changefeedMap, "cf")
	require.NotPanics(t, func() { b.doScan(d) })
}
