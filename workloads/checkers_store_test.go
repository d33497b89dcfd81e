package workloads

import (
	"testing"

	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// I21 and I22 stay silent on a clean run, and they looked: every
// service's subscriptions and records were seen, and some
// subscription's checkpoint moved past its start.
func TestStoreOraclesSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI21SubscriptionCheckpoint(r.C, r.State))
		require.NoError(t, CheckI22ResetKeepsStatistics(r.C, r.State))
		require.NotEmpty(t, r.State.store.subs)
		require.NotEmpty(t, r.State.store.records)
		moved := false
		for _, n := range r.C.Nodes() {
			for _, sub := range n.Service.SubscriptionDetails() {
				moved = moved || (len(sub.Subscribers) > 0 && sub.CheckpointTs > r.C.Dispatchers[0].StartTs())
			}
		}
		require.True(t, moved, "no subscription checkpoint moved: I21's lower bound was never exercised")
	})
}

// I21 fires on a checkpoint above its resolved ts or above a subscriber
// registered on it, and on one left behind after a subscriber's moved;
// it does not judge the floor when the subscribers changed or none
// registered on it moved, and a subscriber registered elsewhere counts
// in the minimum, as the store counts it.
func TestCheckI21FiresOnStaleSubscriptionCheckpoint(t *testing.T) {
	sub := func(cp, resolved uint64, subs ...eventservice.SubscriberSnapshot) eventservice.SubscriptionSnapshot {
		return eventservice.SubscriptionSnapshot{ID: 1, CheckpointTs: wire.Ts(cp), ResolvedTs: wire.Ts(resolved), Subscribers: subs}
	}
	on := func(id, cp uint64) eventservice.SubscriberSnapshot {
		return eventservice.SubscriberSnapshot{Dispatcher: wire.DispatcherID(id), Registered: true, OnThis: true, StoreCheckpointTs: wire.Ts(cp)}
	}
	elsewhere := on(3, 150)
	elsewhere.OnThis = false
	none := eventservice.SubscriptionSnapshot{}

	require.ErrorContains(t, subscriptionViolation("n1", none, sub(300, 200, on(1, 300))), "above its resolved ts")
	require.ErrorContains(t, subscriptionViolation("n1", none, sub(250, 400, on(1, 300), on(2, 200))), "above its subscriber d2's 200")
	require.NoError(t, subscriptionViolation("n1", none, sub(100, 400, on(1, 300), on(2, 200))))

	prev := sub(100, 400, on(1, 300), on(2, 200))
	require.ErrorContains(t, subscriptionViolation("n1", prev, sub(100, 500, on(1, 300), on(2, 250))), "stayed at 100, below 200")
	require.NoError(t, subscriptionViolation("n1", prev, sub(200, 500, on(1, 300), on(2, 250))))
	require.NoError(t, subscriptionViolation("n1", prev, sub(100, 500, on(1, 300), on(2, 200))), "nothing moved: no recomputation")
	require.NoError(t, subscriptionViolation("n1", prev, sub(100, 500, on(1, 350))), "a subscriber left: the store recomputes at the next update")
	prev = sub(100, 400, on(1, 300), on(2, 200), elsewhere)
	require.ErrorContains(t, subscriptionViolation("n1", prev, sub(100, 500, on(1, 300), on(2, 250), elsewhere)), "below 150")
	require.NoError(t, subscriptionViolation("n1", prev, sub(150, 500, on(1, 300), on(2, 250), elsewhere)))
	moved := elsewhere
	moved.StoreCheckpointTs = 180
	require.NoError(t, subscriptionViolation("n1", prev, sub(100, 500, on(1, 300), on(2, 200), moved)), "its move recomputes the other subscription")
}

// I22 fires on a RESET whose record forgot the received resolved ts or
// the checkpoint; a record of the same epoch, or one that kept or raised
// both, passes.
func TestCheckI22FiresOnForgottenStatistics(t *testing.T) {
	rec := func(epoch, received, cp uint64) eventservice.RecordSnapshot {
		return eventservice.RecordSnapshot{Dispatcher: 7, Epoch: epoch, ReceivedResolvedTs: wire.Ts(received), CheckpointTs: wire.Ts(cp)}
	}
	old := rec(1, 500, 300)
	require.ErrorContains(t, resetViolation("n1", old, rec(2, 350, 350)), "RESET to epoch 2 left received resolved ts 350")
	require.ErrorContains(t, resetViolation("n1", old, rec(2, 500, 200)), "checkpoint 200, below epoch 1's 500 and 300")
	require.NoError(t, resetViolation("n1", old, rec(2, 500, 300)))
	require.NoError(t, resetViolation("n1", old, rec(3, 600, 320)))
	require.NoError(t, resetViolation("n1", old, rec(1, 100, 100)), "no RESET in between")
}
