package eventservice

// TiCDC's unit tests at b813e76f9 of what the event service does with a
// dropped table (pkg/eventservice/event_scanner_test.go): a DML the scan
// finds at or above the table's delete version is skipped, as the
// schema store answers TableDeletedError for it (event_scanner.go
// getTableInfo4Txn). The model's scan asks the upstream's TableDropper;
// the broker is driven directly, as in ticdc_conformance_broker_internal_test.go.

import (
	"testing"

	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// dropUpstream has changes of table 1 and may have dropped it at dropTs.
type dropUpstream struct {
	stubUpstream
	changes []Change
	dropTs  wire.Ts
}

func (u *dropUpstream) Changes(_ wire.Span, after, upto wire.Ts) []Change {
	var out []Change
	for _, ch := range u.changes {
		if ch.CommitTs > after && ch.CommitTs <= upto {
			out = append(out, ch)
		}
	}
	return out
}

func (u *dropUpstream) DroppedAt(table int64) (wire.Ts, bool) {
	return u.dropTs, table == 1 && u.dropTs != 0
}

// scanOnce registers and resets a record of table 1 from 100, marks it
// handshaked with quota to spare and the upstream resolved at 200, runs
// one scan and returns what it queued: the DMLs' commit ts and the last
// resolved ts.
func scanOnce(t *testing.T, up *dropUpstream) (dmls []wire.Ts, resolved wire.Ts) {
	t.Helper()
	b := newBrokerForTest()
	up.resolved = 200
	b.cfg.Upstream = up
	b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
	b.resetDispatcher(request(wire.ActionReset, 1, brokerSpan, 1, 100))
	d := b.getDispatcher(1).stat
	d.seq, d.receivedResolvedTs, d.availableMemoryQuota = 1, 200, 1<<30
	b.eventStore.dispatchers[1].sub.resolvedTs = 200 // the store has seen (100, 200]
	b.changefeedMap["cf"].availableMemoryQuota = map[wire.ServerID]uint64{"c1": 1 << 30}
	b.queued(d)
	b.doScan(d)
	for _, m := range b.queued(d) {
		switch e := m.msg.(type) {
		case nil:
			resolved = m.resolved.ResolvedTs
		case *wire.BatchDMLEvent:
			for _, dml := range e.DMLs {
				dmls = append(dmls, dml.CommitTs)
			}
		case *wire.DMLEvent:
			dmls = append(dmls, e.CommitTs)
		}
	}
	return dmls, resolved
}

// dml is a one-row DML of table 1 at commitTs.
func dml(commitTs wire.Ts) Change {
	return Change{Kind: KindDML, CommitTs: commitTs, StartTs: commitTs - 1, Rows: []uint64{uint64(commitTs)}}
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestScanAndMergeEventsSkipsDeletedTableTxn.
//
// A transaction of a table deleted at its commit ts is not sent; a
// resolved event at or above its commit ts is, so the dispatcher's
// progress passes it. (TiCDC's scanner puts the resolved event at the
// transaction's commit ts in its place; the model's scan sends its one
// resolved ts at the end of the range, which covers it.)
func TestTiCDCScanAndMergeEventsSkipsDeletedTableTxn(t *testing.T) {
	dmls, resolved := scanOnce(t, &dropUpstream{changes: []Change{dml(150)}, dropTs: 150})
	require.Empty(t, dmls, "the deleted table's transaction was sent")
	require.GreaterOrEqual(t, resolved, wire.Ts(150))
}

// TiCDC: pkg/eventservice/event_scanner_test.go TestGetTableInfo4Txn.
//
// Its cases, where the model has them: a table that exists gives the
// transaction (Success); a deleted one skips it without an error
// (TableDeleted); a removed record sends nothing at all
// (DispatcherRemoved: the model's scan does not run for it). The model's
// schema store has no other error for a table's info (OtherError).
func TestTiCDCGetTableInfo4Txn(t *testing.T) {
	t.Run("Success", func(t *testing.T) {
		dmls, _ := scanOnce(t, &dropUpstream{changes: []Change{dml(110), dml(150)}})
		require.Equal(t, []wire.Ts{110, 150}, dmls)
	})
	t.Run("TableDeleted", func(t *testing.T) {
		dmls, resolved := scanOnce(t, &dropUpstream{changes: []Change{dml(110), {Kind: KindDDL, CommitTs: 120, TableInfoVersion: 2}, dml(150)}, dropTs: 120})
		require.Equal(t, []wire.Ts{110}, dmls, "only the transaction before the delete version")
		require.Equal(t, wire.Ts(200), resolved)
	})
	t.Run("DispatcherRemoved", func(t *testing.T) {
		b := newBrokerForTest()
		b.cfg.Upstream = &dropUpstream{changes: []Change{dml(150)}, dropTs: 120}
		b.addDispatcher(request(wire.ActionRegister, 1, brokerSpan, 0, 100))
		d := b.getDispatcher(1).stat
		b.removeDispatcher(1)
		d.receivedResolvedTs = 200
		b.onScanTick()
		require.Empty(t, b.queued(d))
	})
}
