//dst:simulated: this directive puts every in-package test file of workloads under detlint

package workloads

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/session"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// quietCluster runs a fault-free three-node cluster with two tables for
// 20 s, every checker installed, then hands it to check (on the main
// task, between steps of the others), and fails if the run does.
func quietCluster(t *testing.T, check func(w *sim.World, r *Run)) {
	t.Helper()
	res := sim.Run(sim.DefaultConfig(1), func(w *sim.World) {
		r := Start(w, cluster.DefaultConfig())
		r.AddTables(1, 2)
		w.Sleep(20 * time.Second)
		check(w, r)
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
}

// A clean run: every checker stays silent, the sinks accepted events
// of epoch 1, and I5 verified something.
func TestCheckersSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		for _, check := range []func(*cluster.Cluster, *CheckState) error{CheckI1NoRequestAfterRemove, CheckI2EpochMonotonic,
			CheckI3CurrentEpochInOrder, CheckI4CommitTsOrder, CheckI5NoDataLoss, CheckI6OneServicePerEpoch, CheckI12OneProbe, CheckI13NoResetBeforeCommit} {
			require.NoError(t, check(r.C, r.State))
		}
		require.NoError(t, CheckI9NoLocalOrphans(r.C))
		d := r.C.Dispatchers[0]
		require.NotEmpty(t, d.Handed)
		require.EqualValues(t, 1, d.Handed[0].Epoch)
		require.Greater(t, r.State.of(d.ID()).verifiedTo, d.StartTs())
	})
}

// plant appends a forged accepted event to d's sink history.
func plant(d *cluster.Dispatcher, f cluster.Forwarded) {
	d.Handed = append(d.Handed, f)
	d.MarkChanged()
}

func lastHanded(d *cluster.Dispatcher) cluster.Forwarded { return d.Handed[len(d.Handed)-1] }

// I3: a seq gap, a repeat, a stale epoch and an epoch-0 event each fire.
func TestCheckI3FiresOnPlantedViolations(t *testing.T) {
	cases := map[string]func(last cluster.Forwarded) cluster.Forwarded{
		"seq gap":    func(l cluster.Forwarded) cluster.Forwarded { l.Seq += 2; l.CommitTs++; return l },
		"seq repeat": func(l cluster.Forwarded) cluster.Forwarded { l.CommitTs++; return l },
		"old epoch":  func(l cluster.Forwarded) cluster.Forwarded { l.Epoch--; l.Seq++; l.CommitTs++; return l },
		"handshake":  func(l cluster.Forwarded) cluster.Forwarded { l.Epoch++; l.Seq = 1; l.CommitTs++; return l },
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		forge := cases[name]
		t.Run(name, func(t *testing.T) {
			quietCluster(t, func(w *sim.World, r *Run) {
				d := r.C.Dispatchers[0]
				plant(d, forge(lastHanded(d)))
				require.Error(t, CheckI3CurrentEpochInOrder(r.C, r.State))
				d.Handed = d.Handed[:len(d.Handed)-1] // or the run's own check fails
			})
		})
	}
}

// I4: commitTs going back, and a second DDL at one commitTs, fire; a DML
// at exactly the previous commitTs (#1901) does not.
func TestCheckI4FiresOnPlantedViolations(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		n := len(d.Handed)
		l := lastHanded(d)
		l.Kind = "DML"
		plant(d, l) // a duplicate DML at the same commitTs: allowed
		require.NoError(t, CheckI4CommitTsOrder(r.C, r.State))
		back := l
		back.CommitTs--
		plant(d, back)
		require.ErrorContains(t, CheckI4CommitTsOrder(r.C, r.State), "commitTs went back")
		d.Handed = d.Handed[:n]

		st := NewCheckState()
		ddl := cluster.Forwarded{Kind: "DDL", CommitTs: l.CommitTs + 10, Epoch: l.Epoch, Seq: l.Seq + 1}
		plant(d, ddl)
		plant(d, ddl)
		require.ErrorContains(t, CheckI4CommitTsOrder(r.C, st), "DDL twice")
		d.Handed = d.Handed[:n]
		r.State.of(d.ID()).i4 = handedCursor{} // the run's own checker rereads

		// The collector's own line: a DML offered below what it offered
		// before fires even though the dispatcher's stale filter drops it.
		stale := d.StaleDropped
		d.HandleEvents([]wire.Event{&wire.DMLEvent{DispatcherID: d.ID(), Epoch: l.Epoch, Seq: l.Seq + 1,
			CommitTs: l.CommitTs - 1, StartTs: l.CommitTs - 2}}, func() {})
		require.Equal(t, stale+1, d.StaleDropped, "the sink never saw it")
		require.Len(t, d.Handed, n)
		require.ErrorContains(t, CheckI4CommitTsOrder(r.C, NewCheckState()), "below its watermark")
		d.OfferedBack = 0
	})
}

// I5: a change below the checkpoint missing from the sink fires.
func TestCheckI5FiresOnPlantedLoss(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		require.NoError(t, CheckI5NoDataLoss(r.C, r.State))
		lost := d.Flushed[len(d.Flushed)/2]
		st := NewCheckState() // a fresh state reads the forged history from the start
		saved := slices.Clone(d.Flushed)
		d.Flushed = slices.DeleteFunc(d.Flushed, func(f cluster.Forwarded) bool { return f.CommitTs == lost.CommitTs })
		err := CheckI5NoDataLoss(r.C, st)
		require.ErrorContains(t, err, "lost the")
		d.Flushed = saved
	})
}

// I1, I2, I13 and I6 from forged request streams.
func TestRequestStreamCheckersFire(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		// req forges a request of d's collector to its own node.
		req := func(id wire.DispatcherID, a wire.ActionType, epoch uint64) cluster.Observation {
			return cluster.Observation{Kind: cluster.ObservedRequest, Node: d.Node(), To: d.Node(), Dispatcher: id,
				Msg: &wire.DispatcherRequest{DispatcherID: id, ServerID: d.Node(), Action: a, Epoch: epoch}}
		}
		id, epoch := d.ID(), r.State.of(d.ID()).resets
		// others starts a forged stream: the real one for every other
		// dispatcher.
		others := func() *CheckState {
			st := NewCheckState()
			for _, o := range r.C.Dispatchers[1:] {
				*st.of(o.ID()) = *r.State.of(o.ID())
			}
			return st
		}

		st := NewCheckState()
		st.Observe(req(id, wire.ActionRemove, 0))
		require.NoError(t, CheckI1NoRequestAfterRemove(r.C, st))
		st.Observe(req(id, wire.ActionRegister, 0))
		require.ErrorContains(t, CheckI1NoRequestAfterRemove(r.C, st), "after its REMOVE")

		st = NewCheckState()
		st.Observe(req(id, wire.ActionReset, 1))
		st.Observe(req(id, wire.ActionReset, 3))
		require.ErrorContains(t, CheckI2EpochMonotonic(r.C, st), "previous RESET had epoch 1")

		st = others()
		for e := uint64(1); e < epoch; e++ {
			st.Observe(req(id, wire.ActionReset, e))
		}
		require.ErrorContains(t, CheckI2EpochMonotonic(r.C, st), "last RESET queued")

		st = others()
		for e := uint64(1); e <= epoch; e++ {
			st.Observe(req(id, wire.ActionReset, e))
		}
		require.NoError(t, CheckI2EpochMonotonic(r.C, st))
		require.NoError(t, CheckI6OneServicePerEpoch(r.C, st))
		st.of(id).resetTo = "n3" // epoch bound to a service that is not current
		require.ErrorContains(t, CheckI6OneServicePerEpoch(r.C, st), "current service is")

		st = NewCheckState()
		st.Observe(cluster.Observation{Kind: cluster.ObservedPrepare, Node: "n1", Dispatcher: 99})
		st.Observe(req(99, wire.ActionReset, 1))
		require.ErrorContains(t, CheckI13NoResetBeforeCommit(r.C, st), "before its commit")
		st = NewCheckState()
		st.Observe(cluster.Observation{Kind: cluster.ObservedPrepare, Node: "n1", Dispatcher: 99})
		st.Observe(cluster.Observation{Kind: cluster.ObservedCommit, Node: "n1", Dispatcher: 99})
		st.Observe(req(99, wire.ActionReset, 1))
		require.NoError(t, CheckI13NoResetBeforeCommit(r.C, st))
	})
}

// I12 and the snapshot half of I13, on forged session states.
func TestSnapshotRulesFire(t *testing.T) {
	ok := session.Snapshot{CurrentEventServiceID: "n1", Epoch: 2}
	require.Empty(t, probeViolation("n1", ok))
	require.Empty(t, probeViolation("n1", session.Snapshot{LocalReadyPending: true, PendingRemoteEventServiceID: "n2", RemoteCandidates: []wire.ServerID{"n3"}}))
	//dst:allow map-range: each forged state is checked alone, so the order decides nothing
	for why, s := range map[string]session.Snapshot{
		"candidates left but no probe pending":       {RemoteCandidates: []wire.ServerID{"n2"}},
		"the pending remote probe is L":              {PendingRemoteEventServiceID: "n1"},
		"candidates kept after a Ready was accepted": {CurrentEventServiceID: "n1", PendingRemoteEventServiceID: "n2", RemoteCandidates: []wire.ServerID{"n3"}},
		"a candidate is L or the pending remote":     {PendingRemoteEventServiceID: "n2", RemoteCandidates: []wire.ServerID{"n2"}},
		"a candidate appears twice":                  {PendingRemoteEventServiceID: "n2", RemoteCandidates: []wire.ServerID{"n3", "n3"}},
	} {
		require.Equal(t, why, probeViolation("n1", s))
	}
	require.False(t, callbackViolation(session.Snapshot{ReadyCallbackSet: true}))
	require.True(t, callbackViolation(session.Snapshot{ReadyCallbackSet: true, Epoch: 1}))
	require.False(t, callbackViolation(session.Snapshot{ReadyCallbackSet: true, Epoch: 1, InTransition: true}))
}

// I9: a record on L for a dispatcher its collector does not have fires.
// Planted by showing the checker another node's collector in place of
// the dispatcher's own, which has none of its dispatchers.
func TestCheckI9FiresOnLocalLeak(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI9NoLocalOrphans(r.C))
		d := r.C.Dispatchers[0]
		n := r.C.Node(d.Node())
		own := n.Collector
		for _, other := range r.C.Nodes() {
			if other != n && len(other.Collector.DispatcherIDs()) == 0 {
				n.Collector = other.Collector
			}
		}
		require.NotSame(t, own, n.Collector, "no node without dispatchers")
		require.ErrorContains(t, CheckI9NoLocalOrphans(r.C), "keeps a record of "+d.ID().String())
		// The tracker forgives it for its grace, not longer.
		tr := &OrphanTracker{Grace: time.Second}
		require.NoError(t, tr.Check(r.C, w.Now()))
		require.NoError(t, tr.Check(r.C, w.Now().Add(time.Second)))
		require.ErrorContains(t, tr.Check(r.C, w.Now().Add(2*time.Second)), "keeps a record of "+d.ID().String())
		// Spaced checks (Every) skip the calls in between, and still
		// see the orphan once they look again.
		spaced := &OrphanTracker{Grace: time.Second, Every: 500 * time.Millisecond}
		require.NoError(t, spaced.Check(r.C, w.Now()))
		require.NoError(t, spaced.Check(r.C, w.Now().Add(900*time.Millisecond)))
		require.NoError(t, spaced.Check(r.C, w.Now().Add(1200*time.Millisecond)), "looked within Every of the last check")
		require.ErrorContains(t, spaced.Check(r.C, w.Now().Add(1400*time.Millisecond)), "keeps a record of "+d.ID().String())
		n.Collector = own
		require.NoError(t, tr.Check(r.C, w.Now().Add(3*time.Second)))
	})
}
