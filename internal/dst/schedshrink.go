package dst

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cdcsim/cdcsim/sim"
)

// Schedule shrinking (dst shrink --schedule). A failing run is a
// sequence of decisions (sim/decisions.go): each scheduler pick, each
// fault's chance, each draw. Shrinking rewrites decisions to their
// defaults (the oldest runnable task, no fault, the shortest latency, a
// draw of 0) while the run still fails the same way (failureKey), in the
// way Hypothesis and rapid shrink a choice sequence rather than the
// values built from it: ddmin-style, it tries to default a chunk of the
// decisions still set, from the whole sequence down to single decisions,
// and keeps a try when the run fails the same way (passes: shrink). A kept try's run
// becomes the new sequence: the decisions it actually served (a shorter
// run serves fewer), so later tries work on what the failure still uses.
// The decisions left set are the few that matter; explain.go prints
// each as a trace line with its step.

// errBudgetSpent ends a shrink whose wall budget ran out: what was kept
// so far is still a valid, smaller decision file.
var errBudgetSpent = errors.New("the wall budget ran out")

// schedShrinker is one schedule shrink in progress.
type schedShrinker struct {
	run      decisionRunner
	key      string // failureKey of the failure being kept
	deadline time.Time
	log      io.Writer // one line per kept try
	pins     sim.Pins  // the file's own pins, kept on every rewrite
	runs     int
	cur      *sim.DecisionFile
	curRec   *Record
}

// setDecisions returns the positions of the decisions of f still set.
func setDecisions(f *sim.DecisionFile) []int {
	var out []int
	for i, d := range f.Decisions {
		if !d.Default {
			out = append(out, i)
		}
	}
	return out
}

// shrink runs the passes in turn: a replay of the file as it is (whose
// record marks the decisions that decided as their default would, a pick
// of the oldest task or a chance that was no fault, as defaults), then
// byKind, suffix and chunks. It returns errBudgetSpent or ctx's error
// when stopped early; s.cur is the smallest file found.
func (s *schedShrinker) shrink(ctx context.Context) error {
	if _, err := s.try(ctx, nil); err != nil {
		return err
	}
	for _, pass := range []func(context.Context) error{s.byKind, s.byStream, s.suffix, s.chunks} {
		if err := pass(ctx); err != nil {
			return err
		}
	}
	return nil
}

// byKind tries each class of decision at once: every fault chance, every
// wait before a fault, every other draw, every pick. A failure that
// needs no fault at all loses its faults in one run.
func (s *schedShrinker) byKind(ctx context.Context) error {
	for _, k := range []sim.DrawKind{sim.DrawChance, sim.DrawGap, sim.DrawPlain, sim.DrawPick} {
		var idx []int
		for _, i := range setDecisions(s.cur) {
			if s.cur.Decisions[i].Kind == k {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			if _, err := s.try(ctx, idx); err != nil {
				return err
			}
		}
	}
	return nil
}

// byStream tries the decisions of each family of streams at once, the
// busiest first: every dispatcher's sink ("cluster/sink/..."), every
// fault site's stream of one component ("buggify/collector/..."), the
// network, the kernel's ("sim/..."). Most have nothing to do with the
// failure, and a family is one run where its streams would be dozens.
func (s *schedShrinker) byStream(ctx context.Context) error {
	for _, family := range familiesBySize(s.cur) {
		var idx []int
		for _, i := range setDecisions(s.cur) {
			if streamFamily(s.cur.Streams[s.cur.Decisions[i].Stream]) == family {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			if _, err := s.try(ctx, idx); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamFamily is a stream's label without its last segment
// ("cluster/sink/d38" -> "cluster/sink"); a one-segment label is its own.
func streamFamily(label string) string {
	if i := strings.LastIndexByte(label, '/'); i > 0 {
		return label[:i]
	}
	return label
}

// familiesBySize returns the families of f's streams with decisions
// set, most decisions first (ties by name).
func familiesBySize(f *sim.DecisionFile) []string {
	count := map[string]int{}
	var families []string
	for _, d := range f.Decisions {
		if d.Default {
			continue
		}
		fam := streamFamily(f.Streams[d.Stream])
		if count[fam] == 0 {
			families = append(families, fam)
		}
		count[fam]++
	}
	slices.SortFunc(families, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	return families
}

// suffix finds by bisection the shortest prefix of the decisions still
// set that fails on its own, every later one defaulted: the failure's
// setup is often early, and what follows it needs no help.
func (s *schedShrinker) suffix(ctx context.Context) error {
	set := setDecisions(s.cur)
	lo, hi := 0, len(set) // defaulting set[hi:] fails (nothing, at first)
	for lo < hi {
		mid := lo + (hi-lo)/2
		kept, err := s.try(ctx, set[mid:hi])
		if err != nil {
			return err
		}
		if kept {
			// The kept run replayed set[:mid] exactly up to the first
			// defaulted decision: its own decisions are that prefix.
			set = setDecisions(s.cur)
			hi = min(mid, len(set))
			lo = min(lo, hi)
		} else {
			lo = mid + 1
		}
	}
	return nil
}

// chunks is ddmin's pass: default chunks of the decisions still set,
// from all of them down to single decisions, keeping each chunk whose
// defaulting still fails the same way.
func (s *schedShrinker) chunks(ctx context.Context) error {
	set := setDecisions(s.cur)
	for size := max(len(set), 1); ; size = max(min(size/2, len(set)), 1) {
		for i := 0; i < len(set); {
			kept, err := s.try(ctx, set[i:min(i+size, len(set))])
			if err != nil {
				return err
			}
			if kept {
				// The kept run's own decisions: positions moved, so the
				// pass goes on from the same place in the new sequence.
				set = setDecisions(s.cur)
			} else {
				i += size
			}
		}
		if size == 1 {
			return nil
		}
	}
}

// try defaults the decisions at positions chunk and runs the result; it
// reports whether the run failed the same way (and was kept).
func (s *schedShrinker) try(ctx context.Context, chunk []int) (bool, error) {
	if time.Now().After(s.deadline) {
		return false, errBudgetSpent
	}
	cand := *s.cur
	cand.Decisions = slices.Clone(s.cur.Decisions)
	for _, i := range chunk {
		cand.Decisions[i].Default, cand.Decisions[i].Value = true, 0
	}
	cand.Hash = "" // a rewritten file: no hash to check against
	rec, served, err := s.run(ctx, decisionTry{file: &cand, record: true})
	s.runs++
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil || served == nil || failureKey(rec) != s.key {
		return false, nil // died, passed, or failed otherwise: not kept
	}
	if len(chunk) > 0 && served.NonDefault() >= s.cur.NonDefault() {
		// The same failure by a path that needed as many decisions or
		// more (defaults that spun a loop until the stream's own draws
		// took over): not smaller, not kept.
		return false, nil
	}
	served.Pins = s.pins
	s.cur, s.curRec = served, rec
	if len(chunk) > 0 {
		fmt.Fprintf(s.log, "  run %d: defaulted %d decision(s) from step %d: still fails, %d set, %d steps\n",
			s.runs, len(chunk), cand.Decisions[chunk[0]].Step, served.NonDefault(), rec.Steps)
	} else {
		fmt.Fprintf(s.log, "  run %d: replayed as recorded: %d decisions decide otherwise than their default\n", s.runs, served.NonDefault())
	}
	return true, nil
}

// cmdShrinkSchedule shrinks the decisions of a failing seed (tg) within
// budget and writes the smallest decision file found to out.
func cmdShrinkSchedule(tg *seedTarget, file *sim.DecisionFile, budget time.Duration, out string, stdout io.Writer) error {
	ctx := context.Background()
	start := time.Now()
	var first *Record
	var err error
	if file == nil {
		if first, file, err = recordDecisions(ctx, tg.bin, tg.workload, tg.seed, tg.pins); err != nil {
			return err
		}
	} else if first, _, err = procRunner(tg.bin, nil)(ctx, decisionTry{file: file}); err != nil {
		return err
	}
	if !first.Failed() {
		return usagef("%s seed %d passes: nothing to shrink", tg.workload, tg.seed)
	}
	fmt.Fprintf(stdout, "%s seed %d fails (%s) in %d steps with %d decisions set (%d in all): %s\n",
		tg.workload, tg.seed, first.Kind, first.Steps, file.NonDefault(), len(file.Decisions), firstLine(first.Message))
	s := &schedShrinker{run: procRunner(tg.bin, []string{budgetPin(first.Steps)}), key: failureKey(first),
		deadline: start.Add(budget), log: stdout, pins: file.Pins, cur: file, curRec: first}
	stopped := s.shrink(ctx)
	if stopped != nil && !errors.Is(stopped, errBudgetSpent) {
		return stopped
	}
	if out == "" {
		out = fmt.Sprintf("%s-seed%d.decisions", strings.NewReplacer("/", "_", " ", "_").Replace(tg.workload), tg.seed)
	}
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	wall := time.Since(start)
	fmt.Fprintf(stdout, "\nshrunk in %d runs (%s%s): decisions set %d -> %d; steps %d -> %d\n",
		s.runs, wall.Round(time.Millisecond), stopNote(stopped), file.NonDefault(), s.cur.NonDefault(), first.Steps, s.curRec.Steps)
	keep := s.cur
	if served, err := explainDecisions(ctx, tg.bin, s.cur, stdout); err != nil {
		fmt.Fprintf(stdout, "(could not explain the decisions: %v)\n", err)
	} else {
		keep = served // the same run, with its hash
		keep.Pins = s.pins
		keep = trimmedIfSame(ctx, tg.bin, keep)
	}
	if err := keep.WriteFile(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d decisions, %d set)\n", out, len(keep.Decisions), keep.NonDefault())
	fmt.Fprintf(stdout, "replay: %s\n", replayDecisionsLine(tg.pkg, tg.workload, out))
	fmt.Fprintf(stdout, "    or: go run ./cmd/dst replay --decisions %s\n", quoteArg(out))
	return nil
}

// trimDefaults returns f without the defaults that end each stream's
// decisions: a replay serves the default past a stream's last recorded
// decision anyway, so the file is shorter and replays the same run.
func trimDefaults(f *sim.DecisionFile) *sim.DecisionFile {
	last := make([]int, len(f.Streams))
	for i := range last {
		last[i] = -1
	}
	for i, d := range f.Decisions {
		if !d.Default {
			last[d.Stream] = i
		}
	}
	t := *f
	t.Decisions = nil
	for i, d := range f.Decisions {
		if i <= last[d.Stream] {
			t.Decisions = append(t.Decisions, d)
		}
	}
	return &t
}

// trimmedIfSame returns f trimmed (trimDefaults) when the trimmed file
// replays to f's hash, and f otherwise: one more run buys a file a
// reader can scroll. A record without a hash (a replay that marked
// decisions as the defaults they acted as) is replayed once more first:
// the same run, now with every such decision a default, and a hash.
func trimmedIfSame(ctx context.Context, bin *Binary, f *sim.DecisionFile) *sim.DecisionFile {
	for try := 0; try < 2 && f.Hash == ""; try++ {
		_, served, err := procRunner(bin, nil)(ctx, decisionTry{file: f, record: true})
		if err != nil {
			return f
		}
		served.Pins, f = f.Pins, served
	}
	t := trimDefaults(f)
	if len(t.Decisions) == len(f.Decisions) || f.Hash == "" {
		return f
	}
	rec, _, err := procRunner(bin, nil)(ctx, decisionTry{file: t})
	if err != nil || rec.Hash != f.Hash {
		return f
	}
	return t
}

func stopNote(err error) string {
	if err != nil {
		return ", stopped: " + err.Error()
	}
	return ", every chunk tried"
}

// loadDecisionsArg reads a --decisions file; a bad one is an input error.
func loadDecisionsArg(path string) (*sim.DecisionFile, error) {
	f, err := sim.LoadDecisions(path)
	if err != nil {
		return nil, usagef("--decisions: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("--decisions: %v", err)
	}
	return f, nil
}
