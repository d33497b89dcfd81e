package dst

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// The point of no return (dst pnr), FoundationDB's "re-seed at a chosen
// simulated time" as a command. For a failing run, replay its decisions
// up to step k and draw afresh after it (sim: -sim.until=k -sim.fresh=S),
// N times with N fresh seeds, and count the continuations that fail the
// same way (failureKey). Before the decisions that doom the run most
// continuations escape; after them every one fails. Bisection over k
// finds the earliest k at which at least the threshold (95%) of
// continuations fail: the decisions drawn in the window just before it
// are where the failure became certain. Bisection assumes the fraction
// grows with k; it usually does (a longer prefix pins more of the run),
// but nothing guarantees it, so the window is the first found, not
// proven the only one.

// pnrResult is what the search found: the failure is certain (at least
// the threshold of continuations fail) from step hi, and not from lo.
type pnrResult struct {
	lo, hi         uint64
	failLo, failHi int // continuations that failed the same way at lo and hi
	n              int
	runs           int
}

// pnrSearch runs the bisection. failStep is the step at which the
// recorded run failed: a prefix up to failStep+1 replays every draw the
// run made, so the failure is certain there.
type pnrSearch struct {
	run       decisionRunner
	file      *sim.DecisionFile
	key       string
	n         int
	threshold float64
	parallel  int
	runs      int
	log       io.Writer
}

// find bisects [1, failStep+1] for the earliest certain step.
func (p *pnrSearch) find(ctx context.Context, failStep uint64) (pnrResult, error) {
	res := pnrResult{lo: 1, hi: failStep + 1, n: p.n}
	failHi, err := p.fails(ctx, res.hi)
	if err != nil {
		return res, err
	}
	res.failHi = failHi
	failLo, err := p.fails(ctx, res.lo)
	if err != nil {
		return res, err
	}
	res.failLo = failLo
	if p.certain(failLo) {
		res.hi, res.failHi = res.lo, failLo // doomed from the first step: the configuration decides
		res.runs = p.runs
		return res, nil
	}
	for res.hi-res.lo > 1 {
		mid := res.lo + (res.hi-res.lo)/2
		f, err := p.fails(ctx, mid)
		if err != nil {
			return res, err
		}
		if p.certain(f) {
			res.hi, res.failHi = mid, f
		} else {
			res.lo, res.failLo = mid, f
		}
	}
	res.runs = p.runs
	return res, nil
}

// certain reports whether f failures of n reach the threshold.
func (p *pnrSearch) certain(f int) bool { return f >= p.needed() }

func (p *pnrSearch) needed() int { return int(math.Ceil(p.threshold * float64(p.n))) }

// fails runs the n continuations after step k (fresh seeds 1..n, up to
// p.parallel at a time) and returns how many fail the same way. It stops
// early once the verdict cannot change, and then counts the runs not
// made as they would have to go for the verdict to hold (so a count
// below the threshold is a lower bound, one above it exact enough).
func (p *pnrSearch) fails(ctx context.Context, k uint64) (int, error) {
	var mu sync.Mutex
	failed, done, next := 0, 0, 1
	var firstErr error
	decided := func() bool { return failed >= p.needed() || failed+(p.n-done) < p.needed() }
	var wg sync.WaitGroup
	for range max(p.parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next > p.n || decided() || firstErr != nil {
					mu.Unlock()
					return
				}
				fresh := uint64(next)
				next++
				mu.Unlock()
				rec, _, err := p.run(ctx, decisionTry{file: p.file, until: k, fresh: fresh})
				mu.Lock()
				p.runs++
				done++
				switch {
				case ctx.Err() != nil:
					firstErr = ctx.Err()
				case err != nil:
					// A continuation that died without a result is not
					// the failure: counted as escaping.
				case failureKey(rec) == p.key:
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	fmt.Fprintf(p.log, "  prefix to step %d: %d of %d continuations fail the same way", k, failed, done)
	if done < p.n {
		fmt.Fprintf(p.log, " (settled: the other %d not run)", p.n-done)
	}
	fmt.Fprintln(p.log)
	return failed, nil
}

// cmdPNR finds a failing seed's point of no return and prints it with
// the trace lines of its window.
func cmdPNR(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst pnr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSeedFlags(fs, "a results file: take the package and settings from it")
	n := fs.Int("n", 20, "continuations per step tried (fresh seeds 1..n)")
	threshold := fs.Float64("threshold", 0.95, "the fraction of continuations that must fail for the failure to be certain")
	parallel := fs.Int("parallel", 2, "continuations run at a time")
	window := fs.Int("lines", 60, "at most this many trace lines of the window are printed")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	switch {
	case *n < 1:
		return usagef("--n %d: want at least 1 continuation", *n)
	case !(*threshold > 0 && *threshold <= 1):
		return usagef("--threshold %v: want a fraction in (0, 1]", *threshold)
	}
	tg, err := sf.resolve(fs, "pnr", stderr)
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	first, file, err := targetDecisions(ctx, tg)
	if err != nil {
		return err
	}
	if !first.Failed() {
		return usagef("%s seed %d passes: no failure to find the point of no return of", tg.workload, tg.seed)
	}
	fmt.Fprintf(stdout, "%s seed %d fails (%s) at step %d: %s\n", tg.workload, tg.seed, first.Kind, first.Steps, firstLine(first.Message))
	p := &pnrSearch{run: procRunner(tg.bin, []string{budgetPin(first.Steps)}), file: file, key: failureKey(first),
		n: *n, threshold: *threshold, parallel: *parallel, log: stdout}
	res, err := p.find(ctx, first.Steps)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nfrom step %d the failure is certain: %d of %d continuations with fresh draws after it fail the same way", res.hi, res.failHi, res.n)
	if res.hi > 1 {
		fmt.Fprintf(stdout, "; after step %d fewer than %d do (%d failed before enough escaped to settle it)", res.lo, p.needed(), res.failLo)
	}
	fmt.Fprintf(stdout, " (%d runs, %s)\n", res.runs, time.Since(start).Round(time.Millisecond))
	return printWindow(ctx, tg, file, res, *window, stdout)
}

// targetDecisions returns the target's decision file, recording the seed
// when no --decisions file was given, and its run's result.
func targetDecisions(ctx context.Context, tg *seedTarget) (*Record, *sim.DecisionFile, error) {
	if tg.decisions == nil {
		return recordDecisions(ctx, tg.bin, tg.workload, tg.seed, tg.pins)
	}
	rec, _, err := procRunner(tg.bin, nil)(ctx, decisionTry{file: tg.decisions})
	return rec, tg.decisions, err
}

// printWindow prints the decisions drawn in the window [lo, hi) and the
// trace lines of steps lo..hi (the window, and the first certain step,
// where what the window decided shows), from a traced replay of the
// whole file.
func printWindow(ctx context.Context, tg *seedTarget, file *sim.DecisionFile, res pnrResult, limit int, out io.Writer) error {
	lo, hi := res.lo, res.hi
	if hi <= 1 {
		lo = 0
	}
	var drawn []string
	for _, d := range file.Decisions {
		if d.Step >= lo && d.Step < hi {
			drawn = append(drawn, fmt.Sprintf("step %d %s (%c)", d.Step, file.Streams[d.Stream], d.Kind))
		}
	}
	fmt.Fprintf(out, "decisions drawn in steps %d..%d: %s\n", lo, hi-1, strings.Join(drawn, ", "))
	fmt.Fprintf(out, "the trace of steps %d..%d (the window, and the first certain step):\n", lo, hi)
	printed := 0
	keep := func(line string) bool {
		f := strings.Fields(line)
		if len(f) < 4 {
			return false
		}
		s, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || s < lo || s > hi || printed >= limit {
			return false
		}
		printed++
		return true
	}
	path, cleanup, err := writeTemp(file)
	if err != nil {
		return err
	}
	defer cleanup()
	_, err = runSeedArgs(ctx, tg.bin, file.Workload, file.Seed, nil, []string{"-sim.decisions=" + path}, true, keep, out, io.Discard)
	if printed >= limit {
		fmt.Fprintf(out, "  ... (--lines %d reached)\n", limit)
	}
	return err
}
