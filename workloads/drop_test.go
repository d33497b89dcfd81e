package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Tables dropped while their dispatchers live: eight tables replicate,
// the upstream drops one every 15 s on average (UpstreamConfig.DropEvery,
// the workload's drop rate), and each dropped table's dispatchers must
// write its DROP TABLE and be removed, leaving no record, subscription or
// registration behind (I14) and no dispatcher alive after the heal,
// under the seed's faults and node crashes and graceful shutdowns every
// 30 s on average. Data sharing is on, so a dispatcher may be served by
// a remote event service when its table is dropped.
func TestTableDrops(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Upstream = cluster.DefaultUpstreamConfig(8)
		cfg.Upstream.DropEvery = 15 * time.Second
		cfg.DataSharing = true
		r := workloads.Start(w, cfg)
		r.AddTables(1, 8)
		r.Faults(2*time.Minute, nil)
	}, sim.Seeds(10), sim.Configure(workloads.Patched), sim.Configure(func(c *sim.Config) {
		for _, kv := range [][2]string{{"node.crash-every", "30s"}, {"node.restart-after", "uniform(1s,10s)"}} {
			if err := c.Set(kv[0], kv[1]); err != nil {
				panic(err)
			}
		}
	}))
}
