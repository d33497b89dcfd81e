package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// Flow (a) of PROTOCOL.md 3.2 for a whole cluster with no faults: every
// dispatcher registers with its local service, is reset to epoch 1,
// receives data, and its sink checkpoint follows the upstream.
func TestSteadyReplicationWithoutFaults(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var c *cluster.Cluster
		res := sim.Run(sim.DefaultConfig(seed), func(w *sim.World) {
			cfg := cluster.DefaultConfig()
			c = cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
			w.Sleep(time.Second)
			for table := int64(1); table <= 8; table++ {
				n := c.Nodes()[int(table)%len(c.Nodes())]
				c.AddDispatcher(n, c.TableSpan(table), cluster.TsAt(w.Now()))
			}
			w.Sleep(2 * time.Minute)
		})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		resolved := c.Upstream.ResolvedTs(c.TableSpan(1))
		for _, d := range c.Dispatchers {
			cp := d.CheckpointTs()
			require.Greater(t, cp, resolved-5*cluster.TsPerSecond, "seed %d: %s checkpoint %d lags resolved %d", seed, d.ID(), cp, resolved)
			require.NotEmpty(t, d.Flushed, "seed %d: %s flushed nothing", seed, d.ID())
			assertNoLoss(t, c, d)
		}
		t.Logf("seed %d: %d steps, %s, %d dispatchers", seed, res.Steps, res.Time, len(c.Dispatchers))
	}
}

// assertNoLoss checks that every upstream DML of the dispatcher's span
// after its start ts and at or below its checkpoint reached its sink.
func assertNoLoss(t *testing.T, c *cluster.Cluster, d *cluster.Dispatcher) {
	t.Helper()
	got := map[wire.Ts]bool{}
	for _, f := range d.Flushed {
		got[f.CommitTs] = true
	}
	for _, ch := range c.Upstream.Expected(d.Span(), d.StartTs(), d.CheckpointTs()) {
		require.True(t, got[ch.CommitTs], fmt.Sprintf("%s lost the change at commitTs %d", d.ID(), ch.CommitTs))
	}
}
