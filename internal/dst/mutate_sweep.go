package dst

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/internal/mutate"
	"github.com/cdcsim/cdcsim/sim"
	"github.com/cdcsim/cdcsim/variant"
)

// mutantRunner builds and sweeps mutants over worker goroutines, each
// running one mutant at a time: its build (go test -c with an overlay),
// then its seeds one process after another. Parallelism is over mutants,
// never inside one, so which seed kills a mutant depends only on the
// mutant, the flags and the model's determinism, not on scheduling.
type mutantRunner struct {
	pkg         string
	workloads   []string
	seeds       int
	start       uint64
	pins        []string
	budget      time.Duration
	seedTimeout time.Duration
	workers     int
	out         io.Writer
	results     *Writer // nil: no results file

	// base is the unmutated binary: a killing seed is run on it too,
	// and baseFails caches which (workload, seed, pins) fail there.
	base      *Binary
	baseFails map[string]bool

	// sometimes is the unmutated model's Sometimes over the same seeds
	// (the coverage sweep's); nil without one. A mutant whose sweep
	// passes every seed but loses one of them is killed (sometimes.go).
	sometimes sometimesBaseline
	// cover is the coverage sweep's reach with the workloads' pins; nil
	// without one. A mutant is swept only on the workloads that ran its
	// line (mutate_cover.go, "Selecting workloads by coverage").
	cover *reach

	mu   sync.Mutex
	done int
	err  error // the first error writing the results file
}

// runAll runs the mutants that previous does not hold and returns every
// result, previous ones included, by mutant in the order of ms. A
// mutant listed as equivalent is recorded without running. When ctx
// ends, the mutants in progress are dropped, not recorded.
func (r *mutantRunner) runAll(ctx context.Context, ms []*mutate.Mutant, previous []MutantResult, eq mutate.Equivalent, unreached func(*mutate.Mutant) bool) map[string]*MutantResult {
	results := map[string]*MutantResult{}
	for i := range previous {
		p := &previous[i]
		// The equivalence file is the reader's judgement, applied when
		// the report is read: a survivor judged equivalent since it ran
		// counts as equivalent in this summary (the file keeps its line).
		if reason := eq.Reason(&p.Mutant); reason != "" && p.Outcome != OutcomeKilled && p.Outcome != OutcomeNotCompiled {
			p.Outcome, p.Reason = OutcomeEquivalent, reason
		}
		results[p.ID] = p
	}
	var todo []*mutate.Mutant
	for _, m := range ms {
		switch {
		case results[m.ID] != nil:
		case eq.Reason(m) != "":
			res := &MutantResult{Mutant: *m, Outcome: OutcomeEquivalent, Reason: eq.Reason(m)}
			results[m.ID] = res
			r.record(res, len(ms))
		case unreached != nil && unreached(m):
			res := &MutantResult{Mutant: *m, Outcome: OutcomeUnreached,
				Message: fmt.Sprintf("no seed of the sweep runs %s", m.Pos())}
			results[m.ID] = res
			r.record(res, len(ms))
		default:
			todo = append(todo, m)
		}
	}
	r.done = len(ms) - len(todo)
	next := make(chan *mutate.Mutant)
	var wg sync.WaitGroup
	for range min(r.workers, max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				if res := r.one(ctx, m); res != nil {
					r.mu.Lock()
					results[m.ID] = res
					r.mu.Unlock()
					r.record(res, len(ms))
				}
			}
		}()
	}
	for _, m := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- m
	}
	close(next)
	wg.Wait()
	return results
}

// record writes a result line and prints its progress line.
func (r *mutantRunner) record(res *MutantResult, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.results != nil {
		if err := r.results.writeLine(res); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.done++
	detail := ""
	switch res.Outcome {
	case OutcomeKilled:
		detail = fmt.Sprintf(" by %s seed %d (%s)", res.Workload, res.Seed, res.Kind)
	case OutcomeSurvived:
		detail = fmt.Sprintf(" %d seeds", res.SeedsRun)
	}
	if res.Outcome != OutcomeEquivalent && res.Outcome != OutcomeUnreached {
		fmt.Fprintf(r.out, "[%d/%d] %-12s %s %s %s%s, %v\n", r.done, total, res.Outcome, res.ID, res.Pos(), res.Op, detail, time.Duration(res.WallNS).Round(100*time.Millisecond))
	}
}

// one builds and sweeps one mutant; nil when ctx ended first.
func (r *mutantRunner) one(parent context.Context, m *mutate.Mutant) *MutantResult {
	began := time.Now()
	ctx, cancel := context.WithTimeout(parent, r.budget)
	defer cancel()
	res := &MutantResult{Mutant: *m}
	defer func() { res.WallNS = int64(time.Since(began)) }()
	tmp, err := os.MkdirTemp("", "dst-mutant-")
	if err != nil {
		res.Outcome, res.Message = OutcomeNotCompiled, err.Error()
		return res
	}
	defer os.RemoveAll(tmp)
	bin, err := buildMutant(r.pkg, m, tmp)
	if parent.Err() != nil {
		return nil
	}
	if err != nil {
		res.Outcome, res.Message = OutcomeNotCompiled, compileError(err)
		return res
	}
	ws := r.workloads
	if r.cover != nil {
		ws = r.cover.workloadsRunning(r.workloads, m.File, m.Line, m.Col)
		res.WorkloadsSkipped = len(r.workloads) - len(ws)
	}
	res.Outcome = OutcomeSurvived // what a sweep of no workload leaves
	if len(ws) > 0 {
		r.sweep(ctx, bin, r.pins, ws, res)
	}
	if res.Outcome == OutcomeSurvived && m.PatchOff != "" {
		// The patch may replace the mutated path: sweep with it off.
		res.PatchOffSwept = true
		r.sweep(ctx, bin, append(append([]string(nil), r.pins...), "patch="+patchesWithout(m.PatchOff)), r.workloads, res)
	}
	if parent.Err() != nil {
		return nil
	}
	if res.Outcome == OutcomeKilled && res.Kind != KindSometimes && r.base != nil {
		res.BaselineFails = r.baselineFails(parent, res)
	}
	return res
}

// baselineFails runs a killed mutant's seed on the unmutated model: a
// seed that fails there too says nothing about the mutant (the model or
// a workload is broken at HEAD), and the summary warns.
func (r *mutantRunner) baselineFails(ctx context.Context, res *MutantResult) bool {
	key := fmt.Sprintf("%s\x00%d\x00%q", res.Workload, res.Seed, res.Set)
	r.mu.Lock()
	fails, ok := r.baseFails[key]
	r.mu.Unlock()
	if ok {
		return fails
	}
	job := Job{Bin: r.base, Pins: res.Set, SeedTimeout: r.seedTimeout}
	job.RunChunk(ctx, Chunk{Workload: res.Workload, Start: res.Seed, Count: 1}, func(rec *Record) {
		fails = fails || rec.Failed()
	})
	r.mu.Lock()
	r.baseFails[key] = fails
	r.mu.Unlock()
	return fails
}

// sweep runs the seeds of the workloads, interleaved seed by seed (seed
// s of every workload before seed s+1 of any, so a mutant that any
// workload kills early is found early), and stops at the first failing
// seed. It sets res.Outcome to killed, survived or timeout.
func (r *mutantRunner) sweep(ctx context.Context, bin *Binary, pins []string, ws []string, res *MutantResult) {
	plan := Plan{Workloads: ws, Start: r.start, Seeds: r.seeds, Block: 1}
	cur := NewCursor(&plan, Done{})
	timeout := min(r.seedTimeout, r.budget)
	job := Job{Bin: bin, Pins: pins, SeedTimeout: timeout}
	if !slices.ContainsFunc(pins, func(p string) bool { return strings.HasPrefix(p, "budget.wall=") }) {
		// The simulator's own wall budget, well inside the watchdog's
		// (a failure is run twice): a mutant that loops through the
		// scheduler ends as a budget failure with its report, not a kill.
		job.Pins = append(slices.Clone(pins), fmt.Sprintf("budget.wall=%v", timeout/3))
	}
	reached := map[string]map[string]bool{} // workload -> Sometimes reached
	for {
		ch, ok := cur.Next()
		if !ok {
			res.Outcome = OutcomeSurvived
			if slices.Equal(pins, r.pins) { // the baseline ran with these pins
				r.lostSometimes(ws, reached, res)
			}
			return
		}
		var failed *Record
		job.RunChunk(ctx, ch, func(rec *Record) {
			res.SeedsRun++
			if rec.Failed() && failed == nil {
				failed = rec
			}
			for name, ok := range rec.Sometimes {
				if ok {
					if reached[rec.Test] == nil {
						reached[rec.Test] = map[string]bool{}
					}
					reached[rec.Test][name] = true
				}
			}
		})
		switch {
		case ctx.Err() != nil:
			res.Outcome = OutcomeTimeout
			res.Message = fmt.Sprintf("the wall budget of %v ran out after %d seeds", r.budget, res.SeedsRun)
			return
		case failed != nil && (failed.Kind == KindTimeout || isWallBudget(failed)):
			res.Outcome, res.Workload, res.Seed, res.Message = OutcomeTimeout, failed.Test, failed.Seed, firstLine(failed.Message)
			return
		case failed != nil:
			res.Outcome, res.Workload, res.Seed, res.Kind = OutcomeKilled, failed.Test, failed.Seed, failed.Kind
			res.Message, res.Set = firstLine(failed.Message), pins
			return
		}
	}
}

// isWallBudget reports a seed stopped by the simulator's wall-clock
// budget: an outcome of the machine's speed, not of the mutant alone.
// The step and virtual-time budgets are deterministic: they kill.
func isWallBudget(r *Record) bool {
	return r.Kind == string(sim.KindBudget) && strings.Contains(r.Message, "wall-clock")
}

// buildMutant writes the mutated file into dir and builds the workloads
// package's test binary with an overlay that puts it in place of the
// original: the tree is never touched.
func buildMutant(pkg string, m *mutate.Mutant, dir string) (*Binary, error) {
	src := filepath.Join(dir, filepath.Base(m.Path))
	if err := os.WriteFile(src, m.Source, 0o644); err != nil {
		return nil, err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {m.Path: src}})
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(path, overlay, 0o644); err != nil {
		return nil, err
	}
	return BuildOverlay(pkg, dir, path, io.Discard)
}

// compileError returns the first compiler message of a failed build.
func compileError(err error) string {
	msg := err.Error()
	for _, line := range strings.Split(msg, "\n") {
		if strings.Contains(line, ".go:") && !strings.HasPrefix(line, "#") {
			return strings.TrimSpace(line)
		}
	}
	return firstLine(msg)
}

// patchesWithout returns every patch variant but name, comma-separated:
// the workloads turn them all on (workloads.Patched), and the sweep
// with the patch off keeps the others. "*" (a patch the generator could
// not name) turns them all off.
func patchesWithout(name string) string {
	var keep []string
	for _, p := range variant.Patches() {
		if p.Name != name && name != "*" {
			keep = append(keep, p.Name)
		}
	}
	return strings.Join(keep, ",")
}
