package sim

import (
	"time"

	"github.com/cdcsim/cdcsim/clock"
	"github.com/cdcsim/cdcsim/network"
)

// A run has three parts (DESIGN.md, "Runs, phases, configuration"):
//
//  1. the safety phase: StartFaults switches on the faults the
//     configuration asks for (network partitions and clogs, per-message
//     faults, node crashes with restarts) and invariants are checked after
//     every step;
//  2. Heal: faults off, partitions repaired, crashed nodes restarted;
//  3. the liveness phase: every Eventually goal must be met within its
//     budget, on a system that no longer has any excuse.
//
// A workload's main task typically reads
//
//	w.StartFaults()
//	w.Sleep(5 * time.Minute) // the safety phase
//	w.Heal()
//	w.AwaitGoals()

// Network returns the run's simulated network, created on first use with
// the configuration's network faults. A node that crashes is marked down
// on it; a node that restarts attaches again from its boot function.
func (w *World) Network() *network.Sim {
	if w.net == nil {
		w.net = network.NewSim(rooted{w}, w.cfg.Net, nil)
		if w.tr.on() {
			w.net.Observe(w.netEvent)
		}
	}
	return w.net
}

// rooted is the runtime the network sees: its timers and tasks belong to
// the root node, whichever task happens to call into it. A link's
// delivery timer is created by the first send on the link; without this it
// would belong to the sender's node and die in that node's first crash,
// and the link would never deliver again.
type rooted struct{ *World }

func (r rooted) Schedule(d time.Duration, f func()) clock.Timer {
	return r.scheduleOn(r.root, d, f)
}

func (r rooted) Go(name string, f func()) { r.root.Go(name, f) }

// StartFaults starts the fault tasks of the safety phase: the network's
// random partitions and clogs, and node crashes at the configured rate.
// Per-message faults (drops, duplicates, spikes, synchronous failures) are
// on from the network's creation. Nodes marked with SetCrashable(false)
// are never crashed.
func (w *World) StartFaults() {
	w.Network().RunFaults()
	if w.cfg.CrashEvery > 0 {
		w.root.Go("sim/crashes", w.injectCrashes)
	}
}

// SetCrashable says whether the crash fault may pick n (default true).
func (n *Node) SetCrashable(ok bool) { n.noCrash = !ok }

func (w *World) injectCrashes() {
	r := w.Rand("sim/crashes")
	for !w.healed {
		w.HintFaultGap()
		w.Sleep(time.Duration(r.ExpFloat64() * float64(w.cfg.CrashEvery)))
		if w.healed {
			return
		}
		var up []*Node
		for _, n := range w.nodes[1:] {
			if n.up && !n.noCrash {
				up = append(up, n)
			}
		}
		if len(up) == 0 {
			continue
		}
		n := up[r.IntN(len(up))]
		if w.gracefulDraw(n) {
			// The downtime is drawn now, from the crash stream, as for a
			// crash, so the stream's later draws stay where they were.
			down := w.cfg.RestartAfter.Sample(r)
			w.StopGracefully(n, func() {
				if w.healed { // it went down after the heal: back at once
					w.Restart(n)
					return
				}
				w.Schedule(down, func() { w.Restart(n) })
			})
			continue
		}
		w.Crash(n)
		down := w.cfg.RestartAfter.Sample(r)
		w.Schedule(down, func() {
			if !w.healed {
				w.Restart(n)
			}
		})
	}
}

// gracefulDraw decides whether the node fault on n is a graceful stop
// (stop.go): with probability GracefulStop, drawn from its own stream so
// that the crash stream's draws do not move, and only for a node with a
// close path and GracefulStop above 0, so that runs without either draw
// nothing and keep their hashes.
func (w *World) gracefulDraw(n *Node) bool {
	if w.cfg.GracefulStop <= 0 || len(n.onStop) == 0 || n.stopping {
		return false
	}
	return w.Rand("sim/graceful-stop").Float64() < w.cfg.GracefulStop
}

// Heal ends the safety phase: the fault tasks stop, the network heals
// (network.Sim.Heal), Buggify sites stop firing, every crashed node
// restarts, and the liveness phase begins, arming every Eventually goal.
// A liveness goal is only fair once every fault has stopped.
func (w *World) Heal() {
	if w.healed {
		return
	}
	w.healed = true
	if w.tr.on() {
		w.traceLine("phase", "heal")
	}
	if w.net != nil {
		w.net.Heal()
	}
	for _, n := range w.nodes[1:] {
		if !n.up {
			w.Restart(n)
		}
	}
	w.BeginLiveness()
}

// AwaitGoals blocks the calling task until every Eventually goal is met.
// A goal that misses its deadline fails the run, which ends the wait.
func (w *World) AwaitGoals() {
	for !w.goalsMet() {
		w.Sleep(goalPoll)
	}
}

// goalPoll is how often AwaitGoals looks; goals are checked after every
// step anyway, so this only bounds how long the run goes on after the last
// goal is met.
const goalPoll = 100 * time.Millisecond

func (w *World) goalsMet() bool {
	for _, g := range w.goals {
		if !g.met {
			return false
		}
	}
	return true
}
