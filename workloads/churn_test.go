package workloads_test

import (
	"testing"
	"time"

	"github.com/cdcsim/cdcsim/cluster"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/workloads"
)

// Table churn under the swarm's faults: eight tables replicate steadily
// while four more are added and removed again and again on nodes that
// are up, every one to five seconds, for the whole safety phase. Every
// removal exercises T9 (I1: nothing after REMOVE; I9: L forgets it);
// every add a fresh registration racing the faults. A third of the
// removals are sent twice at once, as TiCDC's maintainer may resend a
// remove: the second comes within a second, finds the dispatcher gone
// or already removed, and must do nothing. A quarter of the adds are
// raced by their own removal (removeAtAdd).
func TestChurn(t *testing.T) {
	sim.Test(t, func(w *sim.World) {
		cfg := cluster.DefaultConfig()
		cfg.Upstream = cluster.DefaultUpstreamConfig(12)
		r := workloads.Start(w, cfg)
		r.AddTables(1, 8)
		rnd := w.Rand("workloads/churn")
		r.Faults(3*time.Minute, func(healed func() bool) {
			for !healed() {
				w.Sleep(time.Second + time.Duration(rnd.Int64N(int64(4*time.Second))))
				table := 9 + rnd.Int64N(4)
				if live := r.LiveDispatchers(table); len(live) > 0 {
					if d := live[0]; r.Up(r.C.Node(d.Node())) {
						if rnd.IntN(3) == 0 {
							delay := time.Duration(rnd.Int64N(int64(time.Second)))
							w.Go("workloads/churn/resend-remove", func() {
								w.Sleep(delay)
								if r.Up(r.C.Node(d.Node())) { // a down node's collector is gone
									r.C.ResendRemove(d)
								}
							})
						}
						r.C.RemoveDispatcher(d)
					}
					continue
				}
				if n := r.C.Nodes()[rnd.IntN(len(r.C.Nodes()))]; r.Up(n) {
					if rnd.IntN(4) == 0 {
						removeAtAdd(w, r, table)
					}
					r.C.AddDispatcher(n, r.C.TableSpan(table), cluster.TsAt(w.Now()))
				}
			}
		})
	}, sim.Seeds(20), sim.Configure(workloads.Patched))
}

// removeAtAdd starts a task that removes the table's dispatcher the add
// about to be made creates, at the add's first scheduling point: T1
// takes requestMu there (session.lockRequest), so the removal (T9) may
// take it first and T1 must find the session removed and send nothing
// (PROTOCOL.md 5 I1, beginRegisterToLocal's removed check). TiCDC's
// dispatcher manager may handle a remove while the add of the same
// dispatcher is still registering it with the collector. The Sometimes
// "a removal races the add's registration" records that it happened;
// if the task runs first it finds nothing and does nothing.
func removeAtAdd(w *sim.World, r *workloads.Run, table int64) {
	w.Go("workloads/churn/remove-at-add", func() {
		for _, d := range r.LiveDispatchers(table) {
			if r.Up(r.C.Node(d.Node())) {
				r.C.RemoveDispatcher(d)
			}
		}
	})
}
