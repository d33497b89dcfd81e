package workloads

import "github.com/cdcsim/cdcsim/sim"

// The Sometimes assertions every workload started with Start asks (sim
// World.Sometimes): situations of PROTOCOL.md's races that a sweep must
// make happen at least once, or it has not tested them. Each is read
// off the run's coverage when it ends, so it adds no check to any step.
// dst run lists every one no seed of a sweep reached; a workload that
// cannot reach one (no merges, no congestion) leaves it to the others.
var sometimesPoints = []struct{ name, point, or string }{ //dst:allow package-state: a read-only table
	// 4.3 race 4: a heartbeat response's Removed applied (T8) after
	// RemoveDispatcher (T9) marked the session removed.
	{"a Removed response races RemoveDispatcher", "session/T8/Removed", ""},
	// 2.5, 4.3 race 3: a REGISTER refused as congested goes back to the
	// queue's tail and later requests overtake it.
	{"a REGISTER is requeued after congested", "collector/requeue/REGISTER/congested", ""},
	// 6.1 F3/F4 territory: the merge's node crashed between
	// PrepareAddDispatcher and the commit.
	{"a merge is interrupted by a crash", "cluster/merge/interrupted", ""},
	// 4.3 race 5: a second REGISTER overwrites a live record on the
	// event service (not removed first); with patch h1 on, only a
	// remote's re-registration (onlyReuse) still does.
	{"a REGISTER overwrites a live record", "eventservice/register/overwrite", "eventservice/register/reuse-overwrite"},
	// 3.1 T4': a remote's Ready arrives while L's Ready and the probe
	// are both still pending, so the remote becomes current first.
	{"a remote Ready arrives before L's", "session/T4/RegisteringProbing", ""},
}

// installSometimes registers the Sometimes assertions on w.
func installSometimes(w *sim.World) {
	for _, s := range sometimesPoints {
		w.SometimesAtEnd(s.name, func() bool { return w.Covered(s.point) > 0 || s.or != "" && w.Covered(s.or) > 0 })
	}
}
