package dst

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cdcsim/cdcsim/internal/mutate"
	"github.com/cdcsim/cdcsim/sim"
)

// DefaultTargets are the model packages dst mutate mutates unless
// --target says.
const DefaultTargets = "session,collector,eventservice"

// DefaultEquivalent is the checked-in list of mutants judged equivalent,
// relative to the module's root.
const DefaultEquivalent = "internal/mutate/equivalent.txt"

// mutateFlags are dst mutate's flags.
type mutateFlags struct {
	pkg, targets, operators, json, resume, equivalent, cache, ids, replay, skip string
	seeds, workers, sample                                                      int
	start, seed                                                                 uint64
	budget, seedTimeout                                                         time.Duration
	list, coverage                                                              bool
	set                                                                         pinsFlag
	given                                                                       map[string]bool
	// resumeHeader is the header of the --resume file.
	resumeHeader *MutateHeader
}

func newMutateFlags(stderr io.Writer) (*flag.FlagSet, *mutateFlags) {
	f := &mutateFlags{}
	fs := flag.NewFlagSet("dst mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.pkg, "pkg", DefaultPkg, "the workloads package whose test binary sweeps each mutant")
	fs.StringVar(&f.targets, "target", DefaultTargets, "the model packages to mutate, comma-separated (a name is a directory of the module's root; ./x is relative)")
	fs.StringVar(&f.operators, "operators", "", "the mutation operators, comma-separated (default: all of "+strings.Join(mutate.Names(), ",")+"; go doc ./internal/mutate says what each does)")
	fs.IntVar(&f.seeds, "seeds", 100, "seeds per workload for each mutant")
	fs.Uint64Var(&f.start, "seed-start", 1, "the first seed of every workload")
	fs.DurationVar(&f.budget, "time", 30*time.Minute, "wall-time budget per mutant, its build included; a mutant that runs out is a timeout")
	fs.DurationVar(&f.seedTimeout, "seed-timeout", 2*time.Minute, "kill a seed's process that gives no result for this long: the mutant is a timeout (the simulator's wall budget is pinned to a third of it)")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "mutants built and swept at once")
	fs.IntVar(&f.sample, "sample", 0, "run only this many of the mutants, chosen by --seed (default: all)")
	fs.Uint64Var(&f.seed, "seed", 1, "the seed of --sample's choice")
	fs.StringVar(&f.json, "json", "", "write one line per mutant to this file as it finishes (makes the run resumable)")
	fs.StringVar(&f.resume, "resume", "", "continue the run of this file: same mutants, the finished ones are not run again")
	fs.StringVar(&f.equivalent, "equivalent", "", "the file of mutants judged equivalent, ID and reason per line (default: "+DefaultEquivalent+" of the module, if present)")
	fs.StringVar(&f.cache, "cache", "", "where the unmutated test binary goes (default: the user cache directory)")
	fs.StringVar(&f.skip, "skip", "", "leave out the mutants of these places, comma-separated FILE:FUNC patterns in which * matches anything (session/snapshot.go:*, *:*.validate)")
	fs.StringVar(&f.ids, "id", "", "run only these mutants, comma-separated IDs")
	fs.StringVar(&f.replay, "replay", "", "with one --id: run WORKLOAD:SEED of that mutant with its trace, as dst replay")
	fs.BoolVar(&f.coverage, "coverage", true, "sweep the unmutated model once with statement coverage and record a mutant whose line no seed runs as unreached, without sweeping it")
	fs.BoolVar(&f.list, "list", false, "print the mutants (ID, position, operator, change) and run nothing")
	fs.Var(&f.set, "set", "pin a configuration key for every seed, key=value (repeatable)")
	return fs, f
}

// mutatePlanFlags decide which mutants run how; --resume takes them
// from the file.
var mutatePlanFlags = []string{"pkg", "target", "operators", "seeds", "seed-start", "sample", "seed", "set", "id", "skip", "coverage"}

func (f *mutateFlags) validate() error {
	switch {
	case f.seeds < 1:
		return usagef("--seeds %d: want a positive number of seeds per workload", f.seeds)
	case f.budget <= 0 || f.seedTimeout <= 0:
		return usagef("--time and --seed-timeout want positive durations")
	case f.workers < 1:
		return usagef("--workers %d: want at least 1", f.workers)
	case f.sample < 0:
		return usagef("--sample %d: want a number of mutants, 0 for all", f.sample)
	case f.replay != "" && (f.ids == "" || strings.Contains(f.ids, ",")):
		return usagef("--replay needs exactly one --id")
	case f.resume != "" && f.json != "" && f.json != f.resume:
		return usagef("--resume %s appends to that file; --json %s names another", f.resume, f.json)
	}
	if f.resume != "" {
		for _, name := range mutatePlanFlags {
			if f.given[name] {
				return usagef("--resume continues the run recorded in %s; --%s cannot change it", f.resume, name)
			}
		}
	}
	for _, pat := range splitList(f.skip) {
		if !strings.Contains(pat, ":") {
			return usagef("--skip %q: want FILE:FUNC patterns, e.g. session/snapshot.go:*", pat)
		}
	}
	_, err := mutate.Lookup(splitList(f.operators))
	if err != nil {
		return usagef("--operators: %v", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func cmdMutate(args []string, stdout, stderr io.Writer) error {
	fs, f := newMutateFlags(stderr)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	f.given = givenFlags(fs)
	if err := f.validate(); err != nil {
		return err
	}
	var previous []MutantResult
	if f.resume != "" {
		h, recs, err := ReadMutateReport(f.resume)
		if err != nil {
			return err
		}
		f.fromHeader(h)
		previous = recs
	}
	ms, err := f.mutants()
	if err != nil {
		return err
	}
	if f.list {
		printMutants(stdout, ms)
		return nil
	}
	if f.replay != "" {
		return f.replayMutant(ms, stdout, stderr)
	}
	return f.run(ms, previous, stdout, stderr)
}

// mutants generates the mutants of the targets and keeps those the
// flags choose: --id, else --sample.
func (f *mutateFlags) mutants() ([]*mutate.Mutant, error) {
	pkgs, err := resolveTargets(splitList(f.targets))
	if err != nil {
		return nil, err
	}
	all, err := mutate.Generate(pkgs, splitList(f.operators))
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(m *mutate.Mutant) bool {
		return slices.ContainsFunc(splitList(f.skip), func(pat string) bool { return mutate.MatchPlace(pat, m.File+":"+m.Func) })
	})
	if ids := splitList(f.ids); len(ids) > 0 {
		var out []*mutate.Mutant
		for _, id := range ids {
			i := slices.IndexFunc(all, func(m *mutate.Mutant) bool { return m.ID == id })
			if i < 0 {
				return nil, usagef("--id %s: no such mutant of %s (see --list)", id, f.targets)
			}
			out = append(out, all[i])
		}
		return out, nil
	}
	return mutate.Sample(all, f.sample, f.seed), nil
}

// resolveTargets finds each target package's directory and its path
// inside its module. A bare name is a directory of the module's root.
func resolveTargets(targets []string) ([]mutate.Package, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	var out []mutate.Package
	for _, t := range targets {
		if t == "sim" || t == "workloads" || strings.HasPrefix(t, "sim/") || strings.HasPrefix(t, "workloads/") {
			return nil, usagef("--target %s: dst mutate mutates the model, not the simulator or the workloads that judge it", t)
		}
		arg, dir := t, root
		if !strings.HasPrefix(t, ".") && !filepath.IsAbs(t) {
			arg = "./" + t
		} else {
			dir = ""
		}
		cmd := exec.Command("go", "list", "-f", "{{.Dir}}\t{{.ImportPath}}\t{{.Module.Path}}", arg)
		cmd.Dir = dir
		out2, err := cmd.Output()
		if err != nil {
			return nil, usagef("--target %s: not a package (%v)", t, err)
		}
		parts := strings.Split(strings.TrimSpace(string(out2)), "\t")
		if len(parts) != 3 {
			return nil, fmt.Errorf("go list %s: unexpected output %q", arg, out2)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(parts[1], parts[2]), "/")
		out = append(out, mutate.Package{Dir: parts[0], Path: rel})
	}
	return out, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return "", fmt.Errorf("dst mutate runs inside a Go module: go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// equivalents reads --equivalent, or the module's default file if any.
func (f *mutateFlags) equivalents() (mutate.Equivalent, error) {
	path, optional := f.equivalent, false
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			return mutate.Equivalent{}, err
		}
		path, optional = filepath.Join(root, DefaultEquivalent), true
	}
	eq, err := mutate.ReadEquivalent(path, optional)
	if err != nil {
		return eq, usagef("--equivalent: %v", err)
	}
	return eq, nil
}

func printMutants(w io.Writer, ms []*mutate.Mutant) {
	for _, m := range ms {
		patch := ""
		if m.PatchOff != "" {
			patch = "  [also with patch " + m.PatchOff + " off]"
		}
		fmt.Fprintf(w, "%s %s %s %s: %s%s\n", m.ID, m.Pos(), m.Op, m.Func, m.Describe(), patch)
	}
	fmt.Fprintf(w, "%d mutants\n", len(ms))
}

// replayMutant builds one mutant and runs one seed of one workload of it
// with the trace, as dst replay does for the unmutated model.
func (f *mutateFlags) replayMutant(ms []*mutate.Mutant, stdout, stderr io.Writer) error {
	i := strings.LastIndex(f.replay, ":")
	if i < 0 {
		return usagef("--replay %q: want WORKLOAD:SEED", f.replay)
	}
	seed, err := sim.ParseSeed(f.replay[i+1:])
	if err != nil {
		return usagef("--replay: %v", err)
	}
	tmp, err := os.MkdirTemp("", "dst-mutant-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildMutant(f.pkg, ms[0], tmp)
	if err != nil {
		return err
	}
	got, err := runSeed(context.Background(), bin, f.replay[:i], seed, f.set, true, newTraceFilter("", "").keep, stdout, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mutant %s %s %s: %s\n", ms[0].ID, ms[0].Pos(), ms[0].Op, ms[0].Describe())
	fmt.Fprintf(stdout, "%s seed %d: %s", f.replay[:i], seed, got.Outcome)
	if got.Failed() {
		fmt.Fprintf(stdout, " (%s): %s", got.Kind, firstLine(got.Message))
	}
	fmt.Fprintf(stdout, "\nhash=%s\n", got.Hash)
	return nil
}

// run sweeps the mutants not yet in previous and prints the summary.
func (f *mutateFlags) run(ms []*mutate.Mutant, previous []MutantResult, stdout, stderr io.Writer) error {
	eq, err := f.equivalents()
	if err != nil {
		return err
	}
	bin, err := Build(f.pkg, f.cache, stderr)
	if err != nil {
		return err
	}
	all, err := Discover(bin, stderr)
	if err != nil {
		return err
	}
	h := f.header(bin, all)
	w, err := f.openReport(h)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := &mutantRunner{pkg: f.pkg, workloads: h.Workloads, seeds: f.seeds, start: f.start, pins: f.set,
		budget: f.budget, seedTimeout: f.seedTimeout, workers: f.workers, out: stdout, results: w,
		base: bin, baseFails: map[string]bool{}}
	fmt.Fprintf(stdout, "dst mutate: %d mutants of %s (%d recorded), %d workloads of %s, %d seeds each, %d workers\n",
		len(ms), f.targets, len(previous), len(h.Workloads), f.pkg, f.seeds, f.workers)
	began := time.Now()
	unreached, err := f.unreached(ctx, r, ms, previous, eq, stdout)
	if err != nil {
		w.Close()
		return err
	}
	results := r.runAll(ctx, ms, previous, eq, unreached)
	if cerr := w.Close(); cerr != nil {
		return cerr
	}
	printMutationSummary(stdout, f, ms, results)
	fmt.Fprintf(stdout, "wall time %v\n", time.Since(began).Round(time.Second))
	if ctx.Err() != nil {
		if f.json != "" || f.resume != "" {
			fmt.Fprintf(stdout, "interrupted; continue with: go run ./cmd/dst mutate --resume %s\n", quoteArg(firstNonEmpty(f.resume, f.json)))
		}
		return errInterrupted
	}
	return r.err
}

// unreached runs the coverage sweeps (mutate_cover.go) when --coverage
// is on and some mutant is still to run, and returns which mutants no
// seed reaches; nil when coverage is off.
func (f *mutateFlags) unreached(ctx context.Context, r *mutantRunner, ms []*mutate.Mutant, previous []MutantResult, eq mutate.Equivalent, stdout io.Writer) (func(*mutate.Mutant) bool, error) {
	if !f.coverage {
		return nil, nil
	}
	done := map[string]bool{}
	for _, p := range previous {
		done[p.ID] = true
	}
	todo, patchOff := 0, false
	for _, m := range ms {
		if !done[m.ID] && eq.Reason(m) == "" {
			todo++
			patchOff = patchOff || m.PatchOff != ""
		}
	}
	if todo == 0 {
		return nil, nil
	}
	pkgs, err := resolveTargets(splitList(f.targets))
	if err != nil {
		return nil, err
	}
	began := time.Now()
	on, some, err := r.coverageSweep(ctx, pkgs, r.pins)
	if err != nil {
		return nil, err
	}
	r.sometimes, r.cover = some, on
	var off *reach
	if patchOff {
		if off, _, err = r.coverageSweep(ctx, pkgs, append(slices.Clone(r.pins), "patch=")); err != nil {
			return nil, err
		}
	}
	n := 0
	for _, m := range ms {
		if !done[m.ID] && eq.Reason(m) == "" && !reached(on, off, m) {
			n++
		}
	}
	fmt.Fprintf(stdout, "dst mutate: coverage of the unmutated model over the same seeds in %v: %d of %d mutants to run are on lines no seed runs\n",
		time.Since(began).Round(time.Second), n, todo)
	return func(m *mutate.Mutant) bool { return !reached(on, off, m) }, nil
}
