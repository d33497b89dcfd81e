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

// Idle tables served remotely, their collector crashing under them. With
// data sharing on, a copy of an idle table added on another node probes
// the table's home node, whose subscription it may reuse, and is served
// remotely until its local Ready wins (PROTOCOL.md 3.1 T2, T4'). The
// workload watches each copy it adds, and when one is served remotely by
// a record that sent its Handshake, crashes the copy's node (1 to 5 s
// down): nobody is left to REMOVE that record, so the remote service
// must sweep it as inactive once its heartbeats stop (TiCDC
// event_broker.go reportDispatcherStatToStore: a handshaked dispatcher
// whose heartbeat is older than the timeout). The idle table sends no
// data after the Handshake, so a sweep that waited for data (a record
// "handshaked" only after its second event) leaves the record behind,
// and I14 finds it: with a 7 s heartbeat timeout it no longer excuses a
// crashed collector's handshaked record (CheckState.sweepWithin).
func TestIdleTablesCrashRemote(t *testing.T) {
	runs, hits, seeds := 0, 0, map[uint64]bool{}
	sim.Test(t, func(w *sim.World) {
		runs++
		seeds[w.Seed()] = true
		if idleCrashRun(w) > 0 {
			hits++
		}
	}, sim.Seeds(4), sim.Configure(workloads.Patched))
	t.Logf("%d of %d runs crashed a collector under a remotely served idle table", hits, runs)
	if hits == 0 && len(seeds) >= 4 {
		t.Fatal("no run crashed a collector while it was served remotely: the sweep of its records was never needed")
	}
}

// idleCrashRun is one run of TestIdleTablesCrashRemote; it returns how
// many crashes hit a remotely served idle table.
func idleCrashRun(w *sim.World) int {
	const tables, idle = 8, 4
	cfg := cluster.DefaultConfig()
	cfg.Upstream.Idle = idle
	cfg.DataSharing = true
	cfg.HeartbeatTimeout = 7 * time.Second
	r := workloads.Start(w, cfg)
	r.Limits.Work.Every = workloads.SweepEvery
	r.AddTables(1, tables)
	w.Sleep(5 * time.Second) // the homes' subscriptions initialise, so copies can reuse them
	nodes, rnd, hits := r.C.Nodes(), w.Rand("workloads/idle-crash"), 0
	r.Faults(2*time.Minute, func(healed func() bool) {
		for !healed() {
			w.Sleep(500*time.Millisecond + time.Duration(rnd.Int64N(int64(time.Second))))
			table := tables - idle + 1 + rnd.Int64N(idle)
			n := nodes[rnd.IntN(len(nodes))]
			if n == nodes[int(table)%len(nodes)] || !r.Up(n) {
				continue
			}
			if copies := nodeCopies(r, n, table); len(copies) > 0 {
				r.C.RemoveDispatcher(copies[0])
				continue
			}
			from := cluster.TsAt(w.Now())
			if live := r.LiveDispatchers(table); len(live) > 0 {
				from = live[0].CheckpointTs()
			}
			d := r.C.AddDispatcher(n, r.C.TableSpan(table), from)
			if servedRemotely(w, r, n, d, healed) {
				hits++
				r.CrashFor(n, time.Second+time.Duration(rnd.Int64N(int64(4*time.Second))))
			}
		}
	})
	return hits
}

// nodeCopies returns n's dispatchers of table.
func nodeCopies(r *workloads.Run, n *cluster.Node, table int64) []*cluster.Dispatcher {
	var out []*cluster.Dispatcher
	for _, d := range r.C.NodeDispatchers(n) {
		if d.Span().TableID == table {
			out = append(out, d)
		}
	}
	return out
}

// servedRemotely watches d on node n for up to two seconds, every 10 ms,
// and reports whether it came to be served by a remote service whose
// record of it is handshaked (seq > 0).
func servedRemotely(w *sim.World, r *workloads.Run, n *cluster.Node, d *cluster.Dispatcher, healed func() bool) bool {
	for range 200 {
		w.Sleep(10 * time.Millisecond)
		if healed() || !r.Up(n) || n.Collector == nil {
			return false
		}
		st, ok := n.Collector.Stat(d.ID())
		if !ok {
			return false
		}
		cur := st.Snapshot().CurrentEventServiceID
		if cur == "" || cur == n.ID {
			continue
		}
		svc := r.C.Node(cur)
		if svc == nil || !r.Up(svc) || svc.Service == nil {
			return false
		}
		for _, rec := range svc.Service.Records() {
			if rec.Dispatcher == d.ID() && !rec.Removed && rec.Seq > 0 {
				return true
			}
		}
	}
	return false
}
