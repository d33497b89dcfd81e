package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// TestExampleRestartTable is the README's example workload: four tables
// replicate under the seed's faults while one more is added and removed
// once, mid-way; after the heal every live dispatcher must catch up.
func TestExampleRestartTable(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		r := workloads.Start(w, cluster.DefaultConfig()) // cluster + every checker + liveness goal
		r.AddTables(1, 4)
		r.Faults(time.Minute, func(healed func() bool) { // runs until the heal
			w.Sleep(20 * time.Second)
			if n := r.C.Nodes()[0]; r.Up(n) {
				d := r.C.AddDispatcher(n, r.C.TableSpan(5), cluster.TsAt(w.Now()))
				w.Sleep(10 * time.Second)
				if r.Up(n) && !healed() {
					r.C.RemoveDispatcher(d)
				}
			}
		})
	}, sim.Seeds(5), sim.Configure(workloads.Patched))
}
