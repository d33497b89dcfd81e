package workloads

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/collector"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// I23, I24 and I25 stay silent on a clean run (data sharing off), and
// I23 judged arrivals: the quiet cluster's DMLs all arrive far under the
// threshold and are queued.
func TestPolicyOraclesSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI23DropThreshold(r.C, r.State))
		require.NoError(t, CheckI24WakeOwed(r.C, r.State))
		require.NoError(t, CheckI25NoSharingWhenOff(r.C, r.State))
		require.True(t, r.State.store.sharingOff)
		dropped, kept := r.State.DropCounts()
		require.Zero(t, dropped)
		require.NotZero(t, kept, "no droppable arrival was judged")
	})
}

// I23 fires on a drop under 1.5x the quota that no fault forced, and on
// an arrival at the threshold that was queued; a drop at the threshold,
// a forced drop under it, and an arrival under it that was queued pass.
func TestCheckI23FiresOnPlantedDrops(t *testing.T) {
	dml := &wire.DMLEvent{DispatcherID: 5, Seq: 3, Epoch: 1, CommitTs: 100}
	judge := func(pending uint64, dropped, injected bool) error {
		st := NewCheckState()
		st.observeDrop("n1", collector.DropDecision{Changefeed: "cf", Dispatcher: 5, Event: dml,
			Pending: pending, Quota: 1000, Dropped: dropped, Injected: injected})
		return CheckI23DropThreshold(nil, st)
	}
	require.ErrorContains(t, judge(1000, true, false), "1000 bytes pending against a quota of 1000, under the 1.5x threshold (1500)")
	require.ErrorContains(t, judge(1499, true, false), "under the 1.5x threshold")
	require.NoError(t, judge(1500, true, false))
	require.NoError(t, judge(1000, true, true), "a fault site may force a drop")
	require.NoError(t, judge(1499, false, false))
	require.ErrorContains(t, judge(1500, false, false), "at or over the 1.5x threshold: it must be dropped")
}

// owes is a planted sink for I24.
type owes struct {
	cluster.Dispatcher // a session.Target; only OwesWake is called
	owed               bool
}

func (o *owes) OwesWake() bool { return o.owed }

// I24 fires on a blocked path whose sink owes nothing, among paths whose
// sinks owe their wakes; every dispatcher of a run answers the question.
func TestCheckI24FiresOnPlantedLostWake(t *testing.T) {
	path := func(id wire.DispatcherID, owed bool) collector.BlockedPath {
		return collector.BlockedPath{Changefeed: "cf", Dispatcher: id, Target: &owes{owed: owed}, Pending: 300}
	}
	require.NoError(t, blockedViolation("n1", []collector.BlockedPath{path(1, true), path(2, true)}))
	require.ErrorContains(t, blockedViolation("n1", []collector.BlockedPath{path(1, true), path(9, false)}),
		"node n1, area cf: the path of d9 is blocked (300 bytes queued) but its sink holds nothing to flush")
	quietCluster(t, func(w *sim.World, r *Run) {
		for _, d := range r.C.Dispatchers {
			var target any = d
			_, ok := target.(wakeOwer)
			require.True(t, ok)
		}
	})
}

// I25 fires on a subscription two dispatchers share, and not on one
// whose subscriber a later REGISTER of the same ID replaced.
func TestCheckI25FiresOnPlantedSharing(t *testing.T) {
	sub := func(ids ...wire.DispatcherID) eventservice.SubscriptionSnapshot {
		s := eventservice.SubscriptionSnapshot{ID: 4, Span: wire.Span{TableID: 1}}
		for _, id := range ids {
			s.Subscribers = append(s.Subscribers, eventservice.SubscriberSnapshot{Dispatcher: id})
		}
		return s
	}
	require.NoError(t, sharingViolation("n1", sub(1)))
	require.NoError(t, sharingViolation("n1", sub(1, 1)))
	require.ErrorContains(t, sharingViolation("n1", sub(1, 2)), "subscription 4 of")
	require.ErrorContains(t, sharingViolation("n1", sub(1, 2)), "shared by d1 and d2 with data sharing off")
}

// I26 fires on an event message refused as congested and not attempted
// again within retryWithin; not on one attempted again (sent, or failed
// for another reason), nor on one refused for another reason.
func TestCheckI26FiresOnPlantedGivenUpSend(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI26CongestedSendRetried(r.C, r.State))
		fresh := func() *CheckState {
			st := NewCheckState()
			st.now, st.c = w.Now, r.C
			return st
		}
		failed := func(st *CheckState, msg any, err error) {
			st.Observe(cluster.Observation{Kind: cluster.ObservedSendFailed, Node: "n1", To: "n2", Msg: msg, Err: err})
		}
		ev := func() *wire.ResolvedEvent { return &wire.ResolvedEvent{DispatcherID: 3, ResolvedTs: 100} }
		given, retried, lost := fresh(), fresh(), fresh()
		e1, e2, e3 := ev(), ev(), ev()
		failed(given, e1, network.ErrCongested)
		failed(retried, e2, network.ErrCongested)
		failed(lost, e3, network.ErrCongested)
		w.Sleep(10 * time.Millisecond)
		failed(retried, e2, network.ErrCongested) // refused again: the clock restarts
		w.Sleep(10 * time.Millisecond)
		retried.Observe(cluster.Observation{Kind: cluster.ObservedSent, Node: "n1", To: "n2", Msg: e2})
		failed(lost, e3, network.ErrNotReady) // another failure: dropped, as TiCDC drops it
		w.Sleep(retryWithin + time.Millisecond)
		require.ErrorContains(t, CheckI26CongestedSendRetried(r.C, given), "event service n1: *wire.ResolvedEvent to n2 refused as congested 1.021s ago and never sent again")
		require.NoError(t, CheckI26CongestedSendRetried(r.C, retried))
		require.NoError(t, CheckI26CongestedSendRetried(r.C, lost))
		n, peak := retried.SendRetryPeak()
		require.EqualValues(t, 2, n)
		require.Equal(t, 10*time.Millisecond, peak)
	})
}
