//dst:simulated: this directive puts every workload test file (package workloads_test) under detlint

package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Idle tables under the swarm's faults: of eight tables on three nodes,
// four never commit, so their dispatchers' checkpoints move only on
// resolved events (PROTOCOL.md 3.3: the event service's resolved-ts
// notifications and its flush of resolved events). In the other
// workloads every table commits several times a second, and data alone
// keeps each checkpoint within I11's lag: `dst mutate` found that an
// event service sending no resolved event at all survived them all.
// Here such a service leaves an idle table's checkpoint behind (I11 after
// the heal, I16 during the run). On the busy tables a third of the
// transactions share their commitTs with the one before (TiKV's async
// commit and 1PC do that): a reset between two of them must resend
// both, and the dedup by commitTs must let both through. Their sinks are
// slow now and then (median 60 ms, up to 4 s), and the services sweep a
// record whose heartbeat is 7 s late, so T8 re-registers dispatchers
// while their sinks hold events.
//
// What it does not reach: a replay below the collector's commit-ts
// watermark. A sink that holds events blocks its path, and every RESET
// is decided on that path (T3, T4', T7; T8's REGISTER is answered by a
// Ready behind the data), so a RESET always finds the sink drained and
// restarts at its last commitTs minus one, as TiCDC's TableProgress
// does. Only the merge commit (T6) RESETs from outside the path.
func TestIdleTables(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Upstream.Idle = 4
		cfg.Upstream.SameTsP = 0.3 // several transactions at one commitTs, as TiKV gives
		cfg.SinkFlush = network.LongTail(60*time.Millisecond, 4*time.Second)
		// Services sweep a record whose heartbeat is 7 s late, so a 10 s
		// heartbeat interval lets some sweeps through: T8 then re-registers
		// and RESETs from the sink's checkpoint, wherever the sink is.
		cfg.HeartbeatTimeout = 7 * time.Second
		r := workloads.Start(w, cfg)
		r.Limits.Work.Every = workloads.SweepEvery // one more REGISTER, subscription and RESET per sweep (I15)
		r.AddTables(1, 8)
		r.Faults(3*time.Minute, nil)
	}, sim.Seeds(20), sim.Configure(workloads.Patched))
}
