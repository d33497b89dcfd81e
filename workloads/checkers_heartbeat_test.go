package workloads

import (
	"testing"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// A clean run keeps I7, I8, I10 and I11 silent, and its real heartbeats
// were seen (so the forged ones below are compared with something).
func TestHeartbeatCheckersSilentOnCleanRun(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		require.NoError(t, CheckI7HeartbeatCheckpoint(r.C, r.State))
		require.NoError(t, CheckI8HeartbeatsToCurrent(r.C, r.State))
		require.NoError(t, CheckI10NothingAfterRemove(r.C, r.State))
		require.NoError(t, CheckI11CaughtUp(r.C))
		d := r.C.Dispatchers[0]
		require.Contains(t, r.State.heartbeat(d.ID()).reported, d.Node(), "no heartbeat of %s was observed", d.ID())
	})
}

// I7 and I8 fire on forged heartbeats: to a service that is not
// current, a checkpoint below the last one reported, one above what the
// epoch validated, and a sink checkpoint that went back.
func TestHeartbeatCheckersFire(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		snap, ok := snapshot(r.C, d)
		require.True(t, ok)
		fresh := func() *CheckState {
			st := NewCheckState()
			st.c, st.now, st.step = r.C, w.Now, w.Step
			st.trackCurrent(r.C)
			return st
		}
		hb := func(st *CheckState, to wire.ServerID, cp wire.Ts, epoch uint64) {
			st.Observe(cluster.Observation{Kind: cluster.ObservedRequest, Node: d.Node(), To: to,
				Msg: &wire.DispatcherHeartbeat{From: d.Node(), Progress: []wire.DispatcherProgress{{DispatcherID: d.ID(), CheckpointTs: cp, Epoch: epoch}}}})
		}
		cp := min(snap.MaxEventTs, d.CheckpointTs())

		st := fresh()
		hb(st, snap.CurrentEventServiceID, cp, snap.Epoch)
		require.NoError(t, CheckI8HeartbeatsToCurrent(r.C, st))
		require.NoError(t, CheckI7HeartbeatCheckpoint(r.C, st))

		other := r.C.Nodes()[0].ID
		if other == snap.CurrentEventServiceID {
			other = r.C.Nodes()[1].ID
		}
		hb(st, other, cp, snap.Epoch)
		require.ErrorContains(t, CheckI8HeartbeatsToCurrent(r.C, st), "not its current service")

		st = fresh()
		hb(st, snap.CurrentEventServiceID, cp, snap.Epoch)
		hb(st, snap.CurrentEventServiceID, cp-1, snap.Epoch)
		require.ErrorContains(t, CheckI7HeartbeatCheckpoint(r.C, st), "after reporting")

		st = fresh()
		hb(st, snap.CurrentEventServiceID, snap.MaxEventTs+1, snap.Epoch)
		require.ErrorContains(t, CheckI7HeartbeatCheckpoint(r.C, st), "above what epoch")

		st = fresh()
		require.NoError(t, CheckI7HeartbeatCheckpoint(r.C, st))
		st.sinkCp[0] = d.CheckpointTs() + 1
		d.MarkChanged()
		require.ErrorContains(t, CheckI7HeartbeatCheckpoint(r.C, st), "went from")
	})
}

// I10 fires on a removed dispatcher whose sink accepted an event, or to
// which the collector offered a second batch.
func TestCheckI10FiresAfterRemove(t *testing.T) {
	quietCluster(t, func(w *sim.World, r *Run) {
		d := r.C.Dispatchers[0]
		r.C.RemoveDispatcher(d)
		require.True(t, d.Removed)
		require.NoError(t, CheckI10NothingAfterRemove(r.C, r.State))
		d.LateBatches = 2
		d.MarkChanged()
		require.ErrorContains(t, CheckI10NothingAfterRemove(r.C, r.State), "2 batches")
		d.LateBatches = 0
		last := lastHanded(d)
		last.Seq++
		last.CommitTs++
		plant(d, last)
		require.ErrorContains(t, CheckI10NothingAfterRemove(r.C, r.State), "after the removal")
		d.Handed = d.Handed[:d.HandedAtRemoval] // quietCluster's run must end clean
	})
}
