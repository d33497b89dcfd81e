//dst:simulated: this directive puts every workload test file (package workloads_test) under detlint

package workloads_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/cdcsim/cdcsim/workloads"
)

// The request fields under the swarm's faults (eventservice syncpoint.go
// and large_txn.go): eight tables on three nodes of a changefeed with
// sync points, where some transactions are large enough for the event
// services to split them across events. Each seed draws the sync-point
// interval (changefeed.syncpoint-interval: 100 ms to 3 s of the model's
// millisecond ts) and the rate of large transactions
// (upstream.large-txn-p), both printed in the configuration block and
// pinnable with -sim.set; and, from the run's own stream, whether the
// changefeed is in low-latency mode, whether the dispatchers skip the
// sync point at their start ts (they start at ts 1000, a multiple of
// every drawn interval, so the flag decides whether that one is sent),
// and, one seed in four, table atomicity, under which nothing is split.
// Half the seeds pin slow event-store reads (fault.eventservice/
// scan-read-slow at 0.1), so that low-latency mode has scans to continue.
// I27 checks the sync points each sink accepted against the cadence, I5
// that every row of a split transaction below the checkpoint was flushed,
// I17 that fragments sent again came after a RESET.
func TestSyncPoints(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Upstream.SameTsP = 0.2 // fragments next to siblings at one commitTs
		r := w.Rand("workload/request-options")
		cfg.Options.LowLatencyMode = r.IntN(2) == 0
		cfg.SkipSyncpointAtStartTs = r.IntN(2) == 0
		if r.IntN(4) == 0 {
			cfg.Options.TxnAtomicity = wire.AtomicityTable
		}
		run := workloads.Start(w, cfg)
		run.AddTables(1, 8)
		run.Faults(2*time.Minute, nil)
	}, sim.Seeds(20), sim.Configure(workloads.Patched), sim.Configure(drawRequestKnobs))
}

// drawRequestKnobs draws TestSyncPoints' model knobs from the seed, on a
// stream of their own, before any -sim.set pin.
func drawRequestKnobs(c *sim.Config) {
	r := rand.New(rand.NewPCG(c.Seed, 0x5eed5c))
	c.SyncPointInterval = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second, 3 * time.Second}[r.IntN(4)]
	c.LargeTxnP = []float64{0.02, 0.1, 0.3}[r.IntN(3)]
	if r.IntN(2) == 0 {
		// Slow event-store reads on half the seeds: a trigger then meets
		// a scan under way, which low-latency mode keeps as a
		// continuation (else only the swarm's buggify draw turns the
		// site on, on about one seed in eight).
		if err := c.Set("fault.eventservice/scan-read-slow", "0.1"); err != nil {
			panic(err)
		}
	}
}
