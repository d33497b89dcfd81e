package eventservice

// TiCDC's unit tests at b813e76f9 of what the request fields make the
// event broker and scanner do (pkg/eventservice/event_broker_test.go,
// event_scanner_test.go): sync points, low-latency mode, large
// transactions split across events. Re-expressed against the model's
// broker driven directly (newBrokerForTest): no task runs, what the
// broker sends stays in its workers' queues and what it asks the scan
// task for stays in scanRequests. One test per TiCDC case, named
// TestTiCDC<its name>.

import (
	"fmt"
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// listUpstream holds fixed changes, resolved at resolved.
type listUpstream struct {
	resolved wire.Ts
	changes  []Change
}

func (u *listUpstream) ResolvedTs(wire.Span) wire.Ts { return u.resolved }
func (u *listUpstream) Changes(_ wire.Span, after, upto wire.Ts) []Change {
	var out []Change
	for _, ch := range u.changes {
		if ch.CommitTs > after && ch.CommitTs <= upto {
			out = append(out, ch)
		}
	}
	return out
}

// rowsFrom returns n row IDs from first on.
func rowsFrom(first uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = first + uint64(i)
	}
	return out
}

// fieldsBroker is a broker over changes with record 1 of epoch 1 from
// startTs, registered and reset with opts, its changefeed quota granted.
func fieldsBroker(t *testing.T, startTs wire.Ts, opts wire.RequestOptions, changes ...Change) (*brokerForTest, *dispatcherStat) {
	b := &brokerForTest{schema: &stubSchemaStore{}, ep: &stubEndpoint{}, rt: clock.NewReal()}
	up := &listUpstream{resolved: startTs, changes: changes}
	cfg := Config{Runtime: b.rt, Node: "s1", Endpoint: b.ep, Upstream: up, SchemaStore: b.schema}.withDefaults()
	b.eventBroker = newEventBroker(&cfg)
	reg := request(wire.ActionRegister, 1, brokerSpan, 0, startTs)
	reg.RequestOptions = opts
	b.addDispatcher(reg)
	reset := request(wire.ActionReset, 1, brokerSpan, 1, startTs)
	reset.RequestOptions = opts
	b.resetDispatcher(reset)
	d := b.getDispatcher(1).stat
	_, ok := b.scanRequests.TryRecv()
	require.True(t, ok, "the RESET asked for a scan")
	b.changefeedMap["cf"].availableMemoryQuota["c1"] = 1 << 20
	return b, d
}

// resolve moves the upstream to ts and ticks the scan task once: the
// event store's subscription takes the resolved ts and notifies.
func resolve(b *brokerForTest, ts wire.Ts) {
	b.cfg.Upstream.(*listUpstream).resolved = ts
	b.onScanTick()
}

// describe renders queued events for comparison.
func describe(events []wrapEvent) []string {
	var out []string
	for _, e := range events {
		if e.msg == nil {
			out = append(out, e.resolved.String())
			continue
		}
		if bd, ok := e.msg.(*wire.BatchDMLEvent); ok {
			for i := range bd.DMLs {
				out = append(out, bd.DMLs[i].String()+" rows "+rowSpan(bd.DMLs[i].Rows))
			}
			continue
		}
		out = append(out, e.msg.String())
	}
	return out
}

func rowSpan(rows []uint64) string {
	if len(rows) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d-%d", rows[0], rows[len(rows)-1])
}

// TiCDC: pkg/eventservice/event_broker_test.go TestNotifyFastPathPreservesSyncPointOrder.
//
// A notification over a range with no data but a sync point due sends
// the sync point, then the resolved ts, and the resolved ts is the
// record's new sent watermark.
func TestTiCDCNotifyFastPathPreservesSyncPointOrder(t *testing.T) {
	b, d := fieldsBroker(t, 1000, wire.RequestOptions{EnableSyncPoint: true, SyncPointInterval: 10_000, SyncPointTs: 2000})
	b.onNotify(b.getDispatcher(1), 3000)
	require.Equal(t, []string{
		"Handshake(d1 e1 seq=1 ts=1000)",
		"SyncPoint(d1 e1 seq=2 ts=2000)",
		"Resolved(d1 e1 seq=2 ts=3000)",
	}, describe(b.queued(d)))
	require.Equal(t, wire.Ts(3000), d.sentResolvedTs)
	require.Equal(t, wire.Ts(12_000), d.nextSyncPoint, "the next sync point is one interval on")
	_, ok := b.scanRequests.TryRecv()
	require.False(t, ok, "nothing left for the scan task")
}

// busyRecord puts a read under way on d, as site eventservice/scan-read-slow does.
func busyRecord(d *dispatcherStat) *activeScan {
	a := &activeScan{end: d.sentResolvedTs}
	d.activeScan = a
	return a
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestLowLatencyScanRequestWhileRunningSchedulesContinuation.
//
// In low-latency mode, notifications met while a scan runs are kept as
// one continuation, asked for once the scan ends; the continuation's own
// end asks for nothing more.
func TestTiCDCLowLatencyScanRequestWhileRunningSchedulesContinuation(t *testing.T) {
	b, d := fieldsBroker(t, 100, wire.RequestOptions{LowLatencyMode: true})
	b.sendHandshakeIfNeed(d)
	a := busyRecord(d)
	b.onNotify(b.getDispatcher(1), 200)
	b.onNotify(b.getDispatcher(1), 201)
	require.Equal(t, wire.Ts(201), d.receivedResolvedTs)
	require.True(t, d.pendingScan)
	_, ok := b.scanRequests.TryRecv()
	require.False(t, ok, "nothing asked while the scan runs")
	b.finishActiveScan(d, a)
	got, ok := b.scanRequests.TryRecv()
	require.True(t, ok, "the continuation is asked for when the scan ends")
	require.Same(t, d, got)
	_, ok = b.scanRequests.TryRecv()
	require.False(t, ok, "two notifications make one continuation")
	b.scanNow(d)
	require.False(t, d.pendingScan)
	_, ok = b.scanRequests.TryRecv()
	require.False(t, ok)
}

// TiCDC: pkg/eventservice/event_broker_test.go
// TestThroughputModeDoesNotContinueScanRequestWhileRunning.
//
// Without low-latency mode a notification met while a scan runs is
// dropped: nothing is asked for when the scan ends.
func TestTiCDCThroughputModeDoesNotContinueScanRequestWhileRunning(t *testing.T) {
	b, d := fieldsBroker(t, 100, wire.RequestOptions{})
	b.sendHandshakeIfNeed(d)
	a := busyRecord(d)
	b.onNotify(b.getDispatcher(1), 200)
	require.Equal(t, wire.Ts(200), d.receivedResolvedTs)
	require.False(t, d.pendingScan)
	b.finishActiveScan(d, a)
	_, ok := b.scanRequests.TryRecv()
	require.False(t, ok)
}

// TiCDC: pkg/eventservice/event_scanner_test.go
// TestEventScannerSplitsLargeTxnWithRowLevelProgress.
//
// A transaction above the threshold goes out in fragments of the
// threshold's rows, one scan each: a scan that stops inside it keeps its
// progress, sends no resolved ts and asks for the next scan; the last
// fragment is followed by the rest of the range and the resolved ts.
func TestTiCDCEventScannerSplitsLargeTxnWithRowLevelProgress(t *testing.T) {
	b, d := fieldsBroker(t, 100, wire.RequestOptions{},
		Change{Kind: KindDML, CommitTs: 150, StartTs: 149, Rows: rowsFrom(1, 20)},
		Change{Kind: KindDML, CommitTs: 160, StartTs: 159, Rows: rowsFrom(21, 2)})
	resolve(b, 200)
	require.Equal(t, []string{
		"Handshake(d1 e1 seq=1 ts=100)",
		"DML(d1 e1 seq=2 commitTs=150) rows 1-8",
	}, describe(b.queued(d)))
	require.Equal(t, &scanProgress{commitTs: 150, startTs: 149, rowsSent: 8}, d.scanProgress)
	require.Equal(t, wire.Ts(100), d.sentResolvedTs, "no resolved ts while the transaction is half sent")
	for _, want := range [][]string{
		{"DML(d1 e1 seq=3 commitTs=150) rows 9-16"},
		{"DML(d1 e1 seq=4 commitTs=150) rows 17-20", "DML(d1 e1 seq=5 commitTs=160) rows 21-22", "Resolved(d1 e1 seq=5 ts=200)"},
	} {
		got, ok := b.scanRequests.TryRecv()
		require.True(t, ok, "an interrupted scan asks for the next")
		b.scanNow(got)
		require.Equal(t, want, describe(b.queued(d)))
	}
	require.Nil(t, d.scanProgress)
	_, ok := b.scanRequests.TryRecv()
	require.False(t, ok)
}

// TiCDC: pkg/eventservice/event_scanner_test.go
// TestEventScannerDoesNotSplitCurrentTxnBelowLargeTxnThreshold.
//
// A transaction at the threshold goes whole; so does a larger one when
// the sink's atomicity is table.
func TestTiCDCEventScannerDoesNotSplitCurrentTxnBelowLargeTxnThreshold(t *testing.T) {
	b, d := fieldsBroker(t, 100, wire.RequestOptions{}, Change{Kind: KindDML, CommitTs: 150, StartTs: 149, Rows: rowsFrom(1, 8)})
	resolve(b, 200)
	require.Equal(t, []string{"Handshake(d1 e1 seq=1 ts=100)", "DML(d1 e1 seq=2 commitTs=150) rows 1-8", "Resolved(d1 e1 seq=2 ts=200)"},
		describe(b.queued(d)))

	b, d = fieldsBroker(t, 100, wire.RequestOptions{TxnAtomicity: wire.AtomicityTable},
		Change{Kind: KindDML, CommitTs: 150, StartTs: 149, Rows: rowsFrom(1, 20)})
	resolve(b, 200)
	require.Equal(t, []string{"Handshake(d1 e1 seq=1 ts=100)", "DML(d1 e1 seq=2 commitTs=150) rows 1-20", "Resolved(d1 e1 seq=2 ts=200)"},
		describe(b.queued(d)))
}
