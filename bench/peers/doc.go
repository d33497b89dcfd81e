// Package peers measures how much faster cdcsim finds the four canary
// bugs (PROTOCOL.md 6.1 F1-F4, package variant) than two peers running
// the same model code, and whether each tool's finding replays.
//
// # The three tools
//
//   - cdcsim: the canary's randomized workload (workloads.RunHeartbeat for
//     f1 and f2, workloads.RunMerge for f3 and f4, with the canary's
//     patches) over seeds start, start+1, ... until a seed fails as the
//     bug does (HuntSim); as two processes, over interleaved seeds, until
//     either finds it. Attempt a starts at seed 1+1000a, so attempt 0 is
//     the canary's own sequence. Replay: the failing seed is run again
//     and must give the same trace hash and the same failure.
//   - stress: the same scenario on the real runtime (clock.NewReal:
//     goroutines and the wall clock, every interval scaled by
//     cluster.Config.Scale, 0.02 by default), the in-process network
//     (network.NewReal) with the same seed-drawn fault mix, repeated
//     until the bug shows or the cap passes, in a test binary built with
//     -race (HuntReal). Replay: the same test run K more times, each in
//     a fresh process as a rerun of go test would, counting how often
//     the bug shows again (ReplayReal).
//   - testing/synctest: the same real-mode run inside a bubble
//     (synctest.Test): the real scheduler, a virtual clock, no seed; by
//     default unscaled, since virtual time costs nothing. Also under
//     -race. Replay as for stress.
//
// # One detection criterion
//
// Detects is the canaries' own acceptance, applied to every tool: f1
// and f4 are the model's panics (in a real run, clock.Real.OnPanic turns
// a task's panic into a finding instead of a crash); f2 is I1 (a
// REGISTER queued after the REMOVE to L); f3 is I13 or the liveness goal.
// In a real run the checkers run where they safely can:
//
//   - I1 inside the observer hook (cluster.Config.Observe), which runs
//     synchronously on the task that queues the request, under a mutex of
//     the harness: detected at once;
//   - the snapshot- and sink-based checkers (I2, I4, I5, I6, I12, I13)
//     and I9 read session state that is only safe to read while nothing
//     runs (session.Stat.Snapshot takes no lock), so they run once, on the
//     stopped runtime, at the end of each run; I3 is left out (it must run
//     after every step, see finalChecks);
//   - the liveness goal ("every live dispatcher catches up") is polled
//     through the cluster's guarded accessors after the heal, within its
//     2-minute budget, scaled.
//
// A run that fails otherwise is counted (Hunt.Other) and the hunt goes
// on.
//
// # What the real-mode scenario lacks
//
// The peers run the canary's workload shape (tables, churn on the
// heartbeat ticks, splits and merges with replicas, data sharing, the
// shortened inactivity sweep, the fault mix drawn by sim.DeriveConfig
// with the heartbeat workload's forced duplicates and spikes: drops,
// duplicates, spikes, congested and not-ready sends, partitions, clogs),
// except:
//
//   - no node crashes: the real runtime has one Stop for every task and
//     no way to end one node's tasks, timers and mailboxes (the
//     simulator's Node); a crash would need a runtime per node, or a
//     per-node stop in clock.Real;
//   - no Buggify: clock.Real's Buggify never fires (the fault points,
//     such as the event service's RegisterTable failure, are off);
//   - no scheduling strategy (random, PCT): the Go scheduler interleaves;
//   - the table churn is aligned with the nodes' heartbeat ticks by the
//     clock, to within the few milliseconds between the nodes' boots,
//     not at one virtual instant;
//   - checkers that need a snapshot run only at the end of a run (above),
//     so the peers see F3 at the end of the run that hits it, while
//     cdcsim sees it at the step.
//
// run.sh drives the measurement (TestPeersTable); plain go test runs
// only the smoke tests.
package peers
