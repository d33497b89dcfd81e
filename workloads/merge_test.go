package workloads_test

import (
	"testing"

	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Tables split and merged again and again under the swarm's faults
// (workloads.RunMerge lists the mechanisms): four tables replicate
// steadily while four more are split (c.Split) and merged back
// (c.Merge, the two-phase add of PROTOCOL.md 1.9) on their home nodes,
// with whole-table replicas on the other nodes and data sharing on, so
// that the merged dispatchers' neighbours probe and serve remotely.
// Every checker runs throughout (I13: no RESET before the commit; I2, I6
// across the merged dispatcher's two phases); after the heal every live
// dispatcher, merged ones included, must catch up.
func TestMerge(t *testing.T) {
	merges, committed, moves, aborted, seeds := 0, 0, 0, 0, map[uint64]bool{}
	sim.Test(t, func(w *sim.World) {
		seeds[w.Seed()] = true
		_, st := workloads.RunMerge(w, workloads.DefaultMergeOptions())
		merges, committed = merges+st.Merges, committed+st.Committed
		moves, aborted = moves+st.Moves, aborted+st.Aborted
	}, sim.Seeds(8), sim.Configure(workloads.Patched))
	t.Logf("%d merges started, %d committed, %d with a source moved away, %d aborted", merges, committed, moves, aborted)
	// A property of a sweep: a single seed (a replay, one of dst's
	// one-seed chunks) may commit none.
	if committed == 0 && len(seeds) >= 4 {
		t.Fatal("no merge committed: the workload does not exercise the two-phase add")
	}
	if aborted == 0 && len(seeds) >= 4 {
		t.Fatal("no merge aborted: the workload does not exercise TiCDC's merge abort")
	}
}
