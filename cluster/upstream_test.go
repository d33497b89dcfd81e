package cluster_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/eventservice"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/stretchr/testify/require"
)

// With SameTsP, some transactions share a commitTs, each with its own
// startTs, and the sinks still receive every one of them exactly as the
// upstream committed them (no loss, by assertNoLoss); with SameTsP 0 no
// two changes of a table share a commitTs. Idle tables never commit.
func TestUpstreamSameCommitTsAndIdleTables(t *testing.T) {
	for _, p := range []float64{0, 0.5} {
		var c *cluster.Cluster
		res := sim.Run(sim.DefaultConfig(3), func(w *sim.World) {
			cfg := cluster.DefaultConfig()
			cfg.Upstream.SameTsP, cfg.Upstream.Idle = p, 2
			c = cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
			w.Sleep(time.Second)
			for table := int64(1); table <= 8; table++ {
				c.AddDispatcher(c.Nodes()[int(table)%3], c.TableSpan(table), cluster.TsAt(w.Now()))
			}
			w.Sleep(time.Minute)
		})
		require.Nil(t, res.Failure, "SameTsP %v: %v", p, res.Failure)
		shared := 0
		for table := int64(1); table <= 8; table++ {
			changes := c.Upstream.Changes(c.TableSpan(table), 0, c.Upstream.ResolvedTs(c.TableSpan(table)))
			if table > 6 {
				require.Empty(t, changes, "idle table %d committed", table)
				continue
			}
			starts := map[wire.Ts]map[wire.Ts]bool{}
			for i, ch := range changes {
				if i > 0 && ch.CommitTs == changes[i-1].CommitTs {
					shared++
					require.Equal(t, eventservice.KindDML, ch.Kind)
				}
				if starts[ch.CommitTs] == nil {
					starts[ch.CommitTs] = map[wire.Ts]bool{}
				}
				if ch.Kind == eventservice.KindDML {
					require.False(t, starts[ch.CommitTs][ch.StartTs], "table %d: two transactions at %d with startTs %d", table, ch.CommitTs, ch.StartTs)
					starts[ch.CommitTs][ch.StartTs] = true
				}
			}
		}
		if p == 0 {
			require.Zero(t, shared)
		} else {
			require.Greater(t, shared, 100, "SameTsP %v", p)
		}
		for _, d := range c.Dispatchers {
			assertNoLoss(t, c, d)
		}
	}
}
