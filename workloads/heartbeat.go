package workloads

import (
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
)

// The heartbeat workload (TestHeartbeat, and the canaries for F1 and F2)
// makes event services lose dispatcher records their collectors keep, so
// that heartbeats are answered Removed and T8 re-registers (PROTOCOL.md
// 3.2 f), and puts those answers in flight around the re-registration
// (4.3 race 5, 6.3 H1) and around removals (6.1 F1, F2).
//
// Mechanisms:
//
//   - a shortened inactivity sweep (cluster.Config.HeartbeatTimeout,
//     drawn per seed between 4 s and 9 s instead of 3600 s) against the
//     10 s heartbeat: a record whose heartbeat comes late for one sweep
//     (the two ticks' phase, a heartbeat dropped on the way to a remote,
//     an epoch mismatch after a RESET) is removed while its collector
//     keeps it, locally as well as on remotes;
//   - data sharing on, so remote probes can succeed and sessions spend
//     time with a remote current or pending service, whose heartbeats,
//     responses and REGISTERs cross the network;
//   - duplication and delay spikes (1 to 25 s, beyond the heartbeat
//     interval) on every network message, so that two Removed responses
//     can be in flight for one dispatcher, or one can arrive after the
//     re-registration's Ready was accepted (the H1 window);
//   - node crashes with restarts, so remote services lose every record;
//   - table churn on the nodes' 10 s heartbeat ticks (every node boots at
//     time 0; the sweep ticks at the same instants): each churn table is
//     removed or added with probability 3/4 at the instant the local
//     sweep, heartbeat and Removed response (which never cross the
//     network) are handled, so a Removed response and RemoveDispatcher
//     can interleave at one virtual instant (the F1 and F2 triggers);
//     now and then a live churn table is also moved: added on another node
//     from its checkpoint while the old dispatcher still serves it (which
//     the next tick removes), so the new dispatcher's probe may reuse the
//     old one's subscription.
//
// Messages between a collector and its own service never cross the
// network (cluster.roleEndpoint) and are handled at the instant they are
// sent, so on L the Removed response, T8's REGISTER and the Ready all
// come within one heartbeat interval and no second Removed is produced:
// the H1 window needs a remote current service, whose heartbeats,
// responses and REGISTERs the network duplicates and delays. Remote
// currents stay rare (L's Ready comes within one 50 ms scan and wins
// over a remote's): on HEAD (-sim.set=patch=) seeds 1..60 found H3 only,
// no H1.

// HeartbeatFaults is the heartbeat workload's sim.Configure: the seed's
// swarm draw, with duplication, long delay spikes and crashes forced on.
func HeartbeatFaults(c *sim.Config) {
	c.Net.DupP = max(c.Net.DupP, 0.02)
	c.Net.SpikeP = max(c.Net.SpikeP, 0.05)
	c.Net.Spike = network.Uniform(time.Second, 25*time.Second)
	if c.CrashEvery == 0 || c.CrashEvery > time.Minute {
		c.CrashEvery = time.Minute
	}
}

// HeartbeatTables is how many tables replicate steadily in the heartbeat
// workload; HeartbeatChurn more are added and removed.
const (
	HeartbeatTables = 6
	HeartbeatChurn  = 8
)

// RunHeartbeat is the heartbeat workload's body (see HeartbeatFaults for
// its configuration): three nodes, data sharing, a shortened inactivity
// sweep, steady tables and churn, two minutes of faults, heal, goals.
func RunHeartbeat(w *sim.World) {
	rnd := w.Rand("workloads/heartbeat")
	cfg := cluster.DefaultConfig()
	cfg.Upstream = cluster.DefaultUpstreamConfig(HeartbeatTables + HeartbeatChurn)
	cfg.DataSharing = true
	cfg.HeartbeatTimeout = 4*time.Second + time.Duration(rnd.Int64N(6))*time.Second
	r := Start(w, cfg)
	// Every sweep may remove a record its collector keeps: one more
	// REGISTER, subscription and RESET per sweep interval (I15).
	r.Limits.Work.Every = SweepEvery
	r.AddTables(1, HeartbeatTables)
	r.Faults(2*time.Minute, func(healed func() bool) {
		for !healed() {
			// On the heartbeat ticks: see the comment above.
			tick := 10 * time.Second
			w.Sleep(tick - time.Duration(w.Now())%tick)
			for table := int64(HeartbeatTables + 1); table <= HeartbeatTables+HeartbeatChurn; table++ {
				if live := r.LiveDispatchers(table); len(live) > 0 {
					switch d, p := live[0], rnd.IntN(4); {
					case p == 0 && len(live) == 1:
						// A move: the table comes up on another node from
						// d's checkpoint while d still serves it, so the new
						// dispatcher's probe can reuse d's subscription.
						if n := r.C.Nodes()[rnd.IntN(len(r.C.Nodes()))]; n.ID != d.Node() && r.Up(n) {
							r.C.AddDispatcher(n, r.C.TableSpan(table), d.CheckpointTs())
						}
					case p != 0 && r.Up(r.C.Node(d.Node())):
						r.C.RemoveDispatcher(d)
					}
					continue
				}
				if n := r.C.Nodes()[rnd.IntN(len(r.C.Nodes()))]; r.Up(n) && rnd.IntN(4) != 0 {
					r.C.AddDispatcher(n, r.C.TableSpan(table), cluster.TsAt(w.Now()))
				}
			}
		}
	})
}
