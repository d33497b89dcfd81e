package cluster_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/stretchr/testify/require"
)

// faultedRun is the model under the configuration's faults: tables added
// round robin, the safety phase with faults, heal, and the liveness goal
// that every live dispatcher's checkpoint catches up with the upstream.
func faultedRun(w *sim.World, tables int64, safety time.Duration) *cluster.Cluster {
	cfg := cluster.DefaultConfig()
	cfg.Variants, cfg.Trace = w.Config().Variants, w.TraceFunc()
	c := cluster.New(w, w.Network(), func(name string, boot func()) { w.NewNode(name, boot) }, cfg)
	w.Sleep(time.Second)
	for table := int64(1); table <= tables; table++ {
		n := c.Nodes()[int(table)%len(c.Nodes())]
		c.AddDispatcher(n, c.TableSpan(table), cluster.TsAt(w.Now()))
	}
	w.Eventually("every live dispatcher catches up", 2*time.Minute, func() error {
		resolved := c.Upstream.ResolvedTs(c.TableSpan(1))
		for _, n := range c.Nodes() {
			for _, d := range n.Dispatchers {
				if cp := d.CheckpointTs(); cp+5*cluster.TsPerSecond < resolved {
					st, _ := n.Collector.Stat(d.ID())
					return fmt.Errorf("dispatcher %s on %s: checkpoint %d, upstream resolved %d; session %+v", d.ID(), n.ID, cp, resolved, st.Snapshot())
				}
			}
		}
		return nil
	})
	w.StartFaults()
	w.Sleep(safety)
	w.Heal()
	w.AwaitGoals()
	return c
}

// allPatches turns on every hazard patch: with them the model must run
// clean under faults (the open hazards are findings, tested below).
func allPatches(c *sim.Config) {
	if err := c.Set("patch", "h1,h3,h4"); err != nil {
		panic(err)
	}
}

// The model under the swarm's faults, every patch on: no panic, no model
// assertion, no message to a stream its receiver lacks, and after the
// heal every dispatcher catches up.
func TestModelUnderFaults(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		faultedRun(w, 8, 3*time.Minute)
		// The model's wiring: every message went to a stream its receiver
		// attached (the network would count the others and lose them).
		if n := w.Network().Stats().DroppedNoStream; n > 0 {
			panic(fmt.Sprintf("%d messages went to a stream their receiver never attached", n))
		}
	}, sim.Seeds(50), sim.Configure(allPatches))
}

// PROTOCOL.md 6.3 H3, found by the simulator on its own: on HEAD, a
// REGISTER to the local service whose schema-store registration fails
// (Buggify site eventservice/register-table-fails) is dropped with no
// reply, and the session sits in WaitLocal forever. The first seeds
// include one where it happens; with patch h3 the same seed runs clean.
func TestHeadStallsOnSilentRegisterFailure(t *testing.T) {
	body := func(w *sim.World) { faultedRun(w, 8, 3*time.Minute) }
	for seed := uint64(1); seed <= 100; seed++ {
		res := sim.Run(sim.DeriveConfig(seed), body)
		if res.Failure == nil {
			continue
		}
		require.Equal(t, sim.KindLiveness, res.Failure.Kind, "seed %d: %v", seed, res.Failure)
		require.Contains(t, res.Failure.Message, "LocalReadyPending:true", "seed %d is not an H3 stall", seed)
		require.Contains(t, res.Failure.Message, "Epoch:0 ", "seed %d is not an H3 stall", seed)
		patched := sim.DeriveConfig(seed)
		require.NoError(t, patched.Set("patch", "h3"))
		require.Nil(t, sim.Run(patched, body).Failure, "seed %d: patch h3 does not fix it", seed)
		t.Logf("H3 found at seed %d (%d seeds): %s", seed, seed, res.Failure.Message[:120])
		return
	}
	t.Fatal("H3 not found within 100 seeds")
}
