// Package workloads holds cdcsim's randomized workloads of the TiCDC
// model, one _test.go file each, and the checkers of the model's
// invariants (PROTOCOL.md 5) that every workload installs.
//
// # Writing a workload
//
// A workload is a Go test that hands its body to sim.Test:
//
//	func TestSteady(t *testing.T) {
//		sim.Test(t, func(w *sim.World) {
//			r := workloads.Start(w, cluster.DefaultConfig())
//			r.AddTables(1, 8)
//			r.Faults(3*time.Minute, nil)
//		}, sim.Seeds(30), sim.Configure(workloads.Patched))
//	}
//
// Start builds the cluster with the checkers' observer, installs every
// checker (Install) and the liveness goal that every live dispatcher
// catches up after the heal. Faults runs the safety phase with the seed's
// faults (and the workload's own task, if given, until the heal), heals,
// awaits the goals, and lets the cluster settle so that I9 is checked at
// a quiescent point. Patched turns on the patches for the known hazards
// (h1, h3, h4): a patched workload is expected to run clean, so any
// failure is new; -sim.set=patch= runs HEAD behaviour, where H3 stalls
// about 3 % of seeds (FINDINGS.md).
//
// # Checkers
//
// One exported function per invariant, Check<I#><Name>(c, st): the doc
// comment of each says what must hold, why, which PROTOCOL.md section it
// comes from and how it avoids firing on legal transient states. They
// read three sources:
//
//   - session snapshots (session.Stat.Snapshot), taken between steps;
//     cross-field facts are skipped while InTransition (a task holds
//     requestMu and may be half way through T1-T9): I2, I6, I8, I12, I13;
//   - the sinks' histories (cluster.Dispatcher.Handed and Flushed, and
//     what was offered after a removal) and the upstream's ground truth
//     (cluster.Upstream.Expected): I3, I4, I5, I7, I10, I11;
//   - the request and heartbeat stream and the two-phase adds' phases,
//     which snapshots cannot give, through the cluster's observer
//     (cluster.Config.Observe, fed by collector.Config.ObserveRequest at
//     enqueue time): I1, I2, I7, I8, I13.
//
// CheckState keeps what they need between calls (cursors into the sink
// histories, the last epoch and RESET per dispatcher, what the observer
// saw). Install runs every checker after every step except I5 (every
// ExpensiveEvery steps, and at the end of the run); I9 (no record left on
// L for a dispatcher its collector no longer has) only holds at a
// quiescent point, so Faults arms it after the heal and settle.
//
// Checking after every step is affordable because the per-step checkers
// look only at what the step changed: the cluster's Watch lists the
// dispatchers whose sink changed or whose session's Stat.Version moved
// (session.Config.Changed), the snapshot checkers (I2, I6, I8, I12, I13)
// re-read only those sessions, and the sink checkers (I3, I4, I7, I10)
// only those sinks; a checked run then costs a constant factor more than
// an unchecked one at any size (BENCHMARKS.md). Called outside Install
// (no step counter), every checker walks every dispatcher instead.
//
// The heartbeats are checked as they are queued (I7: the checkpoint per
// dispatcher and service never decreases and stays within what the epoch
// validated and what the sink promises; I8: they go only to the current
// service, judged at the virtual instant of the report since T10's reads
// and the send are not atomic). I10 watches removed dispatchers' sinks
// and the batches offered to them after the removal. I11 is the liveness
// goal every workload awaits after the heal (CheckI11CaughtUp, through
// sim.World.Eventually): a stall names the dispatcher, its session and
// what each event service holds for it.
package workloads
