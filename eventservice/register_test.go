package eventservice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/variant"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// PROTOCOL.md 3.3 (notify row) and 7: a registered record sends Ready on
// the first trigger, then after gaps of 2, 4, 8 and then 10 s, while it
// stays at epoch 0. With the upstream resolving every tick, each 50 ms
// scan tick is a trigger, so the gaps are exact.
func TestReadyBackoffGapsAreZeroTwoFourEightTenTen(t *testing.T) {
	e := run(t, newSetup(1), func(e *env) {
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(45 * time.Second)
	})
	readies := of(e.col.flatten(), 1, "Ready")
	require.GreaterOrEqual(t, len(readies), 7)
	// REGISTER sent at 1 ms, so the first scan tick that sees it is at
	// 50 ms; the Ready arrives 1 ms later.
	require.Equal(t, 51*time.Millisecond, readies[0].at.Duration(), "first Ready on the first trigger")
	var gaps []time.Duration
	for i := 1; i < len(readies); i++ {
		gaps = append(gaps, readies[i].at.Sub(readies[i-1].at))
	}
	s := time.Second
	require.Equal(t, []time.Duration{2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}, gaps[:6])
}

// PROTOCOL.md 3.3 REGISTER row and 6.3 H1: a second REGISTER for an Active
// record installs a new epoch-0 record without removing the old one. The
// new record sends Ready again; the old one, still notified by its own
// subscription, keeps scanning and sending epoch-1 resolved events;
// heartbeats of epoch 1 are now ignored (no Removed); and after REMOVE,
// the old record's subscription is left behind. The only data lies before
// the second REGISTER: a scan of the orphan that reads data fails the run
// (TestOrphanScanWithDataHitsTheEventStoreAssertion).
func TestRegisterOverwritesActiveRecordAndLeaksItsSubscription(t *testing.T) {
	var afterReg, afterRemove []eventservice.RecordSnapshot
	var subsAfterReg, subsAfterRemove []wire.Subscription
	var reRegisteredAt time.Duration
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(1, dml(1500))
		e.activate(1, span1, 1, 1)
		e.w.Sleep(2 * time.Second)
		reRegisteredAt = e.w.Now().Duration()
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(time.Second)
		afterReg, subsAfterReg = e.svc.Records(), e.svc.Subscriptions()
		e.col.heartbeat(server, wire.DispatcherProgress{DispatcherID: 1, CheckpointTs: 100, Epoch: 1})
		e.w.Sleep(4 * time.Second)
		e.col.remove(server, 1, span1)
		e.w.Sleep(time.Second)
		afterRemove, subsAfterRemove = e.svc.Records(), e.svc.Subscriptions()
	})
	require.Len(t, afterReg, 2)
	fresh := afterReg[0]
	require.Greater(t, fresh.ReceivedResolvedTs, wire.Ts(1), "notified by its subscription since")
	fresh.ReceivedResolvedTs, fresh.Registration = 0, eventservice.Registration{}
	require.Equal(t, eventservice.RecordSnapshot{Dispatcher: 1, Changefeed: cf, Span: span1, StartTs: 1, CheckpointTs: 1,
		SentResolvedTs: 1, ServerID: collector, TableRegistered: true}, fresh, "the new record is epoch 0")
	require.True(t, afterReg[1].Orphaned)
	require.Equal(t, uint64(1), afterReg[1].Epoch)
	require.False(t, afterReg[1].Removed, "H1: the overwritten record is not marked removed")
	require.Len(t, subsAfterReg, 2, "without data sharing the REGISTER made a second subscription")

	events := e.col.flatten()
	readies := of(events, 1, "Ready")
	require.Greater(t, readies[len(readies)-1].at.Duration(), reRegisteredAt, "the new record sends Ready again")
	require.Len(t, of(events, 1, "DML"), 1)
	resolved := of(events, 1, "Resolved")
	last := resolved[len(resolved)-1]
	require.Greater(t, last.at.Duration(), reRegisteredAt+time.Second, "the orphan keeps scanning")
	require.Equal(t, uint64(1), last.epoch)
	checkEpochStream(t, events, 1, 1)
	require.Empty(t, e.col.commands, "an epoch-1 heartbeat to an epoch-0 record is ignored, not answered")

	require.Len(t, afterRemove, 1)
	require.True(t, afterRemove[0].Orphaned, "REMOVE reached only the new record")
	require.Len(t, subsAfterRemove, 1, "the old record's subscription leaked")
}

// 6.3 H1 and docs/ticdc-assertions.md: the orphan of a second REGISTER
// is still notified by its old subscription, but the event store looks a
// scan up by dispatcher ID, so the orphan reads through the new
// registration. The old subscription is polled first in a tick, so the
// orphan's range ends above the new subscription's resolved ts, and the
// first scan with data fails the run with TiCDC's GetIterator panic. In
// TiCDC the new subscription lags further still (its puller starts an
// initial scan), so H1 can end the same way there.
func TestOrphanScanWithDataHitsTheEventStoreAssertion(t *testing.T) {
	_, res := runResult(newSetup(1), func(e *env) {
		e.up.add(1, dml(5500))
		e.activate(1, span1, 1, 1)
		e.w.Sleep(2 * time.Second)
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(5 * time.Second)
	})
	require.NotNil(t, res.Failure)
	require.Equal(t, sim.KindPanic, res.Failure.Kind)
	require.Contains(t, res.Failure.Message, tiassert.Prefix+"event store: scan end ts above subscription resolved ts")
	require.Equal(t, 5500*time.Millisecond, res.Failure.Time.Duration(), "the first orphan scan that holds the DML")
}

// PROTOCOL.md 3.3 REGISTER row, 3.2 c: with data sharing off (the
// default) a REGISTER with onlyReuse never succeeds: NotReusable, and no
// record or subscription is left.
func TestRegisterOnlyReuseWithoutDataSharingIsNotReusable(t *testing.T) {
	var recs []eventservice.RecordSnapshot
	var subs []wire.Subscription
	e := run(t, newSetup(1), func(e *env) {
		e.col.register(server, 7, span1, 1, false) // a subscription exists
		e.w.Sleep(time.Second)
		e.col.register(server, 8, span1, 500, true)
		e.w.Sleep(time.Second)
		recs, subs = e.svc.Records(), e.svc.Subscriptions()
	})
	events := e.col.flatten()
	require.Len(t, of(events, 8, "NotReusable"), 1)
	require.Empty(t, of(events, 8, "Ready"))
	require.Len(t, recs, 1)
	require.Len(t, subs, 1)
}

// PROTOCOL.md 3.3 REGISTER row: with data sharing on, onlyReuse attaches
// to an initialised subscription that covers the span and whose
// [checkpointTs, resolvedTs] holds start_ts; any other request gets
// NotReusable. A plain REGISTER may reuse too.
func TestRegisterOnlyReuseWithDataSharing(t *testing.T) {
	s := newSetup(1)
	s.service = func(c *eventservice.Config) { c.DataSharing = true }
	s.upstream = func(u *fakeUpstream) { u.frozen[3] = 100 }
	var subs []wire.Subscription
	e := run(t, s, func(e *env) {
		e.col.register(server, 1, span1, 1, false)
		e.col.register(server, 5, span3, 100, false) // table 3 never resolves past 100
		e.w.Sleep(time.Second)
		e.col.register(server, 2, wire.Span{TableID: 1, StartKey: 10, EndKey: 20}, 500, true) // covered, in range
		e.col.register(server, 3, span1, 1_000_000, true)                                     // start_ts > resolvedTs
		e.col.register(server, 4, span2, 500, true)                                           // no subscription for table 2
		e.col.register(server, 6, span3, 100, true)                                           // not initialised
		e.col.register(server, 9, span1, 700, false)                                          // plain REGISTER reuses
		e.w.Sleep(time.Second)
		subs = e.svc.Subscriptions()
	})
	events := e.col.flatten()
	require.NotEmpty(t, of(events, 2, "Ready"))
	require.Empty(t, of(events, 2, "NotReusable"))
	for _, id := range []wire.DispatcherID{3, 4, 6} {
		require.Len(t, of(events, id, "NotReusable"), 1, "%s", id)
		require.Empty(t, of(events, id, "Ready"), "%s", id)
	}
	require.NotEmpty(t, of(events, 9, "Ready"))
	require.Len(t, subs, 2, "d2 and d9 share d1's subscription")
}

// PROTOCOL.md 3.3 REGISTER row and 6.3 H3: when the schema store's
// RegisterTable fails (the Buggify site pinned on), the record is dropped
// with no reply at all, so a collector waiting for L's Ready waits
// forever.
func TestRegisterTableFailureIsSilent(t *testing.T) {
	s := newSetup(1)
	s.sim.PinSite(fault.RegisterTableFails, 1)
	var recs []eventservice.RecordSnapshot
	var subs []wire.Subscription
	e := run(t, s, func(e *env) {
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(time.Minute)
		recs, subs = e.svc.Records(), e.svc.Subscriptions()
	})
	require.Empty(t, e.col.events, "H3: no Ready, no NotReusable, nothing")
	require.Empty(t, recs)
	require.Empty(t, subs, "the event-store registration is undone")
}

// flakySchemaStore fails RegisterTable the first n times.
type flakySchemaStore struct{ n, calls int }

func (f *flakySchemaStore) RegisterTable(wire.Span, wire.Ts) error {
	f.calls++
	if f.calls <= f.n {
		return errors.New("schema store unavailable")
	}
	return nil
}
func (f *flakySchemaStore) UnregisterTable(wire.Span) {}

// Patch h3 (PROTOCOL.md 6.3 H3): the record is kept and RegisterTable is
// retried on each trigger before Ready; the Ready goes out once it
// succeeds. (Answering NotReusable instead would make the collector panic:
// T5, NotReusable from L.)
func TestPatchH3KeepsRecordAndRetriesRegisterTable(t *testing.T) {
	s := newSetup(1)
	store := &flakySchemaStore{n: 3}
	patches, err := variant.Parse("", "h3")
	require.NoError(t, err)
	s.service = func(c *eventservice.Config) { c.SchemaStore, c.Variants = store, patches }
	var recs []eventservice.RecordSnapshot
	e := run(t, s, func(e *env) {
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(20 * time.Millisecond)
		recs = e.svc.Records()
		e.w.Sleep(time.Second)
	})
	require.Len(t, recs, 1, "the record is kept while RegisterTable fails")
	readies := of(e.col.flatten(), 1, "Ready")
	require.NotEmpty(t, readies)
	// Calls: at the REGISTER (1 ms), then at the ticks of 50, 100 and
	// 150 ms; the fourth succeeds and the Ready goes out at once.
	require.Equal(t, 151*time.Millisecond, readies[0].at.Duration())
	require.Equal(t, 4, store.calls)
}

// The same failing schema store without the patch: no reply, no record
// (HEAD behaviour).
func TestRegisterTableFailureWithoutPatchDropsRecord(t *testing.T) {
	s := newSetup(1)
	s.service = func(c *eventservice.Config) { c.SchemaStore = &flakySchemaStore{n: 1} }
	var recs []eventservice.RecordSnapshot
	e := run(t, s, func(e *env) {
		e.col.register(server, 1, span1, 1, false)
		e.w.Sleep(time.Second)
		recs = e.svc.Records()
	})
	require.Empty(t, e.col.events)
	require.Empty(t, recs)
}

// PROTOCOL.md 3.3 REGISTER row (table-trigger span): no event store, a
// separate map, Ready on the 50 ms tick whatever the resolved ts does;
// after RESET, a Handshake and the trigger span's DDLs.
func TestTableTriggerDispatcher(t *testing.T) {
	var recs []eventservice.RecordSnapshot
	var subs []wire.Subscription
	e := run(t, newSetup(1), func(e *env) {
		e.up.add(0, eventservice.Change{Kind: eventservice.KindDDL, CommitTs: 1500, TableInfoVersion: 2},
			eventservice.Change{Kind: eventservice.KindSyncPoint, CommitTs: 1600})
		e.col.register(server, 100, ddl, 1, false)
		e.w.Sleep(100 * time.Millisecond)
		recs, subs = e.svc.Records(), e.svc.Subscriptions()
		e.col.reset(server, 100, ddl, 1, 1)
		e.w.Sleep(2 * time.Second)
	})
	require.Len(t, recs, 1)
	require.True(t, recs[0].TableTrigger)
	require.Empty(t, subs, "the table-trigger span has no subscription")
	events := e.col.flatten()
	require.Equal(t, 51*time.Millisecond, of(events, 100, "Ready")[0].at.Duration())
	checkEpochStream(t, events, 100, 1)
	data := of(events, 100, "DDL", "SyncPoint")
	require.Len(t, data, 2)
	require.Equal(t, []uint64{2, 3}, []uint64{data[0].seq, data[1].seq})
}

// 6.3 H6: a REGISTER over a live record registers the table again; on
// HEAD the old record's registration is never released, so after the
// REMOVE the default schema store still holds one. With patch h6 the
// overwrite releases it and the REMOVE leaves none.
func TestOverwriteLeaksTheTableRegistrationUnlessH6(t *testing.T) {
	for _, tc := range []struct {
		patches string
		held    int64
	}{{"", 1}, {"h6", 0}} {
		s := newSetup(1)
		patches, err := variant.Parse("", tc.patches)
		require.NoError(t, err)
		s.service = func(c *eventservice.Config) { c.Variants = patches }
		var overwritten, removed int64
		run(t, s, func(e *env) {
			e.activate(1, span1, 1, 1)
			e.w.Sleep(time.Second)
			e.col.register(server, 1, span1, 1, false)
			e.w.Sleep(time.Second)
			overwritten, _ = e.svc.SchemaRegistrations()
			e.col.remove(server, 1, span1)
			e.w.Sleep(time.Second)
			removed, _ = e.svc.SchemaRegistrations()
		})
		require.Equal(t, 2-(1-tc.held), overwritten, "patches %q: after the overwrite", tc.patches)
		require.Equal(t, tc.held, removed, "patches %q: after the REMOVE", tc.patches)
	}
}
