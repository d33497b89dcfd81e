package dst

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Simplifications are the pins dst shrink tries on a failing seed, coarse
// first: every fault at once, then each fault class, then the
// perturbations of the scheduler (Buggify; a fixed task order, or else
// the random strategy instead of PCT), then a fixed latency. Each
// switches one source of noise off, so a kept one leaves a trace with
// fewer events that have nothing to do with the failure. Of two for the
// same key the simpler comes first, and once it is kept the other is not
// tried.
func Simplifications() []string {
	return []string{
		"faults=none",
		"node.crash-every=0s",
		"net.partition-every=0s",
		"net.clog-every=0s",
		"net.drop=0",
		"net.dup=0",
		"net.spike=0",
		"net.congested=0",
		"net.not-ready=0",
		"buggify.p=0",
		"strategy=oldest",
		"strategy=random",
		"net.latency=fixed(1ms)",
	}
}

// cmdShrink looks for a simpler configuration under which a failing seed
// still fails the same way. A seed's run is a function of its
// configuration, so this shrinks the input the seed stands for, the way a
// property-based tester shrinks a failing case: each simplification is
// tried in turn on top of those kept so far, and kept when the seed still
// fails with the same failure. A pin that leaves the run as it was (the
// same hash: the fault class never fired, or the workload pins the field
// after the swarm draw) is not kept. Pins not kept are tried again after
// a later one is kept (the run is then another one), until a round keeps
// nothing: at most as many rounds as there are simplifications.
func cmdShrink(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dst shrink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addSeedFlags(fs, "a results file: take the package and settings from it")
	match := fs.String("match", "message", "what counts as the same failure: kind (the failure's kind) or message (the kind and the first line of the message, numbers aside)")
	schedule := fs.Bool("schedule", false, "shrink the run's decisions (schedule, faults, draws) toward their defaults instead of its configuration (see the package doc)")
	budget := fs.Duration("budget", 5*time.Minute, "with --schedule: the wall-time budget; the smallest file found by then is kept")
	out := fs.String("o", "", "with --schedule: where to write the shrunk decision file (default WORKLOAD-seedN.decisions here)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *match != "kind" && *match != "message" {
		return usagef("--match %q: want kind or message", *match)
	}
	if *budget <= 0 {
		return usagef("--budget %v: want a positive duration", *budget)
	}
	tg, err := sf.resolve(fs, "shrink", stderr)
	if err != nil {
		return err
	}
	if *schedule {
		return cmdShrinkSchedule(tg, tg.decisions, *budget, *out, stdout)
	}
	if tg.decisions != nil {
		return usagef("--decisions shrinks a schedule: add --schedule")
	}
	workload, seed, pins := tg.workload, tg.seed, tg.pins
	start := time.Now()
	first, err := runSeed(context.Background(), tg.bin, workload, seed, pins, false, nil, io.Discard, io.Discard)
	if err != nil {
		return err
	}
	if !first.Failed() {
		return usagef("%s seed %d passes with %s: nothing to shrink", workload, seed, describePins(pins))
	}
	fmt.Fprintf(stdout, "%s seed %d fails (%s) in %d steps, %s virtual: %s\n",
		workload, seed, first.Kind, first.Steps, time.Duration(first.VTimeNS), firstLine(first.Message))
	res := shrinkSeed(context.Background(), tg.bin, pins, first, *match, stdout)
	if res.err != nil {
		return res.err
	}
	last := res.last
	fmt.Fprintf(stdout, "\nshrunk in %d runs (%s): kept %d of %d simplifications; steps %d -> %d, virtual time %s -> %s\n",
		res.runs+1, time.Since(start).Round(time.Millisecond), len(res.pins)-len(pins), len(Simplifications()),
		first.Steps, last.Steps, time.Duration(first.VTimeNS), time.Duration(last.VTimeNS))
	fmt.Fprintf(stdout, "settings: %s\n", describePins(res.pins))
	fmt.Fprintf(stdout, "replay: %s\n", ReplayLine(&Header{Pkg: tg.pkg, Set: res.pins}, workload, seed, ""))
	return nil
}

// shrinkSeed shrinks the configuration of first, a failing run of its
// workload and seed under pins: a run counts as the same failure by
// match ("kind" or "message"). Each try is a process of bin; the tries
// stop when ctx ends.
func shrinkSeed(ctx context.Context, bin *Binary, pins []string, first *Record, match string, out io.Writer) shrinkResult {
	run := func(p []string) (*Record, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := runSeed(ctx, bin, first.Test, first.Seed, p, false, nil, io.Discard, io.Discard)
		if ctx.Err() != nil {
			return nil, ctx.Err() // killed: not the pin's doing
		}
		return r, err
	}
	same := func(r *Record) bool {
		return r.Failed() && r.Kind == first.Kind && (match == "kind" || failureShape(r.Message) == failureShape(first.Message))
	}
	return shrink(pins, first, same, run, out)
}

// shrinkResult is what shrink found: the pins kept (after the given
// ones), the run under them, and how many runs it took.
type shrinkResult struct {
	pins []string
	last *Record
	runs int
	err  error
}

// shrink is the greedy loop of cmdShrink, apart from the processes so
// that it can be read (and tested) on its own: try each simplification
// not yet kept on top of the pins, keep it when the run fails the same
// way and differs from the current one, and go round again while any
// was kept.
func shrink(pins []string, cur *Record, same func(*Record) bool, run func([]string) (*Record, error), out io.Writer) shrinkResult {
	pins = slices.Clip(pins)
	res := shrinkResult{pins: pins, last: cur}
	for round, changed := 1, true; changed; round++ {
		changed = false
		fmt.Fprintf(out, "round %d:\n", round)
		for _, c := range Simplifications() {
			if slices.Contains(res.pins, c) || slices.ContainsFunc(res.pins[len(pins):], sameKey(c)) {
				continue
			}
			r, err := run(append(res.pins, c))
			res.runs++
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				res.err = err
				return res
			}
			var verdict string
			switch {
			case err != nil:
				// The process died without a result under this pin: not
				// the failure we are shrinking.
				verdict = fmt.Sprintf("no result (%v): not kept", err)
			case r.Hash == res.last.Hash:
				// The same run: the field already had that value, the
				// workload pins it, or the failure comes before it
				// matters. Keeping it would only lengthen the command.
				verdict = "no effect: not kept"
			case same(r):
				res.pins, res.last, changed = append(res.pins, c), r, true
				verdict = fmt.Sprintf("still fails, %d steps: kept", r.Steps)
			case r.Failed():
				verdict = fmt.Sprintf("fails otherwise (%s: %s): not kept", r.Kind, firstLine(r.Message))
			default:
				verdict = "passes: not kept"
			}
			fmt.Fprintf(out, "  %-26s %s\n", c, verdict)
		}
	}
	return res
}

// sameKey returns whether a pin sets the same key as pin c.
func sameKey(c string) func(string) bool {
	key, _, _ := strings.Cut(c, "=")
	return func(p string) bool { k, _, _ := strings.Cut(p, "="); return k == key }
}

// digits are the numbers of a failure message: ids, timestamps, counts.
var digits = regexp.MustCompile(`[0-9]+`)

// failureShape is the first line of a failure message with its numbers
// blanked, so that the same failure on another dispatcher or at another
// timestamp matches.
func failureShape(msg string) string {
	return digits.ReplaceAllString(strings.TrimSpace(firstLine(msg)), "#")
}

// describePins prints pins for a message: "the defaults" when there are
// none.
func describePins(pins []string) string {
	if len(pins) == 0 {
		return "the seed's own configuration"
	}
	return strings.Join(pins, " ")
}

// shrinkFailures shrinks the configuration of up to n of a sweep's
// failing seeds and prints each one's simpler replay line. It takes the
// first seed (by workload, then seed) of each distinct failure (the
// workload, the kind, the message's shape), so that n shrinks go to n
// different bugs, and leaves out what a configuration cannot reproduce
// on its own: nondeterminism, and a worker's crash or timeout.
func shrinkFailures(ctx context.Context, n int, h *Header, bin *Binary, failures []Record, out io.Writer) {
	var picked []Record
	seen := map[string]bool{}
	sorted := slices.Clone(failures)
	slices.SortStableFunc(sorted, func(a, b Record) int {
		return cmp.Or(strings.Compare(a.Test, b.Test), cmp.Compare(a.Seed, b.Seed))
	})
	for _, f := range sorted {
		key := f.Test + "\x00" + f.Kind + "\x00" + failureShape(f.Message)
		switch {
		case f.Kind == string(sim.KindNondeterminism) || f.Kind == KindCrash || f.Kind == KindTimeout || seen[key]:
			continue
		}
		seen[key] = true
		picked = append(picked, f)
	}
	if len(picked) == 0 {
		return
	}
	if len(picked) > n {
		fmt.Fprintf(out, "\nshrinking %d of %d distinct failures (--shrink %d):\n", n, len(picked), n)
		picked = picked[:n]
	} else {
		fmt.Fprintf(out, "\nshrinking %d distinct failure(s):\n", len(picked))
	}
	for _, f := range picked {
		start := time.Now()
		res := shrinkSeed(ctx, bin, h.Set, &f, "message", io.Discard)
		fmt.Fprintf(out, "%s seed %d (%s): ", f.Test, f.Seed, f.Kind)
		switch {
		case res.err != nil:
			fmt.Fprintf(out, "stopped: %v\n", res.err)
			return
		case len(res.pins) == len(h.Set):
			fmt.Fprintf(out, "nothing simpler fails the same way (%d runs, %s)\n", res.runs, time.Since(start).Round(time.Millisecond))
		default:
			fmt.Fprintf(out, "kept %s (%d runs, %s); steps %d -> %d\n", strings.Join(res.pins[len(h.Set):], " "),
				res.runs, time.Since(start).Round(time.Millisecond), f.Steps, res.last.Steps)
			fmt.Fprintf(out, "  replay: %s\n", ReplayLine(&Header{Pkg: h.Pkg, Set: res.pins}, f.Test, f.Seed, ""))
		}
	}
}
