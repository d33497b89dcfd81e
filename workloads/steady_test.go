//dst:simulated: this directive puts every workload test file (package workloads_test) under detlint

package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Steady replication under the swarm's faults: eight tables on three
// nodes, three minutes of the seed's network faults and node crashes
// (a crashed node's tables come back from their checkpoints when it
// restarts), then the heal. Every checker runs throughout; after the
// heal every live dispatcher must catch up with the upstream.
func TestSteady(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		r := workloads.Start(w, cluster.DefaultConfig())
		r.AddTables(1, 8)
		r.Faults(3*time.Minute, nil)
	}, sim.Seeds(30), sim.Configure(workloads.Patched))
}
