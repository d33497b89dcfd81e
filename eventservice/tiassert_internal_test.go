package eventservice

import (
	"testing"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/internal/tiassert"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// The event store's scan-range checks (TiCDC's GetIterator,
// docs/ticdc-assertions.md), driven on the store alone: a registration
// at startTs 100 whose subscription has not moved yet (checkpoint and
// resolved ts both 100).
func newStoreAt100(t *testing.T) *eventStore {
	t.Helper()
	e := newEventStore(clock.NewReal(), nil, false)
	require.True(t, e.registerDispatcher(1, wire.Span{TableID: 1, EndKey: 100}, 100, &dispatcherSlot{}, false))
	return e
}

func TestEventStoreRefusesScanStartingBelowSubscriptionCheckpoint(t *testing.T) {
	e := newStoreAt100(t)
	require.PanicsWithValue(t,
		tiassert.Prefix+"event store: scan start ts below subscription checkpoint (logservice/eventstore/event_store.go:GetIterator): "+
			"node s1, dispatcher d1, subscription 1, scan (90, 100], checkpointTs 100, resolvedTs 100",
		func() { e.checkScanRange("s1", 1, 90, 100) })
}

func TestEventStoreRefusesScanEndingAboveSubscriptionResolvedTs(t *testing.T) {
	e := newStoreAt100(t)
	require.PanicsWithValue(t,
		tiassert.Prefix+"event store: scan end ts above subscription resolved ts (logservice/eventstore/event_store.go:GetIterator): "+
			"node s1, dispatcher d1, subscription 1, scan (100, 150], checkpointTs 100, resolvedTs 100",
		func() { e.checkScanRange("s1", 1, 100, 150) })
}

// The boundaries are inclusive, as in TiCDC: a scan may start at the
// checkpoint and end at the resolved ts; an ID the store does not know
// gets no iterator, and no check.
func TestEventStoreAcceptsScanWithinSubscriptionRange(t *testing.T) {
	e := newStoreAt100(t)
	require.NotPanics(t, func() { e.checkScanRange("s1", 1, 100, 100) })
	require.NotPanics(t, func() { e.checkScanRange("s1", 2, 0, 1000) })
}
