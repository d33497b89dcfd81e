package workloads_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/fault"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/wire"
	"github.com/cdcsim/cdcsim/workloads"
)

// probingRun is the probing workload: every table has dispatchers on
// several nodes, so that the log coordinator answers the adds with
// candidates (PROTOCOL.md 1.8) and every add probes remotely (T2, T5',
// T5”). Four tables are added on their home node, then, once the event
// stores' state has reached the coordinator (its upload runs every 10 s),
// on the two other nodes too; four more tables are kept on their home
// node while the workload adds and removes copies of them on the other
// nodes, when up, every one to three seconds, for the whole safety
// phase. With data sharing the candidates' subscriptions are reused and
// remote Readys race the local ones at the same resolved-ts tick (T4',
// then T3 moves the session home: flow (b) of 3.2); without it every
// probe ends NotReusable (flow (c)). It reports whether some session had
// a remote current service at some step.
//
// The remote Ready comes at the same tick as the local one, but it
// crosses the network, so the local one wins unless it is late:
// probingFaults forces the schema store's Buggify site on (PROTOCOL.md
// 6.3 H3's trigger), and with patch h3 a REGISTER whose RegisterTable
// fails on L is kept and retried at the next ticks, so its local Ready
// comes one or more ticks later and the remote is accepted first (T4';
// then T3 brings the session home, REMOVE to the remote). Run with
// -sim.set=patch= this workload finds H3 instead.
func probingRun(w *sim.World, dataSharing bool) bool {
	const steady, churn = 4, 4
	cfg := cluster.DefaultConfig()
	cfg.Upstream = cluster.DefaultUpstreamConfig(steady + churn)
	cfg.DataSharing = dataSharing
	// Remote sessions last until the local Ready wins, a few 50 ms scan
	// ticks: a heartbeat every 173 ms (not a multiple of the tick, whose
	// boundaries the remote windows end on) lands inside some (I8).
	cfg.HeartbeatInterval = 173 * time.Millisecond
	r := workloads.Start(w, cfg)
	remote := r.RemoteSessions()
	r.AddTables(1, steady+churn)
	w.Sleep(12 * time.Second)
	nodes := r.C.Nodes()
	// A copy starts from the checkpoint of a dispatcher of the table that
	// is already there, as a table moved between nodes does: a start ts
	// inside the candidates' [checkpoint, resolved] (the event store
	// reuses a subscription only then, 3.3), not the current time, which
	// a remote subscription may not have resolved yet.
	from := func(table int64) wire.Ts {
		if live := r.LiveDispatchers(table); len(live) > 0 {
			return live[0].CheckpointTs()
		}
		return cluster.TsAt(w.Now())
	}
	for table := int64(1); table <= steady; table++ {
		for i, n := range nodes {
			if i != int(table)%len(nodes) {
				r.C.AddDispatcher(n, r.C.TableSpan(table), from(table))
			}
		}
	}
	rnd := w.Rand("workloads/probing")
	r.Faults(time.Minute, func(healed func() bool) {
		for !healed() {
			w.Sleep(time.Second + time.Duration(rnd.Int64N(int64(2*time.Second))))
			table := steady + 1 + rnd.Int64N(churn)
			n := nodes[rnd.IntN(len(nodes))]
			if n == nodes[int(table)%len(nodes)] || !r.Up(n) {
				continue
			}
			var copies []*cluster.Dispatcher
			for _, d := range r.C.NodeDispatchers(n) {
				if d.Span().TableID == table {
					copies = append(copies, d)
				}
			}
			if len(copies) > 0 {
				r.C.RemoveDispatcher(copies[0])
				continue
			}
			r.C.AddDispatcher(n, r.C.TableSpan(table), from(table))
		}
	})
	return remote()
}

// Remote probing with the coordinator's answers, data sharing on and off,
// under the swarm's faults, every checker installed, patched. With data
// sharing some session must actually be served remotely at some step
// (T4'), or the workload would not exercise T2, T4' and T5' at all;
// without it none may be (every remote answers NotReusable, 3.2 c).
func TestProbing(t *testing.T) {
	for _, sharing := range []bool{true, false} {
		t.Run(fmt.Sprintf("sharing=%t", sharing), func(t *testing.T) {
			runs, remote, seeds := 0, 0, map[uint64]bool{}
			sim.Test(t, func(w *sim.World) {
				runs++
				seeds[w.Seed()] = true
				if probingRun(w, sharing) {
					remote++
				}
			}, sim.Seeds(4), sim.Configure(probingFaults), sim.Configure(workloads.Patched))
			t.Logf("%d of %d runs had a session with a remote current service", remote, runs)
			// Coverage is a property of a sweep: one seed (a replay, or
			// dst's one-seed chunks of a timed sweep) may have no remote
			// session at all.
			if sharing && remote == 0 && len(seeds) >= 4 {
				t.Fatal("data sharing on, but no session was ever served by a remote service")
			}
			if !sharing && remote > 0 {
				t.Fatal("data sharing off, yet a session was served by a remote service")
			}
		})
	}
}

// probingFaults is the probing workload's sim.Configure: the seed's swarm
// draw, with the schema store's two fault sites on, each firing for a
// quarter of the registrations.
func probingFaults(c *sim.Config) {
	c.PinSite(fault.RegisterTableFails, 0.25)
	c.PinSite(fault.RegisterTableSlow, 0.25)
}
