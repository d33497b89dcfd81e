package peers

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/network"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// realWorkload is the real-mode twin of workloads.RunHeartbeat and
// workloads.RunMerge: the same phases, tables, churn, splits and merges,
// with every duration scaled, on tasks of the real runtime (so that Stop
// unwinds them). Differences from the simulated bodies: no node crashes
// (the real runtime cannot crash one node), and the churn is aligned to
// the heartbeat ticks by the wall clock, not to one virtual instant.
type realWorkload struct {
	rt    *clock.Real
	net   *network.Real
	scale float64
	st    *runState
	c     *cluster.Cluster
	// quiet is set once the run settled after the heal: I9 then holds.
	quiet atomic.Bool
	done  chan struct{} // closed when the workload task returns
}

func (w *realWorkload) sleep(d time.Duration) { w.rt.Sleep(scaled(d, w.scale)) }

// start builds the cluster (workloads.Start without the simulator: the
// checkers are run by the harness) and waits a second for the nodes.
func (w *realWorkload) start(cfg cluster.Config) {
	w.c = cluster.New(w.rt, w.net, func(name string, boot func()) { w.rt.Go(name, boot) }, cfg)
	w.sleep(time.Second)
	for !w.c.AllUp() {
		w.rt.Sleep(time.Millisecond)
	}
}

// addTables is workloads.Run.AddTables.
func (w *realWorkload) addTables(first, last int64) {
	for table := first; table <= last; table++ {
		n := w.c.Nodes()[int(table)%len(w.c.Nodes())]
		w.c.AddDispatcher(n, w.c.TableSpan(table), cluster.TsAt(w.rt.Now()))
	}
}

// live is workloads.Run.LiveDispatchers.
func (w *realWorkload) live(table int64) []*cluster.Dispatcher {
	var out []*cluster.Dispatcher
	for _, n := range w.c.Nodes() {
		for _, d := range w.c.NodeDispatchers(n) {
			if table == 0 || d.Span().TableID == table {
				out = append(out, d)
			}
		}
	}
	return out
}

// heartbeat is workloads.RunHeartbeat (see its mechanisms).
func (w *realWorkload) heartbeat(cfg cluster.Config) {
	rnd := w.rt.Rand("workloads/heartbeat")
	cfg.Upstream = cluster.DefaultUpstreamConfig(workloads.HeartbeatTables + workloads.HeartbeatChurn)
	cfg.DataSharing = true
	// Config.HeartbeatTimeout is taken unscaled: scale it here.
	cfg.HeartbeatTimeout = scaled(4*time.Second+time.Duration(rnd.Int64N(6))*time.Second, w.scale)
	w.start(cfg)
	boot := w.rt.Now() // every node booted within a few ms of this
	w.addTables(1, workloads.HeartbeatTables)
	w.faults(2*time.Minute, func(healed func() bool) {
		tick := scaled(10*time.Second, w.scale)
		for !healed() {
			w.rt.Sleep(tick - w.rt.Now().Sub(boot)%tick)
			w.churn(rnd)
		}
	})
}

// churn is one heartbeat tick of RunHeartbeat's table churn.
func (w *realWorkload) churn(rnd *rand.Rand) {
	nodes := w.c.Nodes()
	for table := int64(workloads.HeartbeatTables + 1); table <= workloads.HeartbeatTables+workloads.HeartbeatChurn; table++ {
		if live := w.live(table); len(live) > 0 {
			switch d, p := live[0], rnd.IntN(4); {
			case p == 0 && len(live) == 1:
				if n := nodes[rnd.IntN(len(nodes))]; n.ID != d.Node() {
					w.c.AddDispatcher(n, w.c.TableSpan(table), d.CheckpointTs())
				}
			case p != 0:
				w.c.RemoveDispatcher(d)
			}
			continue
		}
		if n := nodes[rnd.IntN(len(nodes))]; rnd.IntN(4) != 0 {
			w.c.AddDispatcher(n, w.c.TableSpan(table), cluster.TsAt(w.rt.Now()))
		}
	}
}

// faults is workloads.Run.Faults: the safety phase with during as its
// own task until the heal, heal, the liveness goal, settle.
func (w *realWorkload) faults(safety time.Duration, during func(healed func() bool)) {
	var healed atomic.Bool
	if during != nil {
		w.rt.Go("workload/during", func() { during(healed.Load) })
	}
	w.net.RunFaults()
	w.sleep(safety)
	healed.Store(true)
	w.net.Heal()
	w.awaitGoal()
	w.sleep(5 * time.Second)
	w.quiet.Store(true)
	w.sleep(time.Second)
}

// awaitGoal waits for workloads' liveness goal ("every live dispatcher
// catches up": each checkpoint within 5 s of the upstream's resolved ts)
// for at most its 2-minute budget, all scaled, polling every 100 ms as
// the simulator's AwaitGoals does; a miss is a liveness failure.
func (w *realWorkload) awaitGoal() {
	deadline := w.rt.Now().Add(scaled(2*time.Minute, w.scale))
	for {
		err := w.caughtUp()
		if err == nil {
			return
		}
		if w.rt.Now() >= deadline {
			w.st.fail(string(sim.KindLiveness), fmt.Sprintf("goal %q unmet within %s: %v", "every live dispatcher catches up", scaled(2*time.Minute, w.scale), err))
			return
		}
		w.sleep(100 * time.Millisecond)
	}
}

// caughtUp is workloads.Run's goal, through the cluster's guarded
// accessors; the lag allowed is 5 s of Ts, scaled.
func (w *realWorkload) caughtUp() error {
	resolved := w.c.Upstream.ResolvedTs(w.c.TableSpan(1))
	lag := cluster.TsAt(clock.Time(scaled(5*time.Second, w.scale)))
	for _, n := range w.c.Nodes() {
		for _, d := range w.c.NodeDispatchers(n) {
			if cp := d.CheckpointTs(); cp+lag < resolved {
				return fmt.Errorf("dispatcher %s on %s: checkpoint %d, upstream resolved %d", d.ID(), n.ID, cp, resolved)
			}
		}
	}
	return nil
}

// merge is workloads.RunMerge with workloads.DefaultMergeOptions.
func (w *realWorkload) merge(cfg cluster.Config) {
	o := workloads.DefaultMergeOptions()
	cfg.Upstream = cluster.DefaultUpstreamConfig(int(o.Steady + o.Merging))
	cfg.DataSharing = o.DataSharing
	cfg.HeartbeatTimeout = scaled(o.HeartbeatTimeout, w.scale)
	w.start(cfg)
	w.addTables(1, o.Steady+o.Merging)
	nodes := w.c.Nodes()
	home := func(table int64) *cluster.Node { return nodes[int(table)%len(nodes)] }
	if o.Replicas {
		w.sleep(2 * time.Second)
		for table := o.Steady + 1; table <= o.Steady+o.Merging; table++ {
			for _, n := range nodes {
				if n != home(table) {
					w.c.AddDispatcher(n, w.c.TableSpan(table), cluster.TsAt(w.rt.Now()))
				}
			}
		}
	}
	var healed atomic.Bool
	var running atomic.Int32
	for table := o.Steady + 1; table <= o.Steady+o.Merging; table++ {
		rnd := w.rt.Rand(fmt.Sprintf("workloads/merge/%d", table))
		running.Add(1)
		w.rt.Go("workload/merge", func() {
			defer running.Add(-1)
			w.splitAndMerge(home(table), table, rnd.Int64N, healed.Load)
		})
	}
	w.net.RunFaults()
	w.sleep(o.Safety)
	healed.Store(true)
	w.net.Heal()
	for running.Load() > 0 { // the merges under way finish first
		w.sleep(100 * time.Millisecond)
	}
	w.awaitGoal()
	w.sleep(5 * time.Second)
	w.quiet.Store(true)
	w.sleep(time.Second)
}

// splitAndMerge is workloads' merge task of one table on its home node.
func (w *realWorkload) splitAndMerge(home *cluster.Node, table int64, rand func(int64) int64, healed func() bool) {
	for !healed() {
		w.rt.Sleep(scaled(time.Second+time.Duration(rand(int64(4*time.Second))), w.scale))
		var ds []*cluster.Dispatcher
		for _, d := range w.c.NodeDispatchers(home) {
			if d.Span().TableID == table {
				ds = append(ds, d)
			}
		}
		switch {
		case len(ds) == 0:
		case len(ds) == 1 || len(ds) < 4 && rand(3) == 0:
			d := ds[rand(int64(len(ds)))]
			if s := d.Span(); s.EndKey-s.StartKey >= 2 {
				w.c.Split(d)
			}
		default:
			// In span order, as the maintainer asks: the dispatcher
			// manager rejects a merge of spans that are not adjacent.
			slices.SortFunc(ds, func(a, b *cluster.Dispatcher) int { return cmp.Compare(a.Span().StartKey, b.Span().StartKey) })
			w.c.Merge(home, ds)
		}
	}
}
