package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Event services crashing and restarting: a node (its event service and
// its collector, one process in TiCDC) crashes every 20 s on average and
// stays down 1 to 10 s, on top of the seed's network faults, for two
// minutes. Data sharing is on, so sessions also probe and use remote
// services, which lose every record when they crash (the collector then
// hears Removed, or nothing, and must re-register or move home); a
// crashed node's own tables come back from their checkpoints when it
// restarts. Six tables replicate, and every few seconds one of two more
// is added on a node that is up or removed again.
func TestCrashes(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Upstream = cluster.DefaultUpstreamConfig(8)
		cfg.Upstream.SameTsP = 0.3 // several transactions at one commitTs
		cfg.DataSharing = true
		r := workloads.Start(w, cfg)
		r.AddTables(1, 6)
		rnd := w.Rand("workloads/crashes")
		r.Faults(2*time.Minute, func(healed func() bool) {
			for !healed() {
				w.Sleep(2*time.Second + time.Duration(rnd.Int64N(int64(3*time.Second))))
				table := 7 + rnd.Int64N(2)
				if live := r.LiveDispatchers(table); len(live) > 0 {
					if d := live[0]; r.Up(r.C.Node(d.Node())) {
						r.C.RemoveDispatcher(d)
					}
					continue
				}
				if n := r.C.Nodes()[rnd.IntN(len(r.C.Nodes()))]; r.Up(n) {
					r.C.AddDispatcher(n, r.C.TableSpan(table), cluster.TsAt(w.Now()))
				}
			}
		})
	}, sim.Seeds(10), sim.Configure(workloads.Patched), sim.Configure(crashOften))
}

// crashOften is TestCrashes' sim.Configure: the seed's swarm draw with
// node crashes every 20 s on average, each down for 1 to 10 s.
func crashOften(c *sim.Config) {
	for _, kv := range [][2]string{{"node.crash-every", "20s"}, {"node.restart-after", "uniform(1s,10s)"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			panic(err)
		}
	}
}
