// Package sim is cdcsim's simulation kernel: a seeded, single-threaded
// scheduler that replaces goroutines, the clock and the network, so that a
// run of real protocol code is a function of one uint64 seed.
//
// # A run
//
// New(cfg) builds a World; World.Run(main) runs main as the first task and
// schedules until main returns, a check fails, or a budget runs out. The
// World implements clock.Runtime, which is all model code sees: tasks
// (Go, Yield), time (Now, Sleep, Schedule), seeded choices (Rand, Choose,
// Buggify) and the park/unpark mechanism on which package clock builds
// Mutex, RWMutex, WaitGroup, Mailbox and Select.
//
// The loop: fire every event due at the current instant, in (time,
// sequence) order; if tasks are runnable, let the strategy pick one and
// resume it until it blocks, yields or returns; run the checks; if nothing
// is runnable, jump the clock to the next event. Virtual time is an int64
// of nanoseconds that only moves in those jumps, so an hour of timeouts
// costs nothing. A step is one task slice or one Schedule callback; steps
// are numbered from 0, and every trace line and failure carries its step.
//
// # Tasks
//
// A task is a coroutine built on iter.Pull: a goroutine that only runs
// when the scheduler resumes it, so exactly one task runs at a time and a
// switch costs about as much as a function call into another stack. A task
// yields at every blocking operation; Mutex.Lock yields even when the lock
// is free, which is what lets a "check outside the lock, act inside it"
// race interleave. Ending a task (its node crashed, or the run ended)
// unwinds its stack: deferred calls run, and must neither block nor
// re-enter the scheduler; one that blocks fails the run as a panic.
//
// # Strategies
//
// StrategyRandom picks uniformly among the tasks runnable at an instant;
// StrategyPCT runs the highest-priority task and demotes the running one
// at d-1 random change points (Burckhardt et al. 2010). The strategy is
// part of the configuration, drawn per seed. StrategyOldest, never
// drawn, runs the runnable task created first: a fixed order, which
// dst shrink tries so that a failure that survives it owes nothing to a
// random interleaving.
//
// Check-then-act gaps (gap.go, Config.GapP): under any strategy, a task
// that released a lock and comes, in the same step, to take one is in
// the gap of a check-then-act race; with probability gap.p it is held
// out of the picks for up to gap.picks picks of its instant, or until
// nothing else is runnable, so the other tasks of the instant reach
// their critical sections first. A uniform pick puts them there only
// as often as it happens to pick them before the gap closes; the hold
// found F1 in 5-7 times as many heartbeat seeds (BENCHMARKS.md,
// "Check-then-act gaps"). The swarm holds on half of the seeds. A hold
// never moves virtual time, so it cannot stall a run.
//
// # Nodes and faults
//
// NewNode(name, boot) groups tasks and timers under a simulated process.
// Crash ends its tasks and drops its timers (they never fire, even after a
// restart); Restart runs boot again. Buggify(site) is a FoundationDB-style
// fault point: a site is on for a whole run with probability buggify.p,
// decided from the seed and the site's name alone, and then fires at its
// rate (package fault's table, or buggify.q, times a factor in [1/4, 4]
// the seed draws per site), drawn from the site's own stream. Every site of package fault prints as "fault.NAME = rate" and
// pins back with -sim.set; faults=none and buggify.p=0 switch every site
// off, and no site fires after the heal (faultsite.go). Network returns the run's simulated network
// (package network); StartFaults switches on random partitions, clogs and
// node crashes; Heal switches them off, restarts crashed nodes and begins
// the liveness phase.
//
// A node fault is a graceful stop instead of a crash with probability
// node.graceful-stop (stop.go; half the seeds draw 0.5, the presets 0):
// the node's close path, registered by its boot with OnGracefulStop (the
// optional clock.GracefulStopper), runs on a task of the node, then the
// node goes down as in a crash, at most GracefulStopTimeout (30 s, TiCDC's
// GracefulShutdownTimeout) after the stop began; what follows its
// departure (the gone hook) runs on the root, then the restart is
// scheduled. The trace has a "stop" line when it begins and a "stopped"
// line (why: closed or timeout) when the node goes down; coverage counts
// node/graceful-stop. A node without a close path just crashes, and no
// draw is made for it.
//
// # Randomness
//
// Everything random derives from Config.Seed. Rand(label) returns a stream
// seeded from the seed and the label alone, so adding a stream does not
// shift the others; every draw is folded into the trace hash.
//
// # Decisions: record, replay, rewrite (decisions*.go)
//
// Every random choice of a run is a draw from a labelled stream: the
// scheduler's pick among the runnable tasks, select's choice, each
// fault's fate (a network drop, duplicate, spike, synchronous failure; a
// Buggify site firing), each wait before a partition, clog or crash, each
// latency, each workload choice. stream.Uint64 is thus the one choke point
// of the run's decisions (DESIGN.md, "One choke point for every choice"):
// NewDecided(cfg, Decide{...}) puts a decider there that records every
// draw (Record, then Result.Decisions), serves a recorded file's draws
// back (Replay), or serves them only up to a step and fresh draws from
// another seed after it (Until, FreshSeed: the point of no return's
// re-runs). The configuration still derives from the seed. A seed run
// has no decider and draws exactly as before, so no hash moves.
//
// A decision file (decisions.go has the format) is text: a versioned
// header naming the workload, seed, test binary and pins, then one line
// per draw (step, stream, kind, value in hex or - for the default), then
// an end line with the count and the run's hash, so that a truncated file
// or one of another version is refused (exit status 2 under sim.Test)
// rather than replayed as another run. A replayed draw comes from its own
// stream's queue in order, so a rewritten file that changes the path
// still gives the network the network's values. A draw marked default,
// or past its stream's queue, is its kind's default: the oldest runnable
// task for a pick (the strategy says it is a pick), no fault for a
// fault's chance (model code says so with World.HintFault before the
// draw), the longest single-draw wait for the wait before a fault
// (HintFaultGap), and "a draw of 0" for anything else: the latency floor
// of a uniform latency, the first of n choices. Hints draw nothing. Past
// 64 plain defaults on one stream within one step, draws hashed from
// the stream, the step and the count take over, so a "draw until
// different" loop of the model cannot spin on a constant (and a record of
// the run, where they are recorded values, replays it).
//
// A pick also records the task it ran, the oldest runnable task and the
// virtual time: its value is only an index into the runnable set, and
// how many picks precede it depends on everything upstream, so a replay
// applies a recorded pick at its instant to its task (wherever that task
// now sits), waits before that instant and drops it after. A replay that
// records what it served writes a pick of the oldest task, and a fault
// chance that drew no fault (World.HintFault gives the probability), as
// defaults: the same run, fewer decisions set. Such a record replays to
// the same run with other raw draws, so it carries no hash. An unchanged
// file replays exactly: every pick matches where it was made, every raw
// draw is the recorded one, and the hash is the seed's.
//
// Under sim.Test: -sim.record-decisions=FILE writes the run's file (one
// seed); -sim.decisions=FILE replays one (its workload, seed and pins;
// other tests skip), and checks the hash against the file's end line;
// -sim.until=K -sim.fresh=S replays the draws before step K and draws
// afresh from S after; -sim.check-decisions records every seed, replays
// the record through the text format, and fails the seed as
// nondeterminism if the replay hashes otherwise. A replayed failure's
// report gives the -sim.decisions command as its replay line. When a
// record sink listens, a pick that preferred another task to the oldest
// leaves a hidden record "pick" (task, node, id, and oldest, oldest_node,
// oldest_id for the task it passed over), which
// dst shrink --schedule prints as "task X ran before Y".
//
// # Checks and failures
//
// Invariant(name, every, fn) runs after every step (or every N-th);
// Eventually(name, within, cond) must hold within its budget once the
// liveness phase begins; Progress(name, every, fn) runs like an invariant
// from the start but reports a stall during the run (a watchdog), as a
// liveness failure. A failure has a Kind: panic (a task or callback
// panicked; with its stack), safety (an invariant), liveness (a goal
// missed, a progress check stalled, or a deadlock: every task blocked and
// no timer pending),
// nondeterminism (the same seed ran differently twice) or budget (steps,
// virtual time or wall clock ran out: a run never hangs). A task that
// spins without ever yielding ends no step, so under Test a watchdog
// outside the simulation (hang.go) watches the wall clock: at budget.wall
// plus a grace (a quarter of it, at least 1s) it reports the seed as a
// budget failure with the spinning task's stack and JSON line, not
// re-run, and ends the test process with status 1, because a goroutine
// cannot be preempted and the task would burn a core for as long as the
// process lives; the seeds after it do not run in that process (dst run
// runs them in a new one).
//
// # Trace
//
// Every decision (task picked, event fired, time jump, random draw, fault
// fired, task spawned, parked, woken or ended) updates a rolling 64-bit
// hash; two runs with the same hash made the same decisions. The text
// trace, one line per event, is kept only when asked for (TraceTo), and
// never changes the hash. Its columns are: step, virtual time, node, kind,
// then fields.
//
// The trace has a structured form (record.go): each event is a Record
// (step, virtual time, node, task, kind, text, fields), and the text line
// is rendered from it (Record.WriteLine). World.RecordTo(sink) hands
// every record to a sink, -sim.records=FILE appends them to a file as
// JSON lines (Record.AppendJSON), for dst timeline. Besides the text
// trace's events there are hidden records it never printed: each
// message's send, duplicate, delivery or loss (netrecord.go, from
// network.Sim.Observe; kind msg, with the message id and link), and what
// model code adds with World.Record (package workloads: each session's
// state). Kernel records carry the fields the kernel knows: the task and
// node of run, spawn and exit; the node of crash and restart; the site
// of buggify; the kind and message of FAIL; the rule, nodes and end of a
// partition or clog. A run with neither text nor sink builds no record
// and formats nothing; with either, the hash is the same
// (TestRecordsRenderTheTextTrace).
//
// # Configuration
//
// DeriveConfig(seed) draws a whole configuration from the seed (swarm
// testing: strategy, Buggify on or off, each network fault kind and node
// crashes on or off with its own rate, each fault site on or off).
// Config.String prints it as a block of "key = value" lines; Config.Set
// and -sim.set pin any key; the faults key applies a preset (none, lite,
// default, harsh), which also sets buggify.p (0 for none, so
// DefaultConfig has no fault site on).
//
// # Coverage and Sometimes (coverage.go, sometimes.go)
//
// A run counts named coverage points: World.Cover(name) adds a hit.
// Names are '/'-separated from the general to the particular
// ("session/T8/Removed", "eventservice/register/reuse-hit",
// "net/drop/event", "buggify/<site>", "node/crash"). Model code, which
// sees only a clock.Runtime, gets the recorder once at construction with
// clock.CoverFunc(rt): nil in real mode (clock.Real does not implement
// the optional clock.Coverer), so a hit costs nothing there and the
// model skips computing the name. The kernel counts Buggify sites that
// fired, crashes and restarts; the network each fault kind per stream.
//
// World.Sometimes(name, cond) records whether cond was ever true in the
// run; SometimesAtEnd(name, cond) asks it once when the run ends (to
// read off Covered(point), say). It never fails a run: dst run sums the
// outcomes over a sweep and lists each name no seed reached.
//
// Both are observations: they draw no randomness, schedule nothing and
// never reach the trace hash (TestCoverageLeavesHashAlone runs seeds with
// SetCoverage(false) and compares). Names are interned to small ints at
// their first hit; a later hit is one map lookup with the caller's
// string, no allocation. Result.Coverage and Result.Sometimes hold them
// after a run, sorted by name; the -sim.json line (version 2) carries
// them as "cover" and "sometimes", and with -sim.json-config the run's
// whole configuration as "config" (key=value in print order, which
// -sim.set takes back).
//
// # Fuzzing (fuzz_test.go)
//
// The configuration's parsers have fuzz targets: FuzzConfigPins (any
// accepted pins make a configuration whose printed block, pinned back in
// order, gives an equal Config), FuzzConfigSet (a refused value changes
// nothing; a printed value sets its key to itself) and FuzzParseSeed;
// the decision file's parser has FuzzParseDecisions (a bad file is a
// DecisionFileError, an accepted one writes and parses back equal).
// go test runs their seed corpora; make fuzz fuzzes them (README,
// "Fuzzing").
//
// # Tests
//
// Test(t, body) runs body over the seeds the -sim.* flags choose, re-runs
// a failing seed to tell a real failure from nondeterminism, and reports
// the seed, the configuration and the one command line that replays it.
// See the README for the flags.
package sim
