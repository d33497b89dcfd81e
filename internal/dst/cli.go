package dst

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Exit statuses of every dst command.
const (
	ExitClean    = 0 // ran, and nothing failed
	ExitFailures = 1 // ran, and some seed failed (or a replay's hash differed)
	ExitUsage    = 2 // bad flags or bad input files: nothing ran
	ExitError    = 3 // could not run: the build failed, a file could not be written
	ExitSignal   = 130
)

// DefaultPkg is the workloads package dst sweeps unless --pkg says.
const DefaultPkg = "./workloads"

// UsageError is an error in what the user asked: a flag, a name, an
// input file. dst exits with ExitUsage on one.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Main runs dst with its arguments (without the program name) and
// returns its exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		args = append([]string{"run"}, args...) // run is the default command
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"run": cmdRun, "replay": cmdReplay, "shrink": cmdShrink, "diff": cmdDiff, "list": cmdList, "merge": cmdMerge,
		"mutate": cmdMutate, "timeline": cmdTimeline, "pnr": cmdPNR,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, mainUsage)
			return ExitClean
		}
		fmt.Fprintf(stderr, "dst: unknown command %q\n%s", args[0], mainUsage)
		return ExitUsage
	}
	return exitStatus(cmd(args[1:], stdout, stderr), stderr)
}

const mainUsage = `usage: dst <command> [flags]

  run     sweep seeds of the workloads over parallel processes (the default)
  replay  re-run one seed with its trace and print its hash
  shrink  find a simpler configuration under which a failing seed still fails
          (--schedule: the few scheduling and fault decisions that matter)
  pnr     find a failing seed's point of no return: the step after which it fails anyway
  diff    run a seed under two settings and show where their traces part
  timeline write one seed's run as a self-contained HTML page (lanes, messages, states)
  list    list workloads, bug and patch variants, configuration keys
  merge   combine the results files of shards into one
  mutate  mutation testing: sweep small changes of the model, report which the workloads catch

"dst <command> -h" lists a command's flags. Exit status: 0 clean,
1 failures found, 2 usage or input error, 3 could not run.
`

// errFailures and errInterrupted are how commands say "ran, and found
// failures" and "stopped by a signal".
var (
	errFailures    = errors.New("failures found")
	errInterrupted = errors.New("interrupted")
)

func exitStatus(err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil:
		return ExitClean
	case errors.Is(err, errFailures):
		return ExitFailures
	case errors.Is(err, errInterrupted):
		return ExitSignal
	case errors.Is(err, flag.ErrHelp):
		return ExitClean
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "dst: %v\n", err)
		return ExitUsage
	case errors.Is(err, errFlagParse):
		return ExitUsage // the flag package has said why
	}
	fmt.Fprintf(stderr, "dst: %v\n", err)
	return ExitError
}

var errFlagParse = errors.New("bad flags")

// parseFlags parses args, refusing positional arguments unless allowed.
// A flag that does not parse is said in one line with a hint, rather
// than buried above the whole flag list that the flag package prints;
// -h prints the list.
func parseFlags(fs *flag.FlagSet, args []string, positional bool) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n(%s -h lists the flags)\n", fs.Name(), err, fs.Name())
		return errFlagParse
	}
	if !positional && fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// givenFlags returns the names of the flags set on the command line:
// what --resume must refuse to change.
func givenFlags(fs *flag.FlagSet) map[string]bool {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	return given
}

// pinsFlag collects --set key=value, checking each against sim's
// configuration keys (and so bug and patch names against package
// variant) as it is parsed.
type pinsFlag []string

func (p *pinsFlag) String() string { return strings.Join(*p, " ") }

func (p *pinsFlag) Set(kv string) error {
	if err := checkPin(kv); err != nil {
		return err
	}
	*p = append(*p, kv)
	return nil
}

func checkPin(kv string) error {
	if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == "seed" {
		return fmt.Errorf("%s: dst chooses the seeds (--seed-start and --seeds for run, --seed for replay, shrink and diff)", kv)
	}
	c := sim.DefaultConfig(0)
	if err := (sim.Pins{kv}).Apply(&c); err != nil {
		return err
	}
	return c.Validate()
}

// runFlags are dst run's flags.
type runFlags struct {
	pkg, workload, bug, patch, json, junit, resume, cache, shard string
	seeds, parallel, shards, block, shrink                       int
	start                                                        uint64
	random, recheck, guided, stopOnFailure, checkDecisions       bool
	budget, seedTimeout, every                                   time.Duration
	set                                                          pinsFlag
	given                                                        map[string]bool
}

func newRunFlags(stderr io.Writer) (*flag.FlagSet, *runFlags) {
	f := &runFlags{}
	fs := flag.NewFlagSet("dst run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.pkg, "pkg", DefaultPkg, "the workloads package, built with go test -c")
	fs.StringVar(&f.workload, "workload", "", "run the workloads whose name matches this regular expression (default: all)")
	fs.IntVar(&f.seeds, "seeds", 0, "seeds per workload (default: none, the --time budget bounds the sweep)")
	fs.DurationVar(&f.budget, "time", 0, "wall-time budget (default 1m when --seeds is not given)")
	fs.Uint64Var(&f.start, "seed-start", 0, "first seed of every workload's range (default: random)")
	fs.BoolVar(&f.random, "random", false, "start from a fresh random seed, written in the results header (the default without --seed-start)")
	fs.IntVar(&f.parallel, "parallel", runtime.NumCPU(), "worker processes")
	fs.StringVar(&f.shard, "shard", "", "run shard i/n of the plan, i from 0 (default: JOB_COMPLETION_INDEX out of --shards or DST_SHARDS, if set)")
	fs.IntVar(&f.shards, "shards", 0, "the number of shards, with JOB_COMPLETION_INDEX")
	fs.StringVar(&f.bug, "bug", "", "turn on bug variants (comma-separated; see dst list)")
	fs.StringVar(&f.patch, "patch", "", "set the patch variants (comma-separated; empty: HEAD behaviour; default: the workload's own)")
	fs.Var(&f.set, "set", "pin a configuration key, key=value (repeatable; see dst list)")
	fs.StringVar(&f.json, "json", "", "write the results to this file, one line per seed as it finishes (makes the sweep resumable)")
	fs.StringVar(&f.junit, "junit", "", "write a JUnit XML report to this file at the end")
	fs.StringVar(&f.resume, "resume", "", "continue the sweep of this results file: same plan, the seeds it has are not run again")
	fs.BoolVar(&f.recheck, "recheck", true, "run every seed twice and fail on a hash mismatch (determinism check)")
	fs.DurationVar(&f.seedTimeout, "seed-timeout", 10*time.Minute, "kill a worker that reports no seed for this long; its seed is a timeout")
	fs.IntVar(&f.block, "chunk", 0, "consecutive seeds per block, the unit of sharding and of work per process (default 4, or 1 for a sweep bounded by time only)")
	fs.StringVar(&f.cache, "cache", "", "where built test binaries go (default: the user cache directory)")
	fs.BoolVar(&f.guided, "guided", false, "coverage-guided: between the plan's chunks, run children of the seeds that reached rare coverage, with mutated configurations and fresh seeds (see the package doc)")
	fs.BoolVar(&f.stopOnFailure, "stop-on-failure", false, "end the sweep at its first failing seed")
	fs.IntVar(&f.shrink, "shrink", 0, "after the sweep, shrink the configuration of up to this many failing seeds, one per workload and failure (see dst shrink)")
	fs.DurationVar(&f.every, "progress-every", 5*time.Second, "period of the progress lines when stdout is not a terminal")
	fs.BoolVar(&f.checkDecisions, "check-decisions", false, "also record every seed's decisions and replay them from the decision file; a replay that hashes otherwise fails the seed as nondeterminism (-sim.check-decisions)")
	return fs, f
}

// minBudget is the shortest --time accepted: below it a sweep ends
// before its first seed could, and says nothing useful.
const minBudget = time.Second

// planFlags are the flags that define a plan; --resume takes the plan
// from the results file and refuses them.
var planFlags = []string{"pkg", "workload", "seeds", "seed-start", "random", "shard", "shards", "bug", "patch", "set", "recheck", "chunk"}

func (f *runFlags) validate() error {
	switch {
	case f.given["seeds"] && f.seeds < 1:
		return usagef("--seeds %d: want a positive number of seeds per workload", f.seeds)
	case f.given["time"] && f.budget <= 0:
		return usagef("--time %v: want a positive duration", f.budget)
	case f.given["time"] && f.budget < minBudget:
		return usagef("--time %v: too short to run a seed (a seed of the model takes 0.3-4 s); want at least %v", f.budget, minBudget)
	case f.given["seed-start"] && f.seeds > 0 && uint64(f.seeds-1) > math.MaxUint64-f.start:
		return usagef("--seed-start %d with --seeds %d runs past the largest seed (%d): start lower or run fewer", f.start, f.seeds, uint64(math.MaxUint64))
	case f.shrink < 0:
		return usagef("--shrink %d: want a number of failing seeds, 0 for none", f.shrink)
	case f.parallel < 1:
		return usagef("--parallel %d: want at least 1 process", f.parallel)
	case f.given["chunk"] && f.block < 1:
		return usagef("--chunk %d: want at least 1 seed", f.block)
	case f.given["seed-start"] && f.given["random"] && f.random:
		return usagef("--seed-start and --random both choose the first seed: give one")
	case f.seedTimeout <= 0:
		return usagef("--seed-timeout %v: want a positive duration", f.seedTimeout)
	case f.resume != "" && f.json != "" && f.json != f.resume:
		return usagef("--resume %s appends to that file; --json %s names another", f.resume, f.json)
	}
	if f.resume != "" {
		for _, name := range planFlags {
			if f.given[name] {
				return usagef("--resume continues the plan recorded in %s; --%s cannot change it", f.resume, name)
			}
		}
	}
	if f.bug != "" {
		if err := checkPin("bug=" + f.bug); err != nil {
			return usagef("--bug: %v", err)
		}
	}
	if f.given["patch"] {
		if err := checkPin("patch=" + f.patch); err != nil {
			return usagef("--patch: %v", err)
		}
	}
	return nil
}

// shardOf returns the shard the flags or the environment ask for.
func (f *runFlags) shardOf() (Shard, error) {
	if f.shard != "" {
		return ParseShard(f.shard)
	}
	s, ok, err := ShardFromEnv(f.shards)
	if err != nil || ok {
		return s, err
	}
	if f.shards > 0 {
		return Shard{}, usagef("--shards %d without --shard i/%d or JOB_COMPLETION_INDEX", f.shards, f.shards)
	}
	return Shard{}, nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs, f := newRunFlags(stderr)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	f.given = givenFlags(fs)
	if err := f.validate(); err != nil {
		return err
	}
	if err := checkOutputPath("junit", f.junit); err != nil {
		return err
	}
	if f.resume == "" {
		if err := checkOutputPath("json", f.json); err != nil {
			return err
		}
	}
	shard, err := f.shardOf()
	if err != nil {
		return err
	}
	if f.resume != "" {
		return resume(f, shard, stdout, stderr)
	}
	if shard.N > 1 && !f.given["seed-start"] {
		return usagef("--shard %s: every shard must sweep the same range, so give them all the same --seed-start", shard)
	}
	bin, err := Build(f.pkg, f.cache, stderr)
	if err != nil {
		return err
	}
	all, err := Discover(bin, stderr)
	if err != nil {
		return err
	}
	selected, err := Select(all, f.workload)
	if err != nil {
		return err
	}
	h := f.header(bin, selected, shard)
	plan, _ := h.Plan()
	if plan.Seeds > 0 && plan.Total() == 0 {
		fmt.Fprintf(stderr, "dst: warning: shard %s has no seed of this plan (%d workloads x %d seeds, in blocks of %d): it runs nothing\n", shard, len(plan.Workloads), plan.Seeds, plan.Block)
	}
	var w *Writer
	if f.json != "" {
		if w, err = Create(f.json, h); err != nil {
			return err
		}
	}
	return sweep(f, h, plan, bin, nil, w, f.json, stdout, stderr)
}

// header records the plan the flags ask for.
func (f *runFlags) header(bin *Binary, ws []Workload, shard Shard) *Header {
	h := &Header{DST: FormatVersion, Binary: bin.Version, Go: bin.Go, Pkg: f.pkg, Workloads: names(ws),
		Start: f.start, Seeds: f.seeds, Block: f.block, Shard: shard.String(), Bug: f.bug, Patch: f.patch,
		Recheck: f.recheck, Guided: f.guided, Started: time.Now().UTC().Format(time.RFC3339)}
	if !f.given["seed-start"] {
		h.Start, h.Random = 1+rand.Uint64N(1<<47), true // 15 digits at most: short replay lines
	}
	if f.given["bug"] {
		h.Set = append(h.Set, "bug="+f.bug)
	}
	if f.given["patch"] {
		h.Set = append(h.Set, "patch="+f.patch)
	}
	h.Set = append(h.Set, f.set...)
	if h.Set == nil {
		h.Set = []string{}
	}
	if f.budget == 0 && f.seeds == 0 {
		f.budget = time.Minute
	}
	switch {
	case f.given["chunk"]:
	case f.seeds == 0:
		// Time-bounded: every workload gets a seed before any gets a
		// second, so a short sweep covers all of them; a process start
		// (about 35 ms) is small against a seed of the model (0.3-4 s).
		h.Block = 1
	default:
		h.Block = DefaultBlock
	}
	if f.budget > 0 {
		h.Time = f.budget.String()
	}
	return h
}

// sweep runs the plan and prints the summary.
func sweep(f *runFlags, h *Header, plan Plan, bin *Binary, previous []Record, w *Writer, path string, stdout, stderr io.Writer) error {
	job := Job{Bin: bin, Pins: h.Set, Recheck: h.Recheck, Config: h.Guided, SeedTimeout: f.seedTimeout}
	if f.checkDecisions {
		job.Extra = append(job.Extra, "-sim.check-decisions")
	}
	s, err := NewSweep(h, plan, job, previous)
	if err != nil {
		w.Close()
		return err
	}
	s.Parallel, s.Budget, s.Results, s.ResultsPath = f.parallel, f.budget, w, path
	s.StopOnFailure = f.stopOnFailure
	if h.Guided {
		s.Guided = NewGuided(h.Start)
	}
	fmt.Fprintf(stdout, "dst: %s, %s, start seed %d%s, %d processes%s\n", h.Pkg, describePlan(h, f.budget), h.Start, shardNote(h), s.Parallel, setNote(h))
	s.Progress = NewProgress(stdout, s.Remaining(), len(previous), len(s.stats.Failures), f.budget, f.every)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	stats, runErr := s.Run(ctx)
	s.Progress.Finish()
	if cerr := w.Close(); runErr == nil && cerr != nil {
		runErr = cerr
	}
	elapsed := time.Since(began)
	fmt.Fprintln(stdout)
	stats.Print(stdout, h, path)
	printThroughput(stdout, s.Recorded(), s.Parallel, elapsed)
	if s.Stopped() {
		fmt.Fprintln(stdout, "stopped at the first failure (--stop-on-failure)")
	}
	if f.junit != "" {
		if err := WriteJUnit(f.junit, h, stats, path); err != nil {
			return err
		}
	}
	if f.shrink > 0 && ctx.Err() == nil {
		// After every report is on disk: shrinking takes a while, and an
		// interrupt stops it.
		shrinkFailures(ctx, f.shrink, h, bin, stats.Failures, stdout)
	}
	if runErr != nil {
		return runErr
	}
	if ctx.Err() != nil {
		if path != "" {
			fmt.Fprintf(stdout, "interrupted; continue with: go run ./cmd/dst run --resume %s\n", quoteArg(path))
		}
		return errInterrupted
	}
	if path != "" {
		fmt.Fprintf(stdout, "results: %s\n", path)
	}
	if stats.Failed() > 0 {
		return errFailures
	}
	return nil
}

func describePlan(h *Header, budget time.Duration) string {
	s := fmt.Sprintf("%d workloads", len(h.Workloads))
	if h.Seeds > 0 {
		s += fmt.Sprintf(", %d seeds each", h.Seeds)
	}
	if budget > 0 {
		s += fmt.Sprintf(", for at most %v", budget)
	}
	return s
}

func shardNote(h *Header) string {
	if h.Shard == "" {
		return ""
	}
	return ", shard " + h.Shard
}

func setNote(h *Header) string {
	if len(h.Set) == 0 {
		return ""
	}
	return ", settings " + strings.Join(h.Set, " ")
}
