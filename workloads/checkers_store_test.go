package workloads

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
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
		subs, records := 0, 0
		for _, l := range r.State.store.services {
			subs, records = subs+len(l.subs), records+len(l.records)
		}
		require.Positive(t, subs)
		require.Positive(t, records)
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

// The look pairs each record and subscription with its own previous
// state, walking both lists in step: records appear, disappear and are
// removed around the one a RESET broke, subscriptions come and go around
// the one left behind, and each is still found; a new incarnation of a
// service is compared with nothing.
func TestStoreLookPairsEachWithItsPrevious(t *testing.T) {
	rec := func(id, epoch, received uint64) eventservice.RecordSnapshot {
		return eventservice.RecordSnapshot{Dispatcher: wire.DispatcherID(id), Epoch: epoch, ReceivedResolvedTs: wire.Ts(received)}
	}
	st := NewCheckState()
	l := &storeLook{}
	st.judgeRecords("n1", l, []eventservice.RecordSnapshot{rec(2, 1, 100), rec(5, 1, 500), rec(9, 1, 900)})
	st.judgeRecords("n1", l, []eventservice.RecordSnapshot{rec(1, 1, 10), rec(2, 2, 100), rec(9, 1, 950)})
	require.NoError(t, st.store.i22, "5 went away, 1 came; 2 kept its statistics")
	st.judgeRecords("n1", l, []eventservice.RecordSnapshot{rec(1, 1, 10), rec(2, 2, 100), rec(9, 2, 900)})
	require.ErrorContains(t, st.store.i22, "dispatcher d9: the RESET to epoch 2 left received resolved ts 900")

	sub := func(id, cp, resolved, subCp uint64) eventservice.SubscriptionSnapshot {
		return eventservice.SubscriptionSnapshot{ID: id, CheckpointTs: wire.Ts(cp), ResolvedTs: wire.Ts(resolved),
			Subscribers: []eventservice.SubscriberSnapshot{{Dispatcher: wire.DispatcherID(id), Registered: true, OnThis: true, StoreCheckpointTs: wire.Ts(subCp)}}}
	}
	st = NewCheckState()
	l = &storeLook{}
	st.judgeSubscriptions("n1", l, []eventservice.SubscriptionSnapshot{sub(1, 100, 400, 100), sub(3, 100, 400, 100), sub(4, 100, 400, 100)})
	st.judgeSubscriptions("n1", l, []eventservice.SubscriptionSnapshot{sub(2, 100, 400, 100), sub(3, 200, 400, 200), sub(4, 100, 500, 200)})
	require.NoError(t, st.store.i21)
	st.judgeSubscriptions("n1", l, []eventservice.SubscriptionSnapshot{sub(2, 100, 400, 100), sub(4, 100, 500, 300)})
	require.ErrorContains(t, st.store.i21, "subscription 4: a subscriber's checkpoint moved but the subscription's stayed at 100")
}

// The look's reads are the service's own lists: after every step of a
// faulty run with crashes, AppendLiveRecords gives exactly the records
// Records gives that are neither removed nor orphaned, and
// AppendSubscriptionDetails into a reused buffer what
// SubscriptionDetails gives.
func TestStoreLookReadsWhatTheServiceShows(t *testing.T) {
	if sim.Describing() {
		t.Skip("a test of the checkers, not a workload: dst does not sweep it")
	}
	checked := 0
	sim.Test(t, func(w *sim.World) {
		r := Start(w, cluster.DefaultConfig())
		var subs []eventservice.SubscriptionSnapshot
		var live []eventservice.RecordSnapshot
		w.Invariant("store reads agree", 7, func() error {
			for _, n := range r.C.Nodes() {
				if n.Service == nil {
					continue
				}
				var want []eventservice.RecordSnapshot
				for _, rec := range n.Service.Records() {
					if !rec.Removed && !rec.Orphaned {
						want = append(want, rec)
					}
				}
				live = n.Service.AppendLiveRecords(live[:0])
				if fmt.Sprint(live) != fmt.Sprint(want) {
					return fmt.Errorf("node %s: live records %v, Records %v", n.ID, live, want)
				}
				subs = n.Service.AppendSubscriptionDetails(subs)
				if got, want := fmt.Sprint(subs), fmt.Sprint(n.Service.SubscriptionDetails()); got != want {
					return fmt.Errorf("node %s: subscriptions %s, SubscriptionDetails %s", n.ID, got, want)
				}
				checked += len(live)
			}
			return nil
		})
		r.AddTables(1, 6)
		r.Faults(30*time.Second, nil)
	}, sim.Seeds(2), sim.Configure(Patched), sim.Configure(func(c *sim.Config) { _ = c.Set("faults", "default") }))
	require.Positive(t, checked)
}
