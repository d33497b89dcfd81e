// Package dst is the cdcsim command line (cmd/dst): it sweeps the
// simulated workloads over many seeds in parallel processes, shards a
// sweep over machines, keeps every result in a resumable report, and
// replays one seed with its trace, shrinks its configuration or its
// schedule, finds the point after which it fails anyway, or shows
// where two settings make its runs part.
// cmd/dst/main.go only calls Main.
//
// # dst run
//
//	go run ./cmd/dst run [flags]
//
// With no flags: every workload of ./workloads, from a fresh random start
// seed, for one minute, over as many processes as cores, each seed run
// twice to check determinism. Build (build.go) compiles the package's
// test binary with go test -c -trimpath into the user cache directory,
// named by its version, the sha256 of the binary: the same sources and
// toolchain give the same version on any machine and checkout path.
// Discover (discover.go) runs the binary once with -sim.describe, where
// every sim.Test prints its name and seed count and skips: a workload
// added as a test file is found with no registration. Tests beside the
// workloads that are not workloads skip themselves with
// sim.Describing().
//
// Flags: --workload REGEX selects workloads by full name (subtests
// included, "TestProbing/sharing=true"; without it every workload but
// the examples, whose names start with TestExample: the README's example
// workload takes no share of a sweep unless --workload names it);
// --seeds N runs seeds
// start..start+N-1 of each (a range past 2^64-1 is refused; an
// open-ended one ends there), --time D stops after D of wall time, at
// least 1s (the default when --seeds is not given is --time 1m; both may
// be given);
// --seed-start S fixes the start, otherwise it is drawn at random and
// written in the report header (--random says so explicitly);
// --parallel P worker processes (default: the number of cores); --bug,
// --patch and --set key=value (repeatable) pin configuration keys,
// checked against sim's keys and package variant before anything runs
// (seed=N is refused: dst chooses the seeds);
// --recheck=false runs each passing seed once; --json FILE writes the
// report; --junit FILE a JUnit XML report at the end (both paths are
// checked writable before the first seed); --resume FILE
// continues a report; --shrink N shrinks up to N failures' configurations
// at the end (see dst shrink); --guided adds coverage-guided children
// (below); --stop-on-failure ends the sweep at its first failing seed.
//
// # The plan and shards (plan.go)
//
// Each workload's seed range is cut into blocks of 4 consecutive seeds
// (--chunk), or of one seed when the sweep is bounded by time only.
// Blocks are handed out round robin over the workloads (block 0 of each,
// then block 1 of each, ...), so a sweep cut short by its time budget
// has run about as many seeds of every workload. --shard i/n (i counted from 0, as Kubernetes'
// JOB_COMPLETION_INDEX; without --shard, JOB_COMPLETION_INDEX out of
// --shards or DST_SHARDS is used) keeps block k of workload w when
// (k+w) mod n = i: n shards with the same flags cover the range exactly
// once between them, each with a share of every workload. Shards must
// agree on the start, so a sharded run requires --seed-start.
//
// # Workers (worker.go)
//
// A worker process runs one chunk of consecutive seeds of one workload:
//
//	workloads.test -test.run '^TestX$' -test.v -sim.start=S -sim.seeds=K \
//	    -sim.keep-going -sim.json=- [-sim.recheck] [-sim.set=k=v ...]
//
// in the package directory, as go test does. dst reads the result lines
// as they arrive on stdout, with each failing seed's report (the log entry
// that follows its line), and records each seed as soon as it is whole.
// A process that exits, or reports nothing for --seed-timeout (10m,
// above the simulator's own wall budget), before every seed of its chunk
// has reported has its seed in progress recorded as a failure of kind
// crash or timeout, with the tail of its output; the seeds after it run
// again in a new process. When the time budget ends or dst is
// interrupted, the running processes are killed and their unfinished
// seeds are not recorded: they were not run. A test that fails although
// each of its seeds passed (a workload's own check over its sweep, which
// a chunk of four seeds may not meet) is shown as a warning, not counted
// as a failure. On Linux a worker dies with dst (PR_SET_PDEATHSIG).
//
// # Reports (report.go, resume.go, merge.go)
//
// A results file is JSON lines: a header (format version "dst": 2, the
// binary's version, Go version, package, workloads, start, seeds per
// workload, block, shard, settings, recheck, time budget, start time),
// then one line per seed: the test binary's -sim.json line (v, test,
// seed, outcome, kind, message, steps, vtime_ns, hash, wall_ns, cover,
// sometimes, and under --guided config) plus the failure report for a
// failing seed, and a guided child's own pins and parent seed. Format 2
// (result line version 2) added the coverage, Sometimes and guided
// fields; this dst still reads a format-1 file (its records have no
// coverage), and a format-1 dst refuses a format-2 file by its version
// number. Each line is one write(2) on a file
// opened O_APPEND, so a dst killed at any point, even by SIGKILL, leaves
// only whole lines; the file is fsynced every second (against a machine
// crash; a line per fsync buys nothing against a killed process).
//
// dst run --resume FILE reads the file, refuses it (exit 2, naming the
// line) when it is truncated (the last line has no newline), corrupt, of
// another format or result-line version, or written by another binary
// version, then runs the plan of its header minus the seeds it holds,
// appending to it: a sweep killed anywhere and resumed records every seed
// exactly once. Flags that would change the plan are refused with
// --resume; --parallel and --time may change. A record of a seed the
// header's plan does not contain is refused by every reader, naming its
// line (a guided child, which has its own pins, aside).
//
// A dst writing a results file holds an exclusive flock on it
// (lock_linux.go) until it ends; a second dst run --resume of the same
// file is refused with exit 2 instead of running the same seeds again.
// The lock goes with the process, however it dies. A file that records a
// seed twice anyway (files concatenated by hand, or written before the
// lock) is refused by --resume with the way to repair it:
// dst merge -o FIXED.jsonl FILE keeps one record of each seed.
//
// dst merge -o OUT FILE... combines the reports of the shards of one
// sweep (their headers must agree on binary and plan; a seed recorded
// twice must be recorded the same) into one, and prints its summary.
//
// # The end of a sweep (summary.go, junit.go)
//
// A table per workload (seeds, passed, failed, steps, seeds per second
// of one process, failures by kind), any warnings, and for each failing
// seed its kind, message and the one line that replays it; then the
// sweep's seeds per second over all processes. The JUnit report has a
// testsuite per workload, one testcase standing for its passing seeds and
// one per failing seed with its report and replay lines.
//
// Then the coverage summary (coverage.go): how many coverage points the
// sweep reached, how many of the known points of the session (connection
// state x T1-T10) and of the event service (PROTOCOL.md 3.3's rows) with
// the ones never reached, the ten rarest points with the number of seeds
// that reached each, and every Sometimes that no seed reached.
//
// # dst run --guided (guided.go)
//
// A power schedule over swarm configurations. A seed whose run reached a
// coverage point that at most two seeds of its workload had reached
// joins that workload's corpus with its configuration (the run's
// -sim.json-config line). Once a corpus exists, every other chunk the
// sweep hands out is a guided child instead of the plan's next one: a
// parent drawn with weight equal to its energy (the sum over its rare
// points of one over how many seeds have reached each by now, so a point
// stops pulling once it is common), its configuration with one to three
// of the swarm's keys (MutableKeys: strategy, Buggify, node and network
// faults; never the seed, budgets or variants) redrawn from a fresh
// seed's swarm, and a fresh seed. A child's pins come after the sweep's
// settings; its record keeps them and its parent, and its replay line
// (replay --results, or the spelled-out one) applies them. The plan's
// seeds all still run; the children are extra, for as long as the plan
// or the time budget lasts.
//
// Every draw comes from one stream seeded by the start seed and the
// corpus changes only as records arrive, so with --parallel 1 a guided
// sweep is the same sequence of runs every time (TestGuidedSweepDeterministic).
// With more processes the records arrive in the order they finish,
// which depends on timing: the corpus and the children differ between
// sweeps, but each child is still reproduced exactly by its replay line.
// A guided sweep cannot be resumed. --stop-on-failure ends any sweep at
// its first failing seed; bench/ttf uses it to measure time to find.
//
// # dst replay (replay.go)
//
//	go run ./cmd/dst replay --workload TestSteady --seed 31 [--results FILE] [--node n1] [--dispatcher d9] [--set k=v]
//
// --workload of replay, shrink, diff and timeline is one workload: its
// full name, or a regular expression that matches exactly one whole
// name (anchored at both ends: TestMerge does not select
// TestMergeUnderChurn); one that matches none or several is exit 2,
// with the candidates listed.
//
// Re-runs one seed with -sim.trace and prints the configuration block, the
// trace (only the lines of --node or naming it, and naming --dispatcher,
// when given)
// and the failure report. With --results the package and settings come
// from the file, and the hash is compared with the seed's record: a
// mismatch exits 1 with both hashes (with the same binary version it is
// nondeterminism; with another, a warning says the hash may differ
// legitimately). The last line is hash=<16 hex digits>. It exits 1 when
// the replayed seed fails, as a sweep does, and warns when no trace line
// names the --node or --dispatcher asked for. With --html
// FILE it also writes the run's timeline page (below) from the same run.
//
//	go run ./cmd/dst replay --decisions FILE [--node n1] [--dispatcher d9]
//
// With --decisions the workload, seed and settings come from a decision
// file (sim/decisions.go: -sim.record-decisions, dst shrink --schedule)
// and the run replays its decisions (-sim.decisions); the hash is checked
// against the file's end line as against a results file's record. A file
// that is truncated or of another version is exit 2.
//
// # dst timeline (timeline.go, timeline_model.go, timeline_net.go, timeline/)
//
//	go run ./cmd/dst timeline --workload TestMerge --seed 1 --set patch=h1,h3 --set bug=f3-callback-kept -o f3.html
//
// Re-runs one seed with -sim.records=FILE, which makes the test binary
// write the run's structured trace (sim.Record, one JSON object a line:
// step, virtual time, node, task, kind, text, fields), and turns the
// records into one self-contained HTML file: styles, script and data
// inlined, nothing fetched. The records are the same ones the text trace
// is rendered from, plus hidden ones the text never showed: every
// message's send and fate (package network's Event: send, dup, deliver,
// drop, cut, lost-down, no-stream, with the message id) and each
// dispatcher's session state (package workloads records them when
// records are on). Nothing is parsed out of the text trace.
//
// The page has a lane per node (its task activity as a heat strip, its
// partitions and clogs as bands, crashes, restarts and Buggify firings
// as marks; clicking its name shows its tasks, each a lane from spawn
// to exit with its runs), and under each node a lane per dispatcher
// with its session-state bands (New, WaitLocal, Probing, OnRemote,
// OnLocal, TwoPhaseReady, Removed, closed; the epoch and current event
// service in the label; paler while inside a transition). Message arrows
// go from the sender's lane at the send step to the receiver's at the
// delivery step; a drop, a cut or a loss ends in a cross, a duplicate is
// dashed. The heal is a dashed green line, the failure a red marker with
// its message. Filters: nodes (checkboxes) and one dispatcher (a select);
// zoom with the wheel, the buttons or a double click, pan by dragging.
// The x axis is the step (virtual time is shown beside it): events at one
// instant stay in their order. The page opens on the window before the
// failure (the last 1/40 of the run, at least 400 steps), or on the
// whole run when it passed, and ends with the last 600 lines of the text
// trace up to the FAIL line, filterable. Dispatchers whose session was
// closed for the whole view (a restart, a removal) are left out unless
// "closed dispatchers" is ticked or the dispatcher filter names one.
//
// To stay usable at a million steps the page aggregates: activity in at
// most 2,000 columns per node and task, at most 60,000 message arrows
// (the latest; the header says how many earlier ones are left out),
// every state change, rule and mark. Measured in BENCHMARKS.md
// ("Timeline pages"). TestTimelineInChromium loads F3's page in headless
// Chromium (chromedp): no console error, the failure marker drawn on
// screen, the dispatcher filter leaves one dispatcher's lane. It skips
// without Chromium unless CI is set, where it fails (.ci/run installs
// Debian's chromium). dst timeline exits 0 once the page is written,
// whether the seed failed or not: the page is what it was asked for.
//
// # dst shrink (shrink.go)
//
//	go run ./cmd/dst shrink --workload TestHeartbeat --seed 26 [--set bug=f1-retry-unlocked] [--results FILE] [--match kind|message]
//
// Looks for a simpler configuration under which a failing seed still
// fails the same way: the same kind and, with --match message (the
// default), the same first message line with its numbers blanked. It
// tries each of Simplifications (every fault off, each fault class off,
// Buggify off, a fixed task order or else the random strategy, a fixed
// latency) on top of the given pins and those kept so far, one process
// per try, and keeps a pin when the seed still fails the same way and
// the run changed (the same hash means the pin did nothing). After a
// round that kept anything it tries the others again, since the run is
// then another one. It prints
// one line per try, the settings kept, the steps and virtual time before
// and after, and the replay line with the kept pins. A seed that passes
// is exit 2: nothing to shrink.
//
// # dst shrink --schedule (schedshrink.go, explain.go, decisionrun.go)
//
//	go run ./cmd/dst shrink --schedule --workload TestHeartbeat --seed 14 --set bug=f1-retry-unlocked [--budget 5m] [-o FILE]
//	go run ./cmd/dst shrink --schedule --decisions FILE [--budget 5m] [-o FILE]
//
// Shrinks the run rather than its configuration: the seed's decisions
// (every scheduler pick, fault chance, wait before a fault and other
// draw; sim's package doc) are recorded, then rewritten toward their
// defaults (the oldest runnable task, no fault, the longest wait, a draw
// of 0) while the run still fails the same way: the same kind and, for a
// checker or goal, the same quoted name; for a panic or deadlock the same
// first message line, numbers blanked (failureKey). The passes, each try
// a process of the test binary: replay the file as recorded (the replay
// records a pick of the oldest task and a chance that drew no fault as
// defaults, so these cost nothing later); default each kind of decision
// at once, then each family of streams' (cluster/sink/..., network);
// bisect for the shortest failing prefix
// (every later decision defaulted); then ddmin, chunks of the decisions
// still set from all of them down to single ones. A try is kept when
// its run fails the same way with fewer decisions set. A kept try's own
// record becomes the sequence, as Hypothesis keeps the choices a
// shrunk run actually made. A pick that is kept applies at its virtual
// instant to the task it named, so defaulting picks upstream of it does
// not move it. Every try runs under a step budget of 4 times the failing
// run's (a livelock of defaults is then a cheap budget failure). The
// shrink stops when no chunk of one decision can go, or at --budget
// (wall time, default 5m), keeping the smallest file found. It prints
// one line per kept try, the decisions set and the steps before and
// after, each decision left as a line of the run at its step ("step 812:
// task n2/collector/retry (#41) ran before n2/router/command (#12, the
// oldest runnable)", "step 3077: net drop REGISTER n1->n2 (network)"),
// the file written (-o, default WORKLOAD-seedN.decisions) and the two
// commands that replay it. The file can go into the regression corpus
// (workloads.CorpusFile, @PATH).
//
// # dst pnr (pnr.go)
//
//	go run ./cmd/dst pnr --workload TestHeartbeat --seed 14 --set bug=f1-retry-unlocked [--n 20] [--threshold 0.95] [--parallel 2]
//	go run ./cmd/dst pnr --decisions FILE
//
// The point of no return, FoundationDB's re-seeding at a chosen
// simulated time as a command: replay the failing run's decisions up to
// step k and draw afresh after it (-sim.until=k -sim.fresh=S, S = 1..n),
// and count the continuations that fail the same way (failureKey). The
// search bisects k between the first step and the failing one for the
// earliest k from which at least --threshold of the n continuations fail
// (each count stops as soon as its verdict is settled, so a count below
// the threshold is a lower bound). It prints "from step a the failure is
// certain", the count at the step before, the decisions drawn in the
// window and its trace lines (--lines). Bisection assumes the fraction
// grows with k, which nothing guarantees; the window is the first one
// found. A failure certain from step 1 is decided by the configuration.
//
// dst run --shrink N does the same after a sweep for up to N of its
// failures, one per distinct failure (workload, kind, message shape),
// leaving out nondeterminism, crashes and timeouts, and prints each
// one's kept pins and replay line. make nightly and the Kubernetes job
// pass --shrink 3.
//
// # dst diff (diff.go)
//
//	go run ./cmd/dst diff --workload TestHeartbeat --seed 4 --set bug=f2-retry-removed --vs bug= [--context 8] [--hunks 3]
//
// Runs one seed twice with its trace, under the --set pins (or a results
// file's) and under the same plus the --vs pins, prints both outcomes
// and hashes, and compares the two traces' event lines. The runs are the
// same step for step until the first decision the --vs pins change.
// Differences in words only (the same step, time, node and kind: a note
// that names the bug) are counted and the first one shown; a difference
// in events is shown with --context common lines before it and up to
// twice as many lines of each side. One that ends when the traces agree
// again for three lines is passed over, up to --hunks of them; one that
// does not is where the runs part for good, and the comparison ends
// there.
//
// # dst mutate (mutate.go, mutate_sweep.go, mutate_cover.go, mutate_sometimes.go, mutate_report.go, mutate_summary.go)
//
//	go run ./cmd/dst mutate [--target session,collector,eventservice] [--operators OPS] [--seeds 100] \
//	    [--sample N --seed S] [--json FILE | --resume FILE] [--equivalent FILE] [--workers P] [--time 30m] \
//	    [--coverage=false] [--list]
//
// Mutation testing of the model: how many small bugs put into the model
// the workloads catch. The mutants are package internal/mutate's (its
// doc lists the operators): deterministic, each with an ID stable across
// runs and unrelated edits, file:line:col, operator and a one-line
// "before -> after". --list prints them and runs nothing; --sample N
// --seed S keeps N of them, the same ones for the same seed; --id runs
// the given IDs only; --skip FILE:FUNC,... (patterns in which * matches
// anything) leaves out places before the sample is drawn, such as the
// snapshot code that only feeds the checkers (session/snapshot.go:*) or
// configuration checks (*:*.validate).
//
// Each mutant is built without touching the tree: the mutated file goes
// to a temporary directory and the --pkg workloads package's test binary
// is built with go test -c -overlay (BuildOverlay, the same build as dst
// run's). Then its seeds run, seed s of every workload before seed s+1
// of any (a plan with blocks of one seed, one process per seed, as dst
// run's workers), until the first failing seed: the mutant is killed,
// with that workload, seed, kind and the failure's first line (the
// invariant or goal that fired, or the panic). It survived when all
// --seeds seeds of every workload pass; it is a timeout when its
// --time budget (build included) runs out, when a seed's process gives
// no result for --seed-timeout (2m), or when the simulator's wall-clock
// budget (pinned to a third of --seed-timeout) stops a seed; a
// not-compiled mutant keeps the compiler's first message. The step and
// virtual-time budgets are deterministic, so a seed that exhausts one
// kills the mutant (kind budget). The workloads run with their own
// settings (every hazard patch on) plus --set pins.
//
// Before the first mutant, the unmutated model is swept once over the
// same workloads, seeds and pins in a binary built with go test -cover
// -coverpkg=<targets> (mutate_cover.go; --coverage=false skips it). Two
// things come of it. A mutant on a line no seed runs is recorded as
// unreached without being built: no oracle can kill a change to code that
// never runs, and what it lacks is a workload or fault that reaches the
// line, which the summary says (PIT's "no coverage"). And each
// workload's Sometimes assertions, as that sweep reached them, become a
// sweep oracle ("Sometimes as a sweep oracle", mutate_sometimes.go): a
// mutant whose every seed passes, but under which a workload never
// reaches a Sometimes that the unmutated model reached on at least a
// third of its seeds, is killed with kind sometimes, the seed being the
// first on which the unmutated model reached it. When some mutant sits
// on a patched path, the coverage sweep runs again with every patch off,
// and such a mutant counts as reached when either sweep runs its line.
// Third, each mutant is swept only on the workloads whose seeds ran its
// line (the report's workloads_skipped counts the others): a seed that
// never executes the mutated statement runs, deterministically, exactly
// as the unmutated model's did, so it cannot kill. This is PIT's test
// selection by coverage, exact here rather than a heuristic ("Selecting
// workloads by coverage", mutate_cover.go).
//
// A mutant whose site comes after a patch's branch in its function
// (internal/mutate, patch.go) may sit on a path that patch replaces: when
// it survives the sweep with the patches on, it is swept again with
// that patch off (-sim.set=patch=the others), and the report says so
// (patch_off, patch_off_swept, and the kill's settings).
//
// Mutants run --workers at a time (default: cores), each on one worker
// from build to verdict; a mutant's seeds run one after another, so its
// verdict and killing seed do not depend on scheduling. Only timeouts
// depend on wall time, and they are reported as their own outcome.
//
// The mutants listed in --equivalent (default internal/mutate/
// equivalent.txt of the module, if present: an ID, or a FILE:FUNC place
// covering every mutant of the functions it matches, and a reason per
// line) are not run and are recorded as equivalent. The mutation score
// is killed / (generated - not compiled - equivalent); a timeout and an
// unreached mutant count as not killed. The reached score, killed /
// (killed + survived + timeout), leaves the unreached out: it measures
// the oracles on the code the workloads run. The summary has a table per
// package and per operator (generated, killed, survived, unreached,
// timeout, not compiled, equivalent, score, reached score), then every
// survivor, timeout and unreached mutant with file:line, ID, function
// and the change, then every killed mutant with its killing seed and the
// line that replays it with its trace:
//
//	go run ./cmd/dst mutate --target PKG --id ID --replay WORKLOAD:SEED [--set patch=...]
//
// --json FILE writes a header (the plan: package, targets, operators,
// seeds, sample, seed, settings, the unmutated binary's version) and one
// line per mutant as it finishes, as dst run's reports are written;
// --resume FILE reruns the same plan minus the mutants the file holds,
// refusing flags that would change the plan and a file written for other
// model sources. Interrupted, dst mutate drops the mutants in progress
// and prints the --resume line. The exit status is 0 when every mutant
// has a verdict, whatever the score.
//
// # dst run --check-decisions
//
// Adds -sim.check-decisions to every seed of a sweep: each seed runs
// recording its decisions, the record is written out and read back, and
// replayed; a replay that hashes otherwise than the seed fails the seed
// as nondeterminism. This is the check that a decision file is the run.
//
// # dst list (list.go)
//
// The workloads with their own seed counts, the bug and patch variants
// with their one-line docs, and the configuration keys with their
// defaults (before each seed's swarm draw).
//
// # Fuzzing (fuzz_test.go)
//
// FuzzParseShard, FuzzParseReport and FuzzParseMutateReport feed
// arbitrary --shard values and results files to the parsers: a refusal
// must be a UsageError (exit status 2), never a panic, and what is
// accepted prints back as text that parses and prints the same (a
// report holding only its plan's seeds). make fuzz runs them.
//
// # Exit status
//
// 0: clean; 1: a seed failed (a replayed one too, or a replay's hash
// differed); 2: a usage or input error (unknown flag or command, --shard
// 5/4, --seeds -1, a --workload that matches nothing, an unknown variant
// or key, a bad results file, a results file another dst is writing, an
// output path that cannot be written, a --pkg without workloads),
// reported before anything runs; 3: dst could not run
// (the build failed, a file could not be written, a replayed seed gave no
// result within the 10-minute watchdog); 130: interrupted, with the
// command that resumes the sweep. These reach a caller only from the
// built binary (make dst: bin/dst): go run reports any non-zero status of
// the program as 1.
//
// # Progress (progress.go)
//
// On a terminal a progress bar (github.com/schollz/progressbar/v3, which
// redraws one line in place) shows seeds done of the plan's total, seeds
// per second, failures and the time left; elsewhere (CI logs, files) a
// plain line every --progress-every (5s) says the same. On a --resume
// both count the seeds recorded before among those done (the bar starts
// there), and the time left is estimated from this run's rate alone.
package dst
