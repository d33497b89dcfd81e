package workloads

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// A clean run with sync points every 500 ms: I27 is silent and saw sync
// points at every sink; then forged sync points in each sink's history
// make it fire: one off the cadence, one that skips a sync point, one
// below the last, one below its epoch's first sync point. Also I7's
// tolerance (syncPointStepBack) is exactly one step, at a sync point.
func TestCheckI27FiresOnPlantedSyncPoints(t *testing.T) {
	cfg := sim.DefaultConfig(1)
	cfg.SyncPointInterval = 500 * time.Millisecond
	res := sim.Run(cfg, func(w *sim.World) {
		ccfg := cluster.DefaultConfig()
		// The tables start at ts 1000, on the cadence: skip that sync
		// point, or the sink's checkpoint steps back (I7; package
		// eventservice, "Request fields").
		ccfg.SkipSyncpointAtStartTs = true
		r := Start(w, ccfg)
		r.AddTables(1, 2)
		w.Sleep(20 * time.Second)
		require.NoError(t, CheckI27SyncPointCadence(r.C, r.State))
		for _, d := range r.C.Dispatchers {
			require.True(t, r.State.of(d.ID()).syncPoints.any, "dispatcher %s saw no sync point", d.ID())
		}
		d := r.C.Dispatchers[0]
		last := r.State.of(d.ID()).syncPoints.last
		for _, c := range []struct {
			ts   int64
			want string
		}{
			{int64(last.CommitTs) + 250, "not a multiple"},
			{int64(last.CommitTs) + 1000, "is missing"},
			{int64(last.CommitTs) - 500, "out of commit-ts order"},
			{500, "below epoch 1's first sync point"},
		} {
			ds := r.State.of(d.ID())
			saved := ds.syncPoints
			n := len(d.Handed)
			f := last
			f.CommitTs = wire.Ts(c.ts)
			f.Seq++
			if c.want == "below epoch 1's first sync point" {
				ds.syncPoints.any = false // alone, so only the epoch's bound can fire
			}
			plant(d, f)
			require.ErrorContains(t, CheckI27SyncPointCadence(r.C, r.State), c.want)
			d.Handed = d.Handed[:n]
			ds.syncPoints = saved
		}
		// I7's one tolerated step back: to just below a sync point the
		// sink accepted, and no further, and not where it accepted none.
		at := last.CommitTs
		require.True(t, syncPointStepBack(d, at, at-1))
		require.False(t, syncPointStepBack(d, at, at-2))
		require.False(t, syncPointStepBack(d, at+1, at))
	})
	require.Nil(t, res.Failure, "%v", res.Failure)
}
