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
// awaits the goals, and lets the cluster settle so that I9 and I14 are
// checked at a quiescent point. Run.Limits (set by Start to
// DefaultLimits) are the bounds the workload states for I15 and I16; a
// workload changes them after Start. Patched turns on the patches for the known hazards
// (h1, h3, h4, h5, h6): a patched workload is expected to run clean, so any
// failure is new; -sim.set=patch= runs HEAD behaviour, where H3 stalls
// about 3 % of seeds (FINDINGS.md).
//
// Node faults are crashes or, with the seed's node.graceful-stop,
// graceful shutdowns in TiCDC's server.Close order (package cluster,
// shutdown.go): Run.Up is false for a node that is shutting down, and
// the maintainer moves its tables to the nodes that are up. With
// UpstreamConfig.DropEvery set, the upstream drops tables (cluster
// drop.go), and Start adds the liveness goal
// CheckDroppedTablesLeaveNoDispatcher; TestTableDrops (drop_test.go) is
// that workload.
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
//   - the sinks' histories (cluster.Dispatcher.Handed and Flushed, what
//     was offered after a removal, and what the collector offered below
//     its own earlier offers, OfferedBack, before the stale filter) and
//     the upstream's ground truth (cluster.Upstream.Expected): I3, I4,
//     I5, I7, I10, I11;
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
//
// When the run's structured records are on (sim.World.Recording; dst
// timeline turns them on with -sim.records), Start also records each
// dispatcher's session state as it changes (staterecords.go: a hidden
// "state" record with the dispatcher, its node, the row of PROTOCOL.md
// 1.4's table, the epoch and the current event service), for the
// timeline's per-dispatcher bands. It is an observation installed only
// then; TestRecordsLeaveTheHashAlone checks the hash does not move.
//
// # Oracles beyond the end state (I14-I27)
//
// I1-I13 are PROTOCOL.md 5's invariants; four more look at what an end
// state cannot show (issue 13). Each one's doc says what must hold, why,
// and what it excuses; each has a planted-violation test
// (checkers_oracles_test.go).
//
//   - I14, resource hygiene (CheckI14NoLeakedRecords, checkers_leaks.go):
//     at the quiescent point where I9 is armed, every record and every
//     subscription's subscriber on every service, local or remote,
//     belongs to a live session whose current or pending target is that
//     service. It runs through I9's OrphanTracker (Find: Leaks), with a
//     second's grace, after an Eventually of its own. Excused, as
//     PROTOCOL.md 5 I9 and 2.5 allow: a remote record whose last request
//     queued there was a REMOVE (best-effort), and a remote record of a
//     crashed collector's dispatcher, unless the run's heartbeat timeout
//     plus one sweep interval is shorter than the settle phase
//     (CheckState.sweepWithin): then a handshaked one (seq > 0) must have
//     been swept as inactive (TiCDC sweeps only handshaked records), and
//     TestIdleTablesCrashRemote crashes nodes under remotely served idle
//     tables so that the sweep is needed.
//   - I15, wasted work (CheckI15NoWastedWork, checkers_work.go): a
//     REGISTER asks only for reuse exactly when it goes to a remote, no
//     subscription is created for such a REGISTER nor on a service for
//     another node's collector (eventservice.Config.ObserveSubscription),
//     and each dispatcher's queued REGISTERs and RESETs and created
//     subscriptions stay within Limits.Work: a base per dispatcher plus
//     PerDisruption per disruption the run has seen (Run.Disruptions:
//     messages lost, cut, refused or duplicated, node restarts, memory
//     drops and releases), plus one per Work.Every of the dispatcher's
//     life for workloads whose services sweep live records (heartbeat,
//     merge with a HeartbeatTimeout: SweepEvery). Its message budgets
//     (Limits.Messages, checkers_messages.go; the services' sends as
//     cluster.ObservedSent reports them): a service sends a dispatcher
//     at most Readies + 1 per ReadyEvery Readies after a REGISTER queued
//     there (6 + 1 per 10 s; over seeds 1-20 of every workload the
//     highest count less one per 10 s was 2.6); and, when a workload
//     sets MaxDMLBatch (off by default: two scans at one instant look
//     like one scan's cut to it, see DefaultLimits), a scan cuts a run
//     of DMLs into a batch shorter than MaxDMLBatch only at a DDL, a
//     sync point or its end.
//   - I16, progress during the run (CheckI16Progress,
//     checkers_progress.go): a watchdog, installed with
//     sim.World.Progress so a stall fails as liveness during the safety
//     phase too, that each live dispatcher's checkpoint moves within
//     Limits.StallAfter while its target (current service, else L) is up
//     and reachable from its node (no crash, restart, partition or clog
//     on that link; the service's intake not held by a slow
//     RegisterTable) and its upstream resolved ts moves on, more than
//     CatchUpLag ahead. It looks once per virtual second.
//   - I17, at-least-once accounting (CheckI17DuplicatesExplained,
//     checkers_duplicates.go): every change a sink accepted twice came
//     in a later epoch whose RESET restarted below it; each is counted
//     as a "reset" (same service) or an "epoch change" (another
//     service), which CheckState.Duplicates reports; an unexplained one
//     fails with the RESETs between the copies.
//   - I18-I20, memory-control health (checkers_memory.go), from every
//     running collector's areas (collector.EventCollector.AppendAreas)
//     after every step: an area over its quota comes back under it
//     within Limits.MemoryRecover (I18); a path with queued events is
//     always scheduled or blocked by its sink (I19); a memory release
//     comes within Limits.ReleaseAfterPressure of a moment the area was
//     at 60 % of its quota or more (I20; not judged in runs whose
//     fault.MemoryPressure site is on). Memory pressure always ends in
//     drops and RESETs that recover, so `dst mutate` found mutants of
//     these rules that no end-state check saw.
//   - I21 and I22, the event store's bookkeeping (checkers_store.go),
//     from every service's subscriptions and records once per 20 ms
//     of virtual time: a subscription's checkpoint is never above its
//     resolved ts nor a subscriber registered on it, and once a
//     subscriber's checkpoint moved it is at least the minimum the
//     previous look saw (I21); a RESET's record keeps the old record's
//     received resolved ts and heartbeated checkpoint (I22,
//     copyStatistics).
//   - I23 and I24, memory control's policy at each decision
//     (checkers_policy.go): a droppable event is replaced by a DropEvent
//     exactly when its area holds at least 1.5 times its quota as it
//     arrives, or a fault site forced it (I23, TiCDC memory_control.go
//     appendEvent; judged at each arrival as collector.Config.ObserveDrop
//     reports it, the threshold computed by the checker); after every
//     step, each blocked path of a running collector waits for a wake
//     its sink still owes, events handed and not flushed (I24, TiCDC's
//     wake is an event the stream handles after the handler; read through
//     collector.EventCollector.AppendBlocked and
//     cluster.Dispatcher.OwesWake). Neither rule is visible to I18-I20:
//     a threshold at 1x still recovers within their bounds.
//   - I25 (checkers_store.go, with I21's looks): with data sharing off,
//     no subscription has two distinct dispatchers as subscribers
//     (TiCDC event_store.go RegisterDispatcher reuses only under
//     enableDataSharing).
//   - I26 (checkers_send.go): every event message an event service's
//     send refused as congested is attempted again within a second
//     (TiCDC eventBroker.sendMsg retries it every 10 ms, forever), unless
//     the service crashed since; followed by identity through
//     cluster.ObservedSendFailed and ObservedSent.
//   - I27, the sync points each sink accepted (checkers_syncpoint.go):
//     none without sync points, each on the interval's cadence, none
//     below the first sync point of the RESET that opened its epoch, in
//     commit-ts order with none missing (TiCDC's
//     emitSyncPointEventIfNeeded and CalculateStartSyncPointTs).
//     TestCheckI27FiresOnPlantedSyncPoints plants each violation. With
//     sync points on, I3 allows one hole in an epoch: the sync point at
//     the last event's commitTs, withheld by the collector because an
//     earlier epoch forwarded it (checkEpochSeq).
//
// # Request fields and large transactions
//
// Two knobs of the run configuration reach the cluster through Start
// (applyModelKnobs): changefeed.syncpoint-interval (the changefeed's
// sync points; 0s: off) and upstream.large-txn-p (the rate of
// transactions large enough for the event service to split across
// events). The swarm leaves both off, so other workloads keep their
// traces; TestSyncPoints draws them from the seed, and -sim.set pins
// them on any workload. I5 checks every row of a split transaction below
// the checkpoint (flushedRows); I17 sees a fragment sent again after a
// RESET as a duplicate to explain, fragments of one transaction being
// different changes (sameChange compares first rows).
//
// How the defaults were chosen (DefaultLimits), from seeds 1-50 of every
// workload with the patches on (go test ./workloads -run '^TestX$'
// -sim.seeds=50, with a temporary line printing CheckState.WorkPeak,
// Run.Disruptions and CheckState.StallPeak at the end of Faults):
//
//   - Work: no dispatcher of steady, churn, crashes or the example
//     needed more than 2 of any kind; the base of 4 REGISTERs (1 plus
//     up to 2 remote probes on three nodes, plus one) and 4 RESETs and 2
//     subscriptions covers a disruption-free run with a remote probe and
//     its move home. Beyond the base, the largest count per disruption
//     was 0.84 (memory pressure, where every drop can cost a RESET) and
//     2.25 in the heartbeat workload before its sweep allowance, within
//     4 + 1 per disruption once Every is set; each disruption can cost a
//     dispatcher at most about one RESET or re-registration, so
//     PerDisruption is 1.
//   - StallAfter: the longest a watched checkpoint stood still under
//     I16's conditions was 9 s (probing; 45 s before the slow
//     RegisterTable was counted as a disturbance), 2 s elsewhere; the
//     default of 2 minutes is over ten times that, and a run's safety
//     phase is 1 to 3 minutes, so a stall of I16's kind must outlast
//     most of it.
//   - MemoryRecover and ReleaseAfterPressure: over seeds 1-100 of the
//     memory workload (TestMemoryPressure's body, printing
//     CheckState.MemoryPeaks at the end), an area stayed over its quota
//     for at most 3.2 s and a release came at most 159 ms after the area
//     was last seen at 60 % of its quota; the defaults are 15 s and 2 s.
//
// # The regression corpus (corpus.go)
//
// CorpusFile documents the format. FuzzParseCorpus (fuzz_test.go) checks
// that a malformed line is an error naming it and that every accepted
// entry prints (Entry.String) as a line that parses back to it; make fuzz
// runs it.
//
//dst:simulated
package workloads
